import { describe, expect, it } from 'vitest';
import { LabFailure, LabSession, SNAPSHOT_INTERVAL_MS, depthOf } from '../../worker/session.js';
import { LatencyHistogram, StepLog, fingerprint } from '../../worker/step-log.js';
import type { LabEvent } from '../../worker/protocol.js';
import { fakeEngine } from './fake-engine.js';

function setup(opts: Parameters<typeof fakeEngine>[0] = {}, hashInlineLines?: number) {
  let t = 0;
  const events: LabEvent[] = [];
  const engine = fakeEngine(opts);
  const session = new LabSession(engine, { now: () => t, emit: (e) => events.push(e), ...(hashInlineLines !== undefined ? { hashInlineLines } : {}) });
  return { session, events, engine, advance: (ms: number) => (t += ms), time: () => t };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof LabFailure) return e.error.code;
    throw e;
  }
  return 'no error';
}

describe('LabSession', () => {
  it('answers hello with presets, profiles and strategies', () => {
    const { session } = setup();
    const h = session.handle('hello', {});
    expect(h.engine).toBe(true);
    expect(h.presets.map((p) => p.name)).toEqual(['fake-8']);
    expect(h.strategies).toEqual(['none', 'rfc-v1', 'mhp-merge']);
  });

  it('refuses commands before anything is loaded, with NOT_LOADED', () => {
    const { session } = setup();
    for (const cmd of ['step', 'start', 'reset', 'summary'] as const) expect(code(() => session.handle(cmd, {}))).toBe('NOT_LOADED');
    expect(code(() => session.handle('iomemWindow', { from: 0, count: 5 }))).toBe('NOT_LOADED');
  });

  it('without an engine every load is ENGINE_UNAVAILABLE', () => {
    const session = new LabSession(null, { now: () => 0, emit: () => {} });
    expect(session.handle('hello', {}).engine).toBe(false);
    expect(code(() => session.handle('loadPreset', { name: 'x' }))).toBe('ENGINE_UNAVAILABLE');
  });

  it('loads a preset, steps, and reports counts, devices, timings and changed lines', () => {
    const { session, events } = setup();
    const s0 = session.handle('loadPreset', { name: 'fake-8' });
    expect(s0).toMatchObject({ loaded: true, scenario: { name: 'fake-8', source: 'preset' }, strategy: 'mhp-merge', step: { index: 0, total: 8 } });
    const s = session.handle('step', { count: 3 });
    expect(s.step.index).toBe(3);
    expect(s.plugged).toBe(String(3n * 128n * 1024n * 1024n));
    expect(s.resources.systemRam).toBe(3); // 2 boot + 1 merged
    expect(s.devices[0]).toMatchObject({ id: 'vmem0', kind: 'virtio-mem', requested: String(3n * 128n << 20n) });
    expect(s.iomem.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(s.timings.steps).toBe(3);
    expect(s.changedLines).toEqual([[4, 5]]);
    const stepEvents = events.filter((e) => e.type === 'steps');
    expect(stepEvents.flatMap((e) => (e.type === 'steps' ? e.steps.map((r) => r.index) : []))).toEqual([0, 1, 2]);
    expect(events.some((e) => e.type === 'log')).toBe(true);
  });

  it('unknown preset → NOT_FOUND; invalid scenario text → SCENARIO_INVALID listing each path', () => {
    const { session } = setup();
    expect(code(() => session.handle('loadPreset', { name: 'nope' }))).toBe('NOT_FOUND');
    try {
      session.handle('loadScenario', { text: 'garbage', source: 'bad.yaml' });
      expect.unreachable();
    } catch (e) {
      expect((e as LabFailure).error.code).toBe('SCENARIO_INVALID');
      expect((e as LabFailure).error.message).toContain('bad.yaml: 1 problem(s):\n  name: is required');
    }
    expect(code(() => session.handle('importIomem', { text: 'not iomem' }))).toBe('IOMEM_INVALID');
  });

  it('a failed load keeps what was loaded before', () => {
    const { session } = setup();
    session.handle('loadPreset', { name: 'fake-8' });
    session.handle('step', { count: 2 });
    expect(code(() => session.handle('loadScenario', { text: 'garbage' }))).toBe('SCENARIO_INVALID');
    expect(code(() => session.handle('configure', { profile: '5.9', strategy: 'mhp-merge' }))).toBe('SCENARIO_INVALID');
    expect(session.snapshot().step.index).toBe(2);
  });

  it('configure switches strategy and restarts the run; reset goes back to step 0', () => {
    const { session } = setup();
    session.handle('loadPreset', { name: 'fake-8' });
    session.handle('step', { count: 4 });
    const s = session.handle('configure', { strategy: 'none' });
    expect(s.strategy).toBe('none');
    expect(s.step.index).toBe(0);
    const s4 = session.handle('step', { count: 4 });
    expect(s4.resources.systemRam).toBe(6); // 2 boot + 4 separate
    expect(session.handle('reset', {}).step.index).toBe(0);
  });

  it('runTo resumes to a step index (forwards, and backwards through a reset)', () => {
    const { session } = setup();
    session.handle('loadPreset', { name: 'fake-8' });
    expect(session.handle('runTo', { stepIndex: 5 }).step.index).toBe(5);
    expect(session.handle('runTo', { stepIndex: 2 }).step.index).toBe(2);
    expect(session.handle('metrics', { since: 0 }).map((r) => r.index)).toEqual([0, 1]);
  });

  it('start runs in slices, pushes snapshots at most every 100 ms, and stops when done', () => {
    const { session, events, advance } = setup({ steps: 5 });
    session.handle('loadPreset', { name: 'fake-8' });
    session.handle('setSpeed', { stepsPerSecond: 10 });
    expect(session.handle('start', {}).step.running).toBe(true);
    events.length = 0;
    let delay = session.tick();
    expect(session.snapshot().step.index).toBe(0); // no time has passed: no credit yet
    let guard = 0;
    while (delay !== null && guard++ < 100) {
      advance(Math.max(delay, 1));
      delay = session.tick();
    }
    expect(session.isRunning).toBe(false);
    const snaps = events.filter((e) => e.type === 'snapshot');
    expect(snaps.length).toBeGreaterThan(1);
    const last = snaps.at(-1)!;
    expect(last.type === 'snapshot' && last.snapshot.step).toMatchObject({ index: 5, done: true, running: false });
    const progress = events.filter((e) => e.type === 'progress').at(-1)!;
    expect(progress.type === 'progress' && progress.progress).toMatchObject({ done: true, etaMs: 0 });
    expect(SNAPSHOT_INTERVAL_MS).toBe(100);
  });

  it('pause stops a run; a snapshot while streaming carries no hash', () => {
    const { session } = setup();
    session.handle('loadPreset', { name: 'fake-8' });
    session.handle('start', {});
    expect(session.snapshot().iomem.hash).toBeNull();
    const s = session.handle('pause', {});
    expect(s.step.running).toBe(false);
    expect(s.iomem.hash).not.toBeNull();
    expect(session.tick()).toBeNull();
  });

  it('a step reply on a large file reads no whole /proc/iomem; load, pause, manual changes and the end do', () => {
    const { session, engine } = setup({ steps: 4 }, 2);
    const reads = (): number => engine.runs.at(-1)!.textReads;
    const loaded = session.handle('loadPreset', { name: 'fake-8' });
    expect(loaded.iomem.hash).toMatch(/^[0-9a-f]{16}$/);
    const afterLoad = reads();
    const table: [string, () => { iomem: { hash: string | null } }, boolean][] = [
      ['step', () => session.handle('step', {}), false],
      ['another step', () => session.handle('step', {}), false],
      ['pause', () => session.handle('pause', {}), true],
      ['step after pause', () => session.handle('step', {}), false],
      ['a manual change', () => session.handle('guestAction', { block: 0, state: 'offline' }), true],
      ['the last step', () => session.handle('step', {}), true],
    ];
    let before = afterLoad;
    for (const [what, call, hashed] of table) {
      const snap = call();
      expect(snap.iomem.hash === null, what).toBe(!hashed);
      expect(reads() > before, what).toBe(hashed);
      before = reads();
    }
  });

  it('log entries keep their seq from boot when the machine dropped older ones; the export says so', () => {
    const { session, engine, events } = setup({ steps: 8 });
    session.handle('loadPreset', { name: 'fake-8' });
    session.handle('step', { count: 2 });
    const run = engine.runs.at(-1)!;
    // The ring drops the first three entries.
    session.handle('step', { count: 3 });
    run.logs.splice(0, 3);
    run.droppedLogs = 3;
    expect(session.handle('log', { since: 0 }).map((e) => e.seq)).toEqual([3, 4]);
    expect(session.handle('log', { since: 4 }).map((e) => [e.seq, e.message])).toEqual([[4, 'plugged block 4']]);
    session.handle('step', {});
    const pushed = events.flatMap((e) => (e.type === 'log' ? e.entries.map((x) => x.seq) : []));
    expect(pushed).toEqual([0, 1, 2, 3, 4, 5]);
    expect(session.handle('exportData', { format: 'log' }).text.split('\n')[0]).toBe('# 3 earlier entries were dropped (the machine keeps the last ones only)');
  });

  it('an engine exception becomes ENGINE_FAILED and stops the run', () => {
    const { session, events } = setup({ throwAt: 2 });
    session.handle('loadPreset', { name: 'fake-8' });
    expect(code(() => session.handle('step', { count: 5 }))).toBe('ENGINE_FAILED');
    session.handle('reset', {});
    session.handle('start', {});
    expect(session.tick()).toBeNull();
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'ENGINE_FAILED' } });
  });

  it('a step the engine reports as failed stops the run with ENGINE_FAILED naming the step', () => {
    const { session } = setup({ errorAt: 1 });
    session.handle('loadPreset', { name: 'fake-8' });
    try {
      session.handle('step', { count: 5 });
      expect.unreachable();
    } catch (e) {
      expect((e as LabFailure).error).toEqual({ code: 'ENGINE_FAILED', message: 'step 1 (plug 2): the engine stopped the run: KernelBug: sibling list out of order' });
    }
    expect(session.snapshot().step.index).toBe(2);
    expect(session.handle('metrics', { since: 0 })).toHaveLength(2);
  });

  it('guest actions and resizes map errno results to KERNEL_ERRNO with the errno name', () => {
    const { session } = setup();
    session.handle('loadPreset', { name: 'fake-8' });
    session.handle('step', { count: 2 });
    expect(session.handle('guestAction', { block: 1, state: 'offline' }).blocks).toMatchObject({ online: 1, offline: 1 });
    try {
      session.handle('guestAction', { block: 1, state: 'offline' });
    } catch (e) {
      expect((e as LabFailure).error).toEqual({ code: 'KERNEL_ERRNO', message: 'echo offline > /sys/devices/system/memory/memory1/state: -EINVAL' });
    }
    expect(code(() => session.handle('resizeDevice', { device: 'vmem9', size: '128M' }))).toBe('NOT_FOUND');
    expect(code(() => session.handle('resizeDevice', { device: 'vmem0', size: '100M' }))).toBe('KERNEL_ERRNO');
    expect(session.handle('resizeDevice', { device: 'vmem0', size: '1024M' }).requested).toBe(String(1n << 30n));
    expect(code(() => session.handle('addDevice', { spec: { kind: 'xen-balloon' } }))).toBe('KERNEL_ERRNO');
  });

  it('serves iomem windows, depth-filtered windows and search', () => {
    const { session } = setup({ steps: 4 });
    session.handle('loadPreset', { name: 'fake-8' });
    session.handle('configure', { strategy: 'none' });
    session.handle('step', { count: 4 });
    const w = session.handle('iomemWindow', { from: 2, count: 3 });
    expect(w.total).toBe(8);
    expect(w.lines).toEqual(['100000000-13fffffff : System RAM', '140000000-113fffffff : virtio0', '  140000000-147ffffff : System RAM (virtio_mem)']);
    expect(w.depths).toEqual([0, 0, 1]);
    expect(w.lineNos).toEqual([2, 3, 4]);
    const top = session.handle('iomemWindow', { from: 0, count: 100, maxDepth: 0 });
    expect(top.total).toBe(4);
    expect(top.lineNos).toEqual([0, 1, 2, 3]);
    expect(session.handle('iomemWindow', { from: 50, count: 10 })).toMatchObject({ from: 8, lines: [] });
    expect(session.handle('iomemWindow', { from: 0, count: 1, user: true }).lines).toEqual(['00000000-00000000 : Reserved']);
    expect(session.handle('iomemSearch', { query: 'VIRTIO_MEM', from: 5 })).toEqual({ matches: [5, 6, 7], more: false });
    expect(session.handle('iomemSearch', { query: 'system ram', from: 0, limit: 2 })).toEqual({ matches: [1, 2], more: true });
  });

  it('exports CSV (RFC 4180), JSON, iomem, log and scenario', () => {
    const { session } = setup({ steps: 2 });
    session.handle('loadPreset', { name: 'fake-8' });
    session.handle('step', { count: 2 });
    const csv = session.handle('exportData', { format: 'csv' });
    expect(csv.filename).toBe('fake-8-steps.csv');
    expect(csv.text.split('\r\n')[1]).toMatch(/^0,plug 1,10,/);
    const json = JSON.parse(session.handle('exportData', { format: 'json' }).text);
    expect(json.steps).toHaveLength(2);
    expect(json.summary.steps).toBe(2);
    expect(session.handle('exportData', { format: 'iomem' }).text).toContain(' : virtio0\n');
    expect(session.handle('exportData', { format: 'log' }).text).toContain('virtio_mem: plugged block 1');
    expect(session.handle('exportData', { format: 'scenario' }).text).toBe('name: fake-8\n');
  });
});

describe('helpers', () => {
  it.each([['a', 0], ['  b', 1], ['    c', 2], ['', 0]] as const)('depthOf(%j) = %d', (line, d) => expect(depthOf(line)).toBe(d));

  it('StepLog grows and round-trips records exactly (plugged up to 2^52)', () => {
    const log = new StepLog(2);
    for (let i = 0; i < 5; i++) {
      log.push({ index: i, label: `s${i}`, op: 'resize', result: i === 3 ? 'timeout: vm0 plugged 0 B of 1 GiB' : 'ok', simTimeMs: i, wallMs: 0.5, visits: i, resources: { total: i, topLevel: 1, systemRam: 1 }, iomem: { lines: 1, bytes: 2 }, plugged: String((1n << 52n) - BigInt(i)), requested: String(1n << 52n), blocks: { online: 1, offline: 0 }, kdump: { ranges: 1, cap: 2, ok: i % 2 === 0 } });
    }
    expect(log.length).toBe(5);
    expect(log.at(4)).toMatchObject({ label: 's4', plugged: String((1n << 52n) - 4n), kdump: { ok: true } });
    expect(log.slice(3, 10).map((r) => r.index)).toEqual([3, 4]);
    expect(log.slice(2, 1).map((r) => r.result)).toEqual(['ok']);
    expect(log.at(3).result).toBe('timeout: vm0 plugged 0 B of 1 GiB');
  });

  it('LatencyHistogram percentiles are within 2 %', () => {
    const h = new LatencyHistogram();
    expect(h.quantile(0.5)).toBe(0);
    for (let i = 1; i <= 1000; i++) h.add(i / 10);
    expect(h.quantile(0.5)).toBeGreaterThanOrEqual(50);
    expect(h.quantile(0.5)).toBeLessThan(51.1);
    expect(h.quantile(0.99)).toBeGreaterThanOrEqual(99);
    expect(h.quantile(0.99)).toBeLessThan(101.1);
  });

  it('fingerprint differs on a one-character change', () => {
    expect(fingerprint('abc')).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprint('abc')).not.toBe(fingerprint('abd'));
  });
});
