/**
 * The lane driver's `metrics` cursor across the worker's step-log thinning: it continues from the
 * worker's own ordinal (records since the load, thinned ones included), not from the number of
 * records it holds, so a lane never holds a step twice, whether it fetches after every chunk
 * (live charts) or once at the end (the CLI).
 */
import { describe, expect, it } from 'vitest';
import { chunkOf, driveLane, type LaneCall, type LaneJob } from '../../common/lanes/lane-driver.js';
import { LabFailure, LabSession } from '../../worker/session.js';
import type { StepPoint } from '../../worker/protocol.js';
import { fakeEngine } from '../worker/fake-engine.js';

const CAP = 64;
const job: LaneJob = { lane: 0, scenario: { kind: 'preset', name: 'fake-8' } };

/** A lane call straight into a session whose step log holds at most `cap` records. */
function sessionCall(steps: number, cap: number) {
  let t = 0;
  const session = new LabSession(fakeEngine({ steps }), { now: () => (t += 0.5), emit: () => {}, stepLogCap: cap });
  const sinces: number[] = [];
  const call: LaneCall = async (command, args) => {
    if (command === 'metrics') sinces.push((args as { since: number }).since);
    try {
      return { ok: true, value: session.handle(command, args) };
    } catch (e) {
      if (e instanceof LabFailure) return { ok: false, error: e.error };
      throw e;
    }
  };
  return { session, call, sinces };
}

function indices(steps: readonly unknown[] | undefined): number[] {
  return ((steps ?? []) as readonly StepPoint[]).map((r) => r.index);
}

function strictlyIncreasing(xs: number[]): boolean {
  return xs.every((x, i) => i === 0 || x > xs[i - 1]!);
}

describe('driveLane against a worker that thins its step log', () => {
  it.each([
    ['fetching after every chunk (live charts)', true, 640],
    ['fetching after every chunk, 40× the cap', true, 40 * CAP],
    ['fetching once at the end (CLI)', false, 640],
  ])('%s: every step once, first and last included, no duplicates', async (_what, live, steps) => {
    const { session, call } = sessionCall(steps, CAP);
    const pushed: StepPoint[] = [];
    const r = await driveLane(call, job, () => {}, live ? { onSteps: (s) => pushed.push(...s) } : {});
    expect(r.outcome.ok).toBe(true);
    const got = indices(r.outcome.steps);
    expect(strictlyIncreasing(got)).toBe(true);
    expect(new Set(got).size).toBe(got.length);
    expect(got[0]).toBe(0);
    expect(got.at(-1)).toBe(steps - 1);
    // Everything the worker still holds at the end is in the lane.
    const held = new Set(got);
    expect(indices(session.handle('metrics', { since: 0 })).filter((i) => !held.has(i))).toEqual([]);
    if (live) {
      expect(indices(pushed)).toEqual(got);
      // Every step fetched before the worker first thinned (the whole chunks that fit in the cap) is there.
      const whole = Math.floor(CAP / chunkOf(steps)) * chunkOf(steps);
      expect(whole).toBeGreaterThan(CAP / 2);
      expect(got.slice(0, whole)).toEqual(Array.from({ length: whole }, (_, i) => i));
    } else {
      expect(got.length).toBeLessThanOrEqual(CAP);
      expect(r.outcome.steps).toEqual(session.handle('metrics', { since: 0 }));
    }
  });

  it('asks `metrics` from the ordinal after the last record received, not from the count held', async () => {
    const steps = 640;
    const { call, sinces } = sessionCall(steps, CAP);
    const r = await driveLane(call, job, () => {}, { onSteps: () => {} });
    expect(r.outcome.ok).toBe(true);
    // One fetch per chunk plus the final one; the last cursor is the worker's full count.
    expect(sinces[0]).toBe(0);
    expect(sinces.at(-1)).toBe(steps);
    expect(r.outcome.ok && r.outcome.steps.length).toBeLessThan(steps);
    expect(strictlyIncreasing(sinces.filter((s, i) => i === 0 || s !== sinces[i - 1]))).toBe(true);
  });

  it('drops records it already holds if a worker sends them again', async () => {
    // A worker that ignores `since` and always answers with its whole (growing) log.
    let done = 0;
    const rec = (i: number): StepPoint => ({
      index: i + 1, label: `s${i}`, op: 'mark', result: 'ok', simTimeMs: i, wallMs: 0.1, visits: 1, resources: { total: 1, topLevel: 1, systemRam: 1 },
      iomem: { lines: 1, bytes: 1 }, plugged: '0', requested: '0', blocks: { online: 0, offline: 0 }, kdump: { ranges: 1, cap: 1, ok: true },
    });
    const total = 10;
    const snap = () => ({ step: { index: done, total, done: done >= total, running: false, label: '' }, iomem: { lines: 1, bytes: 1, hash: null } });
    const call = (async (command: string, args: { count?: number }) => {
      switch (command) {
        case 'hello': return { ok: true, value: { engine: true } };
        case 'loadPreset': return { ok: true, value: snap() };
        case 'step': done = Math.min(total, done + (args.count ?? 1)); return { ok: true, value: snap() };
        case 'metrics': return { ok: true, value: Array.from({ length: done }, (_, i) => rec(i)) };
        case 'summary': return { ok: true, value: {} };
        case 'iomemWindow': return { ok: true, value: { total: 0, lines: [] } };
        case 'log': return { ok: true, value: [] };
        default: return { ok: false, error: { code: 'UNKNOWN_COMMAND', message: command } };
      }
    }) as unknown as LaneCall;
    const pushed: StepPoint[] = [];
    const r = await driveLane(call, job, () => {}, { onSteps: (s) => pushed.push(...s) });
    expect(r.outcome.ok).toBe(true);
    expect(indices(r.outcome.steps)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(indices(pushed)).toEqual(indices(r.outcome.steps));
  });
});
