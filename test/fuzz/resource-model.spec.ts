/**
 * Model-based testing of the resource tree against the plain sorted-list model
 * (bench/fuzz/list-model.ts): a fixed-seed run of random operations, and fast-check generated
 * operation streams (shrunk on failure). `npm run fuzz` runs 10^6 operations.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OP_NAMES, arraySource, prng, runModel } from '../../bench/fuzz/model-run.js';
import { ListModel, MNode, F_MEM, F_BUSY } from '../../bench/fuzz/list-model.js';

describe('ResourceTree against the list model', () => {
  it('agrees on 20,000 seeded random operations, every operation kind exercised', () => {
    const r = runModel(prng(1), 20_000);
    expect(r.failure).toBeNull();
    expect(r.ops).toBe(20_000);
    OP_NAMES.forEach((name, k) => expect(r.opCounts[k], name).toBeGreaterThan(300));
    expect(r.succeeded).toBeGreaterThan(2000);
    expect(r.maxNodes).toBeGreaterThan(20);
  });

  it('agrees on generated operation streams (fast-check, shrinking)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 0xffffffff }), { minLength: 50, maxLength: 3000 }), (values) => {
        const r = runModel(arraySource(values), 300, { resetEvery: 300, textEvery: 1 });
        if (r.failure) throw new Error(r.failure);
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it('the driver notices a disagreement (a model with a planted bug fails)', () => {
    const original = ListModel.prototype.requestLocked;
    // Plant a bug: the model appends instead of keeping the children sorted.
    ListModel.prototype.requestLocked = function (this: ListModel, parent: MNode, n: MNode) {
      if (n.end < n.start || n.start < parent.start || n.end > parent.end) return parent;
      for (const t of parent.children) if (!(t.end < n.start || t.start > n.end)) return t;
      parent.children.push(n);
      n.parent = parent;
      return null;
    };
    try {
      const r = runModel(prng(3), 5000);
      expect(r.failure).not.toBeNull();
      expect(r.failure).toMatch(/engine node \d+, model node \d+|engine \[|requestResource: engine counted/);
    } finally {
      ListModel.prototype.requestLocked = original;
    }
  });

  it('the driver notices a miscounted visit (the kernel walk cost is compared too)', () => {
    const original = ListModel.prototype.releaseLocked;
    ListModel.prototype.releaseLocked = function (this: ListModel, old: MNode, releaseChild: boolean) {
      const r = original.call(this, old, releaseChild);
      this.visits++;
      return r;
    };
    try {
      const r = runModel(prng(5), 5000);
      expect(r.failure).toMatch(/^(releaseResource|removeResource): engine counted \d+ visits, the kernel's loop \d+/);
    } finally {
      ListModel.prototype.releaseLocked = original;
    }
  });

  it('the list model itself follows the kernel on a hand-made case (insert adopts a run)', () => {
    const m = new ListModel(0, (1n << 64n) - 1n, 0);
    const a = new MNode(1, 0x1000n, 0x1fffn, F_MEM | F_BUSY, 1);
    const b = new MNode(2, 0x2000n, 0x2fffn, F_MEM | F_BUSY, 1);
    const c = new MNode(3, 0x1000n, 0x2fffn, F_MEM, 2);
    expect(m.requestLocked(m.root, a)).toBeNull();
    expect(m.requestLocked(m.root, b)).toBeNull();
    expect(m.insertLocked(m.root, c)).toBeNull();
    expect(m.preorder().map((x) => [x.n.h, x.depth])).toEqual([[3, 0], [1, 1], [2, 1]]);
    const d = new MNode(4, 0x1800n, 0x27ffn, F_MEM, 2);
    expect(m.insertLocked(m.root, d)).toBe(a);
  });
});
