/**
 * The one line diff (Myers' O(ND) greedy algorithm): the oracle replay shows with it where an
 * emulated section first departs from a recorded one (`unifiedDiff`, as `diff -u` prints it), and
 * the compare reports (common/report/view.ts) diff the final /proc/iomem of two lanes with it.
 * Common head and tail are trimmed first (two lanes, or a trace and its replay, share most lines);
 * if the middle needs more than `maxEdits` edits the middle is reported as one replaced block,
 * which is still a correct edit script, just not a minimal one (`minimal: false`).
 */

export type DiffKind = 'equal' | 'delete' | 'insert';

/** A run of lines: `equal` lines are in both, `delete` only in a, `insert` only in b. */
export interface DiffOp {
  kind: DiffKind;
  /** Index in a of the first line (for `insert`: where it goes). */
  aIndex: number;
  /** Index in b of the first line (for `delete`: where it was). */
  bIndex: number;
  lines: string[];
}

export interface LineDiff {
  ops: DiffOp[];
  added: number;
  removed: number;
  minimal: boolean;
}

/** Edits past which the changed middle is shown as one replaced block (memory grows with their square). */
const DEFAULT_MAX_EDITS = 2000;

/** Diffs two line arrays; `ops` replayed in order rebuild both a (equal+delete) and b (equal+insert). */
export function diffLines(a: readonly string[], b: readonly string[], maxEdits = DEFAULT_MAX_EDITS): LineDiff {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const kinds: DiffKind[] = [];
  const aMid = a.slice(head, a.length - tail);
  const bMid = b.slice(head, b.length - tail);
  let minimal = true;
  const middle = myers(aMid, bMid, maxEdits);
  if (middle) kinds.push(...middle);
  else {
    minimal = false;
    for (let i = 0; i < aMid.length; i++) kinds.push('delete');
    for (let i = 0; i < bMid.length; i++) kinds.push('insert');
  }
  const all: DiffKind[] = [...Array<DiffKind>(head).fill('equal'), ...kinds, ...Array<DiffKind>(tail).fill('equal')];
  return { ...groupOps(all, a, b), minimal };
}

/** Turns a per-line edit script into runs, counting added and removed lines. */
function groupOps(kinds: DiffKind[], a: readonly string[], b: readonly string[]): { ops: DiffOp[]; added: number; removed: number } {
  const ops: DiffOp[] = [];
  let ai = 0;
  let bi = 0;
  let added = 0;
  let removed = 0;
  for (const kind of kinds) {
    let op = ops[ops.length - 1];
    if (!op || op.kind !== kind) {
      op = { kind, aIndex: ai, bIndex: bi, lines: [] };
      ops.push(op);
    }
    if (kind === 'equal') {
      op.lines.push(a[ai]!);
      ai++;
      bi++;
    } else if (kind === 'delete') {
      op.lines.push(a[ai]!);
      ai++;
      removed++;
    } else {
      op.lines.push(b[bi]!);
      bi++;
      added++;
    }
  }
  return { ops, added, removed };
}

/**
 * Myers' shortest edit script. Keeps, per edit distance d, only the 2d+1 diagonals reached, so
 * memory is O(D²) for D edits; returns null when D would exceed maxEdits.
 */
function myers(a: readonly string[], b: readonly string[], maxEdits: number): DiffKind[] | null {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return [...Array<DiffKind>(n).fill('delete'), ...Array<DiffKind>(m).fill('insert')];
  const limit = Math.min(n + m, maxEdits);
  const trace: Int32Array[] = [];
  // v[k + d] = furthest x on diagonal k after d edits (window -d..d).
  let prev = new Int32Array(1);
  for (let d = 0; d <= limit; d++) {
    const v = new Int32Array(2 * d + 1);
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && at(prev, d - 1, k - 1) < at(prev, d - 1, k + 1));
      let x = d === 0 ? 0 : down ? at(prev, d - 1, k + 1) : at(prev, d - 1, k - 1) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[k + d] = x;
      if (x >= n && y >= m) {
        trace.push(v);
        return backtrack(trace, n, m);
      }
    }
    trace.push(v);
    prev = v;
  }
  return null;
}

function at(v: Int32Array, d: number, k: number): number {
  return v[k + d]!;
}

/** Walks the saved diagonals back from (n, m) to (0, 0), emitting the edit script in order. */
function backtrack(trace: Int32Array[], n: number, m: number): DiffKind[] {
  const out: DiffKind[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d--) {
    const prev = trace[d - 1]!;
    const k = x - y;
    const down = k === -d || (k !== d && at(prev, d - 1, k - 1) < at(prev, d - 1, k + 1));
    const pk = down ? k + 1 : k - 1;
    const px = at(prev, d - 1, pk);
    const py = px - pk;
    while (x > px && y > py) {
      out.push('equal');
      x--;
      y--;
    }
    out.push(down ? 'insert' : 'delete');
    x = px;
    y = py;
  }
  for (; x > 0; x--) out.push('equal');
  return out.reverse();
}

/** One hunk of a unified diff: `context` equal lines around each change. */
export interface DiffHunk {
  aStart: number;
  bStart: number;
  lines: { kind: ' ' | '-' | '+'; text: string }[];
}

/** Groups a diff into hunks with `context` lines of equal text around each change. */
export function diffHunks(diff: LineDiff, context = 3): DiffHunk[] {
  type Line = { kind: ' ' | '-' | '+'; text: string; a: number; b: number };
  const flat: Line[] = [];
  for (const op of diff.ops) {
    op.lines.forEach((text, i) => {
      if (op.kind === 'equal') flat.push({ kind: ' ', text, a: op.aIndex + i, b: op.bIndex + i });
      else if (op.kind === 'delete') flat.push({ kind: '-', text, a: op.aIndex + i, b: op.bIndex });
      else flat.push({ kind: '+', text, a: op.aIndex, b: op.bIndex + i });
    });
  }
  const keep = new Uint8Array(flat.length);
  flat.forEach((l, i) => {
    if (l.kind === ' ') return;
    for (let j = Math.max(0, i - context); j <= Math.min(flat.length - 1, i + context); j++) keep[j] = 1;
  });
  const hunks: DiffHunk[] = [];
  let cur: DiffHunk | null = null;
  flat.forEach((l, i) => {
    if (!keep[i]) {
      cur = null;
      return;
    }
    if (!cur) {
      cur = { aStart: l.a, bStart: l.b, lines: [] };
      hunks.push(cur);
    }
    cur.lines.push({ kind: l.kind, text: l.text });
  });
  return hunks;
}

/** `text` as lines, without the empty string after a final newline. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A hunk's `-start,count` (1-based; an empty side names the line before it, as diff -u does). */
function hunkRange(start: number, count: number): string {
  return `${count ? start + 1 : start},${count}`;
}

/**
 * Unified diff of `expected` -> `actual` with `context` lines around changes; '' when equal.
 * Changes at most 2·`context` lines apart share one hunk.
 */
export function unifiedDiff(expected: string, actual: string, labels: { expected: string; actual: string }, context = 3): string {
  if (expected === actual) return '';
  const hunks = diffHunks(diffLines(splitLines(expected), splitLines(actual)), context);
  const head = `--- ${labels.expected}\n+++ ${labels.actual}\n`;
  if (hunks.length === 0) return `${head}@@ (the texts differ only in their final newline) @@\n`;
  const out: string[] = [];
  for (const h of hunks) {
    const aCount = h.lines.filter((l) => l.kind !== '+').length;
    const bCount = h.lines.filter((l) => l.kind !== '-').length;
    out.push(`@@ -${hunkRange(h.aStart, aCount)} +${hunkRange(h.bStart, bCount)} @@`);
    for (const l of h.lines) out.push(l.kind + l.text);
  }
  return head + out.join('\n') + '\n';
}
