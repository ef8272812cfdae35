import { describe, expect, it } from 'vitest';
import { runAll, scenario } from './helpers.js';
import { normalizeScenario } from '../../../worker/engine/scenario/normalize.js';
import { loadScenarioText } from '../../../common/scenario-io/scenario-io.js';

const M = 1n << 20n;
const HV = { kind: 'hv-balloon', id: 'hv0' };
const XEN = { kind: 'xen-balloon', id: 'xen0' };

describe('fault-host for every driver with a host protocol', () => {
  it('hv-balloon hot-add-cancel: the host withdraws its requests; after fault-clear the next one starts where the cancelled one would have', () => {
    const { steps, runner } = runAll(scenario([HV], [
      { op: 'fault-host', device: 'hv0', response: 'hot-add-cancel' },
      { op: 'hv-hot-add', device: 'hv0', size: '128M' },
      { op: 'fault-clear', fault: 'host' },
      { op: 'hv-hot-add', device: 'hv0', size: '128M' },
    ]));
    expect(steps[0]!.label).toBe('fault: host cancels its hot-add requests (hv0)');
    expect(steps[1]).toMatchObject({ result: 'rejected: the host cancelled the hot-add of 128M at 0x100000000', plugged: '0', requested: '0' });
    expect(steps[3]).toMatchObject({ result: 'ok', plugged: String(128n * M) });
    expect(runner.machine.renderIomem()).toMatch(/^100000000-107ffffff : System RAM$/m);
  });

  it('hv-balloon hot-add-fail: the guest\'s add_memory() fails, the response carries 0 pages; cleared, the host\'s retry succeeds', () => {
    const { steps, runner } = runAll(scenario([HV], [
      { op: 'fault-host', device: 'hv0', response: 'hot-add-fail' },
      { op: 'hv-hot-add', device: 'hv0', size: '128M' },
      { op: 'fault-clear', fault: 'host' },
      { op: 'hv-hot-add', device: 'hv0', size: '128M', start: '4G' },
    ]));
    expect(steps[1]!.result).toBe('timeout: hv0 plugged 0 of 128M');
    expect(steps[1]!.devices[0]!.details).toMatchObject({ lastPageCount: '0', lastResult: 0, chunksAdded: 0 });
    expect(runner.events().some((e) => e.message === 'Memory hot add failed')).toBe(true);
    expect(runner.machine.faults.pendingAddFailures()).toBe(0);
    expect(steps[3]!.devices[0]!.details).toMatchObject({ chunksAdded: 1, lastPageCount: String((128n * M) >> 12n) });
  });

  it('xen-balloon populate-fail: the thread backs off (2, 4, 8 s) and gives up after four refusals', () => {
    const { steps, runner } = runAll(scenario([XEN], [
      { op: 'xen-target', device: 'xen0', by: '-256M' },
      { op: 'fault-host', device: 'xen0', response: 'populate-fail', count: 4 },
      { op: 'xen-target', device: 'xen0', by: '+256M' },
    ]));
    expect(steps[1]!.label).toBe('fault: host refuses 4 populate calls (xen0)');
    expect(steps[2]!.result).toMatch(/^timeout: xen0 plugged -256M of 0/);
    expect(steps[2]!.devices[0]!.details.state).toBe('BP_ECANCELED');
    expect(runner.machine.clock.now).toBeGreaterThanOrEqual(2000 + 4000 + 8000);
  });

  it('xen-balloon populate-fail fewer times than the retries: the thread gets there after backing off', () => {
    const { steps } = runAll(scenario([XEN], [
      { op: 'xen-target', device: 'xen0', by: '-256M' },
      { op: 'fault-host', device: 'xen0', response: 'populate-fail', count: 2 },
      { op: 'xen-target', device: 'xen0', by: '+256M' },
    ]));
    expect(steps[2]).toMatchObject({ result: 'ok', plugged: '0' });
    expect(steps[2]!.simTimeMs - steps[1]!.simTimeMs).toBeGreaterThanOrEqual(2000 + 4000);
  });

  it('xen-balloon maxmem: the domain maximum caps a target raise; fault-clear restores the declared maximum', () => {
    const { steps, runner } = runAll(scenario([{ ...XEN, maxmem: '8G' }], [
      { op: 'fault-host', device: 'xen0', response: 'maxmem', size: '2304M' },
      { op: 'xen-target', device: 'xen0', by: '+1G' },
      { op: 'fault-clear', fault: 'host' },
    ]));
    expect(steps[0]!.label).toBe('fault: host sets maxmem 2304M (xen0)');
    expect(steps[1]!.devices[0]!.details.maxPages).toBe(String((2304n * M) >> 12n));
    expect(steps[1]!.result).toMatch(/^timeout: xen0 plugged/);
    expect(runner.machine.device('xen0')!.state().details.maxPages).toBe((8n << 30n) >> 12n);
  });

  const REFUSED: { device: unknown; response: string; message: string; path?: string }[] = [
    { device: HV, response: 'busy', message: 'the host fault "busy" does not apply to hv-balloon device "hv0" (a hv-balloon host can: hot-add-cancel, hot-add-fail)' },
    { device: XEN, response: 'hot-add-fail', message: 'the host fault "hot-add-fail" does not apply to xen-balloon device "xen0" (a xen-balloon host can: populate-fail, maxmem)' },
    { device: { kind: 'virtio-mem', id: 'vm0', regionSize: '4G' }, response: 'maxmem', message: 'the host fault "maxmem" does not apply to virtio-mem device "vm0" (a virtio-mem host can: busy, nack, error)' },
    { device: { kind: 'acpi-dimm', id: 'd0', addr: '8G', size: '1G' }, response: 'busy', path: 'timeline[0].device', message: '"d0" is a acpi-dimm device; fault-host needs a virtio-mem or hv-balloon or xen-balloon device' },
  ];
  for (const c of REFUSED) {
    it(`an unsupported pair is refused naming both: ${(c.device as { kind: string }).kind} + ${c.response}`, () => {
      const id = (c.device as { id: string }).id;
      const extra = c.response === 'maxmem' ? { size: '1G' } : {};
      const r = normalizeScenario({ name: 't', machine: { boot: 'q35-2g' }, devices: [c.device], timeline: [{ op: 'fault-host', device: id, response: c.response, ...extra }] });
      expect(r.ok ? [] : r.errors).toEqual([{ path: c.path ?? 'timeline[0].response', message: c.message }]);
    });
  }

  it('a scenario file gets the same error through the loader; count and size belong to their faults only', () => {
    const r = loadScenarioText(`
name: f
machine: { boot: q35-2g }
devices: [{ kind: xen-balloon, id: xen0 }, { kind: hv-balloon, id: hv0 }]
timeline:
  - { op: fault-host, device: hv0, response: populate-fail }
  - { op: fault-host, device: xen0, response: maxmem }
  - { op: fault-host, device: xen0, response: populate-fail, size: 1G }
`, { source: 'f.yaml' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.errors.map((e) => `${e.path}: ${e.message}`);
    expect(text).toContain('timeline[0].response: the host fault "populate-fail" does not apply to hv-balloon device "hv0" (a hv-balloon host can: hot-add-cancel, hot-add-fail)');
    expect(text.some((t) => t.startsWith('timeline[1].size: is required'))).toBe(true);
    expect(text).toContain('timeline[2].size: only a maxmem fault takes a size');
  });
});
