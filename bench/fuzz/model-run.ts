/**
 * Model-based testing of `ResourceTree`: random operations applied to the engine and to the
 * reference `ListModel` side by side. After every operation the two must agree on the result
 * (error, conflict node, surviving node, and — for every operation but allocate_resource — the
 * number of nodes the kernel's loops examine, kernel-semantics.md §3.0), on the whole tree (same nodes by handle, same ranges,
 * flags, names, desc, depths, in the same order) and on the busy System RAM bytes; the engine's
 * own invariants (ranks, counts, pre-order index, text size) are checked through its public API,
 * and no node may leak (live slots = attached nodes + root).
 *
 * Operations are decoded from a stream of 32-bit numbers, so the same driver runs from a seeded
 * PRNG (`npm run fuzz`, 10^6 operations) and from fast-check arrays (the test, with shrinking).
 */
import {
  IORESOURCE_BUSY,
  IORESOURCE_EXCLUSIVE,
  IORESOURCE_IO,
  IORESOURCE_MEM,
  IORESOURCE_SYSRAM_DRIVER_MANAGED,
  IORESOURCE_SYSRAM_MERGEABLE,
  IORESOURCE_SYSTEM_RAM,
  NIL,
  ResourceTree,
} from '../../worker/engine/kernel/resource.js';
import type { Res } from '../../worker/engine/kernel/resource.js';
import { ListModel, MNode } from './list-model.js';
import { checkTree } from './tree-check.js';

const U64 = (1n << 64n) - 1n;
const u64 = (x: bigint): bigint => x & U64;

/** A source of 32-bit unsigned numbers. */
export interface U32Source {
  u32(): number;
}

/** mulberry32: a tiny seeded PRNG for the long runs. */
export function prng(seed: number): U32Source {
  let a = seed >>> 0;
  return {
    u32() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (t ^ (t >>> 14)) >>> 0;
    },
  };
}

/** Reads a fixed array (from fast-check), then zeros. */
export function arraySource(values: readonly number[]): U32Source {
  let i = 0;
  return { u32: () => (i < values.length ? values[i++]! >>> 0 : 0) };
}

export const OP_NAMES = [
  'requestResource', 'insertResource', 'releaseResource', 'removeResource', 'adjustResource', 'requestRegion', 'releaseRegion',
  'allocateResource', 'addSystemRam+merge', 'mergeSystemRamResource', 'releaseMemRegionAdjustable', 'mergeChildMemResources',
] as const;

const NAME_POOL: [string, string][] = [
  ['System RAM', 'kernel'], ['System RAM (virtio_mem)', 'kernel'], ['virtio0', 'kernel'], ['Reserved', 'kernel'], ['System RAM', 'boot'], ['PCI Bus 0000:00', 'kernel'],
];
const FLAG_POOL: number[] = [
  IORESOURCE_MEM,
  (IORESOURCE_MEM | IORESOURCE_BUSY) >>> 0,
  (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY) >>> 0,
  (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY | IORESOURCE_SYSRAM_MERGEABLE) >>> 0,
  (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY | IORESOURCE_SYSRAM_DRIVER_MANAGED | IORESOURCE_SYSRAM_MERGEABLE) >>> 0,
  IORESOURCE_SYSTEM_RAM,
  (IORESOURCE_SYSTEM_RAM | IORESOURCE_EXCLUSIVE) >>> 0,
  IORESOURCE_IO,
];
/** Relative weights of the operations above (adds outweigh removals, so trees grow to ~100 nodes). */
const OP_WEIGHTS = [3, 2, 1, 1, 2, 4, 1, 2, 5, 1, 2, 1];
const OP_TABLE: number[] = OP_WEIGHTS.flatMap((w, k) => Array.from({ length: w }, () => k));
const GRANULE = 1n << 20n;
const BASES = [0n, 1n << 32n, U64 - 256n * GRANULE + 1n];

export interface ModelRunResult {
  ops: number;
  opCounts: number[];
  succeeded: number;
  maxNodes: number;
  /** The first disagreement, with the operations that led to it; null when none. */
  failure: string | null;
}

/** One side-by-side session: the engine tree, the model, and the names both use. */
class Pair {
  readonly tree: ResourceTree;
  readonly model: ListModel;
  readonly names: number[];
  readonly base: bigint;

  constructor(base: bigint) {
    this.base = base;
    this.tree = new ResourceTree();
    this.names = NAME_POOL.map(([t, o]) => this.tree.internName(t, o));
    this.model = new ListModel(this.tree.root, this.tree.end(this.tree.root), this.tree.nameId(this.tree.root)!);
  }
}

/**
 * Runs `ops` random operations (fresh trees every `resetEvery`), checking after each. `textEvery`:
 * how often the rendered /proc/iomem size is compared too.
 */
export function runModel(src: U32Source, ops: number, opts: { resetEvery?: number; textEvery?: number } = {}): ModelRunResult {
  const resetEvery = opts.resetEvery ?? 2000;
  const textEvery = opts.textEvery ?? 97;
  const result: ModelRunResult = { ops: 0, opCounts: OP_NAMES.map(() => 0), succeeded: 0, maxNodes: 0, failure: null };
  let pair = new Pair(BASES[0]!);
  const log: string[] = [];
  for (let i = 0; i < ops; i++) {
    if (i % resetEvery === 0) {
      pair = new Pair(BASES[src.u32() % BASES.length]!);
      log.length = 0;
    }
    const kind = OP_TABLE[src.u32() % OP_TABLE.length]!;
    let desc: string;
    try {
      const r = applyOp(pair, kind, src);
      desc = r.desc;
      if (r.ok) result.succeeded++;
      if (r.problem) {
        log.push(desc);
        result.failure = failureText(pair, log, r.problem);
        return result;
      }
    } catch (e) {
      log.push(`${OP_NAMES[kind]} (threw)`);
      result.failure = failureText(pair, log, `threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e)}`);
      return result;
    }
    log.push(desc);
    if (log.length > 40) log.shift();
    result.ops++;
    result.opCounts[kind]!++;
    const problem = compare(pair, (i + 1) % textEvery === 0);
    if (problem) {
      result.failure = failureText(pair, log, problem);
      return result;
    }
    const n = pair.tree.count();
    if (n > result.maxNodes) result.maxNodes = n;
  }
  return result;
}

function failureText(pair: Pair, log: string[], problem: string): string {
  return `${problem}\n  last operations (base 0x${pair.base.toString(16)}):\n    ${log.slice(-15).join('\n    ')}`;
}

interface OpResult {
  desc: string;
  ok: boolean;
  problem?: string;
}

function hex(x: bigint): string {
  return `0x${x.toString(16)}`;
}

/** Picks an attached node (or the root) from the model. */
function pickNode(pair: Pair, u: number, allowRoot: boolean): MNode {
  const nodes = pair.model.preorder();
  const n = nodes.length + (allowRoot ? 1 : 0);
  if (n === 0) return pair.model.root;
  const k = u % n;
  return k < nodes.length ? nodes[k]!.n : pair.model.root;
}

function addr(pair: Pair, src: U32Source): bigint {
  const k = BigInt(src.u32() % 256);
  const jitter = [0n, 0n, 0n, 1n, -1n][src.u32() % 5]!;
  return u64(pair.base + k * GRANULE + jitter);
}

function size(src: U32Source): bigint {
  const m = BigInt([1, 1, 1, 2, 2, 4, 8, 16, 64, 0][src.u32() % 10]!);
  const jitter = [0n, 0n, 0n, 1n, -1n][src.u32() % 5]!;
  return m * GRANULE + jitter;
}

/** A range inside `n` (or `n`'s own range), for operations that need a plausible target. */
function rangeIn(n: MNode, src: U32Source): [bigint, bigint] {
  const mode = src.u32() % 4;
  if (mode === 0 || n.end - n.start < 2n) return [n.start, n.end - n.start + 1n];
  const span = n.end - n.start + 1n;
  const a = (BigInt(src.u32()) * span) >> 32n;
  const b = (BigInt(src.u32()) * span) >> 32n;
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  if (mode === 1) return [n.start, hi + 1n];
  if (mode === 2) return [n.start + lo, span - lo];
  return [n.start + lo, hi - lo + 1n];
}

function handleOf(n: MNode | null): number {
  return n === null ? NIL : n.h;
}

/** Frees an already detached engine subtree (parent first: freeing orphans the children). */
function freeSubtree(pair: Pair, n: MNode): void {
  const stack = [n];
  while (stack.length > 0) {
    const x = stack.pop()!;
    pair.tree.free(x.h);
    stack.push(...x.children);
  }
}

/** Frees the children a freed node left behind (the kernel leaks them; the test must not). */
function freeOrphans(pair: Pair, n: MNode): void {
  for (const c of n.children) freeSubtree(pair, c);
  n.children = [];
}

function applyOp(pair: Pair, kind: number, src: U32Source): OpResult {
  const { tree, model } = pair;
  const name = pair.names[src.u32() % pair.names.length]!;
  const flags = FLAG_POOL[src.u32() % FLAG_POOL.length]!;
  switch (kind) {
    case 0:
    case 1: {
      const parent = pickNode(pair, src.u32(), true);
      const s = addr(pair, src);
      const e = u64(s + size(src) - 1n);
      const h = tree.alloc(name, s, e, flags);
      const mn = new MNode(h, s, e, flags, name);
      model.visits = 0;
      const res = kind === 0 ? tree.requestResourceConflict(parent.h, h) : tree.insertResourceConflict(parent.h, h);
      const engine = res.conflict;
      const ref = kind === 0 ? model.requestLocked(parent, mn) : model.insertLocked(parent, mn);
      const desc = `${OP_NAMES[kind]}(parent ${parent.h}, [${hex(s)}-${hex(e)}] flags ${hex(BigInt(flags))} name ${name}) -> node ${h}`;
      if (engine !== handleOf(ref)) return { desc, ok: false, problem: `${OP_NAMES[kind]}: engine conflict ${engine}, model conflict ${handleOf(ref)}` };
      if (res.visits !== model.visits) return { desc, ok: false, problem: `${OP_NAMES[kind]}: engine counted ${res.visits} visits, the kernel's loops ${model.visits}` };
      if (ref !== null) tree.free(h);
      return { desc, ok: ref === null };
    }
    case 2:
    case 3: {
      const n = pickNode(pair, src.u32(), false);
      if (n === model.root) return { desc: `${OP_NAMES[kind]}: empty tree`, ok: false };
      const res = kind === 2 ? tree.releaseResource(n.h) : tree.removeResource(n.h);
      const err = res.err;
      model.visits = 0;
      const ref = model.releaseLocked(n, kind === 2);
      const desc = `${OP_NAMES[kind]}(node ${n.h})`;
      if (err !== ref) return { desc, ok: false, problem: `${OP_NAMES[kind]}: engine ${err}, model ${ref}` };
      if (res.visits !== model.visits) return { desc, ok: false, problem: `${OP_NAMES[kind]}: engine counted ${res.visits} visits, the kernel's loop ${model.visits}` };
      freeSubtree(pair, n);
      return { desc, ok: true };
    }
    case 4: {
      const n = pickNode(pair, src.u32(), true);
      const s = src.u32() % 2 === 0 ? addr(pair, src) : n.start + BigInt(src.u32() % 3) - 1n;
      const sz = src.u32() % 2 === 0 ? size(src) : n.end - n.start + 1n + BigInt(src.u32() % 3) - 1n;
      const ar = tree.adjustResource(n.h, s, sz);
      const err = ar.err;
      model.visits = 0;
      const ref = model.adjustLocked(n, u64(s), u64(s + sz - 1n));
      const desc = `adjustResource(node ${n.h}, ${hex(s)}, size ${hex(sz)})`;
      if (err !== ref) return { desc, ok: false, problem: `adjustResource: engine ${err}, model ${ref}` };
      if (ar.visits !== model.visits) return { desc, ok: false, problem: `adjustResource: engine counted ${ar.visits} visits, the kernel's loops ${model.visits}` };
      return { desc, ok: err === 0 };
    }
    case 5: {
      const parent = pickNode(pair, src.u32(), true);
      const [s, n] = src.u32() % 2 === 0 ? [addr(pair, src), size(src)] : rangeIn(pickNode(pair, src.u32(), false), src);
      const extra = src.u32() % 4 === 0 ? IORESOURCE_EXCLUSIVE : 0;
      const rr = tree.requestRegion(parent.h, s, n, name, extra);
      const r = rr.res;
      const mn = new MNode(NIL, u64(s), u64(s + n - 1n), 0, name);
      model.visits = 0;
      const ok = model.requestRegion(parent, mn, extra);
      const desc = `requestRegion(parent ${parent.h}, ${hex(s)}, n ${hex(n)}, name ${name}, +${hex(BigInt(extra))}) -> ${r}`;
      if ((r !== NIL) !== ok) return { desc, ok: false, problem: `requestRegion: engine ${r === NIL ? 'failed' : 'succeeded'}, model ${ok ? 'succeeded' : 'failed'}` };
      if (rr.visits !== model.visits) return { desc, ok: false, problem: `requestRegion: engine counted ${rr.visits} visits, the kernel's loops ${model.visits}` };
      mn.h = r;
      return { desc, ok };
    }
    case 6: {
      const parent = pickNode(pair, src.u32(), true);
      const [s, n] = src.u32() % 4 === 0 ? [addr(pair, src), size(src)] : rangeIn(pickNode(pair, src.u32(), false), src);
      const rr = tree.releaseRegion(parent.h, s, n);
      const err = rr.err;
      model.visits = 0;
      const removed = model.releaseRegion(parent, u64(s), u64(s + n - 1n));
      const desc = `releaseRegion(parent ${parent.h}, ${hex(s)}, n ${hex(n)}) -> ${err}`;
      if ((err === 0) !== (removed !== null)) return { desc, ok: false, problem: `releaseRegion: engine ${err}, model ${removed ? `removed ${removed.h}` : 'nothing'}` };
      if (rr.visits !== model.visits) return { desc, ok: false, problem: `releaseRegion: engine counted ${rr.visits} visits, the kernel's loops ${model.visits}` };
      if (removed) {
        if (tree.isLive(removed.h)) return { desc, ok: false, problem: `releaseRegion: node ${removed.h} was not freed` };
        freeOrphans(pair, removed);
      }
      return { desc, ok: err === 0 };
    }
    case 7: {
      const root = pickNode(pair, src.u32(), true);
      const sz = size(src);
      const min = src.u32() % 2 === 0 ? root.start : addr(pair, src);
      const max = src.u32() % 2 === 0 ? root.end : addr(pair, src);
      const align = 1n << BigInt(src.u32() % 24);
      const h = tree.alloc(name, 0n, 0n, flags);
      const err = tree.allocateResource(root.h, h, sz, min, max, align).err;
      const found = model.findResource(root, sz, min, max, align);
      let ok = false;
      if (found) {
        const mn = new MNode(h, found[0], found[1], flags, name);
        ok = model.requestLocked(root, mn) === null;
      }
      const desc = `allocateResource(root ${root.h}, size ${hex(sz)}, min ${hex(min)}, max ${hex(max)}, align ${hex(align)}) -> ${err}`;
      if ((err === 0) !== ok) return { desc, ok: false, problem: `allocateResource: engine ${err}, model ${ok ? `found ${hex(found![0])}` : 'no slot'}` };
      if (!ok) tree.free(h);
      return { desc, ok };
    }
    case 8: {
      // add_memory*(): a busy System RAM resource under the root or a container, then merged.
      const containers = model.preorder().filter((x) => (x.n.flags & IORESOURCE_BUSY) === 0 && (x.n.flags & IORESOURCE_SYSTEM_RAM) === IORESOURCE_SYSTEM_RAM);
      const parent = containers.length > 0 && src.u32() % 2 === 0 ? containers[src.u32() % containers.length]!.n : model.root;
      const s = parent === model.root ? addr(pair, src) : parent.start + (BigInt(src.u32() % 16) * (parent.end - parent.start + 1n)) / 16n;
      const e = u64(s + size(src) - 1n);
      const f = (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY | (parent === model.root ? 0 : IORESOURCE_SYSRAM_DRIVER_MANAGED)) >>> 0;
      const nm = pair.names[parent === model.root ? 0 : 1]!;
      const h = tree.alloc(nm, s, e, f);
      const mn = new MNode(h, s, e, f, nm);
      const err = tree.requestResource(parent.h, h).err;
      const ref = model.requestLocked(parent, mn);
      let desc = `add System RAM [${hex(s)}-${hex(e)}] under ${parent.h} -> node ${h}`;
      if ((err === 0) !== (ref === null)) return { desc, ok: false, problem: `add: engine ${err}, model ${handleOf(ref)}` };
      if (ref !== null) {
        tree.free(h);
        return { desc, ok: false };
      }
      const mr = tree.mergeSystemRamResource(h);
      const survivor = mr.survivor;
      model.visits = 0;
      const m = model.mergeSystemRamResource(mn);
      desc += `, merged into ${survivor}`;
      if (survivor !== m.survivor.h) return { desc, ok: false, problem: `mergeSystemRamResource: engine survivor ${survivor}, model ${m.survivor.h}` };
      if (mr.visits !== model.visits) return { desc, ok: false, problem: `mergeSystemRamResource: engine counted ${mr.visits} visits, the kernel's loops ${model.visits}` };
      return { desc, ok: true };
    }
    case 9: {
      const n = pickNode(pair, src.u32(), false);
      if (n === model.root) return { desc: 'mergeSystemRamResource: empty tree', ok: false };
      const mr = tree.mergeSystemRamResource(n.h);
      const survivor = mr.survivor;
      model.visits = 0;
      const m = model.mergeSystemRamResource(n);
      const desc = `mergeSystemRamResource(node ${n.h}) -> ${survivor}`;
      if (survivor !== m.survivor.h) return { desc, ok: false, problem: `mergeSystemRamResource: engine survivor ${survivor}, model ${m.survivor.h}` };
      if (mr.visits !== model.visits) return { desc, ok: false, problem: `mergeSystemRamResource: engine counted ${mr.visits} visits, the kernel's loops ${model.visits}` };
      for (const f of m.freed) if (tree.isLive(f.h)) return { desc, ok: false, problem: `merged node ${f.h} is still live` };
      return { desc, ok: m.freed.length > 0 };
    }
    case 10: {
      const sysram = model.preorder().filter((x) => (x.n.flags & (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY)) >>> 0 === (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY) >>> 0);
      const [s, sz0] = sysram.length > 0 && src.u32() % 4 !== 0 ? rangeIn(sysram[src.u32() % sysram.length]!.n, src) : [addr(pair, src), size(src)];
      // A negative size is 2^64 - 1 to the kernel: [s, s - 2] then splits into overlapping halves
      // (in the kernel too). Callers always pass a memory block size, so the test does as well.
      const sz = sz0 < 0n ? 0n : sz0;
      const rr = tree.releaseMemRegionAdjustable(s, sz);
      const err = rr.err;
      model.visits = 0;
      const r = model.releaseMemRegionAdjustable(u64(s), u64(s + sz - 1n), () => NIL);
      const desc = `releaseMemRegionAdjustable(${hex(s)}, size ${hex(sz)}) -> ${err}`;
      if (err !== 0) return { desc, ok: false, problem: `releaseMemRegionAdjustable returned ${err} under 5.10 semantics` };
      if (rr.visits !== model.visits) return { desc, ok: false, problem: `releaseMemRegionAdjustable: engine counted ${rr.visits} visits, the kernel's loops ${model.visits}` };
      if (r.freed) {
        if (tree.isLive(r.freed.h)) return { desc, ok: false, problem: `released node ${r.freed.h} is still live` };
        freeOrphans(pair, r.freed);
      }
      if (r.split) {
        // The upper part is a new node right after the lower one; learn its engine handle.
        const kids = r.split.parent!.children;
        const lower = kids[kids.indexOf(r.split) - 1]!;
        const up: Res = tree.sibling(lower.h);
        r.split.h = up;
      }
      return { desc, ok: r.freed !== null || r.split !== null };
    }
    default: {
      const p = pickNode(pair, src.u32(), true);
      const text = NAME_POOL[src.u32() % NAME_POOL.length]![0];
      const mr = tree.mergeChildMemResources(p.h, text);
      const merged = mr.merged;
      model.visits = 0;
      const m = model.mergeChildMemResources(p, (id) => tree.nameText(id), text);
      const desc = `mergeChildMemResources(node ${p.h}, ${JSON.stringify(text)}) -> ${merged}`;
      if (merged !== m.merged) return { desc, ok: false, problem: `mergeChildMemResources: engine merged ${merged}, model ${m.merged}` };
      if (mr.visits !== model.visits) return { desc, ok: false, problem: `mergeChildMemResources: engine counted ${mr.visits} visits, the kernel's loops ${model.visits}` };
      return { desc, ok: merged > 0 };
    }
  }
}

/** Engine vs model, node by node; then the engine's own invariants. */
function compare(pair: Pair, withText: boolean): string | null {
  const { tree, model } = pair;
  const ref = model.preorder();
  if (tree.count() !== ref.length) return `engine has ${tree.count()} nodes, model ${ref.length}`;
  let r = tree.child(tree.root);
  let d = 0;
  for (let i = 0; i < ref.length; i++) {
    const { n, depth } = ref[i]!;
    if (r === NIL) return `engine pre-order ends at line ${i}, model has ${ref.length} lines`;
    const what = `line ${i}`;
    if (r !== n.h) return `${what}: engine node ${r}, model node ${n.h} [${hex(n.start)}-${hex(n.end)}]`;
    if (tree.start(r) !== n.start || tree.end(r) !== n.end) return `${what} (node ${r}): engine [${hex(tree.start(r))}-${hex(tree.end(r))}], model [${hex(n.start)}-${hex(n.end)}]`;
    if (tree.flags(r) !== n.flags) return `${what} (node ${r}): engine flags ${hex(BigInt(tree.flags(r)))}, model ${hex(BigInt(n.flags))}`;
    if (tree.nameId(r) !== n.name) return `${what} (node ${r}): engine name ${tree.nameId(r)}, model ${n.name}`;
    if (tree.desc(r) !== n.desc) return `${what} (node ${r}): engine desc ${tree.desc(r)}, model ${n.desc}`;
    if (d !== depth) return `${what} (node ${r}): engine depth ${d}, model ${depth}`;
    // pre-order successor
    if (tree.child(r) !== NIL) {
      r = tree.child(r);
      d++;
    } else {
      while (r !== tree.root && tree.sibling(r) === NIL) {
        r = tree.parent(r);
        d--;
      }
      r = r === tree.root ? NIL : tree.sibling(r);
    }
  }
  if (r !== NIL) return 'engine has more nodes than the model';
  if (tree.allocatedCount() !== ref.length + 1) return `engine holds ${tree.allocatedCount()} live nodes, the tree has ${ref.length + 1} (a leak or a double free)`;
  let ram = 0n;
  tree.walkSystemRamRes(0n, U64, (c) => {
    ram += c.end - c.start + 1n;
    return 0;
  });
  const want = model.systemRamBytes();
  if (ram !== want) return `walk_system_ram_res finds ${ram} bytes of System RAM, the model ${want}`;
  const errs = checkTree(tree, { textBytes: withText, ranks: true });
  return errs.length > 0 ? `engine invariants: ${errs.join('; ')}` : null;
}
