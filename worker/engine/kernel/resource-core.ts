/**
 * The kernel's double-underscore layer of kernel/resource.c over the indexed storage: node fields and
 * names, the unlocked request / release / insert / adjust / find primitives, the walks' search, and the
 * incremental /proc/iomem size. Every primitive adds the visits the kernel's list walk would make to
 * `this.v`; `ResourceTree` (resource.ts) wraps them into the public, errno-style operations.
 */
import { EBUSY, EINVAL, KernelBug } from '../errno.js';
import { IORESOURCE_BUSY, IORESOURCE_MEM, IORESOURCE_SYSRAM, IORES_DESC_NONE } from './ioport.js';
import { ResourceStore, NIL as STORE_NIL, hexDigits } from './resource-store.js';

export type Res = number;
export const NIL = STORE_NIL;
export type NameId = number;

export const U64_MASK = (1n << 64n) - 1n;
export const u64 = (x: bigint): bigint => x & U64_MASK;

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

/** find_next_iomem_res met a node starting past the end: the whole search ends. */
export const STOP = -2;

export abstract class ResourceCore extends ResourceStore {
  readonly root: Res;
  totalVisits = 0;
  /** The arch_remove_reservations hook used by allocate_resource (default: the weak no-op). */
  archRemoveReservations: ArchRemoveReservations | null = null;

  protected v = 0;
  protected textBytes = 0;
  protected ramLines = 0;
  private readonly names: string[] = [];
  private readonly nameLen: number[] = [];
  private readonly nameRam: boolean[] = [];
  private readonly nameKeys = new Map<string, Map<string, NameId>>(); // owner -> text -> id

  protected constructor(rootEnd: bigint, rootName: string) {
    super();
    this.root = this.alloc(this.internName(rootName), 0n, u64(rootEnd), IORESOURCE_MEM);
  }

  // ---- names -------------------------------------------------------------------------------------

  /** Interns a name: the same (text, owner) gives the same id, like one `const char *` pointer. */
  internName(text: string, owner = 'kernel'): NameId {
    let byText = this.nameKeys.get(owner);
    if (byText === undefined) this.nameKeys.set(owner, (byText = new Map()));
    let id = byText.get(text);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(text);
      this.nameLen.push(utf8Length(text));
      this.nameRam.push(text.includes('System RAM'));
      byText.set(text, id);
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
  /**
   * /proc/iomem lines whose name contains "System RAM" (what kexec-tools 2.0.22+ keeps, nested ones
   * included), kept up to date like the byte size: O(1).
   */
  systemRamLines(): number {
    return this.ramLines;
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
  // Internals (the kernel's double-underscore layer); all add to this.v
  // =================================================================================================

  protected begin(a: Res, b: Res = a): void {
    this.checkLive(a);
    if (b !== a) this.checkLive(b);
    this.v = 0;
  }

  /**
   * True when linking `res` under `parent` would make a node its own ancestor (`parent` is `res` or
   * lies in `res`'s detached subtree). The kernel would corrupt its tree; here it is a conflict.
   */
  protected wouldCycle(parent: Res, res: Res): boolean {
    for (let q = parent; q !== NIL; q = this.par[q]!) if (q === res) return true;
    return false;
  }

  protected finish(): number {
    const v = this.v;
    this.totalVisits += v;
    this.v = 0;
    return v;
  }

  protected writeStart(r: Res, x: bigint): void {
    const v = u64(x);
    this.sHi[r] = Number(v >> 32n);
    this.sLo[r] = Number(v & 0xffffffffn);
  }
  protected writeEnd(r: Res, x: bigint): void {
    const v = u64(x);
    this.eHi[r] = Number(v >> 32n);
    this.eLo[r] = Number(v & 0xffffffffn);
  }

  protected matches(r: Res, flags: number, desc: number): boolean {
    return (this.fl[r]! & flags) >>> 0 === flags && (desc === IORES_DESC_NONE || this.ds[r] === desc);
  }

  /** __request_resource(): links `res` under `root` unless something overlaps; returns the conflict. */
  protected requestResourceLocked(root: Res, res: Res): Res {
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
  protected releaseResourceLocked(old: Res, releaseChild: boolean): number {
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
  protected spliceChildren(old: Res, pred: Res): void {
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
  protected insertResourceLocked(parent: Res, res: Res): Res {
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
  protected adoptRun(parent: Res, res: Res, first: Res, last: Res, pred: Res): void {
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
  protected adjustResourceLocked(res: Res, s: bigint, e: bigint): number {
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
  protected setRange(r: Res, s: bigint, e: bigint): void {
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
  protected containerAt(p: Res, s: bigint, e: bigint): Res {
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
  protected unlinkNode(c: Res): void {
    const pred = this.prevOf(c);
    this.addBytes(c, -1);
    this.unlinkWithPred(c, pred);
  }

  /** Children of a node being freed become detached (the kernel leaks them, still pointing at it). */
  protected orphanChildren(r: Res): void {
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

  protected readonly found = { start: 0n, end: 0n };

  /** __find_resource(): first fit over the gaps between root's children; sets this.found. */
  protected findResourceLocked(root: Res, old: Res, res: Res, size: bigint, min: bigint, max: bigint, align: bigint, alignf?: AlignFn): number {
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
  protected reallocateResourceLocked(root: Res, old: Res, size: bigint, min: bigint, max: bigint, align: bigint, alignf?: AlignFn): number {
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
  protected walkLocked(start: bigint, end: bigint, flags: number, desc: number, firstLvl: boolean, fn: WalkFn): number {
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
  protected findNextLocked(start: bigint, end: bigint, flags: number, desc: number, firstLvl: boolean): Res {
    const [sh, sl] = split64(start);
    const [eh, el] = split64(end);
    const root = this.root;
    const before = this.belowEnd(root, sh, sl);
    // Top-level nodes ending before `start`: alone when the walk skips children until a top-level
    // node overlaps (756398750e11; lost in 5.13 by 97523a4edb7b, reinstated by 6fb3acdebf65),
    // with their whole subtrees in between.
    this.v += firstLvl || this.findNextSkipsChildren() ? before : this.qAgg;
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

  /**
   * Whether find_next_iomem_res() skips the children of top-level nodes that end before `start`
   * (true in every kernel but 5.13 up to the stable backports of 6fb3acdebf65).
   */
  protected findNextSkipsChildren(): boolean {
    return true;
  }

  /** Pre-order part of find_next_iomem_res inside `p`'s subtree: node, STOP, or NIL (exhausted). */
  protected findInSubtree(p: Res, sh: number, sl: number, eh: number, el: number, flags: number, desc: number): Res {
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
  protected coverByDescendants(p: Res, s: bigint, e: bigint, flags: number, desc: number, o: { s: bigint; e: bigint; covered: boolean; type: number }): boolean {
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
  protected visitsPastSubtree(p: Res, s: bigint, e: bigint, flags: number, desc: number): number {
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

  /**
   * release_mem_region_adjustable()'s descent. `sysramCheck`: stop (successfully, touching nothing)
   * at a containing node without IORESOURCE_SYSRAM, as from 65c78784135f (4.20) until e686c32590f4
   * (6.3; in stable 5.10.173, 5.15.99 and 6.1.x) removed that check.
   */
  protected releaseMemRegionAdjustableLocked(s: bigint, e: bigint, sysramCheck: boolean): number {
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
      if (sysramCheck && (f & IORESOURCE_SYSRAM) === 0) return 0;
      if ((f & IORESOURCE_MEM) === 0) return EINVAL;
      if ((f & IORESOURCE_BUSY) === 0) {
        p = c;
        continue;
      }
      return this.trimBusyRange(c, s, e);
    }
  }

  /** The four cases of release_mem_region_adjustable on the busy node `c` containing [s, e]. */
  protected trimBusyRange(c: Res, s: bigint, e: bigint): number {
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
  protected sysRamMergeable(a: Res, b: Res): boolean {
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
  protected memMergeable(a: Res, b: Res): boolean {
    return this.sysRamMergeable(a, b) && (this.fl[a]! & IORESOURCE_MEM) !== 0;
  }

  /** a.end + 1 == b.start, without wrapping past 2^64 - 1. */
  protected adjacent(a: Res, b: Res): boolean {
    const eh = this.eHi[a]!;
    const el = this.eLo[a]!;
    if (el !== 0xffffffff) return this.sHi[b] === eh && this.sLo[b] === el + 1;
    return eh !== 0xffffffff && this.sHi[b] === eh + 1 && this.sLo[b] === 0;
  }

  /** `a` grows over its next sibling `b`, which is unlinked and freed. */
  protected absorbNext(a: Res, b: Res): void {
    const d = this.lineDepth(a);
    if (d >= 0) {
      this.textBytes -= this.lineBytes(b, d) + this.lineBytes(a, d);
      if (this.isRamLine(b)) this.ramLines--;
    }
    this.unlinkWithPred(b, a);
    this.eHi[a] = this.eHi[b]!;
    this.eLo[a] = this.eLo[b]!;
    this.free(b);
    if (d >= 0) this.textBytes += this.lineBytes(a, d);
  }

  // ---- /proc/iomem byte accounting -------------------------------------------------------------

  /** Depth of `r`'s line when it is in the tree (0 = top level), else -1. */
  protected lineDepth(r: Res): number {
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

  private isRamLine(r: Res): boolean {
    const n = this.nm[r]!;
    return n >= 0 && this.nameRam[n]!;
  }

  /** `%0*llx` of the start (or end) with the given minimum width, without going through bigint. */
  hexStart(r: Res, width: number): string {
    return hexOf(this.sHi[r]!, this.sLo[r]!, width);
  }
  hexEnd(r: Res, width: number): string {
    return hexOf(this.eHi[r]!, this.eLo[r]!, width);
  }

  /** Recomputes the whole file's size (after the root's range, hence the hex width, changed). */
  protected recountBytes(): void {
    this.textBytes = 0;
    this.ramLines = 0;
    for (let c = this.fst[this.root]!; c !== NIL; c = this.nxt[c]!) this.addBytes(c, +1);
  }

  /** Adds (sign +1) or removes (-1) the text of `r`'s subtree, if `r` is in the tree. */
  protected addBytes(r: Res, sign: number): void {
    const d0 = this.lineDepth(r);
    if (d0 < 0) return;
    let total = this.lineBytes(r, d0);
    let ram = this.isRamLine(r) ? 1 : 0;
    if (this.fst[r] !== NIL) {
      // Iterative pre-order over the subtree below r.
      let c = this.fst[r]!;
      let d = d0 + 1;
      while (c !== NIL && c !== r) {
        total += this.lineBytes(c, d);
        if (this.isRamLine(c)) ram++;
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
    this.ramLines += sign * ram;
  }
}

function hexOf(hi: number, lo: number, width: number): string {
  const s = hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, '0');
  return s.length >= width ? s : s.padStart(width, '0');
}

export function split64(x: bigint): [number, number] {
  return [Number(x >> 32n), Number(x & 0xffffffffn)];
}

export function hex16(x: bigint): string {
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
