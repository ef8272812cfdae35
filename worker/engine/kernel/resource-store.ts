/**
 * Compact storage for `struct resource` nodes and the per-parent index that makes the kernel's list
 * operations O(log n) in wall time while the kernel's visit counts can still be derived from ranks.
 *
 * Layout (struct of arrays, one slot per handle):
 * - start/end as hi/lo unsigned 32-bit halves (exact 64-bit values, compared as numbers);
 * - flags (u32), desc (u8), interned name id (i32, -1 = NULL);
 * - the kernel's links: parent, sibling (next), first child;
 * - a treap over each node's children keyed by start: left/right, the treap root of the node's own
 *   children, the treap subtree node count (`cnt`, for ranks) and the treap subtree pre-order size
 *   (`agg`: sum over the treap subtree of 1 + descendants, for /proc/iomem line positions).
 * The treap priority is a hash of the handle, so nothing random and nothing stored.
 * Freed slots are chained through `nxt` and marked by `cnt = 0`.
 */
import { KernelBug } from '../errno.js';

export type Handle = number;
export const NIL = -1;

const INITIAL_CAPACITY = 1024;

/** Deterministic treap priority from a handle (a 32-bit integer hash). */
function prio(h: number): number {
  let x = Math.imul(h ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function grow<T extends Uint32Array | Int32Array | Uint8Array>(a: T, cap: number, fill?: number): T {
  const b = new (a.constructor as { new (n: number): T })(cap);
  b.set(a);
  if (fill !== undefined) b.fill(fill, a.length);
  return b;
}

/** Number of lowercase hex digits of a 64-bit value given as hi/lo halves (0 prints as one digit). */
export function hexDigits(hi: number, lo: number): number {
  if (hi !== 0) return 8 + ((35 - Math.clz32(hi)) >> 2);
  return lo === 0 ? 1 : (35 - Math.clz32(lo)) >> 2;
}

export class ResourceStore {
  protected cap = 0;
  protected hw = 0; // high-water mark of handles ever used
  protected freeHead: Handle = NIL;
  protected liveCount = 0;
  protected sHi = new Uint32Array(0);
  protected sLo = new Uint32Array(0);
  protected eHi = new Uint32Array(0);
  protected eLo = new Uint32Array(0);
  protected fl = new Uint32Array(0);
  protected ds = new Uint8Array(0);
  protected nm = new Int32Array(0);
  protected par = new Int32Array(0);
  protected nxt = new Int32Array(0);
  protected fst = new Int32Array(0);
  protected trt = new Int32Array(0);
  protected tl = new Int32Array(0);
  protected tr = new Int32Array(0);
  protected cnt = new Int32Array(0);
  protected agg = new Int32Array(0);

  constructor() {
    this.ensure(INITIAL_CAPACITY);
  }

  /** Grows every array to hold at least `need` slots (by 1/16 at a time: little slack at any size). */
  protected ensure(need: number): void {
    if (need <= this.cap) return;
    const cap = Math.max(need, this.cap + Math.max(INITIAL_CAPACITY, this.cap >> 4));
    this.sHi = grow(this.sHi, cap);
    this.sLo = grow(this.sLo, cap);
    this.eHi = grow(this.eHi, cap);
    this.eLo = grow(this.eLo, cap);
    this.fl = grow(this.fl, cap);
    this.ds = grow(this.ds, cap);
    this.nm = grow(this.nm, cap, NIL);
    this.par = grow(this.par, cap, NIL);
    this.nxt = grow(this.nxt, cap, NIL);
    this.fst = grow(this.fst, cap, NIL);
    this.trt = grow(this.trt, cap, NIL);
    this.tl = grow(this.tl, cap, NIL);
    this.tr = grow(this.tr, cap, NIL);
    this.cnt = grow(this.cnt, cap);
    this.agg = grow(this.agg, cap);
    this.cap = cap;
  }

  /** Bytes held by the typed arrays (for the benchmark's memory figure). */
  storageBytes(): number {
    return this.cap * (4 * 5 + 1 + 4 * 9);
  }

  /** A fresh detached slot: no links, a singleton treap. */
  protected newSlot(): Handle {
    let h = this.freeHead;
    if (h !== NIL) {
      this.freeHead = this.nxt[h]!;
    } else {
      this.ensure(this.hw + 1);
      h = this.hw++;
    }
    this.par[h] = NIL;
    this.nxt[h] = NIL;
    this.fst[h] = NIL;
    this.trt[h] = NIL;
    this.tl[h] = NIL;
    this.tr[h] = NIL;
    this.cnt[h] = 1;
    this.agg[h] = 1;
    this.liveCount++;
    return h;
  }

  protected dropSlot(h: Handle): void {
    this.cnt[h] = 0;
    this.par[h] = NIL;
    this.fst[h] = NIL;
    this.trt[h] = NIL;
    this.nxt[h] = this.freeHead;
    this.freeHead = h;
    this.liveCount--;
  }

  isLive(r: Handle): boolean {
    return Number.isInteger(r) && r >= 0 && r < this.hw && this.cnt[r] !== 0;
  }

  protected checkLive(r: Handle): void {
    if (!this.isLive(r)) throw new KernelBug(`resource handle ${r} is not a live resource`);
  }

  // ---- keys ------------------------------------------------------------------------------------

  /** start(a) < (hi,lo) */
  protected startLt(a: Handle, hi: number, lo: number): boolean {
    const h = this.sHi[a]!;
    return h < hi || (h === hi && this.sLo[a]! < lo);
  }
  /** start(a) <= (hi,lo) */
  protected startLe(a: Handle, hi: number, lo: number): boolean {
    const h = this.sHi[a]!;
    return h < hi || (h === hi && this.sLo[a]! <= lo);
  }
  /** end(a) < (hi,lo) */
  protected endLt(a: Handle, hi: number, lo: number): boolean {
    const h = this.eHi[a]!;
    return h < hi || (h === hi && this.eLo[a]! < lo);
  }

  // ---- treap over one parent's children ----------------------------------------------------------

  /** 1 + number of descendants of `x` (its /proc/iomem line plus those of its subtree). */
  protected own(x: Handle): number {
    const t = this.trt[x]!;
    return t === NIL ? 1 : 1 + this.agg[t]!;
  }

  protected upd(t: Handle): void {
    const l = this.tl[t]!;
    const r = this.tr[t]!;
    let c = 1;
    let a = this.own(t);
    if (l !== NIL) {
      c += this.cnt[l]!;
      a += this.agg[l]!;
    }
    if (r !== NIL) {
      c += this.cnt[r]!;
      a += this.agg[r]!;
    }
    this.cnt[t] = c;
    this.agg[t] = a;
  }

  protected splitL: Handle = NIL;
  protected splitR: Handle = NIL;

  /** Splits treap `t` into splitL (start < key, or <= key when `inclusive`) and splitR (the rest). */
  protected split(t: Handle, hi: number, lo: number, inclusive: boolean): void {
    if (t === NIL) {
      this.splitL = NIL;
      this.splitR = NIL;
      return;
    }
    const goesLeft = inclusive ? this.startLe(t, hi, lo) : this.startLt(t, hi, lo);
    if (goesLeft) {
      this.split(this.tr[t]!, hi, lo, inclusive);
      this.tr[t] = this.splitL;
      this.upd(t);
      this.splitL = t;
    } else {
      this.split(this.tl[t]!, hi, lo, inclusive);
      this.tl[t] = this.splitR;
      this.upd(t);
      this.splitR = t;
    }
  }

  /** Joins two treaps where every key of `a` is below every key of `b`. */
  protected join(a: Handle, b: Handle): Handle {
    if (a === NIL) return b;
    if (b === NIL) return a;
    if (prio(a) > prio(b)) {
      this.tr[a] = this.join(this.tr[a]!, b);
      this.upd(a);
      return a;
    }
    this.tl[b] = this.join(a, this.tl[b]!);
    this.upd(b);
    return b;
  }

  protected tInsert(t: Handle, x: Handle): Handle {
    if (t === NIL) return x;
    if (prio(x) > prio(t)) {
      this.split(t, this.sHi[x]!, this.sLo[x]!, false);
      this.tl[x] = this.splitL;
      this.tr[x] = this.splitR;
      this.upd(x);
      return x;
    }
    if (this.startLt(x, this.sHi[t]!, this.sLo[t]!)) this.tl[t] = this.tInsert(this.tl[t]!, x);
    else this.tr[t] = this.tInsert(this.tr[t]!, x);
    this.upd(t);
    return t;
  }

  /** Removes `x` (found by its start key) from treap `t`; returns the new root. */
  protected tRemove(t: Handle, x: Handle): Handle {
    if (t === NIL) throw new KernelBug(`resource ${x} missing from its parent's index`);
    if (t === x) {
      const j = this.join(this.tl[t]!, this.tr[t]!);
      this.tl[x] = NIL;
      this.tr[x] = NIL;
      this.upd(x);
      return j;
    }
    if (this.startLt(x, this.sHi[t]!, this.sLo[t]!)) this.tl[t] = this.tRemove(this.tl[t]!, x);
    else this.tr[t] = this.tRemove(this.tr[t]!, x);
    this.upd(t);
    return t;
  }

  /** Recomputes aggregates on the treap path from `t` down to `x` (after own(x) changed). */
  protected tRefresh(t: Handle, x: Handle): void {
    if (t === NIL) throw new KernelBug(`resource ${x} missing from its parent's index`);
    if (t !== x) {
      if (this.startLt(x, this.sHi[t]!, this.sLo[t]!)) this.tRefresh(this.tl[t]!, x);
      else this.tRefresh(this.tr[t]!, x);
    }
    this.upd(t);
  }

  /** Propagates a change of own(x) (its descendant count) to every ancestor's index. */
  protected bubble(x: Handle): void {
    let q = x;
    let p = this.par[q]!;
    while (p !== NIL) {
      this.tRefresh(this.trt[p]!, q);
      q = p;
      p = this.par[q]!;
    }
  }

  // ---- rank queries (the positions the kernel's list walks pay for) -----------------------------

  protected qNode: Handle = NIL;
  protected qPred: Handle = NIL;
  protected qAgg = 0;

  /**
   * Number of children of `p` whose end < key; sets qNode to the first child with end >= key (or
   * NIL), qPred to the child before it, qAgg to the pre-order size of the children counted.
   */
  protected belowEnd(p: Handle, hi: number, lo: number): number {
    let t = this.trt[p]!;
    let b = 0;
    let a = 0;
    let best = NIL;
    let pred = NIL;
    while (t !== NIL) {
      if (this.endLt(t, hi, lo)) {
        const l = this.tl[t]!;
        if (l !== NIL) {
          b += this.cnt[l]!;
          a += this.agg[l]!;
        }
        b++;
        a += this.own(t);
        pred = t;
        t = this.tr[t]!;
      } else {
        best = t;
        t = this.tl[t]!;
      }
    }
    this.qNode = best;
    this.qPred = pred;
    this.qAgg = a;
    return b;
  }

  /** Number of children of `p` whose start < key (or <= key); qPred = the last such child, qNode the next. */
  // Same descent as belowEnd with another comparison: kept as two loops on purpose, since a
  // predicate callback on this hot path (every request, merge and split) costs more than the copy.
  protected belowStart(p: Handle, hi: number, lo: number, inclusive: boolean): number {
    let t = this.trt[p]!;
    let b = 0;
    let a = 0;
    let best = NIL;
    let pred = NIL;
    while (t !== NIL) {
      if (inclusive ? this.startLe(t, hi, lo) : this.startLt(t, hi, lo)) {
        const l = this.tl[t]!;
        if (l !== NIL) {
          b += this.cnt[l]!;
          a += this.agg[l]!;
        }
        b++;
        a += this.own(t);
        pred = t;
        t = this.tr[t]!;
      } else {
        best = t;
        t = this.tl[t]!;
      }
    }
    this.qNode = best;
    this.qPred = pred;
    this.qAgg = a;
    return b;
  }

  /** Position of `x` among its siblings (0-based); qAgg = pre-order size of the siblings before it. */
  protected posOf(x: Handle): number {
    const p = this.par[x]!;
    if (p === NIL) return 0;
    return this.belowStart(p, this.sHi[x]!, this.sLo[x]!, false);
  }

  /** Number of children of `p`. */
  protected nChildren(p: Handle): number {
    const t = this.trt[p]!;
    return t === NIL ? 0 : this.cnt[t]!;
  }

  /** Pre-order size of the subtree below `p` (its descendants). */
  protected nDescendants(p: Handle): number {
    const t = this.trt[p]!;
    return t === NIL ? 0 : this.agg[t]!;
  }

  /** The previous sibling of `x` (NIL when first or detached). */
  protected prevOf(x: Handle): Handle {
    const p = this.par[x]!;
    if (p === NIL) return NIL;
    this.belowStart(p, this.sHi[x]!, this.sLo[x]!, false);
    return this.qPred;
  }

  /** The last child of `p`. */
  protected lastChild(p: Handle): Handle {
    let t = this.trt[p]!;
    if (t === NIL) return NIL;
    while (this.tr[t]! !== NIL) t = this.tr[t]!;
    return t;
  }

  /**
   * Checks every structural invariant below `top` against the linked lists, for tests: children
   * sorted, non-overlapping and inside their parent; parent links; the index's in-order sequence,
   * heap order, counts and pre-order sizes. Returns the problems found (empty when consistent).
   */
  checkInvariants(top: Handle): string[] {
    const errs: string[] = [];
    const stack: Handle[] = [top];
    while (stack.length > 0 && errs.length < 20) {
      const p = stack.pop()!;
      const list: Handle[] = [];
      for (let c = this.fst[p]!; c !== NIL; c = this.nxt[c]!) {
        if (list.length > this.hw) {
          errs.push(`child list of ${p} loops`);
          break;
        }
        list.push(c);
      }
      const inorder: Handle[] = [];
      const walk = (t: Handle, lo: number): number => {
        if (t === NIL) return 0;
        if (this.cnt[t] === 0) errs.push(`dead node ${t} in the index of ${p}`);
        const l = this.tl[t]!;
        const r = this.tr[t]!;
        if (l !== NIL && prio(l) > prio(t)) errs.push(`heap order broken at ${t}`);
        if (r !== NIL && prio(r) > prio(t)) errs.push(`heap order broken at ${t}`);
        const a = walk(l, lo);
        inorder.push(t);
        const b = walk(r, lo);
        if (this.cnt[t] !== a + b + 1) errs.push(`count of ${t} is ${this.cnt[t]}, expected ${a + b + 1}`);
        let ag = this.own(t);
        if (l !== NIL) ag += this.agg[l]!;
        if (r !== NIL) ag += this.agg[r]!;
        if (this.agg[t] !== ag) errs.push(`pre-order size of ${t} is ${this.agg[t]}, expected ${ag}`);
        return a + b + 1;
      };
      walk(this.trt[p]!, 0);
      if (inorder.length !== list.length || inorder.some((x, i) => x !== list[i])) errs.push(`index of ${p} disagrees with its child list`);
      let prev = NIL;
      for (const c of list) {
        if (this.par[c] !== p) errs.push(`child ${c} of ${p} has parent ${this.par[c]}`);
        if (this.startLt(c, this.sHi[p]!, this.sLo[p]!) || this.endLt(p, this.eHi[c]!, this.eLo[c]!)) errs.push(`child ${c} sticks out of ${p}`);
        if (this.endLt(c, this.sHi[c]!, this.sLo[c]!)) errs.push(`node ${c} ends before it starts`);
        if (prev !== NIL && !this.endLt(prev, this.sHi[c]!, this.sLo[c]!)) errs.push(`siblings ${prev} and ${c} overlap or are out of order`);
        prev = c;
        stack.push(c);
      }
    }
    return errs;
  }

  // ---- linking -----------------------------------------------------------------------------------

  /** Links detached `x` under `p` right after `pred` (NIL: as first child); index and list together. */
  protected linkAfter(p: Handle, pred: Handle, x: Handle): void {
    const succ = pred === NIL ? this.fst[p]! : this.nxt[pred]!;
    this.nxt[x] = succ;
    if (pred === NIL) this.fst[p] = x;
    else this.nxt[pred] = x;
    this.par[x] = p;
    this.tl[x] = NIL;
    this.tr[x] = NIL;
    this.upd(x);
    this.trt[p] = this.tInsert(this.trt[p]!, x);
    this.bubble(p);
  }

  /** Unlinks `x` (with its subtree) from its parent; `pred` is its previous sibling (or NIL). */
  protected unlinkWithPred(x: Handle, pred: Handle): void {
    const p = this.par[x]!;
    if (pred === NIL) this.fst[p] = this.nxt[x]!;
    else this.nxt[pred] = this.nxt[x]!;
    this.trt[p] = this.tRemove(this.trt[p]!, x);
    this.par[x] = NIL;
    this.nxt[x] = NIL;
    this.bubble(p);
  }
}
