/**
 * kernel/resource_kunit.c, ported case by case in the kernel's order: resource_test_union,
 * resource_test_intersection (each vector in both argument orders, as resource_do_*_test does) and
 * resource_test_region_intersects (the tree built with the same calls in the same order, then all
 * ten vectors). The 6.12 column is the kernel's KUNIT_EXPECT_EQ; the 5.10 column is the project's
 * own addition: what the top-level-only region_intersects() of 5.10 answers on the same tree.
 */
import { describe, expect, it } from 'vitest';
import {
  IORESOURCE_BUSY,
  IORESOURCE_MEM,
  IORESOURCE_SYSTEM_RAM,
  IORES_DESC_NONE,
  NIL,
  REGION_DISJOINT,
  REGION_INTERSECTS,
  REGION_MIXED,
  ResourceTree,
  resourceIntersection,
  resourceUnion,
} from '../../../worker/engine/kernel/resource.js';
import type { Res } from '../../../worker/engine/kernel/resource.js';
import { dump } from './helpers.js';

const SZ_128K = 128n * 1024n;
const SZ_1M = 1n << 20n;
const PAGE_SIZE = 4096n;

describe('resource_kunit.c: resource_test_union and resource_test_intersection', () => {
  const r = {
    r0: { start: 0x0000n, end: 0xffffn },
    r1: { start: 0x1234n, end: 0x2345n },
    r2: { start: 0x4567n, end: 0x5678n },
    r3: { start: 0x6789n, end: 0x789an },
    r4: { start: 0x2000n, end: 0x7000n },
  };
  type Name = keyof typeof r;
  /** results_for_union[] / results_for_intersection[]: r1, r2, expected range (null: .ret = false). */
  const union: [Name, Name, [bigint, bigint] | null][] = [
    ['r1', 'r0', [0x0000n, 0xffffn]],
    ['r2', 'r0', [0x0000n, 0xffffn]],
    ['r3', 'r0', [0x0000n, 0xffffn]],
    ['r4', 'r0', [0x0000n, 0xffffn]],
    ['r2', 'r1', null],
    ['r3', 'r1', null],
    ['r4', 'r1', [0x1234n, 0x7000n]],
    ['r2', 'r3', null],
    ['r2', 'r4', [0x2000n, 0x7000n]],
    ['r3', 'r4', [0x2000n, 0x789an]],
  ];
  const intersection: [Name, Name, [bigint, bigint] | null][] = [
    ['r1', 'r0', [0x1234n, 0x2345n]],
    ['r2', 'r0', [0x4567n, 0x5678n]],
    ['r3', 'r0', [0x6789n, 0x789an]],
    ['r4', 'r0', [0x2000n, 0x7000n]],
    ['r2', 'r1', null],
    ['r3', 'r1', null],
    ['r4', 'r1', [0x2000n, 0x2345n]],
    ['r2', 'r3', null],
    ['r2', 'r4', [0x4567n, 0x5678n]],
    ['r3', 'r4', [0x6789n, 0x7000n]],
  ];
  const asPair = (x: { start: bigint; end: bigint } | null): [bigint, bigint] | null => (x ? [x.start, x.end] : null);

  it.each(union)('union %s, %s', (a, b, expected) => {
    expect(asPair(resourceUnion(r[a], r[b]))).toEqual(expected);
    expect(asPair(resourceUnion(r[b], r[a]))).toEqual(expected);
  });

  it.each(intersection)('intersection %s, %s', (a, b, expected) => {
    expect(asPair(resourceIntersection(r[a], r[b]))).toEqual(expected);
    expect(asPair(resourceIntersection(r[b], r[a]))).toEqual(expected);
  });
});

describe('resource_kunit.c: resource_test_region_intersects', () => {
  // The RES_TEST_* layout.
  const RAM0 = { off: 0n, size: SZ_1M };
  const HOLE0 = { off: RAM0.off + RAM0.size, size: SZ_1M };
  const WIN0 = { off: HOLE0.off + HOLE0.size, size: SZ_1M };
  const RAM1 = { off: WIN0.off + WIN0.size, size: SZ_1M };
  const WIN1 = { off: RAM1.off + RAM1.size, size: 3n * SZ_1M };
  const RAM2 = { off: WIN1.off, size: SZ_1M };
  const CODE = { off: RAM2.off + SZ_128K, size: SZ_128K };
  const RAM3 = { off: RAM2.off + RAM2.size, size: SZ_1M };
  const TOTAL = WIN1.off + WIN1.size;
  const FLAGS = (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY) >>> 0;

  /** The test's setup, call for call; returns the tree and `start` (the parent's start). */
  function setup(version: '5.10' | '6.12'): { t: ResourceTree; start: bigint } {
    const t = new ResourceTree({ semantics: { regionIntersects: version } });
    // alloc_free_mem_region(&iomem_resource, TOTAL, SZ_1M, "test resources"): the first 1 MiB
    // aligned free range, ascending, inserted as a plain MEM resource; the tree is empty, so 0.
    const parent = t.alloc(t.internName('test resources'), 0n, TOTAL - 1n, IORESOURCE_MEM);
    expect(t.insertResource(t.root, parent).err).toBe(0);
    const start = t.start(parent);
    const requestRegion = (at: { off: bigint; size: bigint }, name: string): void => {
      expect(t.requestRegion(parent, start + at.off, at.size, t.internName(name), FLAGS).res).not.toBe(NIL);
    };
    const insertResource = (at: { off: bigint; size: bigint }, name: string, flags: number): Res => {
      const res = t.alloc(t.internName(name), start + at.off, start + at.off + at.size - 1n, flags >>> 0);
      expect(t.insertResource(parent, res).err).toBe(0);
      return res;
    };
    requestRegion(RAM0, 'Test System RAM 0');
    insertResource(WIN0, 'Test CXL Window 0', IORESOURCE_MEM);
    requestRegion(RAM1, 'Test System RAM 1');
    insertResource(WIN1, 'Test CXL Window 1', IORESOURCE_MEM);
    requestRegion(RAM2, 'Test System RAM 2');
    insertResource(CODE, 'Test Code', FLAGS);
    requestRegion(RAM3, 'Test System RAM 3');
    // kunit_release_action(test, remove_free_resource, parent): the children move up a level.
    expect(t.removeResource(parent).err).toBe(0);
    expect(t.checkInvariants(t.root)).toEqual([]);
    return { t, start };
  }

  it('builds the tree of the comment above RES_TEST_RAM0_OFFSET', () => {
    expect(dump(setup('6.12').t)).toBe(
      [
        '00000000-000fffff : Test System RAM 0',
        '00200000-002fffff : Test CXL Window 0',
        '00300000-003fffff : Test System RAM 1',
        '00400000-006fffff : Test CXL Window 1',
        '  00400000-004fffff : Test System RAM 2',
        '    00420000-0043ffff : Test Code',
        '  00500000-005fffff : Test System RAM 3',
        '',
      ].join('\n'),
    );
  });

  // [name, offset, size, 6.12 (the kernel's expectation), 5.10 (top-level nodes only)]
  const vectors: [string, bigint, bigint, number, number][] = [
    ['RAM0 start, P', RAM0.off, PAGE_SIZE, REGION_INTERSECTS, REGION_INTERSECTS],
    ['RAM0 end-P, 2P', RAM0.off + RAM0.size - PAGE_SIZE, 2n * PAGE_SIZE, REGION_INTERSECTS, REGION_INTERSECTS],
    ['hole start, P', HOLE0.off, PAGE_SIZE, REGION_DISJOINT, REGION_DISJOINT],
    ['hole end-P, 2P', HOLE0.off + HOLE0.size - PAGE_SIZE, 2n * PAGE_SIZE, REGION_DISJOINT, REGION_DISJOINT],
    ['WIN0 end-P, 2P', WIN0.off + WIN0.size - PAGE_SIZE, 2n * PAGE_SIZE, REGION_MIXED, REGION_MIXED],
    ['RAM1 end-P, 2P', RAM1.off + RAM1.size - PAGE_SIZE, 2n * PAGE_SIZE, REGION_INTERSECTS, REGION_MIXED],
    ['RAM2 end-P, 2P', RAM2.off + RAM2.size - PAGE_SIZE, 2n * PAGE_SIZE, REGION_INTERSECTS, REGION_DISJOINT],
    ['Code start, P', CODE.off, PAGE_SIZE, REGION_INTERSECTS, REGION_DISJOINT],
    ['RAM2 start, 1M+P', RAM2.off, RAM2.size + PAGE_SIZE, REGION_INTERSECTS, REGION_DISJOINT],
    ['RAM3 start, 1M+P', RAM3.off, RAM3.size + PAGE_SIZE, REGION_MIXED, REGION_DISJOINT],
  ];

  it.each(vectors)('%s', (_name, off, size, v612, v510) => {
    const now = setup('6.12');
    expect(now.t.regionIntersects(now.start + off, size, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE).result).toBe(v612);
    const old = setup('5.10');
    const r = old.t.regionIntersects(old.start + off, size, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE);
    expect(r.result).toBe(v510);
    expect(r.visits).toBe(old.t.topLevelCount()); // 5.10 always visits every top-level node
  });
});
