import { describe, expect, it, vi } from 'vitest';

// Wrap lsmemInput so the test sees whether the binding reads the blocks through it.
vi.mock('../../worker/engine/userspace/lsmem.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../worker/engine/userspace/lsmem.js')>();
  return { ...real, lsmemInput: vi.fn(real.lsmemInput) };
});

import { createEngine, deviceSpec } from '../../worker/engine-binding.js';
import { lsmem, lsmemInput } from '../../worker/engine/userspace/lsmem.js';
import type { EngineRun } from '../../worker/engine-port.js';

const GiB = 1n << 30n;
const MiB = 1n << 20n;

function run(yaml: string): EngineRun {
  const engine = createEngine();
  const r = engine.loadScenarioText(yaml, { source: 'test.yaml', format: 'yaml' });
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  const c = r.scenario.create({ now: () => 0 });
  if (!c.ok) throw new Error(c.error);
  return c.run;
}

const machine = `
name: t
machine: { boot: q35-2g, blockSize: 128M, physBits: 46, onlinePolicy: online_movable }
`;

describe('engine binding: lsmem', () => {
  it('describes the blocks through userspace/lsmem.ts lsmemInput (one source of truth)', () => {
    const r = run(`${machine}devices: [{ kind: virtio-mem, id: vm0, addr: 4G, regionSize: 4G, blockSize: 2M }]\ntimeline: [{ op: resize, device: vm0, size: 1G }, { op: offline, blocks: 33 }]\n`);
    while (!r.done) r.step();
    const spy = vi.mocked(lsmemInput);
    spy.mockClear();
    for (const all of [false, true]) {
      const text = r.lsmem(all);
      expect(spy).toHaveBeenCalledTimes(all ? 2 : 1);
      const desc = spy.mock.results.at(-1)!.value as ReturnType<typeof lsmemInput>;
      const want = lsmem(desc, { all });
      expect(want.ok).toBe(true);
      expect(text).toBe(want.ok ? want.text : '');
    }
    expect(r.lsmem(true)).toMatch(/0x0000000108000000-0x000000010fffffff\s+128M\s+offline/);
  });
});

describe('engine binding: resizing from the UI plays the host', () => {
  const ramLines = (r: EngineRun) => r.iomemText(false).split('\n').filter((l) => /^\w+-\w+ : System RAM$/.test(l) && !l.startsWith('00'));
  const details = (r: EngineRun) => r.devices()[0]!.details;

  it('Hyper-V: shrink balloons pages out, growing again hands them back before any hot-add, and only the remainder is hot-added after what exists', () => {
    const r = run(`${machine}strategy: none\ndevices: [{ kind: hv-balloon, id: hv0 }]\ntimeline: []\n`);
    const steps: [bigint, Record<string, unknown>, string[]][] = [
      [1n * GiB, { pagesBallooned: 0, hotAddRequestedPages: (1n * GiB) >> 12n }, Array.from({ length: 8 }, (_, i) => `${(0x100000000 + i * 0x8000000).toString(16)}-${(0x107ffffff + i * 0x8000000).toString(16)}`)],
      [512n * MiB, { pagesBallooned: (512n * MiB) >> 12n, hotAddRequestedPages: (1n * GiB) >> 12n }, []],
      [1n * GiB, { pagesBallooned: 0, hotAddRequestedPages: (1n * GiB) >> 12n }, []],
      [768n * MiB, { pagesBallooned: (256n * MiB) >> 12n }, []],
      [1280n * MiB, { pagesBallooned: 0, hotAddRequestedPages: (1280n * MiB) >> 12n }, ['140000000-147ffffff', '148000000-14fffffff']],
    ];
    let lines: string[] = [];
    for (const [size, want, added] of steps) {
      expect(r.resizeDevice('hv0', size)).toBe(0);
      r.settle();
      const d = r.devices()[0]!;
      expect(d.requested).toBe(size);
      expect(d.plugged).toBe(size);
      for (const [k, v] of Object.entries(want)) expect(String(details(r)[k])).toBe(String(v));
      lines = [...lines, ...added.map((a) => `${a} : System RAM`)];
      expect(ramLines(r)).toEqual(lines);
    }
    expect(r.log(0).some((e) => e.level === 'error' || e.level === 'warn')).toBe(false);
  });

  it('Hyper-V: a hot-add continues after the timeline\'s own hot-adds', () => {
    const r = run(`${machine}strategy: none\ndevices: [{ kind: hv-balloon, id: hv0 }]\ntimeline: [{ op: hv-hot-add, device: hv0, size: 128M, start: 8G }]\n`);
    r.step();
    expect(r.resizeDevice('hv0', 256n * MiB)).toBe(0);
    r.settle();
    expect(ramLines(r)).toEqual(['200000000-207ffffff : System RAM', '208000000-20fffffff : System RAM']);
  });

  it('Xen: the size is the target beyond boot memory (the target itself is the guest\'s total)', () => {
    const r = run(`${machine}devices: [{ kind: xen-balloon, id: xen0 }]\ntimeline: []\n`);
    for (const size of [512n * MiB, 256n * MiB, 0n, 1n * GiB]) {
      expect(r.resizeDevice('xen0', size)).toBe(0);
      r.settle();
      const d = r.devices()[0]!;
      expect([d.requested, d.plugged]).toEqual([size, size]);
    }
  });

  it('refuses what no host can do: a DIMM resized to anything but 0, a misaligned Hyper-V size; an unknown device is null', () => {
    const r = run(`${machine}devices: [{ kind: hv-balloon, id: hv0 }, { kind: acpi-dimm, id: d0, addr: 8G, size: 1G, present: true }]\ntimeline: []\n`);
    expect(r.resizeDevice('d0', 512n * MiB)).toBe(-22);
    expect(r.resizeDevice('hv0', 4097n)).toBe(-22);
    expect(r.resizeDevice('nope', 0n)).toBeNull();
  });
});

describe('engine binding: the session summary is the runner summary', () => {
  it.each(['seed-100g-virtio-mem', 'seed-100g-hv-balloon', 'unplug-fragmentation'])('%s: the worker `summary` equals Runner.summary() field by field, step results included', async (preset) => {
    const { LabSession } = await import('../../worker/session.js');
    const { Runner } = await import('../../worker/engine/runner/runner.js');
    const { getPreset } = await import('../../worker/engine/scenario/presets.js');
    const sc = getPreset(preset);
    if (!sc) throw new Error(`no preset ${preset}`);
    const session = new LabSession(createEngine(), { now: () => 0, emit: () => {} });
    session.handle('loadPreset', { name: preset, strategy: 'none' });
    session.handle('step', { count: 1_000_000 });
    const r = Runner.create(sc, { strategy: 'none' });
    if (!r.ok) throw new Error(r.error);
    const results: string[] = [];
    for (let m = r.runner.step(); m; m = r.runner.step()) results.push(m.result);
    expect(session.handle('summary', {})).toEqual(r.runner.summary());
    expect(session.handle('metrics', { since: 0 }).map((x) => x.result)).toEqual(results);
  });
});

describe('engine binding: devices added from the UI', () => {
  it.each([
    [{ kind: 'hv-balloon', maxDynamicMemory: '16G', guestUsed: '512M', protocol: 'win8' }, { kind: 'hv-balloon', maxDynamicMemory: 16n * GiB, guestUsed: 512n * MiB, protocol: 'win8' }],
    [{ kind: 'hv-balloon', allowHibernation: true, capabilitiesAccepted: false }, { kind: 'hv-balloon', allowHibernation: true, capabilitiesAccepted: false }],
    [{ kind: 'xen-balloon', id: 'x', maxmem: '0x100000000', memoryHotplug: false }, { kind: 'xen-balloon', id: 'x', maxmem: 4n * GiB, memoryHotplug: false }],
  ] as const)('deviceSpec passes the driver parameters of %j', (payload, want) => {
    expect(deviceSpec(payload)).toEqual(want);
  });

  // Were payload-schema cases in protocol.spec.ts: the worker now checks a kind's parameters against its driver.
  it.each([
    [{ kind: 'floppy' }, 'addDevice: args.spec.kind: unknown device kind "floppy" (one of virtio-mem, acpi-dimm, hv-balloon, xen-balloon)'],
    [{ kind: 'acpi-dimm', regionSize: '1G' }, 'addDevice: args.spec.regionSize: is not a parameter of acpi-dimm (addr, size, present)'],
    [{ kind: 'hv-balloon', maxDynamicMemory: 'lots' }, 'addDevice: args.spec.maxDynamicMemory: must be a size such as 128M, 1G, 0x8000000 or a number of bytes'],
    [{ kind: 'hv-balloon', protocol: 'win11' }, 'addDevice: args.spec.protocol: must be one of win10, win8, win7, none'],
    [{ kind: 'xen-balloon', memoryHotplug: 'yes' }, 'addDevice: args.spec.memoryHotplug: must be true or false'],
    [{ kind: 'xen-balloon', maxDynamicMemory: '8G' }, 'addDevice: args.spec.maxDynamicMemory: is not a parameter of xen-balloon (maxmem, memoryHotplug, guestUsed)'],
    [{ kind: 'virtio-mem' }, 'addDevice: args.spec.regionSize: is required (a size such as 128M, 1G, 0x8000000 or a number of bytes)'],
  ] as const)('the worker refuses %j as a bad payload naming the field', async (spec, message) => {
    const { LabSession } = await import('../../worker/session.js');
    const session = new LabSession(createEngine(), { now: () => 0, emit: () => {} });
    session.handle('loadPreset', { name: 'seed-100g-virtio-mem' });
    let err: unknown;
    try {
      session.handle('addDevice', { spec });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ error: { code: 'BAD_PAYLOAD', message } });
  });

  it('a Xen balloon attached with maxmem stops at it', () => {
    const r = run(`${machine}devices: []\ntimeline: []\n`);
    expect(r.addDevice({ kind: 'xen-balloon', id: 'xen0', maxmem: '2304M' })).toEqual({ ok: true });
    r.settle();
    expect(r.resizeDevice('xen0', 1n * GiB)).toBe(0);
    r.settle();
    const st = r.devices().find((d) => d.id === 'xen0')!;
    expect(st.plugged).toBeLessThan(1n * GiB);
  });
});
