/**
 * drivers/base/memory.c (plus the zone choice of mm/memory_hotplug.c): memory block devices, their
 * state, the zone each online block lives in, the `valid_zones` text sysfs prints, writes to
 * `memoryN/state`, and the auto-online policy (`memhp_default_state` / `auto_online_blocks`).
 *
 * Blocks live in typed arrays indexed by block id (a 64 TiB machine in 128 MiB blocks is 524,288
 * blocks), grown on demand; there is no object per block.
 */
import { EBUSY, EEXIST, EINVAL, ENOENT } from '../errno.js';
import type { Faults } from '../machine/faults.js';
import { ONLINE_POLICIES, type OnlinePolicy } from '../names.js';

export const MEM_ABSENT = 0;
export const MEM_OFFLINE = 1;
export const MEM_ONLINE = 2;
export const MEM_GOING_OFFLINE = 3;

export const ZONE_DMA = 0;
export const ZONE_DMA32 = 1;
export const ZONE_NORMAL = 2;
export const ZONE_MOVABLE = 3;
/** An online block whose pages span more than one zone (memory0 on x86: DMA + DMA32). */
export const ZONE_NONE = 255;
export const ZONE_NAMES = ['DMA', 'DMA32', 'Normal', 'Movable'] as const;
export type ZoneName = (typeof ZONE_NAMES)[number];

export const PAGE_SHIFT = 12;
/** Boot zone limits on x86-64: ZONE_DMA below 16 MiB, ZONE_DMA32 below 4 GiB. */
export const MAX_DMA_PFN = 0x1000;
export const MAX_DMA32_PFN = 0x100000;

/** memhp_default_state / auto_online_blocks values (declared in ../names.ts, re-exported for this file's users). */
export { ONLINE_POLICIES, type OnlinePolicy };
/** MMOP_* online types. */
export type OnlineType = 'online' | 'online_kernel' | 'online_movable';

export type MemAction = 'going-online' | 'online' | 'cancel-online' | 'going-offline' | 'offline' | 'cancel-offline';

/** What a memory notifier is told (struct memory_notify): always one whole memory block here. */
export interface MemoryNotify {
  action: MemAction;
  block: number;
  start: bigint;
  size: bigint;
  /** Zone the block is (going) online in, for online/offline events. */
  zone: number;
}

/** A memory notifier: returns 0, or a negative errno to veto a going-online / going-offline. */
export type MemoryNotifier = (n: MemoryNotify) => number;

interface ZoneSpan {
  start: number; // pfn, inclusive
  end: number; // pfn, exclusive; start === end means empty
}

/** struct memory_group: present pages by zone kind, and the unit (dynamic) or total (static) size. */
export interface MemoryGroup {
  dynamic: boolean;
  /** Dynamic: pages added/removed at once (a memory block or a big block). Static: the whole device. */
  pages: number;
  movablePages: number;
  kernelPages: number;
}

export interface MemoryBlocksOptions {
  blockSize: bigint;
  /** Highest block id + 1 the physical address space allows. */
  maxBlocks: number;
  onlinePolicy: OnlinePolicy;
  faults: Faults;
  /** 6.x keeps `mem->zone`; both print the same text, so this only documents the profile. */
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** One parsed line of a recorded "--- memory-blocks" section. */
export interface BlockLine {
  block: number;
  state: 'online' | 'offline' | 'going-offline';
  zones: string[];
}

/**
 * The memory block devices of one machine (single-node zone spans; node ids are recorded per block
 * but every block shares node 0's zones, as on the oracle's one-node guests).
 */
export class MemoryBlocks {
  readonly blockSize: bigint;
  readonly blockPages: number;
  readonly maxBlocks: number;
  private state: Uint8Array;
  private zone: Uint8Array;
  private nid: Uint8Array;
  /** 1 when the block contains holes (boot blocks only): such blocks cannot be offlined. */
  private holes: Uint8Array;
  private boot: Uint8Array;
  private present = 0;
  private onlineCount = 0;
  private highest = -1;
  private readonly spans: ZoneSpan[] = [0, 1, 2, 3].map(() => ({ start: 0, end: 0 }));
  private readonly notifiers: MemoryNotifier[] = [];
  private readonly faults: Faults;
  private readonly log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** memhp_default_online_type. */
  policy: OnlinePolicy;
  /** The `movable_node` boot parameter. */
  movableNode = false;
  /** memory_hotplug.online_policy=auto-movable (5.15+) and its ratio (auto_movable_ratio, default 301 %). */
  autoMovable = { enabled: false, ratio: 301 };
  /** Memory groups (5.15+): a virtio-mem device (dynamic) or an ACPI DIMM (static). */
  private readonly groups: MemoryGroup[] = [];
  private blockGroup = new Int32Array(0);
  /** RAM pages of each boot block (early sections), for auto-movable's KERNEL_EARLY. */
  private readonly bootPages = new Map<number, number>();
  /** Present pages of ZONE_MOVABLE. */
  private movablePresent = 0;

  constructor(opts: MemoryBlocksOptions) {
    this.blockSize = opts.blockSize;
    this.blockPages = Number(opts.blockSize >> BigInt(PAGE_SHIFT));
    this.maxBlocks = Math.max(1, Math.floor(opts.maxBlocks));
    const initial = Math.min(this.maxBlocks, 1024);
    this.state = new Uint8Array(initial);
    this.zone = new Uint8Array(initial).fill(ZONE_NONE);
    this.nid = new Uint8Array(initial);
    this.holes = new Uint8Array(initial);
    this.boot = new Uint8Array(initial);
    this.blockGroup = new Int32Array(initial).fill(-1);
    this.policy = opts.onlinePolicy;
    this.faults = opts.faults;
    this.log = opts.log ?? (() => undefined);
  }

  // ------------------------------------------------------------------ storage

  private ensure(block: number): void {
    if (block < this.state.length) return;
    let n = this.state.length;
    while (n <= block) n *= 2;
    n = Math.min(n, this.maxBlocks);
    const grow = (a: Uint8Array, fill: number): Uint8Array => {
      const b = new Uint8Array(n);
      if (fill !== 0) b.fill(fill);
      b.set(a);
      return b;
    };
    this.state = grow(this.state, 0);
    this.zone = grow(this.zone, ZONE_NONE);
    this.nid = grow(this.nid, 0);
    this.holes = grow(this.holes, 0);
    this.boot = grow(this.boot, 0);
    const g = new Int32Array(n).fill(-1);
    g.set(this.blockGroup);
    this.blockGroup = g;
  }

  /** Block id of a physical address (memory_block_id / phys_to_block_id). */
  blockOf(addr: bigint): number {
    return Number(addr / this.blockSize);
  }

  blockStart(block: number): bigint {
    return BigInt(block) * this.blockSize;
  }

  private startPfn(block: number): number {
    return block * this.blockPages;
  }

  exists(block: number): boolean {
    return Number.isInteger(block) && block >= 0 && block < this.state.length && this.state[block] !== MEM_ABSENT;
  }

  stateOf(block: number): 'absent' | 'offline' | 'online' | 'going-offline' {
    if (!this.exists(block)) return 'absent';
    const s = this.state[block]!;
    return s === MEM_ONLINE ? 'online' : s === MEM_OFFLINE ? 'offline' : 'going-offline';
  }

  /** Zone index of an online block (ZONE_NONE when it spans zones or is not online). */
  zoneOf(block: number): number {
    return this.exists(block) && this.state[block] === MEM_ONLINE ? this.zone[block]! : ZONE_NONE;
  }

  isOnline(block: number): boolean {
    return this.exists(block) && this.state[block] === MEM_ONLINE;
  }

  counts(): { present: number; online: number; offline: number } {
    return { present: this.present, online: this.onlineCount, offline: this.present - this.onlineCount };
  }

  /** Highest present block id, or -1. */
  highestBlock(): number {
    return this.highest;
  }

  /** Calls fn for every present block in ascending order. */
  forEachPresent(fn: (block: number) => void): void {
    for (let b = 0; b <= this.highest; b++) if (this.state[b] !== MEM_ABSENT) fn(b);
  }

  registerNotifier(fn: MemoryNotifier): () => void {
    this.notifiers.push(fn);
    return () => {
      const i = this.notifiers.indexOf(fn);
      if (i >= 0) this.notifiers.splice(i, 1);
    };
  }

  /** memory_notify(): every notifier in registration order; the first veto wins. */
  private notify(action: MemAction, block: number, zone: number): number {
    const n: MemoryNotify = { action, block, start: this.blockStart(block), size: this.blockSize, zone };
    for (const fn of this.notifiers) {
      const r = fn(n);
      if (r < 0 && (action === 'going-online' || action === 'going-offline')) return r;
    }
    return 0;
  }

  // ------------------------------------------------------------------ boot

  /**
   * Creates the boot memory blocks from the boot "System RAM" ranges (inclusive ends), all online,
   * and the boot zone spans: DMA below 16 MiB, DMA32 below 4 GiB, Normal above. A block whose pages
   * span two zones reports zone "none" (memory0).
   */
  initBoot(ram: readonly { start: bigint; end: bigint }[]): void {
    const bs = this.blockSize;
    const covered = new Map<number, bigint>();
    const zonesOf = new Map<number, number>(); // bit mask of zones touched
    const page = 1n << BigInt(PAGE_SHIFT);
    for (const r of ram) {
      if (r.end < r.start) continue;
      const sPfn = Number((r.start + page - 1n) >> BigInt(PAGE_SHIFT));
      const ePfn = Number((r.end + 1n) >> BigInt(PAGE_SHIFT));
      if (ePfn <= sPfn) continue;
      this.growBootZones(sPfn, ePfn);
      for (let b = Number(r.start / bs); b <= Number(r.end / bs); b++) {
        const bStart = BigInt(b) * bs;
        const lo = r.start > bStart ? r.start : bStart;
        const hi = r.end < bStart + bs - 1n ? r.end : bStart + bs - 1n;
        covered.set(b, (covered.get(b) ?? 0n) + (hi - lo + 1n));
        const loPfn = Math.max(sPfn, b * this.blockPages);
        const hiPfn = Math.min(ePfn, (b + 1) * this.blockPages); // exclusive
        let mask = zonesOf.get(b) ?? 0;
        if (loPfn < MAX_DMA_PFN) mask |= 1;
        if (hiPfn > MAX_DMA_PFN && loPfn < MAX_DMA32_PFN) mask |= 2;
        if (hiPfn > MAX_DMA32_PFN) mask |= 4;
        zonesOf.set(b, mask);
      }
    }
    for (const [b, bytes] of covered) {
      if (b >= this.maxBlocks) continue;
      this.ensure(b);
      const mask = zonesOf.get(b) ?? 0;
      const zone = mask === 1 ? ZONE_DMA : mask === 2 ? ZONE_DMA32 : mask === 4 ? ZONE_NORMAL : ZONE_NONE;
      this.setPresent(b, MEM_ONLINE, zone, 0);
      this.boot[b] = 1;
      this.holes[b] = bytes < bs ? 1 : 0;
      this.bootPages.set(b, Number(bytes >> BigInt(PAGE_SHIFT)));
    }
  }

  private growBootZones(sPfn: number, ePfn: number): void {
    const parts: [number, number, number][] = [
      [ZONE_DMA, sPfn, Math.min(ePfn, MAX_DMA_PFN)],
      [ZONE_DMA32, Math.max(sPfn, MAX_DMA_PFN), Math.min(ePfn, MAX_DMA32_PFN)],
      [ZONE_NORMAL, Math.max(sPfn, MAX_DMA32_PFN), ePfn],
    ];
    for (const [z, s, e] of parts) if (e > s) this.growZone(z, s, e);
  }

  /**
   * Applies a recorded "--- memory-blocks" section to the boot blocks: their state and (for online
   * blocks) zone win over what the memory map suggests. Returns an error text or null.
   */
  applyBootLines(lines: readonly BlockLine[]): string | null {
    for (const l of lines) {
      if (l.block >= this.maxBlocks) return `memory${l.block} lies beyond the physical address space`;
      this.ensure(l.block);
      let zone = ZONE_NONE;
      if (l.state === 'online') {
        const z = ZONE_NAMES.indexOf(l.zones[0] as ZoneName);
        zone = l.zones[0] === 'none' || z < 0 ? ZONE_NONE : z;
      }
      const st = l.state === 'online' ? MEM_ONLINE : MEM_OFFLINE;
      if (this.state[l.block] === MEM_ABSENT) {
        this.setPresent(l.block, st, zone, 0);
        this.holes[l.block] = 0;
      } else {
        if (this.state[l.block] === MEM_ONLINE) this.onlineCount--;
        this.state[l.block] = st;
        if (st === MEM_ONLINE) this.onlineCount++;
        this.zone[l.block] = zone;
      }
      this.boot[l.block] = 1;
      if (st === MEM_ONLINE && zone !== ZONE_NONE) this.growZone(zone, this.startPfn(l.block), this.startPfn(l.block + 1));
    }
    for (let b = 0; b <= this.highest; b++) {
      if (this.state[b] !== MEM_ABSENT && !lines.some((l) => l.block === b)) {
        return `memory${b} has System RAM in the boot map but is missing from the recorded memory blocks`;
      }
    }
    return null;
  }

  private setPresent(block: number, st: number, zone: number, nid: number): void {
    if (this.state[block] === MEM_ABSENT) this.present++;
    else if (this.state[block] === MEM_ONLINE) this.onlineCount--;
    this.state[block] = st;
    if (st === MEM_ONLINE) this.onlineCount++;
    this.zone[block] = zone;
    this.nid[block] = nid;
    if (block > this.highest) this.highest = block;
  }

  // ------------------------------------------------------------------ zones

  private growZone(zone: number, startPfn: number, endPfn: number): void {
    const s = this.spans[zone]!;
    if (s.start === s.end) {
      s.start = startPfn;
      s.end = endPfn;
      return;
    }
    s.start = Math.min(s.start, startPfn);
    s.end = Math.max(s.end, endPfn);
  }

  /**
   * shrink_zone_span(): offlining a block at either edge of its zone moves that edge to the nearest
   * block still online in the zone (or empties the zone); a block in the middle changes nothing.
   */
  private shrinkZone(zone: number, startPfn: number, endPfn: number): void {
    const s = this.spans[zone]!;
    if (s.start === s.end) return;
    if (s.start === startPfn) {
      const last = Math.ceil(s.end / this.blockPages) - 1;
      for (let b = Math.ceil(endPfn / this.blockPages); b <= last; b++) {
        if (this.state[b] === MEM_ONLINE && this.zone[b] === zone) {
          s.start = Math.max(this.startPfn(b), s.start);
          return;
        }
      }
      s.start = s.end = 0;
    } else if (s.end === endPfn) {
      const first = Math.floor(s.start / this.blockPages);
      for (let b = Math.floor(startPfn / this.blockPages) - 1; b >= first; b--) {
        if (this.state[b] === MEM_ONLINE && this.zone[b] === zone) {
          s.end = Math.min(this.startPfn(b + 1), s.end);
          return;
        }
      }
      s.start = s.end = 0;
    }
  }

  /** zone_intersects(). */
  private zoneIntersects(zone: number, startPfn: number, nrPages: number): boolean {
    const s = this.spans[zone]!;
    if (s.start === s.end) return false;
    return startPfn < s.end && s.start < startPfn + nrPages;
  }

  /** The current span of a zone as byte addresses (end exclusive), or null when empty. */
  zoneSpan(zone: number): { start: bigint; end: bigint } | null {
    const s = this.spans[zone];
    if (!s || s.start === s.end) return null;
    return { start: BigInt(s.start) << BigInt(PAGE_SHIFT), end: BigInt(s.end) << BigInt(PAGE_SHIFT) };
  }

  /** memory_group_register_dynamic() / _static(): returns the group id. */
  registerMemoryGroup(opts: { dynamic: boolean; bytes: bigint }): number {
    this.groups.push({ dynamic: opts.dynamic, pages: Number(opts.bytes >> BigInt(PAGE_SHIFT)), movablePages: 0, kernelPages: 0 });
    return this.groups.length - 1;
  }

  memoryGroup(id: number): Readonly<MemoryGroup> | undefined {
    return this.groups[id];
  }

  /** adjust_present_page_count(): zone and group present pages follow onlining and offlining. */
  private accountPresent(block: number, zone: number, sign: 1 | -1): void {
    const pages = this.bootPages.get(block) ?? this.blockPages;
    if (zone === ZONE_MOVABLE) this.movablePresent += sign * pages;
    const g = this.groups[this.blockGroup[block] ?? -1];
    if (!g) return;
    if (zone === ZONE_MOVABLE) g.movablePages += sign * pages;
    else g.kernelPages += sign * pages;
  }

  /** KERNEL_EARLY: present boot pages in the kernel zones. */
  private kernelEarlyPages(): number {
    let n = 0;
    for (const [b, pages] of this.bootPages) if (this.state[b] === MEM_ONLINE && this.zone[b] !== ZONE_MOVABLE) n += pages;
    return n;
  }

  /**
   * auto_movable_can_online_movable(): onlining `nrPages` more to ZONE_MOVABLE keeps
   * MOVABLE <= ratio% of KERNEL_EARLY, where other dynamic groups' movable memory and the kernel
   * memory it requires are set aside, and the current dynamic group's kernel memory counts.
   */
  private autoMovableCanOnlineMovable(group: number, nrPages: number): boolean {
    const ratio = this.autoMovable.ratio;
    let kernelEarly = this.kernelEarlyPages();
    let movable = this.movablePresent;
    let req = 0;
    let othersMovable = 0;
    this.groups.forEach((g, id) => {
      if (!g.dynamic || id === group || !ratio) return;
      const pages = Math.floor((g.movablePages * 100) / ratio) - g.kernelPages;
      if (pages > 0) req += pages;
      othersMovable += g.movablePages;
    });
    if (kernelEarly <= req) return false;
    kernelEarly -= req;
    movable -= othersMovable;
    const cur = this.groups[group];
    if (cur?.dynamic) kernelEarly += cur.kernelPages;
    movable += nrPages;
    return movable <= Math.floor((ratio * kernelEarly) / 100);
  }

  /** auto_movable_zone_for_pfn(): ZONE_MOVABLE if the whole remaining unit/device could go there. */
  private autoMovableZone(block: number): number {
    const startPfn = this.startPfn(block);
    const kernel = (): number => this.defaultKernelZone(startPfn, this.blockPages);
    if (!this.autoMovable.ratio) return kernel();
    const gid = this.blockGroup[block] ?? -1;
    const g = this.groups[gid];
    let maxPages = this.blockPages;
    let onlinePages = 0;
    if (g && !g.dynamic) {
      maxPages = g.pages;
      onlinePages = g.movablePages;
      if (g.kernelPages) return kernel();
    } else if (g && g.pages !== this.blockPages) {
      maxPages = g.pages;
      const per = Math.max(1, Math.round(g.pages / this.blockPages));
      const first = Math.floor(block / per) * per;
      for (let b = first; b < first + per; b++) {
        if (this.state[b] !== MEM_ONLINE) continue;
        if (this.zone[b] !== ZONE_MOVABLE) return kernel();
        onlinePages += this.blockPages;
      }
    }
    return this.autoMovableCanOnlineMovable(gid, maxPages - onlinePages) ? ZONE_MOVABLE : kernel();
  }

  /** default_kernel_zone_for_pfn(): the first of DMA, DMA32 intersecting the range, else Normal. */
  private defaultKernelZone(startPfn: number, nrPages: number): number {
    for (const z of [ZONE_DMA, ZONE_DMA32]) if (this.zoneIntersects(z, startPfn, nrPages)) return z;
    return ZONE_NORMAL;
  }

  /**
   * zone_for_pfn_range() with the default "contig-zones" online policy: online_kernel takes the
   * default kernel zone, online_movable ZONE_MOVABLE, and plain online inherits the one zone of
   * {kernel, movable} the range already intersects, else the kernel zone (ZONE_MOVABLE with movable_node).
   */
  zoneForPfnRange(type: OnlineType, block: number): number {
    const startPfn = this.startPfn(block);
    const nr = this.blockPages;
    const kernel = this.defaultKernelZone(startPfn, nr);
    if (type === 'online_kernel') return kernel;
    if (type === 'online_movable') return ZONE_MOVABLE;
    if (this.autoMovable.enabled) return this.autoMovableZone(block);
    const inKernel = this.zoneIntersects(kernel, startPfn, nr);
    const inMovable = this.zoneIntersects(ZONE_MOVABLE, startPfn, nr);
    if (inKernel !== inMovable) return inKernel ? kernel : ZONE_MOVABLE;
    return this.movableNode ? ZONE_MOVABLE : kernel;
  }

  /**
   * valid_zones_show(): an online block prints its zone ("none" if it spans zones); an offline one
   * prints the zone a plain "online" would pick, then the kernel and movable choices that differ.
   */
  validZones(block: number): string {
    if (!this.exists(block)) return '';
    if (this.state[block] === MEM_ONLINE) {
      const z = this.zone[block]!;
      return z === ZONE_NONE ? 'none' : ZONE_NAMES[z]!;
    }
    const def = this.zoneForPfnRange('online', block);
    let out: string = ZONE_NAMES[def]!;
    for (const t of ['online_kernel', 'online_movable'] as const) {
      const z = this.zoneForPfnRange(t, block);
      if (z !== def) out += ' ' + ZONE_NAMES[z]!;
    }
    return out;
  }

  // ------------------------------------------------------------------ hotplug core hooks

  /**
   * create_memory_block_devices(): one offline device per block of [start, start+size); -EEXIST
   * (nothing created) when one already exists, -E2BIG-like -EINVAL beyond the address space.
   */
  createMemoryBlockDevices(start: bigint, size: bigint, nid = 0, group = -1): number {
    const first = this.blockOf(start);
    const n = Number(size / this.blockSize);
    if (first + n > this.maxBlocks) return EINVAL;
    for (let b = first; b < first + n; b++) if (this.exists(b)) return EEXIST;
    this.ensure(first + n - 1);
    for (let b = first; b < first + n; b++) {
      this.setPresent(b, MEM_OFFLINE, ZONE_NONE, nid);
      this.holes[b] = 0;
      this.boot[b] = 0;
      this.blockGroup[b] = this.groups[group] ? group : -1;
    }
    return 0;
  }

  /** remove_memory_block_devices(). The caller has checked that all blocks are offline. */
  removeMemoryBlockDevices(start: bigint, size: bigint): void {
    const first = this.blockOf(start);
    const end = Math.min(first + Number(size / this.blockSize), this.highest + 1);
    for (let b = first; b < end; b++) {
      if (this.state[b] === MEM_ABSENT) continue;
      if (this.state[b] === MEM_ONLINE) this.onlineCount--;
      this.state[b] = MEM_ABSENT;
      this.zone[b] = ZONE_NONE;
      this.blockGroup[b] = -1;
      this.bootPages.delete(b);
      this.present--;
    }
    while (this.highest >= 0 && this.state[this.highest] === MEM_ABSENT) this.highest--;
  }

  /** check_memblock_offlined_cb over a range: the first block that is not offline, or -1. */
  firstNotOffline(start: bigint, size: bigint): number {
    const first = this.blockOf(start);
    const end = Math.min(first + Number(size / this.blockSize), this.highest + 1);
    for (let b = first; b < end; b++) if (this.exists(b) && this.state[b] !== MEM_OFFLINE) return b;
    return -1;
  }

  /**
   * memory_block_online() + online_pages(): picks the zone, lets the notifiers veto
   * (MEM_GOING_ONLINE), grows the zone span, marks the block online and sends MEM_ONLINE.
   */
  private memoryBlockOnline(block: number, type: OnlineType): number {
    const zone = this.zoneForPfnRange(type, block);
    const veto = this.notify('going-online', block, zone);
    if (veto) {
      this.notify('cancel-online', block, zone);
      this.log('warn', `online_pages [mem 0x${this.blockStart(block).toString(16)}-0x${(this.blockStart(block + 1) - 1n).toString(16)}] failed`);
      return veto;
    }
    this.growZone(zone, this.startPfn(block), this.startPfn(block + 1));
    this.onlineCount++;
    this.state[block] = MEM_ONLINE;
    this.zone[block] = zone;
    this.accountPresent(block, zone, 1);
    this.notify('online', block, zone);
    return 0;
  }

  /**
   * memory_block_offline() + offline_pages(): a block spanning zones or containing holes gives
   * -EINVAL, pinned (unmovable) pages -EBUSY, a notifier veto its error; otherwise the block goes
   * offline, its zone span shrinks and MEM_OFFLINE is sent.
   */
  private memoryBlockOffline(block: number): number {
    const zone = this.zone[block]!;
    if (zone === ZONE_NONE || this.holes[block]) return EINVAL;
    if (this.faults.rangeHasUnmovable(this.blockStart(block), this.blockSize, this.blockSize)) {
      this.log('warn', `memory offlining [mem 0x${this.blockStart(block).toString(16)}-0x${(this.blockStart(block + 1) - 1n).toString(16)}] failed due to failure to isolate range`);
      return EBUSY;
    }
    this.state[block] = MEM_GOING_OFFLINE;
    const veto = this.notify('going-offline', block, zone);
    if (veto) {
      this.state[block] = MEM_ONLINE;
      this.notify('cancel-offline', block, zone);
      return veto;
    }
    this.state[block] = MEM_OFFLINE;
    this.onlineCount--;
    this.accountPresent(block, zone, -1);
    this.notify('offline', block, zone);
    this.shrinkZone(zone, this.startPfn(block), this.startPfn(block + 1));
    this.zone[block] = ZONE_NONE;
    return 0;
  }

  /** device_online(): 1 when the block is already online (the device core's "nothing to do"). */
  deviceOnline(block: number, type: OnlineType): number {
    if (!this.exists(block)) return ENOENT;
    if (this.state[block] === MEM_ONLINE) return 1;
    if (this.state[block] !== MEM_OFFLINE) return EINVAL;
    return this.memoryBlockOnline(block, type);
  }

  /** device_offline(): 1 when the block is already offline. */
  deviceOffline(block: number): number {
    if (!this.exists(block)) return ENOENT;
    if (this.state[block] === MEM_OFFLINE) return 1;
    if (this.state[block] !== MEM_ONLINE) return EINVAL;
    return this.memoryBlockOffline(block);
  }

  /**
   * A guest writing `value` to /sys/devices/system/memory/memoryN/state (state_store): unknown
   * words give -EINVAL, a missing block -ENOENT, and the device core's "already in that state"
   * becomes -EINVAL too. Returns 0 on success.
   */
  guestWriteState(block: number, value: string): number {
    const word = String(value).replace(/\n$/, '');
    if (!this.exists(block)) return ENOENT;
    let r: number;
    switch (word) {
      case 'online':
      case 'online_kernel':
      case 'online_movable':
        r = this.deviceOnline(block, word);
        break;
      case 'offline':
        r = this.deviceOffline(block);
        break;
      default:
        return EINVAL;
    }
    if (r < 0) return r;
    return r > 0 ? EINVAL : 0;
  }

  /**
   * A guest writing the device core's `memoryN/online` attribute (online_store): a kernel boolean;
   * "1" onlines with the default type MMOP_ONLINE, "0" offlines. Unlike `state`, a block already
   * in the wanted state is a success here.
   */
  guestWriteOnline(block: number, value: string): number {
    const word = String(value).replace(/\n$/, '');
    if (!this.exists(block)) return ENOENT;
    let on: boolean;
    if (/^(1|y|Y|on)$/.test(word)) on = true;
    else if (/^(0|n|N|off)$/.test(word)) on = false;
    else return EINVAL;
    const r = on ? this.deviceOnline(block, 'online') : this.deviceOffline(block);
    return r < 0 ? r : 0;
  }

  /** A guest writing /sys/devices/system/memory/auto_online_blocks. */
  setAutoOnline(value: string): number {
    const word = String(value).replace(/\n$/, '') as OnlinePolicy;
    if (!ONLINE_POLICIES.includes(word)) return EINVAL;
    this.policy = word;
    return 0;
  }

  /**
   * The end of add_memory_resource(): unless the policy is "offline", online every new block with
   * the default online type (online_memory_block; failures are ignored, as in the kernel). Blocks
   * user space keeps offline (a fault) are skipped.
   */
  autoOnline(start: bigint, size: bigint): void {
    if (this.policy === 'offline') return;
    const first = this.blockOf(start);
    const n = Number(size / this.blockSize);
    for (let b = first; b < first + n; b++) {
      if (this.faults.keepsOffline(b)) continue;
      this.deviceOnline(b, this.policy as OnlineType);
    }
  }

  // ------------------------------------------------------------------ rendering

  /** The oracle's "--- memory-blocks" section (without the header line), "\n"-terminated lines. */
  render(): string {
    const out: string[] = [`block_size_bytes 0x${this.blockSize.toString(16)}`];
    for (let b = 0; b <= this.highest; b++) {
      const st = this.state[b]!;
      if (st === MEM_ABSENT) continue;
      const name = st === MEM_ONLINE ? 'online' : st === MEM_OFFLINE ? 'offline' : 'going-offline';
      out.push(`memory${b} ${name} ${this.validZones(b)}`);
    }
    return out.join('\n') + '\n';
  }
}

/** Parses a recorded "--- memory-blocks" section. Errors name the line (1-based within `text`). */
export function parseMemoryBlocks(text: string): { ok: true; blockSize: bigint; lines: BlockLine[] } | { ok: false; line: number; message: string } {
  const rows = text.split('\n');
  let blockSize: bigint | null = null;
  const lines: BlockLine[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!.trim();
    if (row === '') continue;
    const bs = /^block_size_bytes\s+(?:0x)?([0-9a-fA-F]+)$/.exec(row);
    if (bs) {
      blockSize = BigInt('0x' + bs[1]!);
      continue;
    }
    const m = /^memory(\d+)\s+(online|offline|going-offline)(?:\s+(.*))?$/.exec(row);
    if (!m) return { ok: false, line: i + 1, message: `expected "memoryN <state> <zones>", got "${row.slice(0, 60)}"` };
    const block = Number(m[1]);
    if (!Number.isSafeInteger(block)) return { ok: false, line: i + 1, message: `block number out of range` };
    lines.push({ block, state: m[2] as BlockLine['state'], zones: (m[3] ?? '').split(/\s+/).filter(Boolean) });
  }
  if (blockSize === null) return { ok: false, line: 1, message: 'missing "block_size_bytes" line' };
  if (blockSize <= 0n || (blockSize & (blockSize - 1n)) !== 0n) return { ok: false, line: 1, message: `block_size_bytes 0x${blockSize.toString(16)} is not a power of two` };
  return { ok: true, blockSize, lines };
}

