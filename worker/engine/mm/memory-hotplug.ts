/**
 * mm/memory_hotplug.c: adding memory (add_memory, add_memory_driver_managed, add_memory_resource)
 * and removing it (remove_memory, offline_and_remove_memory, try_remove_memory), and where the
 * merge strategies hook in:
 * - 'none' (≤ 5.9): one "System RAM" resource per add, never merged;
 * - 'rfc-v1' (the July 2020 RFC): the driver calls merge_child_mem_resources(parent, name) after a
 *   successful add — modelled here so every driver gets it by passing `merge: true`;
 * - 'mhp-merge' (5.10+): MHP_MERGE_RESOURCE makes add_memory_resource() call
 *   merge_system_ram_resource() on the new resource before onlining.
 * Every call reports the resource-tree nodes the kernel's list walks would have visited.
 */
import {
  IORESOURCE_BUSY,
  IORESOURCE_SYSTEM_RAM,
  NIL,
  type NameId,
  type Res,
  type ResourceTree,
} from '../kernel/resource.js';
import { ZONE_MOVABLE, ZONE_NORMAL, type MemoryBlocks } from '../base/memory.js';
import type { Faults } from '../machine/faults.js';
import type { Profile, StrategyName } from '../profiles.js';
import { E2BIG, EBUSY, EEXIST, EINVAL } from '../errno.js';

/** mhp_t flags a caller passes. */
export interface MhpFlags {
  /** MHP_MERGE_RESOURCE: the caller wants its resources merged (drivers that add in small pieces). */
  merge?: boolean;
  /** MHP_NID_IS_MGID: the memory group (5.15+) the new memory blocks belong to. */
  group?: number;
}

export interface HotplugResult {
  err: number;
  visits: number;
  /** The resource that holds the new memory after the add (a merge survivor), NIL on failure. */
  res: Res;
}

export interface RemoveResult {
  err: number;
  visits: number;
}

export interface MemoryHotplugOptions {
  tree: ResourceTree;
  blocks: MemoryBlocks;
  faults: Faults;
  profile: Profile;
  strategy: StrategyName;
  /** Last byte a hot-add may reach (mhp_get_pluggable_range().end). */
  pluggableEnd: bigint;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const hex = (x: bigint): string => '0x' + x.toString(16);
const pad16 = (x: bigint): string => x.toString(16).padStart(16, '0');

export class MemoryHotplug {
  readonly strategy: StrategyName;
  readonly profile: Profile;
  private readonly tree: ResourceTree;
  private readonly blocks: MemoryBlocks;
  private readonly faults: Faults;
  private readonly pluggableEnd: bigint;
  private readonly log: MemoryHotplugOptions['log'];
  /** The "System RAM" literal of mm/memory_hotplug.c (one pointer for every add_memory()). */
  readonly systemRamName: NameId;
  /** Counters for the lab's metrics. */
  readonly counters = { adds: 0, addFailures: 0, removes: 0, removeFailures: 0, merges: 0 };
  /**
   * Where each hot-added block's memmap lives (block → the block holding it) and how many memmap
   * bytes each holder carries; kept only for profiles whose kernel never frees a removed block's
   * memmap (see `Profile.memmapFreedOnRemove`).
   */
  private readonly memmapHolder = new Map<number, number>();
  private readonly memmapLoad = new Map<number, bigint>();
  /** Where the holder search resumes (holders below it are full); -1: at the Normal zone's start. */
  private holderCursor = -1;

  constructor(opts: MemoryHotplugOptions) {
    this.tree = opts.tree;
    this.blocks = opts.blocks;
    this.faults = opts.faults;
    this.profile = opts.profile;
    this.strategy = opts.strategy;
    this.pluggableEnd = opts.pluggableEnd;
    this.log = opts.log;
    this.systemRamName = this.tree.internName('System RAM', 'mm/memory_hotplug');
    if (!this.profile.memmapFreedOnRemove) {
      // A block onlined below the cursor may hold memmaps again: search from the start next time.
      this.blocks.registerNotifier((n) => {
        if (n.action === 'online' && n.block < this.holderCursor) this.holderCursor = -1;
        return 0;
      });
    }
  }

  get blockSize(): bigint {
    return this.blocks.blockSize;
  }

  /** check_hotplug_memory_range(): size non-zero, start and size multiples of the block size. */
  checkHotplugMemoryRange(start: bigint, size: bigint): number {
    const bs = this.blocks.blockSize;
    if (size <= 0n || start < 0n || start % bs !== 0n || size % bs !== 0n) {
      this.log('error', `Block size [${hex(bs)}] unaligned hotplug range: start ${hex(start)}, size ${hex(size)}`);
      return EINVAL;
    }
    return 0;
  }

  /** mhp_range_allowed() (5.11+): the range must lie in the pluggable physical range. */
  private rangeAllowed(start: bigint, size: bigint): boolean {
    const end = start + size;
    if (start < end && start >= 0n && end - 1n <= this.pluggableEnd) return true;
    this.log('warn', `Hotplug memory [${hex(start)}-${hex(end)}] exceeds maximum addressable range [0x0-${hex(this.pluggableEnd)}]`);
    return false;
  }

  /**
   * register_memory_resource(): requests [start, start+size) as a busy System RAM region (descending
   * into free containers such as "virtioN"); names other than "System RAM" get the profile's
   * driver-managed bit. -E2BIG outside the pluggable range (6.x), -EEXIST on a conflict.
   */
  registerMemoryResource(start: bigint, size: bigint, name: NameId): { res: Res; err: number; visits: number } {
    let flags = (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY) >>> 0;
    if (this.tree.nameText(name) !== 'System RAM') flags = (flags | this.profile.driverManagedFlag) >>> 0;
    // mhp_range_allowed() came with 5.11; older kernels only fail in __request_region() (-EEXIST).
    if (this.profile.mhpRangeCheck && !this.rangeAllowed(start, size)) return { res: NIL, err: E2BIG, visits: 0 };
    const r = this.tree.requestRegion(this.tree.root, start, size, name, flags);
    if (r.res === NIL) {
      this.log('info', `Unable to reserve System RAM region: ${pad16(start)}->${pad16(start + size)}`);
      return { res: NIL, err: EEXIST, visits: r.visits };
    }
    return { res: r.res, err: 0, visits: r.visits };
  }

  /**
   * add_memory_resource(): alignment check, the memmap (an injected failure stands for -ENOMEM
   * there), the memory block devices (all offline), MHP_MERGE_RESOURCE under the 'mhp-merge'
   * strategy, then auto-onlining by the default online type (failures ignored). On failure the
   * caller still owns `res`. `res` must already be in the tree.
   */
  addMemoryResource(nid: number, res: Res, flags: MhpFlags = {}): HotplugResult {
    if (!this.tree.isLive(res)) return { err: EINVAL, visits: 0, res: NIL };
    const start = this.tree.start(res);
    const size = this.tree.end(res) - start + 1n;
    const parent = this.tree.parent(res);
    const name = this.tree.name(res);
    let err = this.checkHotplugMemoryRange(start, size);
    if (!err) err = this.faults.takeAddMemoryFailure(start);
    if (!err) err = this.blocks.createMemoryBlockDevices(start, size, nid, flags.group ?? -1);
    if (err) {
      this.counters.addFailures++;
      return { err, visits: 0, res: NIL };
    }
    if (!this.profile.memmapFreedOnRemove) this.placeMemmaps(start, size);
    let visits = 0;
    let survivor = res;
    if (flags.merge && this.strategy === 'mhp-merge') {
      const m = this.tree.mergeSystemRamResource(res);
      visits += m.visits;
      if (m.survivor !== res) this.counters.merges++;
      survivor = m.survivor;
    }
    this.blocks.autoOnline(start, size);
    if (flags.merge && this.strategy === 'rfc-v1' && name !== null && parent !== NIL) {
      // The RFC has no flag: drivers call merge_child_mem_resources() after add_memory*() returned.
      const m = this.tree.mergeChildMemResources(parent, name);
      visits += m.visits;
      this.counters.merges += m.merged;
      if (!this.tree.isLive(survivor)) survivor = this.containing(parent, start);
    }
    this.counters.adds++;
    return { err: 0, visits, res: survivor };
  }

  /** Bytes of one block's memmap: a 64-byte struct page per page (memmap_on_memory off). */
  private get memmapBytes(): bigint {
    return BigInt(this.blocks.blockPages) * 64n;
  }

  /**
   * sparse_add_section() → vmemmap_populate(): each new block's memmap is a GFP_KERNEL allocation on
   * its node, served from ZONE_NORMAL first. The model takes it from the lowest online Normal block
   * with room (on a guest whose boot RAM is all below 4 GiB, that is the first hot-added block
   * onlined to ZONE_NORMAL); with no Normal block online it comes from boot memory (not tracked).
   */
  private placeMemmaps(start: bigint, size: bigint): void {
    const span = this.blocks.zoneSpan(ZONE_NORMAL);
    if (span === null) return;
    const first = this.blocks.blockOf(start);
    const count = Number(size / this.blocks.blockSize);
    let holder = Math.max(this.holderCursor, this.blocks.blockOf(span.start));
    const lastHolder = this.blocks.blockOf(span.end - 1n);
    for (let b = first; b < first + count; b++) {
      while (holder <= lastHolder && !this.canHoldMemmap(holder)) holder++;
      if (holder > lastHolder) break;
      this.memmapHolder.set(b, holder);
      this.memmapLoad.set(holder, (this.memmapLoad.get(holder) ?? 0n) + this.memmapBytes);
    }
    this.holderCursor = holder;
  }

  private canHoldMemmap(block: number): boolean {
    if (this.blocks.zoneOf(block) !== ZONE_NORMAL) return false;
    const used = (this.memmapLoad.get(block) ?? 0n) + this.faults.unmovableBytes(block);
    return used + this.memmapBytes <= this.blocks.blockSize;
  }

  /**
   * The removed blocks' memmaps stay allocated where they live (6.18.12): pinned in their holder
   * for good. A removed holder takes its load with it.
   */
  private leakMemmaps(first: number, count: number): void {
    for (let b = first; b < first + count; b++) {
      const holder = this.memmapHolder.get(b);
      this.memmapHolder.delete(b);
      this.memmapLoad.delete(b);
      if (holder !== undefined && holder !== b && this.blocks.exists(holder)) this.faults.pinLeakedMemmap(holder, this.memmapBytes);
    }
  }

  /** The child of `parent` that contains `addr` (after a merge freed the node we had). */
  private containing(parent: Res, addr: bigint): Res {
    for (let c = this.tree.child(parent); c !== NIL; c = this.tree.sibling(c)) {
      if (this.tree.start(c) <= addr && addr <= this.tree.end(c)) return c;
    }
    return NIL;
  }

  /** __add_memory(): register a "System RAM" resource, add it, release it again on failure. */
  addMemory(nid: number, start: bigint, size: bigint, flags: MhpFlags = {}): HotplugResult {
    return this.addNamed(nid, start, size, this.systemRamName, flags);
  }

  /**
   * add_memory_driver_managed(): like add_memory() under the driver's own name, which must look
   * like "System RAM (…)" (-EINVAL otherwise); the resource is marked driver-managed.
   */
  addMemoryDriverManaged(nid: number, start: bigint, size: bigint, name: NameId, flags: MhpFlags = {}): HotplugResult {
    let text: string;
    try {
      text = this.tree.nameText(name);
    } catch {
      return { err: EINVAL, visits: 0, res: NIL };
    }
    if (!text.startsWith('System RAM (') || !text.endsWith(')')) return { err: EINVAL, visits: 0, res: NIL };
    return this.addNamed(nid, start, size, name, flags);
  }

  private addNamed(nid: number, start: bigint, size: bigint, name: NameId, flags: MhpFlags): HotplugResult {
    const reg = this.registerMemoryResource(start, size, name);
    if (reg.err) {
      this.counters.addFailures++;
      return { err: reg.err, visits: reg.visits, res: NIL };
    }
    const r = this.addMemoryResource(nid, reg.res, flags);
    let visits = reg.visits + r.visits;
    if (r.err) {
      // release_memory_resource(): release_resource() + kfree()
      visits += this.tree.releaseResource(reg.res).visits;
      this.tree.free(reg.res);
      return { err: r.err, visits, res: NIL };
    }
    return { err: 0, visits, res: r.res };
  }

  /**
   * try_remove_memory(): every block must be offline (-EBUSY otherwise), then the block devices go
   * and release_mem_region_adjustable() trims or splits whatever resource holds the range. An
   * unaligned range is a kernel BUG; the emulator refuses it with -EINVAL and logs it instead.
   */
  private tryRemoveMemory(start: bigint, size: bigint): RemoveResult {
    const bs = this.blocks.blockSize;
    if (size <= 0n || start < 0n || start % bs !== 0n || size % bs !== 0n || (start + size) / bs > BigInt(this.blocks.maxBlocks)) {
      this.log('error', `BUG: try_remove_memory() called with an unaligned range ${hex(start)}+${hex(size)} (refused)`);
      return { err: EINVAL, visits: 0 };
    }
    const busy = this.blocks.firstNotOffline(start, size);
    if (busy >= 0) {
      const s = this.blocks.blockStart(busy);
      this.log('warn', `removing memory fails, because memory [${hex(s)}-${hex(s + bs - 1n)}] is onlined`);
      return { err: EBUSY, visits: 0 };
    }
    this.blocks.removeMemoryBlockDevices(start, size);
    this.faults.forgetBlocks(this.blocks.blockOf(start), Number(size / bs));
    if (!this.profile.memmapFreedOnRemove) this.leakMemmaps(this.blocks.blockOf(start), Number(size / bs));
    const r = this.tree.releaseMemRegionAdjustable(start, size);
    if (r.err) this.log('warn', `Unable to release resource <${hex(start)}-${hex(start + size - 1n)}> (${r.err})`);
    this.counters.removes++;
    return { err: 0, visits: r.visits };
  }

  /** remove_memory(): try_remove_memory() under the hotplug lock. */
  removeMemory(start: bigint, size: bigint): RemoveResult {
    const r = this.tryRemoveMemory(start, size);
    if (r.err) this.counters.removeFailures++;
    return r;
  }

  /**
   * offline_and_remove_memory(): 5.8–5.10 accept exactly one aligned memory block; later kernels
   * any aligned range, offlining every block (remembering its zone) and re-onlining them if
   * offlining or removing fails.
   */
  offlineAndRemoveMemory(start: bigint, size: bigint): RemoveResult {
    const bs = this.blocks.blockSize;
    if (!this.profile.offlineAndRemoveMultiBlock) {
      if (start % bs !== 0n || size !== bs) return { err: EINVAL, visits: 0 };
    } else if (size <= 0n || start % bs !== 0n || size % bs !== 0n) {
      return { err: EINVAL, visits: 0 };
    }
    if (start < 0n || (start + size) / bs > BigInt(this.blocks.maxBlocks)) return { err: EINVAL, visits: 0 };
    const first = this.blocks.blockOf(start);
    const n = Number(size / bs);
    const types: ('online_kernel' | 'online_movable' | null)[] = [];
    let rc = 0;
    for (let b = first; b < first + n; b++) {
      if (!this.blocks.exists(b)) {
        types.push(null);
        continue;
      }
      const movable = this.blocks.zoneOf(b) === ZONE_MOVABLE;
      const r = this.blocks.deviceOffline(b);
      types.push(r === 0 ? (movable ? 'online_movable' : 'online_kernel') : null);
      if (r < 0) {
        rc = r;
        break;
      }
    }
    let visits = 0;
    if (!rc) {
      const r = this.tryRemoveMemory(start, size);
      visits = r.visits;
      rc = r.err;
      if (rc) this.log('error', `offline_and_remove_memory: Failed to remove memory: ${rc}`);
    }
    if (rc) {
      types.forEach((t, i) => {
        if (t) this.blocks.deviceOnline(first + i, t);
      });
      this.counters.removeFailures++;
    }
    return { err: rc, visits };
  }
}
