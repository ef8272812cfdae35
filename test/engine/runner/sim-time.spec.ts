import { describe, expect, it } from 'vitest';
import { runAll, scenario } from './helpers.js';
import { Runner } from '../../../worker/engine/runner/runner.js';
import { normalizeScenario } from '../../../worker/engine/scenario/normalize.js';
import { getPreset } from '../../../worker/engine/scenario/presets.js';

const stepStarts = (r: Runner) => r.events().filter((e) => e.source === 'lab' && /^step \d+:/.test(e.message)).map((e) => e.t);

describe('simulated time in the log', () => {
  it('steps start 1 s apart by default, so the drivers\' log lines carry their step\'s time, not 0', () => {
    const { runner, steps } = runAll(getPreset('seed-100g-virtio-mem')!, {}, 5);
    expect(stepStarts(runner)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(steps.map((m) => m.simTimeMs)).toEqual([1000, 2000, 3000, 4000, 5000]);
    const driverLines = runner.events().filter((e) => e.source !== 'lab' && e.source !== 'kernel' && e.t > 0);
    expect(driverLines.length).toBeGreaterThan(0);
  });

  const INTERVALS: { stepInterval: unknown; starts: number[] }[] = [
    { stepInterval: 0, starts: [0, 0, 0] },
    { stepInterval: '250ms', starts: [250, 500, 750] },
    { stepInterval: '2s', starts: [2000, 4000, 6000] },
  ];
  for (const c of INTERVALS) {
    it(`stepInterval ${JSON.stringify(c.stepInterval)} spaces the step starts`, () => {
      const { runner } = runAll(scenario([{ kind: 'virtio-mem', id: 'vm0', regionSize: '4G' }], [{ op: 'repeat', count: 3, steps: [{ op: 'resize', device: 'vm0', by: '+128M' }] }], {}, { stepInterval: c.stepInterval }));
      expect(stepStarts(runner)).toEqual(c.starts);
    });
  }

  it('a bad stepInterval is refused with its path', () => {
    const r = normalizeScenario({ name: 't', machine: { boot: 'q35-2g' }, devices: [], timeline: [], stepInterval: '-1s' });
    expect(r.ok ? [] : r.errors).toEqual([{ path: 'stepInterval', message: 'must be a duration such as "1s" or 1000, at most 30 days' }]);
  });

  it('Hyper-V with memory left offline waits 5 s per chunk for onlining: the step takes 10 s for 2 chunks', () => {
    const { steps } = runAll(scenario([{ kind: 'hv-balloon', id: 'hv0' }], [{ op: 'hv-hot-add', device: 'hv0', size: '256M' }, { op: 'mark' }], { onlinePolicy: 'offline' }));
    expect(steps.map((m) => m.simTimeMs)).toEqual([1000 + 2 * 5000, 1000 + 2 * 5000]);
  });

  it('the Xen balloon thread paces itself at 1 s while new memory comes online', () => {
    const { steps, runner } = runAll(scenario([{ kind: 'xen-balloon', id: 'xen0' }], [{ op: 'xen-target', device: 'xen0', by: '+256M' }]));
    expect(steps[0]!.result).toBe('ok');
    expect(steps[0]!.simTimeMs).toBe(2000);
    expect(runner.events().at(-1)!.t).toBeLessThanOrEqual(2000);
  });

  it('the drivers\' timers fire between steps: a virtio-mem retry after an add_memory failure happens during later steps', () => {
    const { steps } = runAll(scenario([{ kind: 'virtio-mem', id: 'vm0', regionSize: '4G' }], [
      { op: 'fault-add-memory', count: 1 },
      { op: 'resize', device: 'vm0', size: '256M' },
      { op: 'repeat', count: 60, steps: [{ op: 'mark' }] },
    ], {}, { stepTimeout: '10s' }));
    expect(steps[1]!.result).toBe('timeout: vm0 plugged 0 of 256M');
    const first = steps.findIndex((m) => m.plugged === String(256n << 20n));
    // The resize started at 2 s; the driver's 50 s retry timer fires at 52 s, during the mark starting then.
    expect(steps[first]!.simTimeMs).toBe(52_000);
  });

  it('a wait lasts exactly its duration even when a driver\'s timer fires during it', () => {
    const { steps } = runAll(scenario([{ kind: 'virtio-mem', id: 'vm0', regionSize: '4G' }], [
      { op: 'fault-add-memory', count: 1 },
      { op: 'resize', device: 'vm0', size: '256M' },
      { op: 'wait', duration: '60s' },
    ], {}, { stepTimeout: '10s' }));
    expect(steps[2]).toMatchObject({ simTimeMs: 12_000 + 60_000, plugged: String(256n << 20n) });
  });

  it('the same scenario gives the same timestamps', () => {
    const a = runAll(getPreset('unplug-fragmentation')!).runner.events();
    const b = runAll(getPreset('unplug-fragmentation')!).runner.events();
    expect(a.map((e) => e.t)).toEqual(b.map((e) => e.t));
    expect(new Set(a.map((e) => e.t)).size).toBeGreaterThan(5);
  });
});
