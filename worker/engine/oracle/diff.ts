/**
 * A line-based unified diff (as `diff -u` prints it) for showing where an emulated section first
 * departs from a recorded one. Common prefix and suffix are trimmed; the middle is aligned by a
 * longest-common-subsequence table when small enough, else shown as a full replacement.
 */

const MAX_CELLS = 4_000_000;

type Op = { k: ' ' | '-' | '+'; line: string };

function lcsOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((line) => ({ k: '+' as const, line }));
  if (m === 0) return a.map((line) => ({ k: '-' as const, line }));
  if ((n + 1) * (m + 1) > MAX_CELLS) return [...a.map((line) => ({ k: '-' as const, line })), ...b.map((line) => ({ k: '+' as const, line }))];
  const w = m + 1;
  const t = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      t[i * w + j] = a[i] === b[j] ? t[(i + 1) * w + j + 1]! + 1 : Math.max(t[(i + 1) * w + j]!, t[i * w + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ k: ' ', line: a[i]! });
      i++;
      j++;
    } else if (t[(i + 1) * w + j]! >= t[i * w + j + 1]!) ops.push({ k: '-', line: a[i++]! });
    else ops.push({ k: '+', line: b[j++]! });
  }
  while (i < n) ops.push({ k: '-', line: a[i++]! });
  while (j < m) ops.push({ k: '+', line: b[j++]! });
  return ops;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Unified diff of `expected` → `actual` with `context` lines around changes; '' when equal.
 */
export function unifiedDiff(expected: string, actual: string, labels: { expected: string; actual: string }, context = 3): string {
  if (expected === actual) return '';
  const a = splitLines(expected);
  const b = splitLines(actual);
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const ops: Op[] = [
    ...a.slice(0, pre).map((line) => ({ k: ' ' as const, line })),
    ...lcsOps(a.slice(pre, a.length - suf), b.slice(pre, b.length - suf)),
    ...a.slice(a.length - suf).map((line) => ({ k: ' ' as const, line })),
  ];
  if (!ops.some((o) => o.k !== ' ')) {
    // Same lines, different trailing newline.
    return `--- ${labels.expected}\n+++ ${labels.actual}\n@@ (the texts differ only in their final newline) @@\n`;
  }
  const out: string[] = [`--- ${labels.expected}`, `+++ ${labels.actual}`];
  let k = 0;
  while (k < ops.length) {
    while (k < ops.length && ops[k]!.k === ' ') k++;
    if (k >= ops.length) break;
    let start = Math.max(0, k - context);
    let end = k;
    // extend the hunk while changes are within 2*context of each other
    for (;;) {
      while (end < ops.length && ops[end]!.k !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next]!.k === ' ') next++;
      if (next < ops.length && next - end <= 2 * context) {
        end = next;
        continue;
      }
      end = Math.min(ops.length, end + context);
      break;
    }
    let aLine = 1;
    let bLine = 1;
    for (let x = 0; x < start; x++) {
      if (ops[x]!.k !== '+') aLine++;
      if (ops[x]!.k !== '-') bLine++;
    }
    const hunk = ops.slice(start, end);
    const aCount = hunk.filter((o) => o.k !== '+').length;
    const bCount = hunk.filter((o) => o.k !== '-').length;
    out.push(`@@ -${aCount ? aLine : aLine - 1},${aCount} +${bCount ? bLine : bLine - 1},${bCount} @@`);
    for (const o of hunk) out.push(o.k + o.line);
    k = end;
    start = end;
  }
  return out.join('\n') + '\n';
}
