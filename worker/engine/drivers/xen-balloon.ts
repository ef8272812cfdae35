/**
 * drivers/xen/balloon.c: the Xen balloon driver with CONFIG_XEN_BALLOON_MEMORY_HOTPLUG.
 *
 * The host sets a target; the balloon thread moves `current_pages` towards it. Raising the target
 * first repopulates ballooned pages; when none are left, `reserve_additional_memory()` makes one
 * "System RAM" resource for the whole shortfall rounded up to 128 MiB sections, placed first-fit
 * from address 0 over the top-level gaps of iomem_resource (`allocate_resource`, section aligned,
 * within the physical address bits), and hands it to `add_memory_resource()` (with the merge flag
 * from 5.10; the hotplug core applies the lab's strategy). New pages come online into the balloon
 * (`xen_online_page`), so only as many are populated as the target asks for — highest PFN first.
 * Lowering the target balloons pages out; hot-added memory is never removed.
 *
 * The thread's pacing follows `balloon_thread()`: 1 s while waiting for new memory to come online,
 * `schedule_delay` seconds (doubling up to 32) after a hypervisor refusal, giving up after four
 * retries for an hour; one iteration populates at most one page of frame numbers (512 pages).
 */
import { bootSystemRamPages, type Device, type DeviceContext, type DeviceFactoryResult, type DeviceSpecBase, type DeviceState, type HostRequest } from './device.js';
import { bytesOf, noDevice, specBase, type DeclBase, type DeviceDriver, type HostEnv, type HostOutcome, type PartialDecl } from './driver.js';
import type { MemoryNotify } from '../base/memory.js';
import { IORESOURCE_BUSY, IORESOURCE_SYSTEM_RAM, type NameId } from '../kernel/resource.js';
import { EBUSY, EINVAL, ENODEV, errnoName } from '../errno.js';
import { U64_MAX, bytesValue } from '../sizes.js';

const PAGE_SHIFT = 12n;
/** PAGES_PER_SECTION on x86-64 (SECTION_SIZE_BITS 27). */
const PAGES_PER_SECTION = 32768n;
/** frame_list[PAGE_SIZE / sizeof(xen_pfn_t)]: pages per increase/decrease_reservation() call. */
const FRAME_LIST_PAGES = 512n;
const HZ_MS = 1000;
/** Thread iterations one work() call may run back to back (no simulated time passes between them). */
const ITERATIONS_PER_WORK = 4096;

export type BpState = 'BP_DONE' | 'BP_WAIT' | 'BP_EAGAIN' | 'BP_ECANCELED';

/** A Xen balloon spec: the driver's parameters (sizes as bytes; strings such as "8G" are read too). */
export interface XenBalloonSpec extends DeviceSpecBase<'xen-balloon'> {
  /** The domain's maximum (xl mem-max); null or absent: no limit. */
  maxmem?: bigint | string | null;
  /** CONFIG_XEN_BALLOON_MEMORY_HOTPLUG (default true). */
  memoryHotplug?: boolean;
  /** Memory the guest's workload uses (never ballooned out). Default 0. */
  guestUsed?: bigint | string;
}

/** A Xen balloon as a normalized scenario declares it (sizes as decimal strings of bytes). */
export interface XenBalloonDecl extends DeclBase<'xen-balloon'> {
  /** The domain's maximum (xl mem-max): nothing is populated beyond it. Driver default: no limit. */
  maxmem?: string;
  /** CONFIG_XEN_BALLOON_MEMORY_HOTPLUG (false: targets above the memory are clamped). Driver default true. */
  memoryHotplug?: boolean;
  /** Memory the guest's workload uses (never ballooned out). Driver default 0. */
  guestUsed?: string;
}

/** The Xen balloon's state details (struct balloon_stats and the hotplug counters). */
export type XenBalloonDetails = {
  /** Hot-added address space beyond boot memory, in bytes (never shrinks). */
  hotplugBytes: bigint;
  state: BpState;
  currentPages: bigint;
  /** The host's target in pages: the guest's total memory. */
  targetPages: bigint;
  totalPages: bigint;
  balloonedPages: bigint;
  hotplugResources: number;
  hotplugOnlinedPages: bigint;
  hotplugPopulatedPages: bigint;
  scheduleDelay: number;
  retryCount: number;
  maxPages: bigint | null;
};

export interface XenBalloonParams {
  /** CONFIG_XEN_BALLOON_MEMORY_HOTPLUG (default true). Without it a target above the memory is clamped. */
  memoryHotplug: boolean;
  /** The domain's maximum (xl mem-max): the hypervisor populates no page beyond it. null: no limit. */
  maxmem: bigint | null;
  /** Memory the guest's workload uses (si_mem_available() leaves it out). Default 0. */
  guestUsed: bigint;
}

/** A run of ballooned pages; `pfn` null for pages ballooned out of the buddy allocator (anywhere). */
interface Segment {
  pfn: bigint | null;
  count: bigint;
}

const DEFAULT_PARAMS: XenBalloonParams = { memoryHotplug: true, maxmem: null, guestUsed: 0n };

/** Reads the driver's parameters from a spec; the error names the field. */
export function parseXenBalloonParams(spec: { readonly [K in keyof XenBalloonSpec]?: unknown }): { ok: true; params: XenBalloonParams } | { ok: false; error: string } {
  const p: XenBalloonParams = { ...DEFAULT_PARAMS };
  if (spec.memoryHotplug !== undefined) {
    if (typeof spec.memoryHotplug !== 'boolean') return { ok: false, error: 'xen-balloon: memoryHotplug must be true or false' };
    p.memoryHotplug = spec.memoryHotplug;
  }
  if (spec.maxmem !== undefined && spec.maxmem !== null) {
    const b = bytesValue(spec.maxmem);
    if (b === null) return { ok: false, error: 'xen-balloon: maxmem must be a size in bytes (e.g. "8G")' };
    p.maxmem = b;
  }
  if (spec.guestUsed !== undefined) {
    const b = bytesValue(spec.guestUsed);
    if (b === null) return { ok: false, error: 'xen-balloon: guestUsed must be a size in bytes (e.g. "512M")' };
    p.guestUsed = b;
  }
  return { ok: true, params: p };
}

export class XenBalloon implements Device<XenBalloonDetails> {
  readonly kind = 'xen-balloon' as const;
  /** struct balloon_stats (balloon_high stays 0: x86-64 has no highmem). */
  private currentPages: bigint;
  private targetPages: bigint;
  private totalPages: bigint;
  private readonly targetUnpopulated = 0n;
  private balloonLow = 0n;
  private scheduleDelay = 1;
  private readonly maxScheduleDelay = 32;
  private retryCount = 1;
  private readonly maxRetryCount = 4;
  private bpState: BpState = 'BP_DONE';
  /** ballooned_pages: the last element is the list head. */
  private readonly balloon: Segment[] = [];
  /** Every range reserve_additional_memory() added (merged or not in iomem). */
  private readonly added: { start: bigint; end: bigint }[] = [];
  private onlinedHotplugPages = 0n;
  private readonly bootPages: bigint;
  /** The "System RAM" literal of balloon.c. */
  private readonly name: NameId;
  private maxPages: bigint | null;
  private populateFailures = 0;
  // The thread's wait: the credit it went to sleep with, its timer, and when it began to wait.
  private sleepCredit = 0n;
  private timer: number | null = null;
  private timerFired = false;
  private waitSince = 0;
  private populated = 0n;
  private added0 = 0;

  constructor(
    readonly id: string,
    private readonly ctx: DeviceContext,
    private readonly params: XenBalloonParams,
    private readonly nid = 0,
  ) {
    this.bootPages = bootSystemRamPages(ctx.tree);
    this.currentPages = this.bootPages;
    this.targetPages = this.bootPages;
    this.totalPages = this.bootPages;
    this.maxPages = params.maxmem === null ? null : params.maxmem >> PAGE_SHIFT;
    this.name = ctx.tree.internName('System RAM', 'drivers/xen/balloon');
    this.log('info', 'Initialising balloon driver');
    if (params.memoryHotplug) ctx.blocks.registerNotifier((n) => this.memoryNotifier(n));
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.ctx.log('xen:balloon', level, message);
  }

  private currentCredit(): bigint {
    return this.targetPages - this.currentPages;
  }

  // ------------------------------------------------------------------ host side

  /** The host: a new target (xenstore memory/target), the domain's maximum, populate refusals. */
  request(req: HostRequest): number {
    if (req.type === 'target') {
      if (typeof req.bytes !== 'bigint' || req.bytes < 0n) return EINVAL;
      this.balloonSetNewTarget(req.bytes >> PAGE_SHIFT);
      return 0;
    }
    if (req.type !== 'custom') return EINVAL;
    const args = req.args ?? {};
    if (req.name === 'maxmem') {
      if (args.bytes === null) {
        this.maxPages = null;
        return 0;
      }
      const b = bytesValue(args.bytes);
      if (b === null) return EINVAL;
      this.maxPages = b >> PAGE_SHIFT;
      return 0;
    }
    if (req.name === 'populate-fail') {
      const n = args.count ?? 1;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return EINVAL;
      this.populateFailures = n;
      return 0;
    }
    return EINVAL;
  }

  /** balloon_set_new_target(): the thread wakes when its wait condition now holds. */
  private balloonSetNewTarget(target: bigint): void {
    this.targetPages = target;
  }

  // ------------------------------------------------------------------ the balloon list

  /** balloon_append(): lowmem pages go to the head of the list. */
  private balloonAppend(pfn: bigint | null, count: bigint): void {
    const head = this.balloon[this.balloon.length - 1];
    if (head && ((pfn === null && head.pfn === null) || (pfn !== null && head.pfn !== null && head.pfn + head.count === pfn))) head.count += count;
    else this.balloon.push({ pfn, count });
    this.balloonLow += count;
  }

  /** balloon_retrieve() × n: pages leave from the head, i.e. the highest PFNs appended last. */
  private balloonRetrieve(n: bigint): void {
    let left = n;
    while (left > 0n) {
      const head = this.balloon[this.balloon.length - 1]!;
      const k = head.count < left ? head.count : left;
      head.count -= k;
      if (head.pfn !== null) this.populated += k;
      if (head.count === 0n) this.balloon.pop();
      left -= k;
    }
    this.balloonLow -= n;
  }

  // ------------------------------------------------------------------ the thread

  /**
   * One pass of balloon_thread()'s loop body: repopulate, hot-add, or balloon out, then
   * update_schedule().
   */
  private iteration(): void {
    const credit = this.currentCredit();
    if (credit > 0n) this.bpState = this.balloonLow > 0n ? this.increaseReservation(credit) : this.reserveAdditionalMemory();
    if (credit < 0n) {
      const avail = this.availablePages();
      this.bpState = this.decreaseReservation(-credit < avail ? -credit : avail);
    }
    this.updateSchedule();
  }

  /** update_schedule(): back-off after EAGAIN, reset after DONE, give up after max_retry_count. */
  private updateSchedule(): void {
    if (this.bpState === 'BP_WAIT' || this.bpState === 'BP_ECANCELED') return;
    if (this.bpState === 'BP_DONE') {
      this.scheduleDelay = 1;
      this.retryCount = 1;
      return;
    }
    this.retryCount++;
    if (this.retryCount > this.maxRetryCount) {
      this.scheduleDelay = 1;
      this.retryCount = 1;
      this.bpState = 'BP_ECANCELED';
      return;
    }
    this.scheduleDelay = Math.min(this.scheduleDelay * 2, this.maxScheduleDelay);
    this.bpState = 'BP_EAGAIN';
  }

  /** increase_reservation(): populate up to 512 ballooned pages; the hypervisor may refuse. */
  private increaseReservation(credit: bigint): BpState {
    let nr = credit < FRAME_LIST_PAGES ? credit : FRAME_LIST_PAGES;
    if (nr > this.balloonLow) nr = this.balloonLow;
    const rc = this.populatePhysmap(nr);
    if (rc <= 0n) return 'BP_EAGAIN';
    this.balloonRetrieve(rc);
    this.currentPages += rc;
    return 'BP_DONE';
  }

  /** XENMEM_populate_physmap as the host answers it: bounded by the domain's maximum. */
  private populatePhysmap(nr: bigint): bigint {
    if (this.populateFailures > 0) {
      this.populateFailures--;
      return 0n;
    }
    if (this.maxPages === null) return nr;
    const room = this.maxPages - this.currentPages;
    return room <= 0n ? 0n : room < nr ? room : nr;
  }

  /** decrease_reservation(): hand up to 512 pages back to Xen; they join the balloon. */
  private decreaseReservation(n: bigint): BpState {
    const nr = n < FRAME_LIST_PAGES ? n : FRAME_LIST_PAGES;
    if (nr <= 0n) return 'BP_EAGAIN';
    this.balloonAppend(null, nr);
    this.currentPages -= nr;
    return 'BP_DONE';
  }

  /** si_mem_available(), roughly: populated pages the workload does not use. */
  private availablePages(): bigint {
    const a = this.currentPages - (this.params.guestUsed >> PAGE_SHIFT);
    return a > 0n ? a : 0n;
  }

  /**
   * reserve_additional_memory(): one resource for the whole shortfall rounded up to sections,
   * allocated first-fit and added; on any failure it is released again and the thread gives up
   * (BP_ECANCELED). Without memory hotplug the target is clamped instead.
   */
  private reserveAdditionalMemory(): BpState {
    if (!this.params.memoryHotplug) {
      this.targetPages = this.currentPages + this.targetUnpopulated;
      return 'BP_ECANCELED';
    }
    const credit = this.targetPages + this.targetUnpopulated - this.totalPages;
    if (credit <= 0n) return 'BP_WAIT';
    const hotplug = ((credit + PAGES_PER_SECTION - 1n) / PAGES_PER_SECTION) * PAGES_PER_SECTION;
    const size = hotplug << PAGE_SHIFT;
    const t = this.ctx.tree;
    const res = t.alloc(this.name, 0n, size - 1n, (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY) >>> 0);
    if (t.allocateResource(t.root, res, size, 0n, U64_MAX, PAGES_PER_SECTION << PAGE_SHIFT).err) {
      this.log('error', 'Cannot allocate new System RAM resource');
      t.free(res);
      return 'BP_ECANCELED';
    }
    const start = t.start(res);
    // Blocks auto-onlined inside add_memory_resource() already go through xen_online_page().
    this.added.push({ start, end: start + size - 1n });
    const r = this.ctx.hotplug.addMemoryResource(this.nid, res, { merge: true });
    if (r.err) {
      this.added.pop();
      this.log('warn', `Cannot add additional memory (${r.err})`);
      t.releaseResource(res);
      t.free(res);
      return 'BP_ECANCELED';
    }
    this.added0++;
    this.totalPages += hotplug;
    return 'BP_WAIT';
  }

  /**
   * xen_online_page() via the memory notifier: a block of added memory comes online into the
   * balloon, not into the buddy allocator, and wakes the thread. A block still holding ballooned
   * (unpopulated, referenced) pages cannot be isolated, so offlining it fails.
   */
  private memoryNotifier(n: MemoryNotify): number {
    if (!this.added.some((a) => n.start >= a.start && n.start + n.size - 1n <= a.end)) return 0;
    const startPfn = n.start >> PAGE_SHIFT;
    const pages = n.size >> PAGE_SHIFT;
    if (n.action === 'online') {
      this.balloonAppend(startPfn, pages);
      this.onlinedHotplugPages += pages;
      this.armPollIfWaiting();
    } else if (n.action === 'going-offline') {
      const holds = this.balloon.some((s) => s.pfn !== null && s.count > 0n && s.pfn < startPfn + pages && startPfn < s.pfn + s.count);
      if (holds) return EBUSY;
    } else if (n.action === 'offline') {
      this.onlinedHotplugPages -= pages;
    }
    return 0;
  }

  /** Whether waking up after the current timeout could change anything. */
  private timeoutUseful(): boolean {
    const credit = this.currentCredit();
    switch (this.bpState) {
      case 'BP_DONE':
        return false;
      case 'BP_ECANCELED':
        return credit !== 0n;
      case 'BP_EAGAIN':
        return true;
      case 'BP_WAIT':
        return credit < 0n || (credit > 0n && (this.balloonLow > 0n || this.targetPages + this.targetUnpopulated > this.totalPages || !this.params.memoryHotplug));
    }
  }

  private timeoutMs(): number {
    if (this.bpState === 'BP_WAIT') return HZ_MS;
    if (this.bpState === 'BP_EAGAIN') return this.scheduleDelay * HZ_MS;
    return 3600 * HZ_MS;
  }

  /** balloon_thread_cond(): wake when the credit differs from the one the thread slept with. */
  private condition(): boolean {
    const credit = this.bpState === 'BP_DONE' ? 0n : this.sleepCredit;
    return this.currentCredit() !== credit;
  }

  /** The thread goes back to wait_event_freezable_timeout(). */
  private sleep(): void {
    this.sleepCredit = this.currentCredit();
    this.waitSince = this.ctx.clock.now;
    this.timerFired = false;
    this.cancelTimer();
    if (!this.condition() && this.timeoutUseful()) this.armTimer(this.timeoutMs());
  }

  private armTimer(ms: number): void {
    const id = this.ctx.clock.setTimer(ms, () => {
      if (this.timer !== id) return;
      this.timer = null;
      this.timerFired = true;
    });
    this.timer = id;
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.ctx.clock.cancel(this.timer);
    this.timer = null;
  }

  /** New memory came online while the thread waits in BP_WAIT: it picks it up at its next 1 s tick. */
  private armPollIfWaiting(): void {
    if (this.bpState !== 'BP_WAIT' || this.timer !== null || this.timerFired) return;
    const elapsed = this.ctx.clock.now - this.waitSince;
    this.armTimer(HZ_MS - (elapsed % HZ_MS));
  }

  work(): 'idle' | 'progress' | 'waiting' {
    let ran = false;
    for (let i = 0; i < ITERATIONS_PER_WORK; i++) {
      if (!this.timerFired && !this.condition()) break;
      this.cancelTimer();
      this.timerFired = false;
      this.iteration();
      ran = true;
      this.sleep();
    }
    if (ran) return 'progress';
    return this.timer !== null ? 'waiting' : 'idle';
  }

  // ------------------------------------------------------------------ state

  /** The ranges reserve_additional_memory() added, in the order it added them. */
  addedRanges(): readonly { start: bigint; end: bigint }[] {
    return this.added;
  }

  /**
   * `plugged` / `requested`: the populated memory and the host's target, both relative to the boot
   * memory (negative once ballooned below it), so they are equal when the thread has converged.
   * The hot-added address space is `hotplugBytes` (never shrinks).
   */
  state(): DeviceState<XenBalloonDetails> {
    return {
      id: this.id,
      kind: this.kind,
      plugged: (this.currentPages - this.bootPages) << PAGE_SHIFT,
      requested: (this.targetPages - this.bootPages) << PAGE_SHIFT,
      details: {
        hotplugBytes: (this.totalPages - this.bootPages) << PAGE_SHIFT,
        state: this.bpState,
        currentPages: this.currentPages,
        targetPages: this.targetPages,
        totalPages: this.totalPages,
        balloonedPages: this.balloonLow,
        hotplugResources: this.added0,
        hotplugOnlinedPages: this.onlinedHotplugPages,
        hotplugPopulatedPages: this.populated,
        scheduleDelay: this.scheduleDelay,
        retryCount: this.retryCount,
        maxPages: this.maxPages,
      },
    };
  }
}

/** DeviceFactory for 'xen-balloon'. */
export function createXenBalloon(spec: XenBalloonSpec, ctx: DeviceContext): DeviceFactoryResult<XenBalloon> {
  const parsed = parseXenBalloonParams(spec);
  if (!parsed.ok) return parsed;
  if (ctx.countOf('xen-balloon') > 0) return { ok: false, error: 'xen-balloon: a guest has one balloon driver' };
  const node = spec.node ?? 0;
  if (!Number.isInteger(node) || node < 0) return { ok: false, error: `xen-balloon: node must be an integer >= 0 (got ${node})` };
  return { ok: true, device: new XenBalloon(spec.id ?? 'xen0', ctx, parsed.params, node) };
}

// ------------------------------------------------------------------ the descriptor

type XenEnv = HostEnv<XenBalloonDecl, XenBalloon, null>;

/** The host's current target in bytes: the guest's total memory (memory/target). */
function currentTarget(d: XenBalloon): bigint {
  return d.state().details.targetPages << PAGE_SHIFT;
}

/** Host: a new target (xenstore memory/target), clamped at 0, then the balloon thread converges. */
function playTarget(env: XenEnv, target: (current: bigint) => bigint): HostOutcome {
  const d = env.device;
  if (!d) return noDevice(env.id);
  let bytes = target(currentTarget(d));
  if (bytes < 0n) bytes = 0n;
  const rc = d.request({ type: 'target', bytes });
  return rc < 0 ? { result: `rejected: ${errnoName(rc)}` } : env.converge();
}

/** The Xen balloon: declaration fields, spec, factory, and the toolstack's side (target, maxmem, populate faults). */
export const xenBalloonDriver: DeviceDriver<'xen-balloon', XenBalloonDecl, XenBalloonSpec, XenBalloon, null> = {
  kind: 'xen-balloon',
  title: 'Xen balloon: the toolstack sets a target, the guest balloons and hot-adds towards it',
  params: [
    { key: 'maxmem', type: 'size', ui: 'optional', slot: 'max', placeholder: 'maxmem', lane: true, title: 'Domain maximum', description: 'The domain maximum (xl mem-max), e.g. 8G: nothing is populated beyond it. Default: no limit.' },
    { key: 'memoryHotplug', type: 'bool', lane: true, title: 'Memory hotplug', description: 'CONFIG_XEN_BALLOON_MEMORY_HOTPLUG; false: targets above the memory are clamped. Default true.' },
    { key: 'guestUsed', type: 'size', ui: 'optional', slot: 'used', placeholder: 'used', lane: true, title: 'Guest workload memory', description: "Memory the guest's workload uses (never ballooned out). Default 0." },
  ],
  toSpec(d: XenBalloonDecl | PartialDecl<XenBalloonDecl>): XenBalloonSpec {
    const spec: XenBalloonSpec = specBase<'xen-balloon'>(d);
    if (d.maxmem !== undefined) spec.maxmem = bytesOf(d.maxmem);
    if (d.memoryHotplug !== undefined) spec.memoryHotplug = d.memoryHotplug;
    if (d.guestUsed !== undefined) spec.guestUsed = bytesOf(d.guestUsed);
    return spec;
  },
  create: createXenBalloon,
  host: {
    init: () => null,
    resize(env, size) {
      const d = env.device;
      if (!d) return ENODEV;
      // `requested` is the target beyond boot memory; the target itself is the guest's total.
      const target = currentTarget(d) - d.state().requested + size;
      return target < 0n ? EINVAL : d.request({ type: 'target', bytes: target });
    },
    ops: {
      'xen-target': (env, s) => playTarget(env, (cur) => (s.target !== undefined ? BigInt(s.target) : cur + BigInt(s.by!))),
    },
    soak: (env, size) => playTarget(env, () => size),
    faults: ['populate-fail', 'maxmem'],
    fault(env, s) {
      const d = env.device;
      if (!d) return ENODEV;
      if (s.response === 'populate-fail') return d.request({ type: 'custom', name: 'populate-fail', args: { count: s.count ?? 1 } });
      if (s.response === 'maxmem') return d.request({ type: 'custom', name: 'maxmem', args: { bytes: BigInt(s.size ?? '0') } });
      return d.request({ type: 'custom', name: s.response });
    },
    clearFault(env) {
      const d = env.device;
      if (!d) return;
      d.request({ type: 'custom', name: 'populate-fail', args: { count: 0 } });
      d.request({ type: 'custom', name: 'maxmem', args: { bytes: env.decl?.maxmem !== undefined ? BigInt(env.decl.maxmem) : null } });
    },
  },
};
