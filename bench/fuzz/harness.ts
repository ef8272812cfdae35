/**
 * The fuzzing harness shared by `npm run fuzz` (bench/fuzz.ts, large runs that count) and the
 * fixed-seed runs in `npm test` (test/fuzz/*.spec.ts, small runs that must be clean).
 *
 * A target wraps one input parser. For every generated input it calls the parser and classifies
 * the outcome: accepted (the result passed the target's sanity check), rejected (every error is
 * clear: non-empty, naming a line or a field path), a violation (accepted but not sane, or
 * rejected without a clear error), or a crash (the parser threw: what a public entry point must
 * never do).
 */
import fc from 'fast-check';

/** What a target says about one input; `problem` marks a property violation. */
export type Verdict = { kind: 'accepted' } | { kind: 'rejected' } | { kind: 'violation'; problem: string };

export interface FuzzTarget<T> {
  name: string;
  /** What the inputs are, for the printed table. */
  inputs: string;
  arbitrary: fc.Arbitrary<T>;
  /** Runs the parser on `input` and judges the outcome. Throwing = the parser crashed. */
  check(input: T): Verdict;
  /** A short printable form of an input, for reproducers. */
  show?(input: T): string;
}

export interface Finding {
  kind: 'crash' | 'violation';
  input: string;
  detail: string;
}

export interface FuzzCounts {
  name: string;
  runs: number;
  accepted: number;
  rejected: number;
  crashed: number;
  violations: number;
  ms: number;
  /** The first few findings, with printable inputs. */
  findings: Finding[];
}

const MAX_FINDINGS = 5;

/** Printable, bounded form of any generated value. */
export function showInput(v: unknown, max = 600): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : fc.stringify(v);
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}`;
  return `non-Error thrown: ${String(e)}`;
}

/**
 * Runs `runs` generated inputs through `target` with a fixed seed and counts the outcomes. Never
 * throws on a parser failure: crashes and violations are counted and the first few kept.
 */
export function fuzzTarget<T>(target: FuzzTarget<T>, runs: number, seed: number, onProgress?: (done: number) => void): FuzzCounts {
  const counts: FuzzCounts = { name: target.name, runs: 0, accepted: 0, rejected: 0, crashed: 0, violations: 0, ms: 0, findings: [] };
  const show = (x: T): string => (target.show ? target.show(x) : showInput(x));
  const t0 = performance.now();
  const prop = fc.property(target.arbitrary, (input) => {
    counts.runs++;
    if (onProgress && counts.runs % 10_000 === 0) onProgress(counts.runs);
    let verdict: Verdict;
    try {
      verdict = target.check(input);
    } catch (e) {
      counts.crashed++;
      if (counts.findings.length < MAX_FINDINGS) counts.findings.push({ kind: 'crash', input: show(input), detail: describeError(e) });
      return true;
    }
    if (verdict.kind === 'accepted') counts.accepted++;
    else if (verdict.kind === 'rejected') counts.rejected++;
    else {
      counts.violations++;
      if (counts.findings.length < MAX_FINDINGS) counts.findings.push({ kind: 'violation', input: show(input), detail: verdict.problem });
    }
    return true;
  });
  fc.check(prop, { numRuns: runs, seed, endOnFailure: true });
  counts.ms = performance.now() - t0;
  return counts;
}

/** A target whose parser answers asynchronously (IPC handlers, the worker). */
export interface AsyncFuzzTarget<T> extends Omit<FuzzTarget<T>, 'check'> {
  check(input: T): Promise<Verdict>;
}

/** `fuzzTarget` for asynchronous targets: a rejected promise counts as a crash. */
export async function fuzzTargetAsync<T>(target: AsyncFuzzTarget<T>, runs: number, seed: number, onProgress?: (done: number) => void): Promise<FuzzCounts> {
  const counts: FuzzCounts = { name: target.name, runs: 0, accepted: 0, rejected: 0, crashed: 0, violations: 0, ms: 0, findings: [] };
  const show = (x: T): string => (target.show ? target.show(x) : showInput(x));
  const t0 = performance.now();
  const prop = fc.asyncProperty(target.arbitrary, async (input) => {
    counts.runs++;
    if (onProgress && counts.runs % 10_000 === 0) onProgress(counts.runs);
    let verdict: Verdict;
    try {
      verdict = await target.check(input);
    } catch (e) {
      counts.crashed++;
      if (counts.findings.length < MAX_FINDINGS) counts.findings.push({ kind: 'crash', input: show(input), detail: describeError(e) });
      return true;
    }
    if (verdict.kind === 'accepted') counts.accepted++;
    else if (verdict.kind === 'rejected') counts.rejected++;
    else {
      counts.violations++;
      if (counts.findings.length < MAX_FINDINGS) counts.findings.push({ kind: 'violation', input: show(input), detail: verdict.problem });
    }
    return true;
  });
  await fc.check(prop, { numRuns: runs, seed, endOnFailure: true });
  counts.ms = performance.now() - t0;
  return counts;
}

/**
 * The same target as a fast-check property that fails on a crash or a violation, so a test gets
 * fast-check's shrunk counterexample.
 */
export function targetProperty<T>(target: FuzzTarget<T>): fc.IPropertyWithHooks<[T]> {
  return fc.property(target.arbitrary, (input) => {
    const v = target.check(input);
    if (v.kind === 'violation') throw new Error(`${target.name}: ${v.problem}`);
  });
}

/** One row of the printed table. */
export function formatCounts(c: FuzzCounts): string {
  const rate = c.ms > 0 ? Math.round((c.runs * 1000) / c.ms) : 0;
  return `${c.name.padEnd(22)} ${String(c.runs).padStart(8)} inputs  accepted ${String(c.accepted).padStart(7)}  rejected ${String(c.rejected).padStart(7)}  crashed ${String(c.crashed).padStart(3)}  violations ${String(c.violations).padStart(3)}  ${(c.ms / 1000).toFixed(1).padStart(6)} s  ${String(rate).padStart(6)}/s`;
}

/** The findings of a run, for the bench's output and a failing test's message. */
export function formatFindings(c: FuzzCounts): string {
  return c.findings.map((f, i) => `  ${c.name} ${f.kind} #${i + 1}\n    input: ${f.input}\n    ${f.detail.replace(/\n/g, '\n    ')}`).join('\n');
}
