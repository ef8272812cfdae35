import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { iomemEntries, iomemStats, renderIomem } from '../../../worker/engine/kernel/iomem.js';
import {
  IORESOURCE_BUSY,
  IORESOURCE_EXCLUSIVE,
  IORESOURCE_MEM,
  IORESOURCE_SYSRAM_DRIVER_MANAGED,
  IORESOURCE_SYSTEM_RAM,
  NIL,
  ResourceTree,
} from '../../../worker/engine/kernel/resource.js';
import type { Res } from '../../../worker/engine/kernel/resource.js';
import { ListTree, BUSY as LIST_BUSY } from '../../../bench/list-resource.js';
import type { ListNode } from '../../../bench/list-resource.js';

const BLOCK = 128n << 20n;
const BLOCKS = 10;
/** Region 0: top level (as Hyper-V / Xen / DIMMs add); region 1: under a virtio0-like container. */
const REGION_BASE = [0x100000000n, 0x200000000n] as const;
const NAMES = ['System RAM', 'System RAM (virtio_mem)'] as const;
const FLAGS = [IORESOURCE_SYSTEM_RAM, (IORESOURCE_SYSTEM_RAM | IORESOURCE_SYSRAM_DRIVER_MANAGED) >>> 0] as const;
const blockStart = (region: number, i: number): bigint => REGION_BASE[region as 0 | 1] + BigInt(i) * BLOCK;

type Op =
  | { op: 'add'; region: number; i: number; merge: boolean; run: number }
  | { op: 'remove'; region: number; i: number; n: number }
  | { op: 'mergeRfc'; region: number }
  | { op: 'insertRemove'; region: number; i: number; n: number }
  | { op: 'walk'; region: number; i: number; n: number; topLevel: boolean; mem: boolean };

// `run` adds that many consecutive blocks (as one driver request would), so merged runs are common.
const addOp = fc.record({
  op: fc.constant('add' as const),
  region: fc.integer({ min: 0, max: 1 }),
  i: fc.integer({ min: 0, max: BLOCKS - 1 }),
  merge: fc.boolean(),
  run: fc.integer({ min: 1, max: 4 }),
});
const removeOp = fc.record({ op: fc.constant('remove' as const), region: fc.integer({ min: 0, max: 1 }), i: fc.integer({ min: 0, max: BLOCKS - 1 }), n: fc.integer({ min: 1, max: 3 }) });
const rfcOp = fc.record({ op: fc.constant('mergeRfc' as const), region: fc.integer({ min: 0, max: 1 }) });
const walkOp = fc.record({
  op: fc.constant('walk' as const),
  region: fc.integer({ min: 0, max: 1 }),
  i: fc.integer({ min: 0, max: BLOCKS - 1 }),
  n: fc.integer({ min: 1, max: BLOCKS }),
  topLevel: fc.boolean(),
  mem: fc.boolean(),
});
const insOp = fc.record({ op: fc.constant('insertRemove' as const), region: fc.integer({ min: 0, max: 1 }), i: fc.integer({ min: 0, max: BLOCKS - 1 }), n: fc.integer({ min: 1, max: 4 }) });

function engineWorld(): { t: ResourceTree; container: Res } {
  const t = new ResourceTree({ rootEnd: (1n << 52n) - 1n });
  t.requestRegion(t.root, 0x100000n, 0x7ff00000n, t.internName('System RAM', 'boot'), IORESOURCE_SYSTEM_RAM);
  const c = t.requestRegion(t.root, REGION_BASE[1], BigInt(BLOCKS) * BLOCK, t.internName('virtio0'), (IORESOURCE_SYSTEM_RAM | IORESOURCE_EXCLUSIVE) >>> 0).res;
  t.setFlags(c, (t.flags(c) & ~IORESOURCE_BUSY) >>> 0);
  return { t, container: c };
}

function listWorld(): ListTree {
  const l = new ListTree((1n << 52n) - 1n);
  l.requestRegion(l.root, 0x100000n, 0x7ff00000n, 'System RAM (boot)', IORESOURCE_SYSTEM_RAM);
  const c = l.requestRegion(l.root, REGION_BASE[1], BigInt(BLOCKS) * BLOCK, 'virtio0', (IORESOURCE_SYSTEM_RAM | IORESOURCE_EXCLUSIVE) >>> 0)!;
  c.flags = (c.flags & ~LIST_BUSY) >>> 0;
  return l;
}

function renderList(l: ListTree): string {
  const out: string[] = [];
  const walk = (p: ListNode, d: number): void => {
    for (let c = p.child; c !== null; c = c.sibling) {
      out.push(`${'  '.repeat(Math.min(d, 5))}${c.start.toString(16).padStart(8, '0')}-${c.end.toString(16).padStart(8, '0')} : ${c.name === 'System RAM (boot)' ? 'System RAM' : c.name} ${c.flags.toString(16)}`);
      walk(c, d + 1);
    }
  };
  walk(l.root, 0);
  return out.join('\n');
}

function renderWithFlags(t: ResourceTree): string {
  return [...iomemEntries(t)].map((e) => `${'  '.repeat(Math.min(e.depth, 5))}${e.start.toString(16).padStart(8, '0')}-${e.end.toString(16).padStart(8, '0')} : ${e.name} ${t.flags(e.res).toString(16)}`).join('\n');
}

/** Blocks covered by hot-added busy System RAM, per region; throws if a byte is covered twice. */
function coverage(t: ResourceTree): Set<string> {
  const seen = new Set<string>();
  for (const e of iomemEntries(t)) {
    const f = t.flags(e.res);
    if ((f & (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY)) >>> 0 !== (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY) >>> 0) continue;
    if (e.start < REGION_BASE[0]) continue; // boot RAM
    const region = e.start >= REGION_BASE[1] ? 1 : 0;
    if ((e.start - REGION_BASE[region]) % BLOCK !== 0n || (e.end + 1n - e.start) % BLOCK !== 0n) throw new Error(`unaligned node ${e.start.toString(16)}-${e.end.toString(16)}`);
    for (let s = e.start; s < e.end; s += BLOCK) {
      const key = `${region}:${(s - REGION_BASE[region]) / BLOCK}`;
      if (seen.has(key)) throw new Error(`block ${key} counted twice`);
      seen.add(key);
    }
  }
  return seen;
}

/** Index invariants, pre-order positions and the incremental /proc/iomem size. */
function checkIndex(t: ResourceTree): void {
  expect(t.checkInvariants(t.root)).toEqual([]);
  const entries = [...iomemEntries(t)];
  expect(t.count()).toBe(entries.length);
  entries.forEach((e, k) => {
    expect(t.preorderAt(k)).toBe(e.res);
    expect(t.preorderIndex(e.res)).toBe(k);
    expect(t.depth(e.res)).toBe(e.depth);
  });
  expect(iomemStats(t).bytes).toBe(renderIomem(t).length);
  expect(t.systemRamLines()).toBe(entries.filter((e) => e.name?.includes('System RAM')).length);
}

describe('property: engine against the plain linked list (same tree, same visits per operation)', () => {
  it('random add / merge / remove sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(addOp, removeOp, walkOp), { minLength: 1, maxLength: 60 }), (ops: Op[]) => {
        const { t } = engineWorld();
        const l = listWorld();
        const names = NAMES.map((n) => t.internName(n));
        for (const o of ops) {
          const v0 = l.visits;
          if (o.op === 'add') {
            for (let i = o.i; i < Math.min(BLOCKS, o.i + o.run); i++) {
              const va = l.visits;
              const r = t.requestRegion(t.root, blockStart(o.region, i), BLOCK, names[o.region]!, FLAGS[o.region as 0 | 1]);
              const ln = l.requestRegion(l.root, blockStart(o.region, i), BLOCK, NAMES[o.region]!, FLAGS[o.region as 0 | 1]);
              expect(r.res === NIL).toBe(ln === null);
              expect(r.visits).toBe(l.visits - va);
              if (o.merge && r.res !== NIL) {
                const v1 = l.visits;
                const m = t.mergeSystemRamResource(r.res);
                l.mergeSystemRam(ln!);
                expect(m.visits).toBe(l.visits - v1);
              }
            }
          } else if (o.op === 'remove') {
            const r = t.releaseMemRegionAdjustable(blockStart(o.region, o.i), BigInt(o.n) * BLOCK);
            l.releaseAdjustable(blockStart(o.region, o.i), BigInt(o.n) * BLOCK);
            expect(r.visits).toBe(l.visits - v0);
          } else if (o.op === 'walk') {
            // walk_system_ram_res / walk_mem_res over part of a region, in either walk scope.
            const s = blockStart(o.region, o.i) + 0x1000n;
            const e = blockStart(o.region, 0) + BigInt(o.n) * BLOCK - 1n;
            const flags = o.mem ? (IORESOURCE_MEM | IORESOURCE_BUSY) >>> 0 : (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY) >>> 0;
            t.semantics.walkScope = o.topLevel ? 'top-level' : 'whole-tree';
            const seenE: string[] = [];
            const seenL: string[] = [];
            const cb = (out: string[]) => (a: bigint, b: bigint): number => (out.push(`${a.toString(16)}-${b.toString(16)}`), 0);
            const we = o.mem ? t.walkMemRes(s, e, (c) => cb(seenE)(c.start, c.end)) : t.walkSystemRamRes(s, e, (c) => cb(seenE)(c.start, c.end));
            const rl = l.walk(s, e, flags, 0, o.topLevel, cb(seenL));
            expect(seenE).toEqual(seenL);
            expect(we.ret).toBe(rl);
            expect(we.visits).toBe(l.visits - v0);
          }
          expect(renderWithFlags(t)).toBe(renderList(l));
        }
        checkIndex(t);
      }),
      { numRuns: 150, seed: 0x5eed },
    );
  });
});

describe('property: tree invariants and System RAM bytes after every step', () => {
  it('random add / merge (5.10 and RFC) / split / insert+remove_resource sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(addOp, removeOp, rfcOp, insOp), { minLength: 1, maxLength: 50 }), (ops: Op[]) => {
        const { t, container } = engineWorld();
        const names = NAMES.map((n) => t.internName(n));
        const ref = new Set<string>();
        for (const o of ops) {
          const before = coverage(t);
          if (o.op === 'add') {
            for (let i = o.i; i < Math.min(BLOCKS, o.i + o.run); i++) {
              const key = `${o.region}:${i}`;
              const r = t.requestRegion(t.root, blockStart(o.region, i), BLOCK, names[o.region]!, FLAGS[o.region as 0 | 1]);
              expect(r.res === NIL).toBe(ref.has(key));
              if (r.res === NIL) continue;
              ref.add(key);
              if (o.merge) {
                const m = t.mergeSystemRamResource(r.res);
                expect(t.isLive(m.survivor)).toBe(true);
                expect(t.start(m.survivor) <= blockStart(o.region, i) && t.end(m.survivor) >= blockStart(o.region, i) + BLOCK - 1n).toBe(true);
              }
            }
          } else if (o.op === 'remove') {
            const keys = Array.from({ length: o.n }, (_, k) => `${o.region}:${o.i + k}`);
            t.releaseMemRegionAdjustable(blockStart(o.region, o.i), BigInt(o.n) * BLOCK);
            const after = coverage(t);
            const gone = [...before].filter((k) => !after.has(k));
            // Either exactly the requested blocks went away, or nothing did.
            if (gone.length > 0) expect(gone.sort()).toEqual([...keys].sort());
            if (o.n === 1 && ref.has(keys[0]!)) expect(gone).toEqual(keys);
            for (const k of gone) ref.delete(k);
          } else if (o.op === 'mergeRfc') {
            t.mergeChildMemResources(o.region === 0 ? t.root : container, NAMES[o.region]!);
          } else {
            // insert_resource of a MEM window over some blocks, then remove_resource: the tree is as before.
            const text = renderIomem(t);
            const w = t.alloc(t.internName('window'), blockStart(o.region, o.i), blockStart(o.region, o.i) + BigInt(o.n) * BLOCK - 1n, IORESOURCE_MEM);
            const ins = t.insertResourceConflict(o.region === 0 ? t.root : container, w);
            if (ins.conflict === NIL) {
              checkIndex(t);
              expect(t.removeResource(w).err).toBe(0);
            }
            t.free(w);
            expect(renderIomem(t)).toBe(text);
          }
          expect([...coverage(t)].sort()).toEqual([...ref].sort());
          expect(t.checkInvariants(t.root)).toEqual([]);
        }
        checkIndex(t);
        // Walks see exactly the hot-added bytes plus boot RAM (whole-tree scope).
        let bytes = 0n;
        t.walkSystemRamRes(0n, (1n << 52n) - 1n, (c) => {
          bytes += c.end - c.start + 1n;
          return 0;
        });
        expect(bytes).toBe(0x7ff00000n + BigInt(ref.size) * BLOCK);
      }),
      { numRuns: 150, seed: 0xbeef },
    );
  });
});
