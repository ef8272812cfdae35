/**
 * The shared bounded thinning (`common/thinning.ts`) that the worker's step log and the renderer's
 * chart store both use: every point until the cap, then stride doubling, first and latest kept,
 * ordinals stable for cursors. (The cases below the first block moved here from
 * test/renderer/metrics-bound.spec.ts with the class.)
 */
import { describe, expect, it } from 'vitest';
import { Column, ThinnedColumns } from '../../common/thinning.js';

describe('ThinnedColumns', () => {
  it.each([
    [8, 9, 2, [0, 2, 4, 6, 8]],
    [8, 10, 2, [0, 2, 4, 6, 8, 9]],
    [4, 20, 8, [0, 8, 16, 19]],
  ])('cap %d, %d points: stride %d, kept %j', (cap, pushed, stride, kept) => {
    const t = new ThinnedColumns(['v'] as const, cap);
    for (let o = 0; o < pushed; o++) {
      t.push(o, { v: o * 10 });
      expect(t.length).toBeLessThanOrEqual(cap);
    }
    expect(t.stride).toBe(stride);
    expect(Array.from(t.cols.v.view())).toEqual(kept.map((o) => o * 10));
  });

  it('keeps doubling while every kept point is still on the grid (sparse input)', () => {
    const t = new ThinnedColumns(['v'] as const, 4);
    for (const o of [0, 8, 16, 24, 32]) t.push(o, { v: o });
    expect(t.length).toBeLessThanOrEqual(4);
    expect(Array.from(t.cols.v.view())).toEqual([0, 16, 32]);
  });

  it.each([0, 1, 2.5, 3, Number.NaN])('refuses cap %d', (cap) => {
    expect(() => new ThinnedColumns(['v'] as const, cap)).toThrow(RangeError);
  });
});

describe('ThinnedColumns: text columns, cursors and memory', () => {
  it('moves text columns with the numbers when it thins', () => {
    const t = new ThinnedColumns(['v'] as const, 4, ['name'] as const);
    for (let o = 0; o < 11; o++) t.push(o, { v: o, name: `p${o}` });
    expect(t.stride).toBe(4);
    expect(Array.from(t.cols.v.view())).toEqual([0, 4, 8, 10]);
    expect(t.texts.name).toEqual(['p0', 'p4', 'p8', 'p10']);
  });

  it('lowerBound finds the first kept ordinal at or after a cursor, across thinning', () => {
    const t = new ThinnedColumns(['v'] as const, 8);
    for (let o = 0; o < 37; o++) t.push(o, { v: o });
    const ords = Array.from({ length: t.length }, (_, i) => t.ordinalAt(i));
    expect(ords).toEqual([0, 8, 16, 24, 32, 36]);
    for (const since of [0, 1, 8, 9, 33, 36]) expect(t.ordinalAt(t.lowerBound(since))).toBe(ords.find((o) => o >= since));
    expect(t.lowerBound(37)).toBe(t.length);
    expect(t.lastOrdinal).toBe(36);
  });

  it('never allocates more than the cap, and clear() starts over at stride 1', () => {
    const t = new ThinnedColumns(['v'] as const, 64, [], 4);
    for (let o = 0; o < 1000; o++) {
      t.push(o, { v: o });
      expect(t.allocated).toBeLessThanOrEqual(64);
    }
    expect(t.allocated).toBe(64);
    t.clear();
    expect([t.length, t.stride, t.lastOrdinal]).toEqual([0, 1, -1]);
  });

  it('a Column with a limit refuses to grow past it', () => {
    const c = new Column(2, 4);
    for (let i = 0; i < 4; i++) c.push(i);
    expect(Array.from(c.view())).toEqual([0, 1, 2, 3]);
    expect(() => c.push(4)).toThrow(RangeError);
  });
});
