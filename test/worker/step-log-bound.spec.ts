/**
 * The worker's step log stays bounded over long runs: every step until the cap, then an evenly
 * thinned history (stride doubling) that always holds the first and the latest step; latency
 * percentiles still cover every step; exports say how the steps were sampled; pushed and pulled
 * records reach consumers once each, newest included.
 */
import { describe, expect, it } from 'vitest';
import { LabSession } from '../../worker/session.js';
import { LatencyHistogram, STEP_LOG_CAP, StepLog } from '../../worker/step-log.js';
import type { LabEvent, StepPoint } from '../../worker/protocol.js';
import { fakeEngine } from './fake-engine.js';

function rec(i: number): StepPoint {
  return {
    index: i + 1, label: `step ${i + 1}`, op: i % 3 === 0 ? 'soak' : 'resize', result: i % 7 === 0 ? 'rejected: -EBUSY' : 'ok', simTimeMs: i * 10, wallMs: (i % 13) / 8, visits: i,
    resources: { total: i, topLevel: 2, systemRam: 1 + (i % 5) }, iomem: { lines: i + 3, bytes: 40 * i },
    plugged: String(BigInt(i) << 27n), requested: String(BigInt(i) << 28n), blocks: { online: i, offline: 0 },
    kdump: { ranges: 1, cap: 2, ok: i % 2 === 0, ...(i % 5 === 0 ? { stale: true as const } : {}) },
  };
}

/** The ordinals a log with this cap keeps after `pushed` records: the grid at the stride, plus the latest. */
function expectedOrdinals(pushed: number, stride: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < pushed; o += stride) out.push(o);
  if (out[out.length - 1] !== pushed - 1) out.push(pushed - 1);
  return out;
}

describe('StepLog: bounded, evenly thinned', () => {
  it('keeps every record up to the cap, unthinned', () => {
    const log = new StepLog(4, 64);
    for (let i = 0; i < 64; i++) log.push(rec(i));
    expect(log.length).toBe(64);
    expect(log.sampling()).toEqual({ recorded: 64, kept: 64, stride: 1, thinned: false });
    expect(log.all()).toEqual(Array.from({ length: 64 }, (_, i) => rec(i)));
  });

  it.each([
    [64, 65, 2],
    [64, 640, 16],
    [64, 641, 16],
    [64, 2048, 64],
    [2, 11, 16],
    [1024, 10_240, 16],
  ])('cap %d, %d records pushed: at most cap kept, stride %d, first and latest kept, grid even', (cap, pushed, stride) => {
    const log = new StepLog(4, cap);
    let maxKept = 0;
    let maxAllocated = 0;
    for (let i = 0; i < pushed; i++) {
      log.push(rec(i));
      maxKept = Math.max(maxKept, log.length);
      maxAllocated = Math.max(maxAllocated, log.allocated);
      expect(log.at(log.length - 1)).toEqual(rec(i));
    }
    expect(maxKept).toBeLessThanOrEqual(cap);
    expect(maxAllocated).toBeLessThanOrEqual(cap);
    expect(log.stride).toBe(stride);
    const ords = Array.from({ length: log.length }, (_, i) => log.ordinalAt(i));
    expect(ords).toEqual(expectedOrdinals(pushed, stride));
    expect(log.all()).toEqual(ords.map(rec));
    expect(log.sampling()).toEqual({ recorded: pushed, kept: ords.length, stride, thinned: stride > 1 });
  });

  it('memory stays flat: array lengths after 10× the cap equal those at the cap', () => {
    const cap = 4096;
    const log = new StepLog(1024, cap);
    for (let i = 0; i < cap; i++) log.push(rec(i));
    const atCap = { allocated: log.allocated, kept: log.length };
    const kept: number[] = [];
    for (let i = cap; i < 10 * cap; i++) {
      log.push(rec(i));
      if (i % cap === cap - 1) kept.push(log.length);
    }
    expect(atCap).toEqual({ allocated: cap, kept: cap });
    expect(log.allocated).toBe(cap);
    expect(Math.max(...kept)).toBeLessThanOrEqual(cap);
    expect(Math.min(...kept)).toBeGreaterThan(cap / 2);
  });

  it('the default cap fits one `metrics` page (100,000) and is what the session uses', () => {
    expect(STEP_LOG_CAP).toBeLessThan(100_000);
    expect(new StepLog().cap).toBe(STEP_LOG_CAP);
  });

  it('from(since) pages by ordinal across thinning: each ordinal at most once, the newest always', () => {
    const log = new StepLog(4, 16);
    for (let i = 0; i < 300; i++) log.push(rec(i));
    const ords = Array.from({ length: log.length }, (_, i) => log.ordinalAt(i));
    for (const since of [0, 1, 15, 16, 17, 150, 298, 299]) {
      expect(log.from(since, 1000)).toEqual(ords.filter((o) => o >= since).map(rec));
    }
    expect(log.from(300, 1000)).toEqual([]);
    // Paging with the ordinal after the last record received visits every kept record once.
    const got: StepPoint[] = [];
    for (let since = 0; ;) {
      const page = log.from(since, 3);
      if (page.length === 0) break;
      got.push(...page);
      since = page[page.length - 1]!.index; // index = ordinal + 1 in rec()
    }
    expect(got).toEqual(log.all());
  });

  it('clear() starts over unthinned', () => {
    const log = new StepLog(4, 8);
    for (let i = 0; i < 100; i++) log.push(rec(i));
    log.clear();
    log.push(rec(0));
    expect(log.sampling()).toEqual({ recorded: 1, kept: 1, stride: 1, thinned: false });
    expect(log.from(0, 10)).toEqual([rec(0)]);
  });

  it.each([0, 1, 3, 7.5, Number.NaN])('refuses cap %d', (cap) => {
    expect(() => new StepLog(4, cap)).toThrow(RangeError);
  });
});

/** A session whose wall clock advances by a varying amount on every reading (so wall times differ per step). */
function setup(cap: number | undefined, steps: number) {
  let calls = 0;
  let t = 0;
  const events: LabEvent[] = [];
  const session = new LabSession(fakeEngine({ steps }), {
    now: () => (t += 0.01 + ((++calls * calls) % 97) / 8),
    emit: (e) => events.push(e),
    ...(cap !== undefined ? { stepLogCap: cap } : {}),
  });
  return { session, events };
}

describe('LabSession with a bounded step log', () => {
  const STEPS = 640;
  const CAP = 64;

  it('keeps ≤ cap records over 10× the cap, first and last step included; percentiles equal an unbounded run', () => {
    const bounded = setup(CAP, STEPS);
    const reference = setup(1 << 20, STEPS);
    const [bs, rs] = [bounded, reference].map(({ session }) => {
      session.handle('loadPreset', { name: 'fake-8' });
      return session.handle('step', { count: STEPS });
    });
    const kept = bounded.session.handle('metrics', { since: 0 });
    const all = reference.session.handle('metrics', { since: 0 });
    expect(all).toHaveLength(STEPS);
    expect(kept.length).toBeLessThanOrEqual(CAP);
    expect(kept[0]!.index).toBe(0);
    expect(kept[kept.length - 1]!.index).toBe(STEPS - 1);
    expect(kept.map((r) => r.index)).toEqual(expectedOrdinals(STEPS, 16));
    const hist = new LatencyHistogram();
    for (const r of all) hist.add(r.wallMs);
    const bt = bs!.timings;
    const rt = rs!.timings;
    expect(bt).toEqual(rt);
    expect(bt.steps).toBe(STEPS);
    expect(bt.p50Ms).toBe(hist.quantile(0.5));
    expect(bt.p99Ms).toBe(hist.quantile(0.99));
    expect(bt.p99Ms).toBeGreaterThan(bt.p50Ms);
  });

  it('exports say the steps were thinned and at what stride (JSON field, CSV column)', () => {
    const { session } = setup(CAP, STEPS);
    session.handle('loadPreset', { name: 'fake-8' });
    session.handle('step', { count: STEPS });
    const json = JSON.parse(session.handle('exportData', { format: 'json' }).text) as { stepSampling: unknown; steps: StepPoint[] };
    expect(json.stepSampling).toEqual({ recorded: STEPS, kept: json.steps.length, stride: 16, thinned: true });
    expect(json.steps.length).toBeLessThanOrEqual(CAP);
    const lines = session.handle('exportData', { format: 'csv' }).text.trimEnd().split('\r\n');
    expect(lines[0]!.split(',').at(-1)).toBe('stride');
    expect(lines).toHaveLength(json.steps.length + 1);
    expect(lines.slice(1).every((l) => l.endsWith(',16'))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^${STEPS - 1},`));
  });

  it('an unthinned export says stride 1, thinned false', () => {
    const { session } = setup(CAP, 10);
    session.handle('loadPreset', { name: 'fake-8' });
    session.handle('step', { count: 10 });
    expect(JSON.parse(session.handle('exportData', { format: 'json' }).text).stepSampling).toEqual({ recorded: 10, kept: 10, stride: 1, thinned: false });
    expect(session.handle('exportData', { format: 'csv' }).text.split('\r\n')[1]).toMatch(/,1$/);
  });

  it('pushed `steps` events during a continuous run: strictly increasing, every step once, ending at the last', () => {
    const { session, events } = setup(CAP, STEPS);
    session.handle('loadPreset', { name: 'fake-8' });
    session.handle('start', {});
    for (let guard = 0; guard < 10_000 && session.tick() !== null; guard++);
    const pushed = events.flatMap((e) => (e.type === 'steps' ? e.steps : [])).map((r) => r.index);
    expect(pushed[pushed.length - 1]).toBe(STEPS - 1);
    for (let i = 1; i < pushed.length; i++) expect(pushed[i]!).toBeGreaterThan(pushed[i - 1]!);
    expect(session.handle('metrics', { since: 0 }).length).toBeLessThanOrEqual(CAP);
  });

  it('a puller that keeps up (since = records received, after every step) gets every step once across thinning', () => {
    const { session } = setup(CAP, STEPS);
    session.handle('loadPreset', { name: 'fake-8' });
    const got: StepPoint[] = [];
    for (let k = 0; k < STEPS; k++) {
      session.handle('step', { count: 1 });
      got.push(...session.handle('metrics', { since: got.length, limit: 100_000 }));
    }
    expect(got.map((r) => r.index)).toEqual(Array.from({ length: STEPS }, (_, i) => i));
    expect(session.handle('metrics', { since: got.length })).toEqual([]);
  });
});
