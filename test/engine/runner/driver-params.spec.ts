import { describe, expect, it } from 'vitest';
import { runAll, scenario } from './helpers.js';
import { Runner } from '../../../worker/engine/runner/runner.js';
import type { StepRecord } from '../../../worker/engine/runner/step-record.js';
import { normalizeScenario } from '../../../worker/engine/scenario/normalize.js';
import { loadScenarioText } from '../../../common/scenario-io/scenario-io.js';

const M = 1n << 20n;
const G = 1n << 30n;

describe('driver parameters reach the drivers', () => {
  it('the schema accepts every Hyper-V and Xen parameter and normalization keeps them (sizes as bytes)', () => {
    const r = loadScenarioText(`
name: p
machine: { boot: q35-2g }
devices:
  - { kind: hv-balloon, id: hv0, protocol: win8, capabilitiesAccepted: true, allowHibernation: false, maxDynamicMemory: 16G, guestUsed: 512M }
  - { kind: xen-balloon, id: xen0, maxmem: 3G, memoryHotplug: true, guestUsed: 256M }
timeline: []
`, { source: 'p.yaml' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.scenario.devices).toEqual([
      { kind: 'hv-balloon', id: 'hv0', node: 0, hotAddBase: String(4n * G), protocol: 'win8', capabilitiesAccepted: true, allowHibernation: false, maxDynamicMemory: String(16n * G), guestUsed: String(512n * M) },
      { kind: 'xen-balloon', id: 'xen0', node: 0, maxmem: String(3n * G), memoryHotplug: true, guestUsed: String(256n * M) },
    ]);
  });

  it('bad parameter values are refused with their path', () => {
    const r = loadScenarioText(`
name: p
machine: { boot: q35-2g }
devices:
  - { kind: hv-balloon, id: hv0, protocol: win11, allowHibernation: 1 }
  - { kind: xen-balloon, id: xen0, maxmem: lots }
timeline: []
`, { source: 'p.yaml' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['devices[0].protocol', 'devices[0].allowHibernation', 'devices[1].maxmem']));
    const n = normalizeScenario({ name: 'p', machine: { boot: 'q35-2g' }, devices: [{ kind: 'xen-balloon', id: 'x', memoryHotplug: 'yes' }], timeline: [] });
    expect(n.ok ? [] : n.errors).toEqual([{ path: 'devices[0].memoryHotplug', message: 'must be true or false' }]);
  });

  const HV_CASES: { name: string; params: Record<string, unknown>; check: (steps: StepRecord[], r: Runner) => void }[] = [
    {
      name: 'protocol: win7 is negotiated',
      params: { protocol: 'win7' },
      check: (steps) => expect(steps[0]!.devices[0]!.details.protocol).toBe('0.3'),
    },
    {
      name: 'protocol: none fails the probe; the host\'s hot-add is refused',
      params: { protocol: 'none' },
      check: (steps) => {
        expect(steps[0]!.devices[0]!.details.state).toBe('DM_INIT_ERROR');
        expect(steps[0]!.result).toBe('rejected: -ENODEV');
      },
    },
    {
      name: 'capabilitiesAccepted: false fails the probe',
      params: { capabilitiesAccepted: false },
      check: (steps, r) => {
        expect(steps[0]!.devices[0]!.details.state).toBe('DM_INIT_ERROR');
        expect(r.events().some((e) => e.message === 'Capabilities not accepted by host')).toBe(true);
      },
    },
    {
      name: 'allowHibernation: hot-add is ignored',
      params: { allowHibernation: true },
      check: (steps, r) => {
        expect(steps[0]!.devices[0]!.details.hotAdd).toBe(false);
        expect(r.events().some((e) => e.message === 'Ignore hot-add request!')).toBe(true);
      },
    },
    {
      name: 'maxDynamicMemory is announced at probe',
      params: { maxDynamicMemory: '16G' },
      check: (_s, r) => expect(r.events().some((e) => e.message === 'Max. dynamic memory size: 16384 MB')).toBe(true),
    },
  ];
  for (const c of HV_CASES) {
    it(`hv-balloon ${c.name}`, () => {
      const { steps, runner } = runAll(scenario([{ kind: 'hv-balloon', id: 'hv0', ...c.params }], [{ op: 'hv-hot-add', device: 'hv0', size: '128M' }]));
      c.check(steps, runner);
    });
  }

  it('hv-balloon guestUsed: a balloon-up never takes the workload\'s memory', () => {
    // 2 GiB boot RAM, 1.5 GiB used: at most 512 MiB minus the balloon floor can go.
    const { runner } = runAll(scenario([{ kind: 'hv-balloon', id: 'hv0', guestUsed: '1536M' }], []));
    const hv = runner.machine.device('hv0')!;
    expect(hv.request({ type: 'balloon', pages: (1n * G) >> 12n })).toBe(0);
    runner.machine.settle();
    const ballooned = BigInt(hv.state().details.pagesBallooned as bigint) << 12n;
    expect(ballooned).toBeGreaterThan(0n);
    expect(ballooned).toBeLessThan(512n * M);
  });

  it('xen-balloon maxmem caps what the hypervisor populates', () => {
    const { steps } = runAll(scenario([{ kind: 'xen-balloon', id: 'xen0', maxmem: '2304M' }], [{ op: 'xen-target', device: 'xen0', by: '+1G' }]));
    const st = steps[0]!.devices[0]!;
    expect(st.details.maxPages).toBe(String((2304n * M) >> 12n));
    expect(BigInt(st.plugged)).toBeLessThan(1n * G);
    expect(steps[0]!.result).toMatch(/^timeout: xen0 plugged/);
  });

  it('xen-balloon memoryHotplug: false clamps the target instead of adding "System RAM"', () => {
    const { steps, runner } = runAll(scenario([{ kind: 'xen-balloon', id: 'xen0', memoryHotplug: false }], [{ op: 'xen-target', device: 'xen0', by: '+1G' }]));
    expect(steps[0]!.devices[0]!.details.hotplugResources).toBe(0);
    expect(runner.machine.renderIomem()).not.toMatch(/^1[0-9a-f]{8}-/m);
  });

  it('xen-balloon guestUsed: a lower target never balloons out the workload\'s memory', () => {
    const { steps } = runAll(scenario([{ kind: 'xen-balloon', id: 'xen0', guestUsed: '1G' }], [{ op: 'xen-target', device: 'xen0', target: '512M' }]));
    const pages = BigInt(steps[0]!.devices[0]!.details.currentPages as string);
    expect(pages << 12n).toBeGreaterThanOrEqual(1n * G);
  });
});
