/**
 * kernel/resource.c: the `iomem_resource` tree with the kernel's semantics and errno-style results.
 *
 * Every operation behaves as the kernel's list code does and reports how many nodes that list walk
 * would have visited (kernel-semantics.md §3.0), but runs in O(log n) wall time: positions come from
 * the per-parent order-statistic index in `resource-store.ts`, never from walking the lists.
 * Layers: resource-store.ts (storage and index) <- resource-core.ts (the unlocked primitives) <- here.
 */
import { EBUSY, EINVAL } from '../errno.js';
import {
  IORESOURCE_BUSY,
  IORESOURCE_EXT_TYPE_BITS,
  IORESOURCE_MEM,
  IORESOURCE_MUXED,
  IORESOURCE_SYSRAM_MERGEABLE,
  IORESOURCE_SYSTEM_RAM,
  IORESOURCE_TYPE_BITS,
  IORES_DESC_NONE,
  REGION_DISJOINT,
  REGION_INTERSECTS,
  REGION_MIXED,
} from './ioport.js';
import { NIL, ResourceCore, U64_MASK, hex16, split64, u64 } from './resource-core.js';
import type { AlignFn, ArchRemoveReservations, AvailWindow, NameId, Res, WalkFn } from './resource-core.js';

export * from './ioport.js';
export { NIL, utf8Length } from './resource-core.js';
export type { AlignFn, ArchRemoveReservations, AvailWindow, NameId, Res, ResCopy, WalkFn } from './resource-core.js';

export interface ResourceSemantics {
  releaseAdjustable: 'pre-5.10' | '5.10';
  walkScope: 'top-level' | 'whole-tree';
  /**
   * '5.10': top-level nodes only. '6.12': also looks into the descendants of an overlapping
   * non-matching node, its walk running on past that subtree in pre-order (same results, more
   * visits). '6.13': the same with the walk kept inside the subtree.
   */
  regionIntersects: '5.10' | '6.12' | '6.13';
  /**
   * release_mem_region_adjustable() stops at a containing node without IORESOURCE_SYSRAM
   * (65c78784135f, 4.20) — true until e686c32590f4 (6.3; stable 5.10.173, 5.15.99, 6.1.x) removed
   * the check, so hot-added RAM under e.g. a plain "Persistent Memory" node is released too.
   */
  releaseSysramCheck: boolean;
  /**
   * find_next_iomem_res() visits top-level nodes that end before the range without their children
   * (756398750e11, 5.0): false only from 97523a4edb7b (5.13) until 6fb3acdebf65 (Dec 2025, in the
   * 6.1, 6.6, 6.12, 6.17 and 6.18 stable lines), when the walk went through every subtree.
   */
  findNextSkipsChildren: boolean;
}
/** The 6.12 behaviour (what the oracle traces were recorded on: 6.12.95). */
export const DEFAULT_SEMANTICS: ResourceSemantics = {
  releaseAdjustable: '5.10',
  walkScope: 'whole-tree',
  regionIntersects: '6.12',
  releaseSysramCheck: false,
  findNextSkipsChildren: true,
};

export interface Visits {
  visits: number;
}

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

export class ResourceTree extends ResourceCore {
  semantics: ResourceSemantics;

  constructor(opts?: { rootEnd?: bigint; rootName?: string; semantics?: Partial<ResourceSemantics>; archRemoveReservations?: ArchRemoveReservations }) {
    super(opts?.rootEnd ?? U64_MASK, opts?.rootName ?? 'PCI mem');
    this.semantics = { ...DEFAULT_SEMANTICS, ...(opts?.semantics ?? {}) };
    this.archRemoveReservations = opts?.archRemoveReservations ?? null;
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

  protected override findNextSkipsChildren(): boolean {
    return this.semantics.findNextSkipsChildren;
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
   * node that contains it (descending into non-busy containers; with `releaseSysramCheck`, only
   * SYSRAM ones): free, trim the start, trim the end, or split (the upper part is a new node with
   * the same name, flags and desc).
   * Pre-5.10 returns the error; 5.10 never fails (it WARNs and leaves the tree as it was).
   */
  releaseMemRegionAdjustable(start: bigint, size: bigint): { err: number } & Visits {
    this.v = 0;
    const err = this.releaseMemRegionAdjustableLocked(u64(start), u64(start + size - 1n), this.semantics.releaseSysramCheck);
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
}
