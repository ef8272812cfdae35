import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { diffHunks, diffLines, unifiedDiff, type LineDiff } from '../../../worker/engine/oracle/diff.js';

/** Rebuilds both sides from the ops: a = equal+delete, b = equal+insert. */
function sides(d: LineDiff): [string[], string[]] {
  const a: string[] = [];
  const b: string[] = [];
  for (const op of d.ops) {
    if (op.kind !== 'insert') a.push(...op.lines);
    if (op.kind !== 'delete') b.push(...op.lines);
  }
  return [a, b];
}

function lcs(a: string[], b: string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) dp[i]![j] = a[i - 1] === b[j - 1] ? dp[i - 1]![j - 1]! + 1 : Math.max(dp[i - 1]![j]!, dp[i]![j - 1]!);
  return dp[a.length]![b.length]!;
}

describe('diffLines', () => {
  // [name, a, b, removed, added]
  const cases: [string, string, string, number, number][] = [
    ['identical', 'a b c', 'a b c', 0, 0],
    ['both empty', '', '', 0, 0],
    ['all added', '', 'a b', 0, 2],
    ['all removed', 'a b', '', 2, 0],
    ['one changed in the middle', 'a b c', 'a x c', 1, 1],
    ['merge: four blocks become one', 'h v b1 b2 b3 b4 t', 'h v m t', 4, 1],
    ['split: one becomes three', 'h m t', 'h p q r t', 1, 3],
    ['interleaved', 'a b c d e f', 'a c e g', 3, 1],
  ];
  for (const [name, a, b, removed, added] of cases) {
    it(name, () => {
      const A = a ? a.split(' ') : [];
      const B = b ? b.split(' ') : [];
      const d = diffLines(A, B);
      expect(sides(d)).toEqual([A, B]);
      expect([d.removed, d.added]).toEqual([removed, added]);
      expect(d.minimal).toBe(true);
    });
  }

  it('is minimal (edits = n + m - 2·LCS) and rebuilds both sides, on random inputs', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 25 }), fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 25 }), (a, b) => {
        const d = diffLines(a, b);
        expect(sides(d)).toEqual([a, b]);
        expect(d.added + d.removed).toBe(a.length + b.length - 2 * lcs(a, b));
      }),
      { numRuns: 500 },
    );
  });

  it('falls back to one replaced block past maxEdits, still a correct script', () => {
    const a = Array.from({ length: 50 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 50 }, (_, i) => `b${i}`);
    const d = diffLines(['head', ...a, 'tail'], ['head', ...b, 'tail'], 10);
    expect(d.minimal).toBe(false);
    expect(sides(d)).toEqual([['head', ...a, 'tail'], ['head', ...b, 'tail']]);
    expect([d.removed, d.added]).toEqual([50, 50]);
  });

  it('handles the none-vs-merged /proc/iomem of 800 blocks quickly and exactly', () => {
    const boot = Array.from({ length: 40 }, (_, i) => `boot ${i}`);
    const blocks = Array.from({ length: 800 }, (_, i) => `  block ${i} : System RAM`);
    const d = diffLines([...boot, 'virtio0', ...blocks, 'pci'], [...boot, 'virtio0', '  merged : System RAM', 'pci']);
    expect([d.removed, d.added, d.minimal]).toEqual([800, 1, true]);
  });
});

describe('diffHunks', () => {
  it('keeps `context` equal lines around changes and splits far-apart changes', () => {
    const a = 'l0 l1 l2 l3 l4 l5 l6 l7 l8 l9 l10 l11 l12'.split(' ');
    const b = [...a];
    b[1] = 'X';
    b[11] = 'Y';
    const hunks = diffHunks(diffLines(a, b), 2);
    expect(hunks.length).toBe(2);
    expect(hunks[0]!.lines.map((l) => `${l.kind}${l.text}`)).toEqual([' l0', '-l1', '+X', ' l2', ' l3']);
    expect(hunks[1]!.aStart).toBe(9);
    expect(hunks[1]!.lines.map((l) => `${l.kind}${l.text}`)).toEqual([' l9', ' l10', '-l11', '+Y', ' l12']);
  });

  it('gives no hunk for identical inputs', () => {
    expect(diffHunks(diffLines(['a'], ['a']))).toEqual([]);
  });
});

describe('unifiedDiff', () => {
  const labels = { expected: 'exp', actual: 'act' };
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', { expected: 'e', actual: 'a' })).toBe('');
  });
  it('prints a hunk with context like diff -u', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8'].join('\n') + '\n';
    const b = ['1', '2', '3', '4', 'X', '6', '7', '8'].join('\n') + '\n';
    expect(unifiedDiff(a, b, labels)).toBe('--- exp\n+++ act\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+X\n 6\n 7\n 8\n');
  });
  it('shows insertions', () => {
    expect(unifiedDiff('a\nc\n', 'a\nb\nc\n', { expected: 'e', actual: 'f' })).toBe('--- e\n+++ f\n@@ -1,2 +1,3 @@\n a\n+b\n c\n');
  });
  it('names the line before an empty side, as diff -u does', () => {
    expect(unifiedDiff('', 'x\n', labels)).toBe('--- exp\n+++ act\n@@ -0,0 +1,1 @@\n+x\n');
    expect(unifiedDiff('a\nb\n', 'a\n', labels, 0)).toBe('--- exp\n+++ act\n@@ -2,1 +1,0 @@\n-b\n');
  });
  it('splits changes more than 2·context lines apart into two hunks, and joins closer ones', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`);
    const far = [...a];
    far[2] = 'X';
    far[17] = 'Y';
    const d = unifiedDiff(a.join('\n'), far.join('\n'), labels, 2);
    expect(d.match(/^@@ .* @@$/gm)).toEqual(['@@ -1,5 +1,5 @@', '@@ -16,5 +16,5 @@']);
    const near = [...a];
    near[2] = 'X';
    near[6] = 'Y';
    expect(unifiedDiff(a.join('\n'), near.join('\n'), labels, 2).match(/^@@ .* @@$/gm)).toEqual(['@@ -1,9 +1,9 @@']);
  });
  it('says so when only the final newline differs', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb', labels)).toBe('--- exp\n+++ act\n@@ (the texts differ only in their final newline) @@\n');
  });
});
