/**
 * The reference model for model-based testing of `ResourceTree`: the kernel's resource tree written
 * the plain way, every node holding its children in a sorted array and every operation a linear
 * scan that follows kernel/resource.c step by step (5.10+ semantics, as DEFAULT_SEMANTICS). No
 * index, no ranks, no shared code with the engine: when the two disagree, one of them is wrong.
 *
 * Nodes carry the engine's handle (`h`) so node identity can be compared too (which node survives
 * a merge, which one a conflict names).
 */
const U64 = (1n << 64n) - 1n;
const u64 = (x: bigint): bigint => x & U64;

export const F_MEM = 0x00000200;
export const F_IO = 0x00000100;
export const F_TYPE_BITS = 0x00001f00;
export const F_SYSRAM = 0x01000000;
export const F_DRIVER_MANAGED = 0x02000000;
export const F_MERGEABLE = 0x04000000;
export const F_EXCLUSIVE = 0x08000000;
export const F_BUSY = 0x80000000;
export const F_SYSTEM_RAM = (F_SYSRAM | F_MEM) >>> 0;

export class MNode {
  parent: MNode | null = null;
  children: MNode[] = [];
  constructor(
    public h: number,
    public start: bigint,
    public end: bigint,
    public flags: number,
    public name: number,
    public desc = 0,
  ) {}
}

/** The tree, with the kernel's operations. Conflicts are returned as nodes (or null). */
export class ListModel {
  readonly root: MNode;
  /**
   * Nodes the kernel's loops examined (kernel-semantics.md §3.0), kept for every operation but
   * allocate_resource; the driver resets it before an operation.
   */
  visits = 0;
  /**
   * release_mem_region_adjustable() still stops at a containing node without SYSRAM (before
   * e686c32590f4, 6.3): false like the engine's default (6.12) semantics.
   */
  sysramCheck = false;

  constructor(rootHandle: number, rootEnd: bigint, rootName: number) {
    this.root = new MNode(rootHandle, 0n, rootEnd, F_MEM, rootName);
  }

  /** __request_resource: the first overlapping child is the conflict; out of range → the root. */
  requestLocked(parent: MNode, n: MNode): MNode | null {
    if (n.end < n.start || n.start < parent.start || n.end > parent.end) return parent;
    const kids = parent.children;
    let i = 0;
    for (; i < kids.length; i++) {
      const t = kids[i]!;
      this.visits++;
      if (t.start > n.end) break;
      if (t.end < n.start) continue;
      return t;
    }
    kids.splice(i, 0, n);
    n.parent = parent;
    return null;
  }

  /** __release_resource: unlink with the subtree, or splice the children into its place. */
  releaseLocked(old: MNode, releaseChild: boolean): number {
    const p = old.parent;
    if (!p) return -22;
    const i = p.children.indexOf(old);
    if (i < 0) return -22;
    this.visits += i + 1;
    if (releaseChild || old.children.length === 0) {
      p.children.splice(i, 1);
    } else {
      this.visits += old.children.length;
      for (const c of old.children) c.parent = p;
      p.children.splice(i, 1, ...old.children);
      old.children = [];
    }
    old.parent = null;
    return 0;
  }

  /** __insert_resource: descend into strict containers, then adopt the run of siblings spanned. */
  insertLocked(parent: MNode, n: MNode): MNode | null {
    let first: MNode | null;
    for (;;) {
      first = this.requestLocked(parent, n);
      if (first === null || first === parent || first === n) return first;
      if (first.start > n.start || first.end < n.end) break;
      if (first.start === n.start && first.end === n.end) break;
      parent = first;
    }
    const kids = parent.children;
    const i = kids.indexOf(first);
    let j = i;
    for (;;) {
      const x = kids[j]!;
      this.visits++;
      if (x.start < n.start || x.end > n.end) return x;
      const next = kids[j + 1];
      if (!next) break;
      if (next.start > n.end) {
        // The successor that ends the run is read once more (the spec counts k + 1 checks).
        this.visits++;
        break;
      }
      j++;
    }
    // Reparenting the k adopted nodes, then the predecessor scan from the first child.
    this.visits += j - i + 1 + i;
    const run = kids.splice(i, j - i + 1, n);
    for (const c of run) c.parent = n;
    n.children = run;
    n.parent = parent;
    return null;
  }

  /** __adjust_resource (refusing end < start, as the engine documents). */
  adjustLocked(r: MNode, s: bigint, e: bigint): number {
    if (e < s) return -16;
    const p = r.parent;
    if (p) {
      if (s < p.start || e > p.end) return -16;
      const i = p.children.indexOf(r);
      const next = p.children[i + 1];
      if (next) this.visits++;
      if (next && next.start <= e) return -16;
      this.visits += i;
      const prev = i > 0 ? p.children[i - 1] : undefined;
      if (prev && s <= prev.end) return -16;
    }
    for (const c of r.children) {
      this.visits++;
      if (c.start < s || c.end > e) return -16;
    }
    r.start = s;
    r.end = e;
    return 0;
  }

  /** __request_region: BUSY node, descending into non-busy conflicts, inheriting the final parent's type. */
  requestRegion(parent: MNode, n: MNode, extraFlags: number): boolean {
    for (;;) {
      n.flags = ((parent.flags & (F_TYPE_BITS | F_SYSRAM)) | F_BUSY | extraFlags) >>> 0;
      n.desc = parent.desc;
      const c = this.requestLocked(parent, n);
      if (c === null) return true;
      if (c !== parent && (c.flags & F_BUSY) === 0) {
        parent = c;
        continue;
      }
      return false;
    }
  }

  /** __release_region: the removed node (its subtree drops out with it), or null. */
  releaseRegion(parent: MNode, s: bigint, e: bigint): MNode | null {
    let kids = parent.children;
    for (let i = 0; i < kids.length; ) {
      const x = kids[i]!;
      this.visits++;
      if (x.start <= s && x.end >= e) {
        if ((x.flags & F_BUSY) === 0) {
          kids = x.children;
          i = 0;
          continue;
        }
        if (x.start !== s || x.end !== e) return null;
        kids.splice(i, 1);
        x.parent = null;
        return x;
      }
      i++;
    }
    return null;
  }

  /** __find_resource (old = none, the default alignf): the first fitting [start, end] or null. */
  findResource(root: MNode, size: bigint, min: bigint, max: bigint, align: bigint): [bigint, bigint] | null {
    const kids = root.children;
    let k = 0;
    let tmpStart = root.start;
    if (kids.length > 0 && kids[0]!.start === root.start) {
      tmpStart = u64(kids[0]!.end + 1n);
      k = 1;
    }
    const mask = u64(align - 1n);
    for (;;) {
      const cur = kids[k];
      let tmpEnd = cur ? u64(cur.start - 1n) : root.end;
      let ts = tmpStart;
      if (tmpEnd >= ts) {
        if (ts < min) ts = min;
        if (tmpEnd > max) tmpEnd = max;
        const availStart = u64(ts + mask) & (~mask & U64);
        if (availStart >= ts) {
          const allocEnd = u64(availStart + size - 1n);
          if (availStart <= allocEnd && allocEnd <= tmpEnd) return [availStart, allocEnd];
        }
      }
      if (!cur || cur.end === root.end) return null;
      tmpStart = u64(cur.end + 1n);
      k++;
    }
  }

  /**
   * release_mem_region_adjustable (5.10, iomem root): trims [s, e] out of the busy System RAM node
   * containing it. Returns what happened, so the driver can map a split's new node and free nodes.
   */
  releaseMemRegionAdjustable(s: bigint, e: bigint, newHandle: () => number): { freed: MNode | null; split: MNode | null } {
    const none = { freed: null, split: null };
    const root = this.root;
    if (s < root.start || e > root.end) return none;
    let kids = root.children;
    for (let i = 0; i < kids.length; ) {
      const r = kids[i]!;
      this.visits++;
      if (r.start >= e) break;
      if (r.start > s || r.end < e) {
        i++;
        continue;
      }
      if (this.sysramCheck && (r.flags & F_SYSRAM) === 0) break;
      if ((r.flags & F_MEM) === 0) break;
      if ((r.flags & F_BUSY) === 0) {
        kids = r.children;
        i = 0;
        continue;
      }
      if (r.start === s && r.end === e) {
        kids.splice(i, 1);
        r.parent = null;
        return { freed: r, split: null };
      }
      if (r.start === s) {
        this.adjustLocked(r, e + 1n, r.end);
        return none;
      }
      if (r.end === e) {
        this.adjustLocked(r, r.start, s - 1n);
        return none;
      }
      const upperEnd = r.end;
      if (this.adjustLocked(r, r.start, s - 1n) !== 0) return none;
      const up = new MNode(newHandle(), e + 1n, upperEnd, r.flags, r.name, r.desc);
      up.parent = r.parent;
      kids.splice(i + 1, 0, up);
      return { freed: null, split: up };
    }
    return none;
  }

  private static sysRamMergeable(a: MNode, b: MNode): boolean {
    return a.flags === b.flags && a.end !== U64 && a.end + 1n === b.start && a.name === b.name && a.desc === b.desc && a.children.length === 0 && b.children.length === 0;
  }

  /** merge_system_ram_resource: the surviving node and the nodes freed. */
  mergeSystemRamResource(r: MNode): { survivor: MNode; freed: MNode[] } {
    const need = (F_SYSTEM_RAM | F_BUSY) >>> 0;
    if (((r.flags & need) >>> 0) !== need) return { survivor: r, freed: [] };
    r.flags = (r.flags | F_MERGEABLE) >>> 0;
    const p = r.parent;
    if (!p) return { survivor: r, freed: [] };
    const freed: MNode[] = [];
    let i = p.children.indexOf(r);
    const next = p.children[i + 1];
    if (next) this.visits++;
    if (next && ListModel.sysRamMergeable(r, next)) {
      r.end = next.end;
      p.children.splice(i + 1, 1);
      next.parent = null;
      freed.push(next);
    }
    i = p.children.indexOf(r);
    // The scan for the predecessor starts at the first child; when that is `res` itself it never
    // finds a node whose sibling is `res` and examines the whole list.
    this.visits += i === 0 ? p.children.length : i;
    const prev = i > 0 ? p.children[i - 1]! : null;
    if (prev && ListModel.sysRamMergeable(prev, r)) {
      prev.end = r.end;
      p.children.splice(i, 1);
      r.parent = null;
      freed.push(r);
      return { survivor: prev, freed };
    }
    return { survivor: r, freed };
  }

  /** The RFC's merge_child_mem_resources(parent, name): one pairwise pass. */
  mergeChildMemResources(p: MNode, nameText: (id: number) => string, name: string): { merged: number; freed: MNode[] } {
    const freed: MNode[] = [];
    let merged = 0;
    const kids = p.children;
    // The RFC's pass examines every child once, merged or not.
    this.visits += kids.length;
    let i = 0;
    while (i < kids.length - 1) {
      const cur = kids[i]!;
      const next = kids[i + 1]!;
      if (nameText(cur.name) === name && (cur.flags & F_MEM) !== 0 && ListModel.sysRamMergeable(cur, next)) {
        cur.end = next.end;
        kids.splice(i + 1, 1);
        next.parent = null;
        freed.push(next);
        merged++;
      }
      i++;
    }
    return { merged, freed };
  }

  /** Every attached node in pre-order (root excluded), with depths. */
  preorder(): { n: MNode; depth: number }[] {
    const out: { n: MNode; depth: number }[] = [];
    const walk = (p: MNode, d: number): void => {
      for (const c of p.children) {
        out.push({ n: c, depth: d });
        walk(c, d + 1);
      }
    };
    walk(this.root, 0);
    return out;
  }

  /** Bytes of busy System RAM that walk_system_ram_res(0, ~0) reports (whole tree). */
  systemRamBytes(): bigint {
    const need = (F_SYSTEM_RAM | F_BUSY) >>> 0;
    const matches: MNode[] = [];
    const walk = (p: MNode): void => {
      for (const c of p.children) {
        // The walk resumes after a match, so a match's descendants are never reported.
        if (((c.flags & need) >>> 0) === need) matches.push(c);
        else walk(c);
      }
    };
    walk(this.root);
    // Surprise kept from the kernel: the loop runs while start < end, so a match that begins
    // exactly at ~0 right after a match ending at ~0 - 1 is never reported.
    let total = 0n;
    let start = 0n;
    for (const m of matches) {
      if (!(start < U64)) break;
      const s = m.start > start ? m.start : start;
      total += m.end - s + 1n;
      if (m.end === U64) break;
      start = m.end + 1n;
    }
    return total;
  }
}
