/**
 * A deliberately plain resource tree: one object per node with parent / sibling / child pointers and
 * singly linked, address-sorted child lists, written from the behaviour described in
 * kernel-semantics.md §3 (not from resource.c, and sharing nothing with the engine). It is the
 * benchmark's baseline: every operation walks the lists, so its cost is what the kernel pays.
 * It also counts the nodes each walk examines, which the benchmark compares with the engine's
 * reported visit counts.
 */

export const MEM = 0x200;
export const SYSRAM = 0x01000000;
export const BUSY = 0x80000000;
export const MERGEABLE = 0x04000000;
const TYPE_MASK = 0x1f00;

export class ListNode {
  parent: ListNode | null = null;
  sibling: ListNode | null = null;
  child: ListNode | null = null;
  constructor(
    public name: string,
    public start: bigint,
    public end: bigint,
    public flags: number,
    public desc = 0,
  ) {}
}

export class ListTree {
  readonly root: ListNode;
  visits = 0;

  constructor(rootEnd: bigint) {
    this.root = new ListNode('PCI mem', 0n, rootEnd, MEM);
  }

  /** Links `n` under `parent` in address order; returns the node it collides with, or null. */
  private claim(parent: ListNode, n: ListNode): ListNode | null {
    if (n.end < n.start || n.start < parent.start || n.end > parent.end) return parent;
    let prev: ListNode | null = null;
    let cur = parent.child;
    while (cur !== null) {
      this.visits++;
      if (cur.start > n.end) break;
      if (cur.end >= n.start) return cur;
      prev = cur;
      cur = cur.sibling;
    }
    n.sibling = cur;
    n.parent = parent;
    if (prev === null) parent.child = n;
    else prev.sibling = n;
    return null;
  }

  /** A busy region: descends into free (non-busy) containers, inheriting their type bits. */
  requestRegion(parent: ListNode, start: bigint, size: bigint, name: string, flags: number): ListNode | null {
    const n = new ListNode(name, start, start + size - 1n, 0);
    let p = parent;
    for (;;) {
      n.flags = ((p.flags & (TYPE_MASK | SYSRAM)) | BUSY | flags) >>> 0;
      n.desc = p.desc;
      const hit = this.claim(p, n);
      if (hit === null) return n;
      if (hit !== p && (hit.flags & BUSY) === 0) {
        p = hit;
        continue;
      }
      return null;
    }
  }

  /** Resize in place if the new range keeps clear of both neighbours and covers every child. */
  adjust(n: ListNode, start: bigint, end: bigint): boolean {
    const p = n.parent;
    if (p !== null) {
      if (start < p.start || end > p.end) return false;
      if (n.sibling !== null) {
        this.visits++;
        if (n.sibling.start <= end) return false;
      }
      if (p.child !== n) {
        let before = p.child!;
        this.visits++;
        while (before.sibling !== n) {
          before = before.sibling!;
          this.visits++;
        }
        if (start <= before.end) return false;
      }
    }
    for (let c = n.child; c !== null; c = c.sibling) {
      this.visits++;
      if (c.start < start || c.end > end) return false;
    }
    n.start = start;
    n.end = end;
    return true;
  }

  private mergeable(a: ListNode, b: ListNode): boolean {
    return a.flags === b.flags && a.end + 1n === b.start && a.name === b.name && a.desc === b.desc && a.child === null && b.child === null;
  }

  /** Marks `n` mergeable and folds it into its immediate neighbours where they match. */
  mergeSystemRam(n: ListNode): ListNode {
    n.flags = (n.flags | MERGEABLE) >>> 0;
    const next = n.sibling;
    if (next !== null) {
      this.visits++;
      if (this.mergeable(n, next)) {
        n.end = next.end;
        n.sibling = next.sibling;
      }
    }
    let cur = n.parent!.child;
    while (cur !== null && cur.sibling !== n) {
      this.visits++;
      cur = cur.sibling;
    }
    if (cur !== null) {
      this.visits++; // the scan examined pos(n) nodes, the last being this one
      if (this.mergeable(cur, n)) {
        cur.end = n.end;
        cur.sibling = n.sibling;
        return cur;
      }
    }
    return n;
  }

  /** Cuts [start, start+size-1] out of the one busy System RAM node that holds it. */
  releaseAdjustable(start: bigint, size: bigint): void {
    const end = start + size - 1n;
    let parent = this.root;
    let prev: ListNode | null = null;
    let cur = parent.child;
    while (cur !== null) {
      this.visits++;
      if (cur.start >= end) return;
      if (cur.start > start || cur.end < end) {
        prev = cur;
        cur = cur.sibling;
        continue;
      }
      if ((cur.flags & SYSRAM) === 0 || (cur.flags & MEM) === 0) return;
      if ((cur.flags & BUSY) === 0) {
        parent = cur;
        prev = null;
        cur = cur.child;
        continue;
      }
      if (cur.start === start && cur.end === end) {
        if (prev === null) parent.child = cur.sibling;
        else prev.sibling = cur.sibling;
      } else if (cur.start === start) {
        this.adjust(cur, end + 1n, cur.end);
      } else if (cur.end === end) {
        this.adjust(cur, cur.start, start - 1n);
      } else {
        const upper = new ListNode(cur.name, end + 1n, cur.end, cur.flags, cur.desc);
        upper.parent = cur.parent;
        upper.sibling = cur.sibling;
        if (this.adjust(cur, cur.start, start - 1n)) cur.sibling = upper;
      }
      return;
    }
  }

  /**
   * One search of the walk family: the lowest node overlapping [start, end] that has all `flags` (and
   * `desc` unless 0). Nodes ending before `start` are stepped over sibling by sibling until the first
   * overlapping one; after that the search goes in pre-order, unless `firstLevel` keeps it on the top level.
   */
  private findNext(start: bigint, end: bigint, flags: number, desc: number, firstLevel: boolean): ListNode | null {
    if (start >= end) return null;
    let siblingsOnly = true;
    let p = this.root.child;
    while (p !== null) {
      this.visits++;
      if (p.start > end) return null;
      if (p.end >= start) {
        siblingsOnly = firstLevel;
        if ((p.flags & flags) >>> 0 === flags >>> 0 && (desc === 0 || p.desc === desc)) return p;
      }
      if (siblingsOnly) p = p.sibling;
      else if (p.child !== null) p = p.child;
      else {
        while (p !== null && p.sibling === null) p = p.parent === this.root ? null : p.parent;
        p = p === null ? null : p.sibling;
      }
    }
    return null;
  }

  /** The walk: calls `fn` with each match clipped to the range; returns -22 if nothing matched. */
  walk(start: bigint, end: bigint, flags: number, desc: number, firstLevel: boolean, fn: (s: bigint, e: bigint) => number): number {
    let ret = -22;
    while (start < end) {
      const p = this.findNext(start, end, flags, desc, firstLevel);
      if (p === null) break;
      const s = p.start > start ? p.start : start;
      const e = p.end < end ? p.end : end;
      ret = fn(s, e);
      if (ret !== 0) break;
      start = e + 1n;
    }
    return ret;
  }

  /** Number of /proc/iomem lines (all nodes below the root). */
  lines(): number {
    let n = 0;
    const walk = (p: ListNode): void => {
      for (let c = p.child; c !== null; c = c.sibling) {
        n++;
        walk(c);
      }
    };
    walk(this.root);
    return n;
  }
}
