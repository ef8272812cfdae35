/**
 * Fixed-seed fuzzing of every input parser (a few hundred inputs each; `npm run fuzz` runs
 * 100,000 per parser with the same targets). Each must never throw, must explain every
 * rejection, and must only accept what round-trips (see bench/fuzz/targets.ts).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fuzzTarget, formatFindings, targetProperty, type FuzzTarget } from '../../bench/fuzz/harness.js';
import { hostProtocolTarget, iomemTarget, protocolTarget, replayTarget, reportTarget, runnerTarget, scenarioTarget, traceTarget } from '../../bench/fuzz/targets.js';

const SEED = 20260726;

const table: [string, () => FuzzTarget<never>, number][] = [
  ['/proc/iomem import (parseIomem)', () => iomemTarget() as FuzzTarget<never>, 600],
  ['scenario files (loadScenarioText)', () => scenarioTarget({ strict: true }) as FuzzTarget<never>, 300],
  ['the runner on accepted, mutated scenarios (Runner)', () => runnerTarget() as FuzzTarget<never>, 60],
  ['oracle traces (parseTrace)', () => traceTarget() as FuzzTarget<never>, 500],
  ['oracle replay of damaged traces (replayTrace)', () => replayTarget() as FuzzTarget<never>, 150],
  ['JSON reports (parseReportJson)', () => reportTarget() as FuzzTarget<never>, 300],
  ['IPC/worker command payloads (validateArgs)', () => protocolTarget() as FuzzTarget<never>, 1500],
  ['host command payloads (validateHostArgs)', () => hostProtocolTarget() as FuzzTarget<never>, 800],
];

describe('parsers under fuzzing (fixed seed)', () => {
  it.each(table)('%s: no crash, every rejection explained, every acceptance sane', (_name, make, runs) => {
    const counts = fuzzTarget(make(), runs, SEED);
    expect(formatFindings(counts)).toBe('');
    expect(counts.crashed).toBe(0);
    expect(counts.violations).toBe(0);
    expect(counts.runs).toBe(runs);
    // The generators must reach both sides of each parser, or the run proves little.
    expect(counts.accepted).toBeGreaterThan(runs / 50);
    expect(counts.rejected).toBeGreaterThan(runs / 50);
  });

  it('shrinks a failure to a small counterexample (the harness can fail)', () => {
    const picky: FuzzTarget<string> = {
      name: 'picky',
      inputs: 'strings',
      arbitrary: fc.string(),
      check: (s) => (s.includes('z') ? { kind: 'violation', problem: 'contains z' } : { kind: 'accepted' }),
    };
    const counts = fuzzTarget(picky, 2000, SEED);
    expect(counts.violations).toBeGreaterThan(0);
    expect(counts.findings[0]!.detail).toBe('contains z');
    const details = fc.check(targetProperty(picky), { numRuns: 2000, seed: SEED });
    expect(details.failed).toBe(true);
    expect(details.counterexample).toEqual(['z']);
  });

  it('counts a thrown exception as a crash, with the input kept', () => {
    const throws: FuzzTarget<number> = {
      name: 'throws',
      inputs: 'integers',
      arbitrary: fc.integer({ min: 0, max: 9 }),
      check: (n) => {
        if (n === 7) throw new TypeError('boom');
        return { kind: 'rejected' };
      },
    };
    const counts = fuzzTarget(throws, 500, SEED);
    expect(counts.crashed).toBeGreaterThan(0);
    expect(counts.findings[0]).toMatchObject({ kind: 'crash', input: '7' });
    expect(counts.findings[0]!.detail).toContain('TypeError: boom');
  });
});
