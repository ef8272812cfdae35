/**
 * drivers/hv/hv_balloon.c: the Hyper-V Dynamic Memory guest driver.
 *
 * Hot-add: the host sends DM_MEM_HOT_ADD_REQUEST with a page range (and optionally the region to
 * add it in); the driver keeps one `hv_hotadd_state` per region (covered range, gaps, ha_end) and
 * calls add_memory() once per chunk — a top-level "System RAM" resource each, merged with
 * MHP_MERGE_RESOURCE from 5.10 (the hotplug core applies the lab's strategy) — waiting up to 5 s
 * after each chunk for the memory to come online. Only covered ("backed") pages are onlined.
 * Ballooning moves pages between the guest and the host and never touches /proc/iomem, and nothing
 * this driver added is ever removed again.
 *
 * Two generations are modelled, chosen by the profile: the pre-5.10 driver (add_memory() without
 * flags, waits for onlining only when the kernel does not online by itself, logs the failure at
 * info level, warns when a balloon request is not a multiple of 2 MiB) and the current one.
 * The chunk is a fixed 128 MiB until the 2024 change, then the memory block size.
 */
import { bootSystemRamPages, type Device, type DeviceContext, type DeviceFactoryResult, type DeviceSpecBase, type DeviceState, type HostRequest } from './device.js';
import { bytesOf, noDevice, specBase, type DeclBase, type DeviceDriver, type HostEnv, type HostOutcome, type PartialDecl } from './driver.js';
import type { MemoryNotify } from '../base/memory.js';
import { EAGAIN, EEXIST, EINVAL, ENODEV, ENOMEM, errnoName } from '../errno.js';
import { GiB, bytesValue, formatSize } from '../sizes.js';

const PAGE_SHIFT = 12n;
/** HA_CHUNK of the old driver: 32 Ki pages = 128 MiB. */
const HA_CHUNK_FIXED = 32768n;
const PAGES_IN_2M = 512n;
/** dm_mem_page_range: a 40-bit start PFN and a 24-bit page count. */
const PFN_LIMIT = 1n << 40n;
const PAGE_CNT_LIMIT = 1n << 24n;
/** wait_for_completion_timeout(&ol_waitevent, 5 s) after each chunk. */
const ONLINE_WAIT_MS = 5000;

const PROTOCOLS = { win10: '2.0', win8: '1.0', win7: '0.3' } as const;
export type HvProtocol = keyof typeof PROTOCOLS;

export type HvDmState = 'DM_INITIALIZING' | 'DM_INITIALIZED' | 'DM_BALLOON_UP' | 'DM_BALLOON_DOWN' | 'DM_HOT_ADD' | 'DM_INIT_ERROR';

/** An hv-balloon spec: the host's parameters (sizes as bytes; strings such as "16G" are read too). */
export interface HvBalloonSpec extends DeviceSpecBase<'hv-balloon'> {
  protocol?: HvProtocol | 'none';
  capabilitiesAccepted?: boolean;
  allowHibernation?: boolean;
  maxDynamicMemory?: bigint | string | null;
  guestUsed?: bigint | string;
}

/** Hyper-V Dynamic Memory as a normalized scenario declares it (sizes as decimal strings of bytes). */
export interface HvBalloonDecl extends DeclBase<'hv-balloon'> {
  /** Where the host places hot-add requests that give no `start`: the end of the previous one, starting here. */
  hotAddBase: string;
  /** Newest Dynamic Memory protocol the host accepts ('none': every version refused, the probe fails). Driver default win10. */
  protocol?: HvProtocol | 'none';
  /** The host accepts the guest's capabilities report (false: the probe fails). Driver default true. */
  capabilitiesAccepted?: boolean;
  /** Hibernation allowed: hot-add disabled, balloon requests ignored. Driver default false. */
  allowHibernation?: boolean;
  /** Max. dynamic memory announced by the host's DM_INFO message. */
  maxDynamicMemory?: string;
  /** Memory the guest's workload uses (never ballooned out). Driver default 0. */
  guestUsed?: string;
}

/** The Hyper-V balloon's state details. */
export type HvBalloonDetails = {
  hotAddRequestedPages: bigint;
  state: HvDmState;
  /** The negotiated protocol version ("2.0"), null before or without one. */
  protocol: string | null;
  hotAdd: boolean;
  /** The hot-add chunk (one add_memory() each), in bytes. */
  chunkBytes: bigint;
  regions: number;
  chunksAdded: number;
  pagesAdded: bigint;
  pagesOnlined: bigint;
  /** Pages the host ballooned out and holds. */
  pagesBallooned: bigint;
  waitingForOnline: boolean;
  lastPageCount: bigint | null;
  lastResult: 0 | 1 | null;
};

/** Parameters of an hv-balloon device spec (all optional). */
export interface HvBalloonParams {
  /** Newest DM protocol the host accepts ('none': it refuses every version). Default 'win10'. */
  protocol: HvProtocol | 'none';
  /** The host accepts the guest's capabilities report (false: probe fails). Default true. */
  capabilitiesAccepted: boolean;
  /** hv_balloon.hot_add … allow_hibernation: hot-add and ballooning requests are ignored. */
  allowHibernation: boolean;
  /** DM_INFO_MESSAGE max page count sent by the host, in bytes (null: none sent). */
  maxDynamicMemory: bigint | null;
  /** Memory the guest's workload uses (not available for ballooning). Default 0. */
  guestUsed: bigint;
}

/** A hole in the covered range of a region: pages the host did not back. */
export interface HvHotAddGap {
  startPfn: bigint;
  endPfn: bigint;
}

/** struct hv_hotadd_state. All PFNs, ends exclusive. */
export interface HvHotAddState {
  startPfn: bigint;
  endPfn: bigint;
  haEndPfn: bigint;
  coveredStartPfn: bigint;
  coveredEndPfn: bigint;
  gaps: HvHotAddGap[];
}

export interface HvHotAddResponse {
  /** Pages newly covered (made available), as reported to the host. */
  pageCount: bigint;
  /** 1: success (or, with 0 pages, "stop trying"); 0: transient failure, the host may retry. */
  result: 0 | 1;
}

type WorkItem =
  | { kind: 'hot-add'; pgStart: bigint; pfnCnt: bigint; rgStart: bigint; rgSize: bigint; hostRegion: boolean }
  | { kind: 'balloon'; pages: bigint };

/** The chunk loop of hv_mem_hot_add() in progress, one add_memory() per work() call. */
interface ChunkRun {
  has: HvHotAddState;
  start: bigint;
  chunks: bigint;
  done: bigint;
  totalPfn: bigint;
  oldCovered: bigint;
  waiting: boolean;
  timer: number | null;
}

const DEFAULT_PARAMS: HvBalloonParams = { protocol: 'win10', capabilitiesAccepted: true, allowHibernation: false, maxDynamicMemory: null, guestUsed: 0n };

/** Reads the driver's parameters from a spec; the error names the field. */
export function parseHvBalloonParams(spec: { readonly [K in keyof HvBalloonSpec]?: unknown }): { ok: true; params: HvBalloonParams } | { ok: false; error: string } {
  const p: HvBalloonParams = { ...DEFAULT_PARAMS };
  if (spec.protocol !== undefined) {
    if (spec.protocol !== 'none' && !(typeof spec.protocol === 'string' && spec.protocol in PROTOCOLS)) {
      return { ok: false, error: `hv-balloon: protocol must be one of win10, win8, win7, none (got ${String(spec.protocol)})` };
    }
    p.protocol = spec.protocol as HvBalloonParams['protocol'];
  }
  for (const key of ['capabilitiesAccepted', 'allowHibernation'] as const) {
    if (spec[key] === undefined) continue;
    if (typeof spec[key] !== 'boolean') return { ok: false, error: `hv-balloon: ${key} must be true or false` };
    p[key] = spec[key] as boolean;
  }
  if (spec.maxDynamicMemory !== undefined && spec.maxDynamicMemory !== null) {
    const b = bytesValue(spec.maxDynamicMemory);
    if (b === null) return { ok: false, error: 'hv-balloon: maxDynamicMemory must be a size in bytes (e.g. "16G")' };
    p.maxDynamicMemory = b;
  }
  if (spec.guestUsed !== undefined) {
    const b = bytesValue(spec.guestUsed);
    if (b === null) return { ok: false, error: 'hv-balloon: guestUsed must be a size in bytes (e.g. "512M")' };
    p.guestUsed = b;
  }
  return { ok: true, params: p };
}

/** compute_balloon_floor(): a piecewise-linear minimum the balloon never goes below, in pages. */
export function computeBalloonFloor(totalRamPages: bigint): bigint {
  const mb = (n: bigint): bigint => n << (20n - PAGE_SHIFT);
  if (totalRamPages < mb(128n)) return mb(8n) + (totalRamPages >> 1n);
  if (totalRamPages < mb(512n)) return mb(40n) + (totalRamPages >> 2n);
  if (totalRamPages < mb(2048n)) return mb(104n) + (totalRamPages >> 3n);
  if (totalRamPages < mb(8192n)) return mb(232n) + (totalRamPages >> 4n);
  return mb(488n) + (totalRamPages >> 5n);
}

function alignUp(x: bigint, a: bigint): bigint {
  return ((x + a - 1n) / a) * a;
}

/** Backed pages of `has` within [from, to): the covered range minus its gaps. */
function backedPages(has: HvHotAddState, from: bigint, to: bigint): bigint {
  const lo = from > has.coveredStartPfn ? from : has.coveredStartPfn;
  const hi = to < has.coveredEndPfn ? to : has.coveredEndPfn;
  if (hi <= lo) return 0n;
  let n = hi - lo;
  for (const g of has.gaps) {
    const gl = g.startPfn > lo ? g.startPfn : lo;
    const gh = g.endPfn < hi ? g.endPfn : hi;
    if (gh > gl) n -= gh - gl;
  }
  return n;
}

export class HvBalloon implements Device<HvBalloonDetails> {
  readonly kind = 'hv-balloon' as const;
  private dmState: HvDmState = 'DM_INITIALIZING';
  private version: HvProtocol | null = null;
  private doHotAdd: boolean;
  private readonly old: boolean;
  private readonly chunkPages: bigint;
  private readonly regions: HvHotAddState[] = [];
  private readonly queue: WorkItem[] = [];
  private run: ChunkRun | null = null;
  private olCompleted = false;
  private numPagesAdded = 0n;
  private numPagesBallooned = 0n;
  /** Pages the host asked to hot-add, minus those the guest ballooned out for it, plus those it returned. */
  private requestedPages = 0n;
  private hotAddRequestedPages = 0n;
  private readonly bootRamPages: bigint;
  private warnedBalloonUnit = false;
  private lastResponse: HvHotAddResponse | null = null;
  private readonly responses: HvHotAddResponse[] = [];
  private chunksAdded = 0;

  constructor(
    readonly id: string,
    private readonly ctx: DeviceContext,
    private readonly params: HvBalloonParams,
    private readonly nid = 0,
  ) {
    this.old = !ctx.profile.mhpFlags;
    this.chunkPages = ctx.profile.hvChunk === 'fixed-128M' ? HA_CHUNK_FIXED : ctx.blocks.blockSize >> PAGE_SHIFT;
    this.doHotAdd = !params.allowHibernation;
    this.bootRamPages = bootSystemRamPages(ctx.tree);
    this.probe();
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.ctx.log('hv_balloon', level, message);
  }

  /**
   * balloon_probe() / balloon_connect_vsp(): version negotiation from WIN10 down to WIN7, the
   * capabilities report, the host's DM_INFO message; a refused version or capability leaves the
   * device in DM_INIT_ERROR (the probe fails) and every host request is refused.
   */
  private probe(): void {
    const order: HvProtocol[] = ['win10', 'win8', 'win7'];
    const accepted = this.params.protocol === 'none' ? -1 : order.indexOf(this.params.protocol);
    if (accepted < 0) {
      this.dmState = 'DM_INIT_ERROR';
      this.log('error', 'probe failed: no Dynamic Memory protocol version accepted by the host');
      return;
    }
    this.version = order[accepted]!;
    if (!this.params.capabilitiesAccepted) {
      this.dmState = 'DM_INIT_ERROR';
      this.log('error', 'Capabilities not accepted by host');
      return;
    }
    this.dmState = 'DM_INITIALIZED';
    this.log('info', `Using Dynamic Memory protocol version ${PROTOCOLS[this.version]}`);
    if (this.params.maxDynamicMemory !== null) {
      this.log('info', `Max. dynamic memory size: ${this.params.maxDynamicMemory >> 20n} MB`);
    }
    this.ctx.blocks.registerNotifier((n) => this.memoryNotifier(n));
  }

  /** hv_memory_notifier(): MEM_ONLINE / MEM_CANCEL_ONLINE of any block completes ol_waitevent. */
  private memoryNotifier(n: MemoryNotify): number {
    if (n.action === 'online' || n.action === 'cancel-online') {
      this.olCompleted = true;
      if (this.run?.waiting && this.run.timer !== null) {
        this.ctx.clock.cancel(this.run.timer);
        this.run.timer = null;
      }
    }
    return 0;
  }

  // ------------------------------------------------------------------ host side

  /** The host side: DM messages arriving on the VMBus channel (balloon_onchannelcallback). */
  request(req: HostRequest): number {
    if (this.dmState === 'DM_INIT_ERROR') return ENODEV;
    switch (req.type) {
      case 'hot-add':
        return this.hostHotAdd(req);
      case 'balloon':
        return this.hostBalloon(req.pages);
      case 'unballoon':
        return this.hostUnballoon(req.pages);
      default:
        return EINVAL;
    }
  }

  private hostHotAdd(req: { startPfn: bigint; pages: bigint; regionStartPfn?: bigint; regionPages?: bigint }): number {
    const inRange = (v: bigint | undefined, limit: bigint): boolean => v === undefined || (typeof v === 'bigint' && v >= 0n && v < limit);
    if (typeof req.startPfn !== 'bigint' || typeof req.pages !== 'bigint') return EINVAL;
    if (!inRange(req.startPfn, PFN_LIMIT) || !inRange(req.pages, PAGE_CNT_LIMIT)) return EINVAL;
    if (!inRange(req.regionStartPfn, PFN_LIMIT) || !inRange(req.regionPages, PAGE_CNT_LIMIT)) return EINVAL;
    if (this.dmState === 'DM_HOT_ADD') this.log('warn', 'Currently hot-adding');
    this.dmState = 'DM_HOT_ADD';
    const hostRegion = req.regionStartPfn !== undefined || req.regionPages !== undefined;
    const item: WorkItem = {
      kind: 'hot-add',
      pgStart: req.startPfn,
      pfnCnt: req.pages,
      rgStart: hostRegion ? (req.regionStartPfn ?? 0n) : 0n,
      rgSize: hostRegion ? (req.regionPages ?? 0n) : 0n,
      hostRegion,
    };
    this.requestedPages += req.pages;
    this.hotAddRequestedPages += req.pages;
    // One work_struct: a request not yet picked up is overwritten by the next one.
    const queued = this.queue.findIndex((w) => w.kind === 'hot-add');
    if (queued >= 0) this.queue[queued] = item;
    else this.queue.push(item);
    return 0;
  }

  private hostBalloon(pages: bigint): number {
    if (typeof pages !== 'bigint' || pages < 0n || pages >= 1n << 32n) return EINVAL;
    if (this.params.allowHibernation) {
      this.log('info', 'Ignore balloon-up request!');
      return 0;
    }
    if (this.dmState === 'DM_BALLOON_UP') this.log('warn', 'Currently ballooning');
    this.dmState = 'DM_BALLOON_UP';
    // `requested` drops when the guest answers (balloonUp), by what it actually gave.
    const queued = this.queue.findIndex((w) => w.kind === 'balloon');
    if (queued >= 0) this.queue[queued] = { kind: 'balloon', pages };
    else this.queue.push({ kind: 'balloon', pages });
    return 0;
  }

  /** balloon_down(): the host hands ballooned pages back; they are freed at once. */
  private hostUnballoon(pages: bigint): number {
    if (typeof pages !== 'bigint' || pages < 0n || pages > this.numPagesBallooned) return EINVAL;
    if (this.params.allowHibernation) {
      this.log('info', 'Ignore balloon-down request!');
      return 0;
    }
    this.numPagesBallooned -= pages;
    this.requestedPages += pages;
    this.dmState = 'DM_INITIALIZED';
    return 0;
  }

  // ------------------------------------------------------------------ guest worker

  work(): 'idle' | 'progress' | 'waiting' {
    if (this.run) return this.stepChunkRun();
    const item = this.queue.shift();
    if (!item) return 'idle';
    if (item.kind === 'hot-add') this.hotAddReq(item);
    else this.balloonUp(item.pages);
    return 'progress';
  }

  /**
   * hot_add_req(): without a host region the driver makes one, the request's start rounded down
   * to a chunk and its size rounded up to chunks (not enlarged for a misaligned start).
   */
  private hotAddReq(w: Extract<WorkItem, { kind: 'hot-add' }>): void {
    let { rgStart, rgSize } = w;
    if (rgStart === 0n && !w.hostRegion) {
      rgStart = (w.pgStart / this.chunkPages) * this.chunkPages;
      rgSize = alignUp(w.pfnCnt, this.chunkPages);
    }
    if (!this.doHotAdd) {
      this.respond(0n);
      return;
    }
    this.processHotAdd(w.pgStart, w.pfnCnt, rgStart, rgSize, w.hostRegion);
  }

  /** process_hot_add(): extend a region that holds the start, or append a new one. */
  private processHotAdd(pgStart: bigint, pfnCnt: bigint, rgStart: bigint, rgSize: bigint, hostRegion: boolean): void {
    if (pfnCnt === 0n) {
      this.respond(0n);
      return;
    }
    if (hostRegion || !this.pfnCovered(pgStart, pfnCnt)) {
      if (rgSize !== 0n) {
        this.regions.push({ startPfn: rgStart, endPfn: rgStart + rgSize, haEndPfn: rgStart, coveredStartPfn: pgStart, coveredEndPfn: pgStart, gaps: [] });
      }
    }
    this.handlePgRange(pgStart, pfnCnt);
  }

  /**
   * pfn_covered(): the region holding `startPfn` records a gap from its covered end to the new
   * start and grows by whole chunks when the request runs past its end.
   */
  private pfnCovered(startPfn: bigint, pfnCnt: bigint): boolean {
    const has = this.regions.find((h) => startPfn >= h.startPfn && startPfn < h.endPfn);
    if (!has) return false;
    if (has.coveredEndPfn !== startPfn) {
      has.gaps.push({ startPfn: has.coveredEndPfn, endPfn: startPfn });
      has.coveredEndPfn = startPfn;
    }
    if (startPfn + pfnCnt > has.endPfn) has.endPfn += alignUp(startPfn + pfnCnt - has.endPfn, this.chunkPages);
    return true;
  }

  /**
   * handle_pg_range(): pages inside chunks already added are covered at once (the online ones
   * come online with them); the rest is hot-added from ha_end in whole chunks.
   */
  private handlePgRange(pgStart: bigint, pgCount: bigint): void {
    const has = this.regions.find((h) => pgStart >= h.startPfn && pgStart < h.endPfn);
    if (!has) {
      this.respond(0n);
      return;
    }
    let pfnCnt = pgCount;
    const oldCovered = has.coveredEndPfn;
    if (pgStart < has.haEndPfn) {
      let pgsOl = has.haEndPfn - pgStart;
      if (pgsOl > pfnCnt) pgsOl = pfnCnt;
      has.coveredEndPfn += pgsOl;
      pfnCnt -= pgsOl;
    }
    if (has.haEndPfn < has.endPfn && pfnCnt > 0n) {
      let size = has.endPfn - has.haEndPfn;
      if (pfnCnt <= size) size = alignUp(pfnCnt, this.chunkPages);
      else pfnCnt = size;
      this.run = { has, start: has.haEndPfn, chunks: size / this.chunkPages, done: 0n, totalPfn: pfnCnt, oldCovered, waiting: false, timer: null };
      if (this.run.chunks === 0n) this.finishRun();
      return;
    }
    this.respond(has.coveredEndPfn - oldCovered);
  }

  /** One iteration of hv_mem_hot_add(): add the next chunk, or keep waiting for it to come online. */
  private stepChunkRun(): 'progress' | 'waiting' {
    const run = this.run!;
    if (run.waiting) {
      if (!this.olCompleted && run.timer !== null) return 'waiting';
      run.waiting = false;
      run.timer = null;
      if (run.done === run.chunks) this.finishRun();
      return 'progress';
    }
    const has = run.has;
    const startPfn = run.start + run.done * this.chunkPages;
    has.haEndPfn += this.chunkPages;
    const processed = run.totalPfn < this.chunkPages ? run.totalPfn : this.chunkPages;
    run.totalPfn -= processed;
    has.coveredEndPfn += processed;
    this.olCompleted = false;
    const r = this.ctx.hotplug.addMemory(this.nid, startPfn << PAGE_SHIFT, this.chunkPages << PAGE_SHIFT, { merge: true });
    if (r.err) {
      this.log(this.old ? 'warn' : 'error', `hot_add memory failed error is ${r.err}`);
      // -EEXIST: the guest's address map rules out hot-add; stop for good.
      if (r.err === EEXIST) this.doHotAdd = false;
      has.haEndPfn -= this.chunkPages;
      has.coveredEndPfn -= processed;
      this.finishRun();
      return 'progress';
    }
    this.chunksAdded++;
    run.done++;
    const waits = this.old ? this.ctx.blocks.policy === 'offline' : true;
    if (waits && !this.olCompleted) {
      run.waiting = true;
      run.timer = this.ctx.clock.setTimer(ONLINE_WAIT_MS, () => {
        if (this.run === run) run.timer = null;
      });
      return 'progress';
    }
    if (run.done === run.chunks) this.finishRun();
    return 'progress';
  }

  private finishRun(): void {
    const run = this.run!;
    this.run = null;
    this.respond(run.has.coveredEndPfn - run.oldCovered);
  }

  /**
   * The DM_MEM_HOT_ADD_RESPONSE: success when any page was covered; with none, "success" tells the
   * host to stop (hot-add disabled for good), "failure" lets it retry later.
   */
  private respond(pageCount: bigint): void {
    this.numPagesAdded += pageCount;
    const result: 0 | 1 = pageCount > 0n || !this.doHotAdd ? 1 : 0;
    if (!this.doHotAdd || pageCount === 0n) {
      if (this.params.allowHibernation) this.log('info', 'Ignore hot-add request!');
      else this.log(this.old ? 'info' : 'error', 'Memory hot add failed');
    }
    this.dmState = 'DM_INITIALIZED';
    this.lastResponse = { pageCount, result };
    this.responses.push(this.lastResponse);
  }

  /** Pages the guest could give up now (si_mem_available()). */
  private availablePages(): bigint {
    const avail = this.totalRamPages() - (this.params.guestUsed >> PAGE_SHIFT);
    return avail > 0n ? avail : 0n;
  }

  /** totalram_pages(): boot RAM plus onlined hot-added pages, minus what sits in the balloon. */
  private totalRamPages(): bigint {
    return this.bootRamPages + this.pagesOnlined() - this.numPagesBallooned;
  }

  /**
   * balloon_up(): give the host up to `pages` pages, never going below the balloon floor
   * (2 MiB allocations first, then 4 KiB ones — only the count is modelled). The DM_BALLOON_RESPONSE
   * messages carry only the pages allocated, so the host's figure drops by those, not by the whole
   * request, when the request is only partly fulfilled.
   */
  private balloonUp(pages: bigint): void {
    if (this.old && pages % PAGES_IN_2M !== 0n && !this.warnedBalloonUnit) {
      this.warnedBalloonUnit = true;
      this.log('warn', 'WARNING: at balloon_up: WARN_ON_ONCE(num_pages % PAGES_IN_2M != 0)');
    }
    let num = pages;
    const avail = this.availablePages();
    const floor = computeBalloonFloor(this.totalRamPages());
    if (avail < num || avail - num < floor) {
      this.log(this.old ? 'warn' : 'info', `Balloon request will be partially fulfilled. ${avail < num ? 'Not enough memory.' : 'Balloon floor reached.'}`);
      num = avail > floor ? avail - floor : 0n;
      if (this.old) num -= num % PAGES_IN_2M;
    }
    this.numPagesBallooned += num;
    this.requestedPages -= num;
    this.dmState = 'DM_INITIALIZED';
  }

  // ------------------------------------------------------------------ state

  /**
   * num_pages_onlined: backed pages of every region that lie in an online memory block (derived,
   * not counted page by page). Not modelled: the pre-5.10 hv_online_page() leaving pages outside
   * every region offline.
   */
  pagesOnlined(): bigint {
    const blocks = this.ctx.blocks;
    const blockPages = blocks.blockSize >> PAGE_SHIFT;
    let n = 0n;
    for (const has of this.regions) {
      const first = has.startPfn / blockPages;
      const last = (has.endPfn - 1n) / blockPages;
      for (let b = first; b <= last; b++) {
        if (!blocks.isOnline(Number(b))) continue;
        const lo = b * blockPages > has.startPfn ? b * blockPages : has.startPfn;
        const hi = (b + 1n) * blockPages < has.endPfn ? (b + 1n) * blockPages : has.endPfn;
        n += backedPages(has, lo, hi);
      }
    }
    return n;
  }

  /** A copy of the hot-add regions (for views and tests). */
  hotAddRegions(): HvHotAddState[] {
    return this.regions.map((h) => ({ ...h, gaps: h.gaps.map((g) => ({ ...g })) }));
  }

  /** Every DM_MEM_HOT_ADD_RESPONSE sent so far, oldest first. */
  hotAddResponses(): readonly HvHotAddResponse[] {
    return this.responses;
  }

  /**
   * `plugged`: pages hot-added (covered) minus pages in the balloon; `requested`: what the host's
   * hot-add and balloon messages add up to. Equal once every request was met in full; either may
   * go negative when boot memory is ballooned out.
   */
  state(): DeviceState<HvBalloonDetails> {
    return {
      id: this.id,
      kind: this.kind,
      plugged: (this.numPagesAdded - this.numPagesBallooned) << PAGE_SHIFT,
      requested: this.requestedPages << PAGE_SHIFT,
      details: {
        hotAddRequestedPages: this.hotAddRequestedPages,
        state: this.dmState,
        protocol: this.version ? PROTOCOLS[this.version] : null,
        hotAdd: this.doHotAdd,
        chunkBytes: this.chunkPages << PAGE_SHIFT,
        regions: this.regions.length,
        chunksAdded: this.chunksAdded,
        pagesAdded: this.numPagesAdded,
        pagesOnlined: this.pagesOnlined(),
        pagesBallooned: this.numPagesBallooned,
        waitingForOnline: this.run?.waiting ?? false,
        lastPageCount: this.lastResponse?.pageCount ?? null,
        lastResult: this.lastResponse?.result ?? null,
      },
    };
  }
}

/** DeviceFactory for 'hv-balloon'. */
export function createHvBalloon(spec: HvBalloonSpec, ctx: DeviceContext): DeviceFactoryResult<HvBalloon> {
  const parsed = parseHvBalloonParams(spec);
  if (!parsed.ok) return parsed;
  if (ctx.countOf('hv-balloon') > 0) return { ok: false, error: 'hv-balloon: a guest has one Dynamic Memory device' };
  const id = spec.id ?? 'hv0';
  const node = spec.node ?? 0;
  if (!Number.isInteger(node) || node < 0) return { ok: false, error: `hv-balloon: node must be an integer >= 0 (got ${node})` };
  return { ok: true, device: new HvBalloon(id, ctx, parsed.params, node) };
}

// ------------------------------------------------------------------ the descriptor

const PAGE = 1n << PAGE_SHIFT;

/** The Hyper-V host's memory of one device: where its next hot-add goes, and a hot-add fault in force. */
export interface HvHostState {
  next: bigint;
  fault: 'hot-add-cancel' | 'hot-add-fail' | null;
}

type HvEnv = HostEnv<HvBalloonDecl, HvBalloon, HvHostState>;

/**
 * Where hv_balloon's next add_memory() for a request at `at` starts: the region holding it adds
 * from its ha_end; otherwise a new region starts at `at` rounded down to the chunk size.
 */
function firstChunk(d: HvBalloon, at: bigint): bigint {
  const pfn = at / PAGE;
  const has = d.hotAddRegions().find((h) => pfn >= h.startPfn && pfn < h.endPfn);
  if (has) return has.haEndPfn * PAGE;
  const bytes = d.state().details.chunkBytes;
  return bytes > 0n ? (at / bytes) * bytes : at;
}

/**
 * Host: a hot-add request of `size` bytes; without `start`, right after this device's previous one.
 * Under a `hot-add-cancel` fault the host withdraws it (nothing reaches the guest, the next one
 * starts at the same place); under `hot-add-fail` the guest's first add_memory() for it fails.
 */
function hotAdd(env: HvEnv, size: bigint, start?: bigint): { outcome: HostOutcome; rc: number } {
  const d = env.device;
  if (!d) return { outcome: noDevice(env.id, 'hv-balloon'), rc: ENODEV };
  const at = start ?? env.state.next;
  const fault = env.state.fault;
  if (fault === 'hot-add-cancel') return { outcome: { result: `rejected: the host cancelled the hot-add of ${formatSize(size)} at 0x${at.toString(16)}` }, rc: EAGAIN };
  const failAt = fault === 'hot-add-fail' ? firstChunk(d, at) : null;
  const f = env.faults;
  const pending = f.pendingAddFailures();
  if (failAt !== null) f.failAddMemory({ start: failAt, err: ENOMEM, count: 1 });
  const rc = d.request({ type: 'hot-add', startPfn: at / PAGE, pages: size / PAGE });
  env.state.next = at + size;
  const outcome = rc < 0 ? { result: `rejected: ${errnoName(rc)}` } : env.converge();
  // The failure was meant for this request only: withdraw it if the guest never got that far.
  if (failAt !== null && f.pendingAddFailures() > pending) f.takeAddMemoryFailure(failAt);
  return { outcome, rc };
}

/**
 * The UI's resize as Windows plays it: balloon pages out to shrink; to grow, first hand back
 * ballooned pages, then hot-add the remainder after everything hot-added before, in requests of at
 * most 2^24 - 1 pages (dm_mem_page_range's 24-bit count).
 */
function resize(env: HvEnv, size: bigint): number {
  const d = env.device;
  if (!d) return ENODEV;
  if (size % PAGE !== 0n) return EINVAL;
  const current = d.state().requested;
  if (size < current) return d.request({ type: 'balloon', pages: (current - size) / PAGE });
  let grow = (size - current) / PAGE;
  const inBalloon = d.state().details.pagesBallooned;
  const back = grow < inBalloon ? grow : inBalloon;
  if (back > 0n) {
    const rc = d.request({ type: 'unballoon', pages: back });
    if (rc < 0) return rc;
    grow -= back;
  }
  while (grow > 0n) {
    const pages = grow < PAGE_CNT_LIMIT - 1n ? grow : PAGE_CNT_LIMIT - 1n;
    const { rc } = hotAdd(env, pages * PAGE);
    if (rc < 0) return rc;
    grow -= pages;
  }
  return 0;
}

/** Hyper-V Dynamic Memory: declaration fields, spec, factory, and the host's side (hot-add, balloon, faults). */
export const hvBalloonDriver: DeviceDriver<'hv-balloon', HvBalloonDecl, HvBalloonSpec, HvBalloon, HvHostState> = {
  kind: 'hv-balloon',
  title: 'Hyper-V Dynamic Memory: the host hot-adds ranges and balloons pages',
  params: [
    {
      key: 'hotAddBase', type: 'size', default: '4G', title: 'First hot-add address',
      description: 'Where the host places hot-add requests that give no start: the end of the previous one, starting here. A multiple of 4 KiB; default 4 GiB.',
      check: (n) => (n % PAGE === 0n ? null : 'must be a multiple of 4 KiB (a Hyper-V page)'),
    },
    { key: 'protocol', type: 'enum', values: ['win10', 'win8', 'win7', 'none'], lane: true, title: 'Protocol', description: 'Newest Dynamic Memory protocol the host accepts (none: every version refused, the probe fails). Driver default win10.' },
    { key: 'capabilitiesAccepted', type: 'bool', lane: true, title: 'Capabilities accepted', description: "The host accepts the guest's capabilities report (false: the probe fails). Driver default true." },
    { key: 'allowHibernation', type: 'bool', lane: true, title: 'Hibernation allowed', description: 'Hibernation allowed: hot-add disabled, balloon requests ignored. Driver default false.' },
    { key: 'maxDynamicMemory', type: 'size', ui: 'optional', slot: 'max', placeholder: 'max dyn.', lane: true, title: 'Maximum dynamic memory', description: "The host's maximum dynamic memory (its DM_INFO message), e.g. 16G. Default: none sent." },
    { key: 'guestUsed', type: 'size', ui: 'optional', slot: 'used', placeholder: 'used', lane: true, title: 'Guest workload memory', description: "Memory the guest's workload uses (never ballooned out). Default 0." },
  ],
  checkStep(_d, s) {
    if (s.op !== 'hv-hot-add') return [];
    const pages = 'must be a multiple of 4 KiB (Hyper-V pages)';
    const n = BigInt(s.size!);
    if (n % PAGE !== 0n) return [{ key: 'size', message: pages }];
    if (n / PAGE >= 1n << 24n) return [{ key: 'size', message: 'must be below 64 GiB: one hot-add request carries a 24-bit page count' }];
    if (s.start !== undefined && BigInt(s.start) % PAGE !== 0n) return [{ key: 'start', message: pages }];
    return [];
  },
  toSpec(d: HvBalloonDecl | PartialDecl<HvBalloonDecl>): HvBalloonSpec {
    const spec: HvBalloonSpec = specBase<'hv-balloon'>(d);
    if (d.protocol !== undefined) spec.protocol = d.protocol;
    if (d.capabilitiesAccepted !== undefined) spec.capabilitiesAccepted = d.capabilitiesAccepted;
    if (d.allowHibernation !== undefined) spec.allowHibernation = d.allowHibernation;
    if (d.maxDynamicMemory !== undefined) spec.maxDynamicMemory = bytesOf(d.maxDynamicMemory);
    if (d.guestUsed !== undefined) spec.guestUsed = bytesOf(d.guestUsed);
    return spec;
  },
  create: createHvBalloon,
  host: {
    init: (decl) => ({ next: decl ? BigInt(decl.hotAddBase) : 4n * GiB, fault: null }),
    resize,
    ops: {
      'hv-hot-add': (env, s) => hotAdd(env, BigInt(s.size!), s.start !== undefined ? BigInt(s.start) : undefined).outcome,
    },
    faults: ['hot-add-cancel', 'hot-add-fail'],
    fault(env, s) {
      if (s.response !== 'hot-add-cancel' && s.response !== 'hot-add-fail') return EINVAL;
      env.state.fault = s.response;
      return 0;
    },
    clearFault(env) {
      env.state.fault = null;
    },
  },
};
