/**
 * kernel/resource.c: the `iomem_resource` tree with the kernel's semantics and errno-style results.
 *
 * Every operation behaves as the kernel's list code does and reports how many nodes that list walk
 * would have visited (kernel-semantics.md §3.0), but runs in O(log n) wall time: positions come from
 * the per-parent order-statistic index in `resource-store.ts`, never from walking the lists.
 */
import { EBUSY, EINVAL, KernelBug } from '../errno.js';
import { ResourceStore, NIL as STORE_NIL, hexDigits } from './resource-store.js';

export type Res = number;
export const NIL = STORE_NIL;
export type NameId = number;

// ---- IORESOURCE_* (include/linux/ioport.h) -------------------------------------------------------
export const IORESOURCE_BITS = 0x000000ff;
export const IORESOURCE_TYPE_BITS = 0x00001f00;
export const IORESOURCE_IO = 0x00000100;
export const IORESOURCE_MEM = 0x00000200;
export const IORESOURCE_REG = 0x00000300;
export const IORESOURCE_IRQ = 0x00000400;
export const IORESOURCE_DMA = 0x00000800;
export const IORESOURCE_BUS = 0x00001000;
export const IORESOURCE_PREFETCH = 0x00002000;
export const IORESOURCE_READONLY = 0x00004000;
export const IORESOURCE_CACHEABLE = 0x00008000;
export const IORESOURCE_RANGELENGTH = 0x00010000;
export const IORESOURCE_SHADOWABLE = 0x00020000;
export const IORESOURCE_SIZEALIGN = 0x00040000;
export const IORESOURCE_STARTALIGN = 0x00080000;
export const IORESOURCE_MEM_64 = 0x00100000;
export const IORESOURCE_WINDOW = 0x00200000;
export const IORESOURCE_MUXED = 0x00400000;
export const IORESOURCE_EXT_TYPE_BITS = 0x01000000;
export const IORESOURCE_SYSRAM = 0x01000000;
export const IORESOURCE_SYSRAM_DRIVER_MANAGED = 0x02000000;
export const IORESOURCE_SYSRAM_MERGEABLE = 0x04000000;
export const IORESOURCE_EXCLUSIVE = 0x08000000;
export const IORESOURCE_DISABLED = 0x10000000;
export const IORESOURCE_UNSET = 0x20000000;
export const IORESOURCE_AUTO = 0x40000000;
export const IORESOURCE_BUSY = 0x80000000;
export const IORESOURCE_SYSTEM_RAM = 0x01000200;
/** 5.8/5.9 only (and the RFC): the driver-managed bit in the PnP area, replaced by SYSRAM_DRIVER_MANAGED. */
export const IORESOURCE_MEM_DRIVER_MANAGED = 0x00000080;

// ---- IORES_DESC_* --------------------------------------------------------------------------------
export const IORES_DESC_NONE = 0;
export const IORES_DESC_CRASH_KERNEL = 1;
export const IORES_DESC_ACPI_TABLES = 2;
export const IORES_DESC_ACPI_NV_STORAGE = 3;
export const IORES_DESC_PERSISTENT_MEMORY = 4;
export const IORES_DESC_PERSISTENT_MEMORY_LEGACY = 5;
export const IORES_DESC_DEVICE_PRIVATE_MEMORY = 6;
export const IORES_DESC_RESERVED = 7;
export const IORES_DESC_SOFT_RESERVED = 8;
export const IORES_DESC_CXL = 9;

// ---- REGION_* (include/linux/mm.h) ---------------------------------------------------------------
export const REGION_INTERSECTS = 0;
export const REGION_DISJOINT = 1;
export const REGION_MIXED = 2;

const U64_MASK = (1n << 64n) - 1n;
const u64 = (x: bigint): bigint => x & U64_MASK;

export interface ResourceSemantics {
  releaseAdjustable: 'pre-5.10' | '5.10';
  walkScope: 'top-level' | 'whole-tree';
  /**
   * '5.10': top-level nodes only. '6.12': also looks into the descendants of an overlapping
   * non-matching node, its walk running on past that subtree in pre-order (same results, more
   * visits). '6.13': the same with the walk kept inside the subtree.
   */
  regionIntersects: '5.10' | '6.12' | '6.13';
}
/** The 6.12 behaviour (what the oracle traces were recorded on). */
export const DEFAULT_SEMANTICS: ResourceSemantics = { releaseAdjustable: '5.10', walkScope: 'whole-tree', regionIntersects: '6.12' };

export interface Visits {
  visits: number;
}
/** The clipped, nameless copy that find_next_iomem_res hands to walk callbacks. */
export interface ResCopy {
  start: bigint;
  end: bigint;
  flags: number;
  desc: number;
}
export type WalkFn = (r: ResCopy) => number;
/** A window being considered by allocate_resource; the x86 hook may shrink it in place. */
export interface AvailWindow {
  start: bigint;
  end: bigint;
  flags: number;
}
export type ArchRemoveReservations = (tmp: AvailWindow) => void;
export type AlignFn = (avail: { start: bigint; end: bigint }, size: bigint, align: bigint) => bigint;

const STOP = -2; // find_next_iomem_res met a node starting past the end: the whole search ends

/**
 * x86's `arch_remove_reservations()`: trims the BIOS ROM area and every e820 range out of a MEM
 * candidate window, keeping the larger side of each conflict (arch/x86/kernel/resource.c).
 */
export function x86ArchRemoveReservations(e820: ReadonlyArray<{ start: bigint; end: bigint }>): ArchRemoveReservations {
  const clip = (w: AvailWindow, s: bigint, e: bigint): void => {
    if (w.end < s || w.start > e) return;
    const low = w.start < s ? s - w.start : 0n;
    const high = w.end > e ? w.end - e : 0n;
    if (low > high) w.end = s - 1n;
    else w.start = e + 1n;
  };
  return (w) => {
    if ((w.flags & IORESOURCE_MEM) === 0) return;
    clip(w, 0xffe00000n, 0xffffffffn);
    for (const r of e820) clip(w, r.start, r.end);
  };
}

/** A plain range with flags, as the ioport.h helpers take it. */
export interface ResRange {
  start: bigint;
  end: bigint;
  flags?: number;
}

/** resource_overlaps(): closed intervals intersect (adjacent ranges do not). */
export function resourceOverlaps(a: ResRange, b: ResRange): boolean {
  return a.start <= b.end && a.end >= b.start;
}

/** resource_contains(): same type, neither UNSET, and `a` covers `b`. */
export function resourceContains(a: ResRange, b: ResRange): boolean {
  const fa = a.flags ?? 0;
  const fb = b.flags ?? 0;
  if ((fa & IORESOURCE_TYPE_BITS) !== (fb & IORESOURCE_TYPE_BITS)) return false;
  if ((fa & IORESOURCE_UNSET) !== 0 || (fb & IORESOURCE_UNSET) !== 0) return false;
  return a.start <= b.start && a.end >= b.end;
}

/** resource_intersection(): the common part, or null when they do not overlap. */
export function resourceIntersection(a: ResRange, b: ResRange): { start: bigint; end: bigint } | null {
  if (!resourceOverlaps(a, b)) return null;
  return { start: a.start > b.start ? a.start : b.start, end: a.end < b.end ? a.end : b.end };
}

/** resource_union(): the span of both, or null when they do not overlap. */
export function resourceUnion(a: ResRange, b: ResRange): { start: bigint; end: bigint } | null {
  if (!resourceOverlaps(a, b)) return null;
  return { start: a.start < b.start ? a.start : b.start, end: a.end > b.end ? a.end : b.end };
}

export class ResourceTree extends ResourceStore {
  readonly root: Res;
  semantics: ResourceSemantics;
  totalVisits = 0;
  /** The arch_remove_reservations hook used by allocate_resource (default: the weak no-op). */
  archRemoveReservations: ArchRemoveReservations | null = null;

  private v = 0;
  private textBytes = 0;
  private readonly names: string[] = [];
  private readonly nameLen: number[] = [];
  private readonly nameKeys = new Map<string, NameId>();

  constructor(opts?: { rootEnd?: bigint; rootName?: string; semantics?: Partial<ResourceSemantics>; archRemoveReservations?: ArchRemoveReservations }) {
    super();
    this.semantics = { ...DEFAULT_SEMANTICS, ...(opts?.semantics ?? {}) };
    this.archRemoveReservations = opts?.archRemoveReservations ?? null;
    const rootEnd = u64(opts?.rootEnd ?? U64_MASK);
    this.root = this.alloc(this.internName(opts?.rootName ?? 'PCI mem'), 0n, rootEnd, IORESOURCE_MEM);
  }

  // ---- names -------------------------------------------------------------------------------------

  /** Interns a name: the same (text, owner) gives the same id, like one `const char *` pointer. */
  internName(text: string, owner = 'kernel'): NameId {
    const key = `${owner}\u0000${text}`;
    let id = this.nameKeys.get(key);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(text);
      this.nameLen.push(utf8Length(text));
      this.nameKeys.set(key, id);
    }
    return id;
  }

  nameText(id: NameId): string {
    const t = this.names[id];
    if (t === undefined) throw new KernelBug(`unknown name id ${id}`);
    return t;
  }

  // ---- node fields -------------------------------------------------------------------------------

  /** kzalloc + field setup: a detached node. */
  alloc(name: NameId | null, start: bigint, end: bigint, flags: number, desc = 0): Res {
    if (name !== null && (!Number.isInteger(name) || this.names[name] === undefined)) throw new KernelBug(`unknown name id ${name}`);
    const r = this.newSlot();
    this.writeStart(r, start);
    this.writeEnd(r, end);
    this.fl[r] = flags >>> 0;
    this.ds[r] = desc & 0xff;
    this.nm[r] = name === null ? -1 : name;
    return r;
  }

  /** kfree. Freeing an attached node is a use-after-free in the kernel; here it is a KernelBug. */
  free(r: Res): void {
    this.checkLive(r);
    if (this.par[r] !== NIL || r === this.root) throw new KernelBug(`freeing resource ${r} while it is still in the tree`);
    this.orphanChildren(r);
    this.dropSlot(r);
  }

  start(r: Res): bigint {
    return (BigInt(this.sHi[r]!) << 32n) | BigInt(this.sLo[r]!);
  }
  end(r: Res): bigint {
    return (BigInt(this.eHi[r]!) << 32n) | BigInt(this.eLo[r]!);
  }
  flags(r: Res): number {
    return this.fl[r]!;
  }
  desc(r: Res): number {
    return this.ds[r]!;
  }
  nameId(r: Res): NameId | null {
    const n = this.nm[r]!;
    return n < 0 ? null : n;
  }
  name(r: Res): string | null {
    const n = this.nm[r]!;
    return n < 0 ? null : this.names[n]!;
  }
  setFlags(r: Res, flags: number): void {
    this.checkLive(r);
    this.fl[r] = flags >>> 0;
  }
  parent(r: Res): Res {
    return this.par[r]!;
  }
  child(r: Res): Res {
    return this.fst[r]!;
  }
  sibling(r: Res): Res {
    return this.nxt[r]!;
  }
  prevSibling(r: Res): Res {
    return this.prevOf(r);
  }
  childCount(r: Res): number {
    return this.nChildren(r);
  }
  /** Position among the siblings; -1 when detached. */
  indexOf(r: Res): number {
    if (this.par[r] === NIL) return -1;
    return this.posOf(r);
  }
  count(): number {
    return this.nDescendants(this.root);
  }
  topLevelCount(): number {
    return this.nChildren(this.root);
  }
  /** Live nodes, attached or not, root included (the allocator's view). */
  allocatedCount(): number {
    return this.liveCount;
  }
  /** Bytes of the privileged /proc/iomem text, kept up to date by every operation. */
  iomemTextBytes(): number {
    return this.textBytes;
  }
  /** Bytes the emulator's storage arrays occupy. */
  heapBytes(): number {
    return this.storageBytes();
  }

  depth(r: Res): number {
    let d = 0;
    let p = this.par[r]!;
    while (p !== NIL && p !== this.root) {
      d++;
      p = this.par[p]!;
    }
    return d;
  }

  /** The node shown on the k-th /proc/iomem line (0-based), NIL past the end. O(depth · log n). */
  preorderAt(k: number): Res {
    if (!Number.isInteger(k) || k < 0 || k >= this.count()) return NIL;
    let p = this.root;
    for (;;) {
      let t = this.trt[p]!;
      let c = NIL;
      while (t !== NIL) {
        const l = this.tl[t]!;
        const la = l === NIL ? 0 : this.agg[l]!;
        if (k < la) {
          t = l;
          continue;
        }
        k -= la;
        const o = this.own(t);
        if (k < o) {
          c = t;
          break;
        }
        k -= o;
        t = this.tr[t]!;
      }
      if (c === NIL) throw new KernelBug('pre-order index out of step with the tree');
      if (k === 0) return c;
      k -= 1;
      p = c;
    }
  }

  /** The /proc/iomem line number of `r` (0-based); -1 when it is not in the tree. */
  preorderIndex(r: Res): number {
    if (!this.isAttached(r) || r === this.root) return -1;
    let idx = 0;
    let q = r;
    while (q !== this.root) {
      const p = this.par[q]!;
      this.posOf(q);
      idx += this.qAgg;
      if (p !== this.root) idx += 1;
      q = p;
    }
    return idx;
  }

  /** True when `r` hangs (through its parents) from this tree's root. */
  isAttached(r: Res): boolean {
    if (!this.isLive(r)) return false;
    let q = r;
    while (this.par[q] !== NIL) q = this.par[q]!;
    return q === this.root;
  }

  /**
   * The child of `parent` whose range contains `addr`, or NIL. O(log n). An emulator lookup for
   * drivers and the hotplug core, not a kernel walk: it reports no visits.
   */
  childAt(parent: Res, addr: bigint): Res {
    const [hi, lo] = split64(u64(addr));
    this.belowStart(parent, hi, lo, true);
    const c = this.qPred;
    if (c === NIL || this.endLt(c, hi, lo)) return NIL;
    return c;
  }

  // =================================================================================================
  // The kernel's operations
  // =================================================================================================

  /** request_resource_conflict(): the conflicting node, or NIL when `res` was linked in. */
  requestResourceConflict(root: Res, res: Res): { conflict: Res } & Visits {
    this.begin(root, res);
    if (this.wouldCycle(root, res)) return { conflict: root, visits: this.finish() };
    const conflict = this.par[res] !== NIL ? res : this.requestResourceLocked(root, res);
    return { conflict, visits: this.finish() };
  }

  /** request_resource(): 0, or -EBUSY on any conflict. */
  requestResource(root: Res, res: Res): { err: number } & Visits {
    const r = this.requestResourceConflict(root, res);
    return { err: r.conflict === NIL ? 0 : EBUSY, visits: r.visits };
  }

  /** release_resource(): unlinks `res` together with its whole subtree. */
  releaseResource(res: Res): { err: number } & Visits {
    this.begin(res);
    const err = this.releaseResourceLocked(res, true);
    return { err, visits: this.finish() };
  }

  /** remove_resource(): unlinks `res` and splices its children into its place. */
  removeResource(res: Res): { err: number } & Visits {
    this.begin(res);
    const err = this.releaseResourceLocked(res, false);
    return { err, visits: this.finish() };
  }

  /** insert_resource_conflict(): inserts `res`, adopting the siblings it spans; NIL on success. */
  insertResourceConflict(parent: Res, res: Res): { conflict: Res } & Visits {
    this.begin(parent, res);
    if (this.wouldCycle(parent, res)) return { conflict: parent, visits: this.finish() };
    const conflict = this.par[res] !== NIL ? res : this.insertResourceLocked(parent, res);
    return { conflict, visits: this.finish() };
  }

  insertResource(parent: Res, res: Res): { err: number } & Visits {
    const r = this.insertResourceConflict(parent, res);
    return { err: r.conflict === NIL ? 0 : EBUSY, visits: r.visits };
  }

  /** insert_resource_expand_to_fit(): grows `res` over each conflict until it can be inserted. */
  insertResourceExpandToFit(root: Res, res: Res): { log: string[] } & Visits {
    this.begin(root, res);
    const log: string[] = [];
    if (this.par[res] === NIL && !this.wouldCycle(root, res)) {
      for (;;) {
        const conflict = this.insertResourceLocked(root, res);
        if (conflict === NIL || conflict === root || conflict === res) break;
        const s = this.start(conflict) < this.start(res) ? this.start(conflict) : this.start(res);
        const e = this.end(conflict) > this.end(res) ? this.end(conflict) : this.end(res);
        this.writeStart(res, s);
        this.writeEnd(res, e);
        log.push(`Expanded resource ${this.name(res) ?? '(null)'} due to conflict with ${this.name(conflict) ?? '(null)'}`);
      }
    }
    return { log, visits: this.finish() };
  }

  /** adjust_resource(): 0 or -EBUSY. */
  adjustResource(res: Res, start: bigint, size: bigint): { err: number } & Visits {
    this.begin(res);
    const err = this.adjustResourceLocked(res, u64(start), u64(start + size - 1n));
    return { err, visits: this.finish() };
  }

  /**
   * __request_region(): a new BUSY node, descending into non-busy conflicts and inheriting the final
   * parent's type, ext type and desc. NIL on failure; `wouldBlock` when a MUXED holder would make the
   * caller sleep.
   */
  requestRegion(parent: Res, start: bigint, n: bigint, name: NameId | null, flags: number): { res: Res; wouldBlock?: boolean } & Visits {
    this.begin(parent);
    const res = this.alloc(name, u64(start), u64(start + n - 1n), 0);
    let p = parent;
    for (;;) {
      this.fl[res] = ((this.fl[p]! & (IORESOURCE_TYPE_BITS | IORESOURCE_EXT_TYPE_BITS)) | IORESOURCE_BUSY | flags) >>> 0;
      this.ds[res] = this.ds[p]!;
      const conflict = this.requestResourceLocked(p, res);
      if (conflict === NIL) return { res, visits: this.finish() };
      if (conflict !== p && (this.fl[conflict]! & IORESOURCE_BUSY) === 0) {
        p = conflict;
        continue;
      }
      this.free(res);
      if ((this.fl[conflict]! & flags & IORESOURCE_MUXED) !== 0) return { res: NIL, wouldBlock: true, visits: this.finish() };
      return { res: NIL, visits: this.finish() };
    }
  }

  /**
   * __release_region(): frees the BUSY node matching the range exactly, descending through non-busy
   * containers. Its children drop out of the tree with it (they become detached, as the kernel leaks them).
   */
  releaseRegion(parent: Res, start: bigint, n: bigint): { err: number; log: string[] } & Visits {
    this.begin(parent);
    const s = u64(start);
    const e = u64(start + n - 1n);
    let p = parent;
    for (;;) {
      const c = this.containerAt(p, s, e);
      if (c === NIL) break;
      if ((this.fl[c]! & IORESOURCE_BUSY) === 0) {
        p = c;
        continue;
      }
      if (this.start(c) !== s || this.end(c) !== e) break;
      this.unlinkNode(c);
      this.free(c);
      return { err: 0, log: [], visits: this.finish() };
    }
    const log = [`Trying to free nonexistent resource <${hex16(s)}-${hex16(e)}>`];
    return { err: EINVAL, log, visits: this.finish() };
  }

  /**
   * allocate_resource(): first fit over the gaps between `root`'s children (lowest first), with
   * alignment, [min, max] clipping, the arch hook and an optional alignf; then __request_resource.
   * An already attached `res` goes through reallocate_resource.
   */
  allocateResource(root: Res, res: Res, size: bigint, min: bigint, max: bigint, align: bigint, alignf?: AlignFn): { err: number } & Visits {
    this.begin(root, res);
    let err: number;
    if (this.wouldCycle(root, res)) {
      err = EBUSY;
    } else if (this.par[res] !== NIL) {
      err = this.reallocateResourceLocked(root, res, size, min, max, align, alignf);
    } else {
      err = this.findResourceLocked(root, NIL, res, size, min, max, align, alignf);
      if (err === 0) {
        this.writeStart(res, this.found.start);
        this.writeEnd(res, this.found.end);
        if (this.requestResourceLocked(root, res) !== NIL) err = EBUSY;
      }
    }
    return { err, visits: this.finish() };
  }

  /** lookup_resource(): the direct child of `root` starting exactly at `start`, else NIL. */
  lookupResource(root: Res, start: bigint): { res: Res } & Visits {
    this.begin(root);
    const [hi, lo] = split64(u64(start));
    const b = this.belowStart(root, hi, lo, false);
    const c = this.qNode;
    if (c !== NIL && this.sHi[c] === hi && this.sLo[c] === lo) {
      this.v += b + 1;
      return { res: c, visits: this.finish() };
    }
    this.v += this.nChildren(root);
    return { res: NIL, visits: this.finish() };
  }

  /** walk_iomem_res_desc(): whole tree, every matching range clipped to [start, end]. */
  walkIomemResDesc(desc: number, flags: number, start: bigint, end: bigint, fn: WalkFn): { ret: number } & Visits {
    this.v = 0;
    const ret = this.walkLocked(u64(start), u64(end), flags, desc, false, fn);
    return { ret, visits: this.finish() };
  }

  /** walk_system_ram_res(): busy System RAM; top level only before 5.13. */
  walkSystemRamRes(start: bigint, end: bigint, fn: WalkFn): { ret: number } & Visits {
    this.v = 0;
    const firstLvl = this.semantics.walkScope === 'top-level';
    const ret = this.walkLocked(u64(start), u64(end), (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY) >>> 0, IORES_DESC_NONE, firstLvl, fn);
    return { ret, visits: this.finish() };
  }

  /** walk_mem_res(): busy MEM ranges; top level only before 5.13. */
  walkMemRes(start: bigint, end: bigint, fn: WalkFn): { ret: number } & Visits {
    this.v = 0;
    const firstLvl = this.semantics.walkScope === 'top-level';
    const ret = this.walkLocked(u64(start), u64(end), (IORESOURCE_MEM | IORESOURCE_BUSY) >>> 0, IORES_DESC_NONE, firstLvl, fn);
    return { ret, visits: this.finish() };
  }

  /**
   * walk_system_ram_range(): page-granular walk of busy System RAM over the whole tree. Sub-page
   * pieces are skipped silently and the previous return value (initially -EINVAL) is kept.
   */
  walkSystemRamRange(startPfn: bigint, nrPages: bigint, fn: (pfn: bigint, nr: bigint) => number): { ret: number } & Visits {
    this.v = 0;
    let start = u64(startPfn << 12n);
    const end = u64(((startPfn + nrPages) << 12n) - 1n);
    const flags = (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY) >>> 0;
    let ret = EINVAL;
    while (start < end) {
      const p = this.findNextLocked(start, end, flags, IORES_DESC_NONE, false);
      if (p < 0) break;
      const cs = this.start(p) > start ? this.start(p) : start;
      const ce = this.end(p) < end ? this.end(p) : end;
      const pfn = (cs + 4095n) >> 12n;
      const endPfn = (ce + 1n) >> 12n;
      if (endPfn > pfn) ret = fn(pfn, endPfn - pfn);
      if (ret !== 0) break;
      if (ce === U64_MASK) break;
      start = ce + 1n;
    }
    return { ret, visits: this.finish() };
  }

  /**
   * region_intersects(): REGION_INTERSECTS / DISJOINT / MIXED for [start, start+size-1] against the
   * top-level nodes; 6.12 also looks into the descendants of overlapping non-matching nodes.
   */
  regionIntersects(start: bigint, size: bigint, flags: number, desc: number): { result: number } & Visits {
    this.v = 0;
    const s = u64(start);
    const e = u64(start + size - 1n);
    const fw = flags >>> 0;
    const root = this.root;
    this.v += this.nChildren(root);
    let type = 0;
    let other = 0;
    const [sh, sl] = split64(s);
    this.belowEnd(root, sh, sl);
    for (let c = this.qNode; c !== NIL && this.start(c) <= e; c = this.nxt[c]!) {
      if (this.matches(c, fw, desc)) {
        type++;
        continue;
      }
      if (this.semantics.regionIntersects === '5.10') {
        other++;
        continue;
      }
      const o = { s: this.start(c) > s ? this.start(c) : s, e: this.end(c) < e ? this.end(c) : e, covered: false, type: 0 };
      const broke = this.coverByDescendants(c, s, e, fw, desc, o);
      if (!broke && this.semantics.regionIntersects === '6.12' && this.fst[c] !== NIL) this.v += this.visitsPastSubtree(c, s, e, fw, desc);
      type += o.type;
      if (!o.covered) other++;
    }
    const result = type === 0 ? REGION_DISJOINT : other === 0 ? REGION_INTERSECTS : REGION_MIXED;
    return { result, visits: this.finish() };
  }

  /**
   * release_mem_region_adjustable(): removes [start, start+size-1] from the single busy System RAM
   * node that contains it (descending into non-busy SYSRAM containers): free, trim the start, trim
   * the end, or split (the upper part is a new node with the same name, flags and desc).
   * Pre-5.10 returns the error; 5.10 never fails (it WARNs and leaves the tree as it was).
   */
  releaseMemRegionAdjustable(start: bigint, size: bigint): { err: number } & Visits {
    this.v = 0;
    const err = this.releaseMemRegionAdjustableLocked(u64(start), u64(start + size - 1n));
    return { err: this.semantics.releaseAdjustable === '5.10' ? 0 : err, visits: this.finish() };
  }

  /**
   * merge_system_ram_resource() (5.10+): marks `res` mergeable, then merges it with its next and its
   * previous sibling when those are mergeable. Returns the node that now covers `res`'s range.
   */
  mergeSystemRamResource(res: Res): { survivor: Res } & Visits {
    this.begin(res);
    const need = (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY) >>> 0;
    if ((this.fl[res]! & need) >>> 0 !== need) return { survivor: res, visits: this.finish() };
    this.fl[res] = (this.fl[res]! | IORESOURCE_SYSRAM_MERGEABLE) >>> 0;
    const p = this.par[res]!;
    if (p === NIL) return { survivor: res, visits: this.finish() };
    const next = this.nxt[res]!;
    if (next !== NIL) {
      this.v++;
      if (this.sysRamMergeable(res, next)) this.absorbNext(res, next);
    }
    const pos = this.posOf(res);
    const prev = this.qPred;
    // The predecessor scan starts at the parent's first child; when `res` is that child the scan
    // never finds a node whose sibling is `res` and runs off the end of the list.
    this.v += pos === 0 ? this.nChildren(p) : pos;
    if (prev !== NIL && this.sysRamMergeable(prev, res)) {
      this.absorbNext(prev, res);
      return { survivor: prev, visits: this.finish() };
    }
    return { survivor: res, visits: this.finish() };
  }

  /**
   * The RFC's merge_child_mem_resources(parent, name): one pass over the children merging each
   * candidate with its next sibling. The pass then moves past the merged node, so it merges pairs,
   * not runs (A,B,C -> AB,C); a later call merges the rest.
   */
  mergeChildMemResources(parent: Res, name: string): { merged: number } & Visits {
    this.begin(parent);
    this.v += this.nChildren(parent);
    let merged = 0;
    let cur = this.fst[parent]!;
    while (cur !== NIL && this.nxt[cur] !== NIL) {
      let next = this.nxt[cur]!;
      if (this.name(cur) === name && this.memMergeable(cur, next)) {
        this.absorbNext(cur, next);
        merged++;
        next = this.nxt[cur]!;
      }
      cur = next;
    }
    return { merged, visits: this.finish() };
  }

  // =================================================================================================
  // Internals (the kernel's double-underscore layer); all add to this.v
  // =================================================================================================

  private begin(a: Res, b: Res = a): void {
    this.checkLive(a);
    if (b !== a) this.checkLive(b);
    this.v = 0;
  }

  /**
   * True when linking `res` under `parent` would make a node its own ancestor (`parent` is `res` or
   * lies in `res`'s detached subtree). The kernel would corrupt its tree; here it is a conflict.
   */
  private wouldCycle(parent: Res, res: Res): boolean {
    for (let q = parent; q !== NIL; q = this.par[q]!) if (q === res) return true;
    return false;
  }

  private finish(): number {
    const v = this.v;
    this.totalVisits += v;
    this.v = 0;
    return v;
  }

  private writeStart(r: Res, x: bigint): void {
    const v = u64(x);
    this.sHi[r] = Number(v >> 32n);
    this.sLo[r] = Number(v & 0xffffffffn);
  }
  private writeEnd(r: Res, x: bigint): void {
    const v = u64(x);
    this.eHi[r] = Number(v >> 32n);
    this.eLo[r] = Number(v & 0xffffffffn);
  }

  private matches(r: Res, flags: number, desc: number): boolean {
    return (this.fl[r]! & flags) >>> 0 === flags && (desc === IORES_DESC_NONE || this.ds[r] === desc);
  }

  /** __request_resource(): links `res` under `root` unless something overlaps; returns the conflict. */
  private requestResourceLocked(root: Res, res: Res): Res {
    const sh = this.sHi[res]!;
    const sl = this.sLo[res]!;
    const eh = this.eHi[res]!;
    const el = this.eLo[res]!;
    if (this.endLt(res, sh, sl) || this.startLt(res, this.sHi[root]!, this.sLo[root]!) || this.endLt(root, eh, el)) return root;
    const b = this.belowEnd(root, sh, sl);
    const c = this.qNode;
    const pred = this.qPred;
    this.v += b + (c !== NIL ? 1 : 0);
    if (c !== NIL && this.startLe(c, eh, el)) return c;
    this.linkAfter(root, pred, res);
    this.addBytes(res, +1);
    return NIL;
  }

  /** __release_resource(): 0, or -EINVAL when `old` is not in its parent's list. */
  private releaseResourceLocked(old: Res, releaseChild: boolean): number {
    const p = this.par[old]!;
    if (p === NIL) return EINVAL;
    const pos = this.posOf(old);
    const pred = this.qPred;
    this.v += pos + 1;
    this.addBytes(old, -1);
    const k = this.nChildren(old);
    if (releaseChild || k === 0) {
      this.unlinkWithPred(old, pred);
      return 0;
    }
    this.v += k;
    this.spliceChildren(old, pred);
    return 0;
  }

  /** remove_resource's splice: `old`'s children take its place under its parent. */
  private spliceChildren(old: Res, pred: Res): void {
    const p = this.par[old]!;
    const first = this.fst[old]!;
    let last = first;
    for (let c = first; c !== NIL; c = this.nxt[c]!) {
      this.par[c] = p;
      last = c;
    }
    const kids = this.trt[old]!;
    this.trt[p] = this.tRemove(this.trt[p]!, old);
    this.split(this.trt[p]!, this.sHi[first]!, this.sLo[first]!, false);
    const a = this.splitL;
    const c = this.splitR;
    this.trt[p] = this.join(this.join(a, kids), c);
    if (pred === NIL) this.fst[p] = first;
    else this.nxt[pred] = first;
    this.nxt[last] = this.nxt[old]!;
    this.par[old] = NIL;
    this.nxt[old] = NIL;
    this.fst[old] = NIL;
    this.trt[old] = NIL;
    this.upd(old);
    this.bubble(p);
    for (let x = first; x !== this.nxt[last]; x = this.nxt[x]!) this.addBytes(x, +1);
  }

  /** __insert_resource(): descends through containers, then adopts the run of siblings `res` spans. */
  private insertResourceLocked(parent: Res, res: Res): Res {
    let first: Res;
    for (;; parent = first) {
      first = this.requestResourceLocked(parent, res);
      if (first === NIL || first === parent || first === res) return first;
      const fs = this.start(first);
      const fe = this.end(first);
      if (fs > this.start(res) || fe < this.end(res)) break;
      if (fs === this.start(res) && fe === this.end(res)) break;
    }
    const rs = this.start(res);
    const re = this.end(res);
    let last = first;
    let k = 0;
    for (;;) {
      this.v++;
      if (this.start(last) < rs || this.end(last) > re) return last;
      k++;
      const s = this.nxt[last]!;
      if (s === NIL) break;
      if (this.start(s) > re) {
        this.v++;
        break;
      }
      last = s;
    }
    this.v += k;
    const pf = this.posOf(first);
    const pred = this.qPred;
    this.v += pf;
    this.adoptRun(parent, res, first, last, pred);
    return NIL;
  }

  /** Makes `res` the parent of the sibling run first..last, in their place under `parent`. */
  private adoptRun(parent: Res, res: Res, first: Res, last: Res, pred: Res): void {
    for (let c = first; ; c = this.nxt[c]!) {
      this.addBytes(c, -1);
      if (c === last) break;
    }
    this.split(this.trt[parent]!, this.sHi[first]!, this.sLo[first]!, false);
    const a = this.splitL;
    this.split(this.splitR, this.sHi[last]!, this.sLo[last]!, true);
    const run = this.splitL;
    const c = this.splitR;
    const after = this.nxt[last]!;
    for (let x = first; ; x = this.nxt[x]!) {
      this.par[x] = res;
      if (x === last) break;
    }
    this.nxt[last] = NIL;
    this.trt[res] = run;
    this.fst[res] = first;
    this.par[res] = parent;
    this.nxt[res] = after;
    this.tl[res] = NIL;
    this.tr[res] = NIL;
    this.upd(res);
    if (pred === NIL) this.fst[parent] = res;
    else this.nxt[pred] = res;
    this.trt[parent] = this.join(this.join(a, res), c);
    this.bubble(parent);
    this.addBytes(res, +1);
  }

  /** __adjust_resource(): the new range must fit the parent, both neighbours and every child. */
  private adjustResourceLocked(res: Res, s: bigint, e: bigint): number {
    const p = this.par[res]!;
    // Assumption: an empty range (end before start) is refused; the kernel would accept it and
    // leave a node whose end precedes its start.
    if (e < s) return EBUSY;
    if (p !== NIL) {
      if (s < this.start(p) || e > this.end(p)) return EBUSY;
      const next = this.nxt[res]!;
      if (next !== NIL) {
        this.v++;
        if (this.start(next) <= e) return EBUSY;
      }
      const pos = this.posOf(res);
      const pred = this.qPred;
      this.v += pos;
      if (pred !== NIL && s <= this.end(pred)) return EBUSY;
    }
    const n = this.nChildren(res);
    if (n > 0) {
      if (this.start(this.fst[res]!) < s) {
        this.v += 1;
        return EBUSY;
      }
      const [eh, el] = split64(e);
      const fits = this.belowEnd(res, eh, el) + (this.qNode !== NIL && this.end(this.qNode) === e ? 1 : 0);
      if (fits < n) {
        this.v += fits + 1;
        return EBUSY;
      }
      this.v += n;
    }
    this.setRange(res, s, e);
    return 0;
  }

  /** Moves `r`'s range in place (the caller guarantees sibling order is unchanged). */
  private setRange(r: Res, s: bigint, e: bigint): void {
    if (r === this.root) {
      this.writeStart(r, s);
      this.writeEnd(r, e);
      this.recountBytes();
      return;
    }
    const d = this.lineDepth(r);
    if (d >= 0) this.textBytes -= this.lineBytes(r, d);
    this.writeStart(r, s);
    this.writeEnd(r, e);
    if (d >= 0) this.textBytes += this.lineBytes(r, d);
  }

  /** The only child of `p` that can contain [s, e] (the first ending at or after e), counting the scan. */
  private containerAt(p: Res, s: bigint, e: bigint): Res {
    const [eh, el] = split64(e);
    const b = this.belowEnd(p, eh, el);
    const c = this.qNode;
    if (c !== NIL && this.start(c) <= s) {
      this.v += b + 1;
      return c;
    }
    this.v += this.nChildren(p);
    return NIL;
  }

  /** Unlinks an attached node and its subtree (bytes included). */
  private unlinkNode(c: Res): void {
    const pred = this.prevOf(c);
    this.addBytes(c, -1);
    this.unlinkWithPred(c, pred);
  }

  /** Children of a node being freed become detached (the kernel leaks them, still pointing at it). */
  private orphanChildren(r: Res): void {
    let c = this.fst[r]!;
    while (c !== NIL) {
      const n = this.nxt[c]!;
      this.par[c] = NIL;
      this.nxt[c] = NIL;
      this.tl[c] = NIL;
      this.tr[c] = NIL;
      this.upd(c);
      c = n;
    }
    this.fst[r] = NIL;
    this.trt[r] = NIL;
  }

  private readonly found = { start: 0n, end: 0n };

  /** __find_resource(): first fit over the gaps between root's children; sets this.found. */
  private findResourceLocked(root: Res, old: Res, res: Res, size: bigint, min: bigint, max: bigint, align: bigint, alignf?: AlignFn): number {
    const rootEnd = this.end(root);
    let cur = this.fst[root]!;
    const tmp: AvailWindow = { start: this.start(root), end: 0n, flags: this.fl[res]! };
    if (cur !== NIL && this.start(cur) === this.start(root)) {
      this.v++;
      tmp.start = cur === old ? this.start(old) : u64(this.end(cur) + 1n);
      cur = this.nxt[cur]!;
    }
    const mask = u64(align - 1n);
    for (;;) {
      if (cur !== NIL) this.v++;
      tmp.end = cur !== NIL ? (cur === old ? this.end(cur) : u64(this.start(cur) - 1n)) : rootEnd;
      if (tmp.end >= tmp.start) {
        if (tmp.start < min) tmp.start = min;
        if (tmp.end > max) tmp.end = max;
        this.archRemoveReservations?.(tmp);
        const availStart = u64((tmp.start + mask) & ~mask & U64_MASK);
        const availEnd = tmp.end;
        if (availStart >= tmp.start) {
          const allocStart = alignf ? u64(alignf({ start: availStart, end: availEnd }, size, align)) : availStart;
          const allocEnd = u64(allocStart + size - 1n);
          if (allocStart <= allocEnd && availStart <= allocStart && allocEnd <= availEnd) {
            this.found.start = allocStart;
            this.found.end = allocEnd;
            return 0;
          }
        }
      }
      if (cur === NIL || this.end(cur) === rootEnd) break;
      if (cur !== old) tmp.start = u64(this.end(cur) + 1n);
      cur = this.nxt[cur]!;
    }
    return EBUSY;
  }

  /** reallocate_resource(): resize in place when possible, else move a childless node. */
  private reallocateResourceLocked(root: Res, old: Res, size: bigint, min: bigint, max: bigint, align: bigint, alignf?: AlignFn): number {
    const err = this.findResourceLocked(root, old, old, size, min, max, align, alignf);
    if (err !== 0) return err;
    const ns = this.found.start;
    const ne = this.found.end;
    const os = this.start(old);
    const oe = this.end(old);
    if (ns <= os && ne >= oe) {
      this.setRange(old, ns, ne);
      return 0;
    }
    if (this.fst[old] !== NIL) return EBUSY;
    if (os <= ns && oe >= ne) {
      this.setRange(old, ns, ne);
      return 0;
    }
    this.releaseResourceLocked(old, true);
    this.writeStart(old, ns);
    this.writeEnd(old, ne);
    if (this.requestResourceLocked(root, old) !== NIL) throw new KernelBug('reallocate_resource: the slot it found was taken');
    return 0;
  }

  /** __walk_iomem_res_desc(): find, call back, continue after the clipped range. */
  private walkLocked(start: bigint, end: bigint, flags: number, desc: number, firstLvl: boolean, fn: WalkFn): number {
    let ret = EINVAL;
    const fw = flags >>> 0;
    while (start < end) {
      const p = this.findNextLocked(start, end, fw, desc, firstLvl);
      if (p < 0) break;
      const copy: ResCopy = {
        start: this.start(p) > start ? this.start(p) : start,
        end: this.end(p) < end ? this.end(p) : end,
        flags: this.fl[p]!,
        desc: this.ds[p]!,
      };
      ret = fn(copy);
      if (ret !== 0) break;
      if (copy.end === U64_MASK) break;
      start = copy.end + 1n;
    }
    return ret;
  }

  /**
   * find_next_iomem_res(): skips top-level nodes ending before `start` (siblings only), then walks in
   * pre-order (or siblings only with first_lvl) until a matching overlapping node or one that starts
   * past `end`. Returns the node, or a negative value when nothing matched.
   */
  private findNextLocked(start: bigint, end: bigint, flags: number, desc: number, firstLvl: boolean): Res {
    const [sh, sl] = split64(start);
    const [eh, el] = split64(end);
    const root = this.root;
    this.v += this.belowEnd(root, sh, sl);
    for (let c = this.qNode; c !== NIL; c = this.nxt[c]!) {
      this.v++;
      if (!this.startLe(c, eh, el)) return STOP;
      if (this.matches(c, flags, desc)) return c;
      if (!firstLvl) {
        const r = this.findInSubtree(c, sh, sl, eh, el, flags, desc);
        if (r !== NIL) return r;
      }
    }
    return NIL;
  }

  /** Pre-order part of find_next_iomem_res inside `p`'s subtree: node, STOP, or NIL (exhausted). */
  private findInSubtree(p: Res, sh: number, sl: number, eh: number, el: number, flags: number, desc: number): Res {
    if (this.trt[p] === NIL) return NIL;
    this.belowEnd(p, sh, sl);
    const first = this.qNode;
    // Children ending before `start` are visited with their whole subtrees (pre-order, no skipping).
    this.v += this.qAgg;
    for (let c = first; c !== NIL; c = this.nxt[c]!) {
      this.v++;
      if (!this.startLe(c, eh, el)) return STOP;
      if (this.matches(c, flags, desc)) return c;
      const r = this.findInSubtree(c, sh, sl, eh, el, flags, desc);
      if (r !== NIL) return r;
    }
    return NIL;
  }

  /**
   * 6.12 region_intersects: walks `p`'s descendants in pre-order, counting matching ones and
   * whether they cover the overlap o.s..o.e without a gap.
   */
  private coverByDescendants(p: Res, s: bigint, e: bigint, flags: number, desc: number, o: { s: bigint; e: bigint; covered: boolean; type: number }): boolean {
    if (this.trt[p] === NIL) return false;
    const [sh, sl] = split64(s);
    this.belowEnd(p, sh, sl);
    let acc = this.qAgg;
    this.v += acc;
    const total = this.nDescendants(p);
    for (let c = this.qNode; c !== NIL; c = this.nxt[c]!) {
      this.v++;
      if (this.start(c) > e) {
        this.v += total - acc - 1;
        return false;
      }
      if (this.matches(c, flags, desc)) {
        o.type++;
        if (this.start(c) > o.s) return true;
        if (this.end(c) >= o.e) {
          o.covered = true;
          return true;
        }
        const ns = this.end(c) + 1n;
        if (ns > o.s) o.s = ns;
      }
      if (this.coverByDescendants(c, s, e, flags, desc, o)) return true;
      acc += this.own(c);
    }
    return false;
  }

  /**
   * 6.12's for_each_resource() did not stop at the end of the subtree it was given: the walk went on
   * in pre-order through the rest of the tree until a node overlapping [s, e] matched (which then
   * ends it) or the tree ended. Visits of that tail, after top-level node `p`'s subtree.
   */
  private visitsPastSubtree(p: Res, s: bigint, e: bigint, flags: number, desc: number): number {
    const after = this.preorderIndex(p) + this.own(p);
    const saved = this.v;
    const [sh, sl] = split64(s);
    const [eh, el] = split64(e);
    let hit: Res = NIL;
    for (let q = this.nxt[p]!; q !== NIL && hit === NIL; q = this.nxt[q]!) {
      if (!this.startLe(q, eh, el)) break;
      if (this.matches(q, flags, desc)) hit = q;
      else {
        const r = this.findInSubtree(q, sh, sl, eh, el, flags, desc);
        if (r === STOP) break;
        hit = r;
      }
    }
    this.v = saved;
    return hit === NIL ? this.count() - after : this.preorderIndex(hit) - after + 1;
  }

  private releaseMemRegionAdjustableLocked(s: bigint, e: bigint): number {
    let p = this.root;
    if (s < this.start(p) || e > this.end(p)) return EINVAL;
    const [eh, el] = split64(e);
    for (;;) {
      const b = this.belowEnd(p, eh, el);
      const c = this.qNode;
      if (c === NIL) {
        this.v += b;
        return EINVAL;
      }
      this.v += b + 1;
      if (this.start(c) >= e) return EINVAL;
      if (this.start(c) > s) {
        if (this.nxt[c] !== NIL) this.v++;
        return EINVAL;
      }
      const f = this.fl[c]!;
      if ((f & IORESOURCE_SYSRAM) === 0) return 0;
      if ((f & IORESOURCE_MEM) === 0) return EINVAL;
      if ((f & IORESOURCE_BUSY) === 0) {
        p = c;
        continue;
      }
      return this.trimBusyRange(c, s, e);
    }
  }

  /** The four cases of release_mem_region_adjustable on the busy node `c` containing [s, e]. */
  private trimBusyRange(c: Res, s: bigint, e: bigint): number {
    const cs = this.start(c);
    const ce = this.end(c);
    if (cs === s && ce === e) {
      this.unlinkNode(c);
      this.free(c);
      return 0;
    }
    if (cs === s) return this.adjustResourceLocked(c, e + 1n, ce);
    if (ce === e) return this.adjustResourceLocked(c, cs, s - 1n);
    const upper = this.alloc(this.nameId(c), e + 1n, ce, this.fl[c]!, this.ds[c]!);
    const err = this.adjustResourceLocked(c, cs, s - 1n);
    if (err !== 0) {
      this.free(upper);
      return err;
    }
    this.linkAfter(this.par[c]!, c, upper);
    this.addBytes(upper, +1);
    return 0;
  }

  /** system_ram_resources_mergeable() (5.10). */
  private sysRamMergeable(a: Res, b: Res): boolean {
    return (
      this.fl[a] === this.fl[b] &&
      this.adjacent(a, b) &&
      this.nm[a] === this.nm[b] &&
      this.ds[a] === this.ds[b] &&
      this.fst[a] === NIL &&
      this.fst[b] === NIL
    );
  }

  /** The RFC's mem_mergeable(): as above, and `a` must be MEM; no BUSY/SYSRAM requirement. */
  private memMergeable(a: Res, b: Res): boolean {
    return this.sysRamMergeable(a, b) && (this.fl[a]! & IORESOURCE_MEM) !== 0;
  }

  /** a.end + 1 == b.start, without wrapping past 2^64 - 1. */
  private adjacent(a: Res, b: Res): boolean {
    const eh = this.eHi[a]!;
    const el = this.eLo[a]!;
    if (el !== 0xffffffff) return this.sHi[b] === eh && this.sLo[b] === el + 1;
    return eh !== 0xffffffff && this.sHi[b] === eh + 1 && this.sLo[b] === 0;
  }

  /** `a` grows over its next sibling `b`, which is unlinked and freed. */
  private absorbNext(a: Res, b: Res): void {
    const d = this.lineDepth(a);
    if (d >= 0) this.textBytes -= this.lineBytes(b, d) + this.lineBytes(a, d);
    this.unlinkWithPred(b, a);
    this.eHi[a] = this.eHi[b]!;
    this.eLo[a] = this.eLo[b]!;
    this.free(b);
    if (d >= 0) this.textBytes += this.lineBytes(a, d);
  }

  // ---- /proc/iomem byte accounting -------------------------------------------------------------

  /** Depth of `r`'s line when it is in the tree (0 = top level), else -1. */
  private lineDepth(r: Res): number {
    let d = -1;
    let q = r;
    while (q !== this.root) {
      const p = this.par[q]!;
      if (p === NIL) return -1;
      d++;
      q = p;
    }
    return d;
  }

  /** Length of one /proc/iomem line: indent, two zero-padded hex numbers, " : ", name, newline. */
  lineBytes(r: Res, depth: number): number {
    const w = this.eHi[this.root] === 0 && this.eLo[this.root]! < 0x10000 ? 4 : 8;
    const ds = Math.max(w, hexDigits(this.sHi[r]!, this.sLo[r]!));
    const de = Math.max(w, hexDigits(this.eHi[r]!, this.eLo[r]!));
    const n = this.nm[r]!;
    const nb = n < 0 ? 5 : this.nameLen[n]!;
    return 2 * Math.min(depth, 5) + ds + 1 + de + 3 + nb + 1;
  }

  /** Recomputes the whole file's size (after the root's range, hence the hex width, changed). */
  private recountBytes(): void {
    this.textBytes = 0;
    for (let c = this.fst[this.root]!; c !== NIL; c = this.nxt[c]!) this.addBytes(c, +1);
  }

  /** Adds (sign +1) or removes (-1) the text of `r`'s subtree, if `r` is in the tree. */
  private addBytes(r: Res, sign: number): void {
    const d0 = this.lineDepth(r);
    if (d0 < 0) return;
    let total = this.lineBytes(r, d0);
    if (this.fst[r] !== NIL) {
      // Iterative pre-order over the subtree below r.
      let c = this.fst[r]!;
      let d = d0 + 1;
      while (c !== NIL && c !== r) {
        total += this.lineBytes(c, d);
        if (this.fst[c] !== NIL) {
          c = this.fst[c]!;
          d++;
          continue;
        }
        while (c !== r && this.nxt[c] === NIL) {
          c = this.par[c]!;
          d--;
        }
        if (c === r) break;
        c = this.nxt[c]!;
      }
    }
    this.textBytes += sign * total;
  }
}

function split64(x: bigint): [number, number] {
  return [Number(x >> 32n), Number(x & 0xffffffffn)];
}

function hex16(x: bigint): string {
  return x.toString(16).padStart(16, '0');
}

/** UTF-8 byte length without TextEncoder (the engine's lib has no DOM). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
