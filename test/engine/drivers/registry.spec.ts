/**
 * A device kind of the test's own ("fake-ram", defined only here) goes through everything a real
 * kind does: a scenario file that declares it (common/scenario-io), the protocol's payload check and
 * the worker's mapping of a UI payload, the runner's timeline (resize and soak steps, host faults,
 * each step checked by the kind's own `checkStep`) and its host resize.
 * Adding a kind takes a driver object and its line in a registry list; nothing else is edited.
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_DRIVERS, DEVICE_KINDS, DRIVERS, createRegistry } from '../../../worker/engine/drivers/index.js';
import type { DeviceSpecBase, Device, DeviceContext, DeviceState, HostRequest } from '../../../worker/engine/drivers/device.js';
import type { DeclBase, DeviceDriver } from '../../../worker/engine/drivers/driver.js';
import { loadScenarioText } from '../../../common/scenario-io/scenario-io.js';
import { validateArgs } from '../../../worker/protocol.js';
import { deviceKinds, deviceSpec } from '../../../worker/engine-binding.js';
import { Runner } from '../../../worker/engine/runner/runner.js';
import { EBUSY, EINVAL } from '../../../worker/engine/errno.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;

interface FakeDecl extends DeclBase<'fake-ram'> {
  addr: string;
  size: string;
  slow?: boolean;
}
interface FakeSpec extends DeviceSpecBase<'fake-ram'> {
  addr?: bigint;
  size: bigint;
}
type FakeDetails = { addr: bigint; busy: boolean };

/** Memory the host grants in memory blocks; the guest adds one block per work() round. */
class FakeRam implements Device<FakeDetails> {
  readonly kind = 'fake-ram';
  private plugged = 0n;
  private requested = 0n;
  busy = false;

  constructor(
    readonly id: string,
    private readonly addr: bigint,
    private readonly size: bigint,
    private readonly ctx: DeviceContext,
  ) {}

  request(req: HostRequest): number {
    if (req.type === 'resize') {
      if (req.size > this.size || req.size < this.plugged || req.size % this.ctx.blocks.blockSize !== 0n) return EINVAL;
      this.requested = req.size;
      return 0;
    }
    if (req.type === 'set-host-busy') {
      this.busy = req.busy;
      return 0;
    }
    return EINVAL;
  }

  work(): 'idle' | 'progress' | 'waiting' {
    if (this.busy || this.plugged >= this.requested) return 'idle';
    const r = this.ctx.hotplug.addMemory(0, this.addr + this.plugged, this.ctx.blocks.blockSize);
    if (r.err !== 0) return 'idle';
    this.plugged += this.ctx.blocks.blockSize;
    return 'progress';
  }

  state(): DeviceState<FakeDetails> {
    return { id: this.id, kind: this.kind, plugged: this.plugged, requested: this.requested, details: { addr: this.addr, busy: this.busy } };
  }
}

const fakeRamDriver: DeviceDriver<'fake-ram', FakeDecl, FakeSpec, FakeRam, { faults: number }> = {
  kind: 'fake-ram',
  title: 'a test-only device',
  params: [
    { key: 'addr', type: 'size', default: '8G', title: 'Address', description: 'Where the region starts.' },
    { key: 'size', type: 'size', required: true, positive: true, ui: 'required', lane: true, title: 'Size', description: 'Region size.' },
    { key: 'slow', type: 'bool', title: 'Slow', description: 'Unused flag (checks a bool field).' },
  ],
  checkDecl: (d) => (BigInt(d.size) % (128n * MiB) === 0n ? [] : [{ key: 'size', message: 'must be a multiple of 128 MiB' }]),
  toSpec: (d) => ({ kind: 'fake-ram', ...(d.id !== undefined ? { id: d.id } : {}), size: BigInt(d.size ?? 0), ...(d.addr !== undefined ? { addr: BigInt(d.addr) } : {}) }),
  checkStep: (d, s) =>
    s.op === 'resize' && s.size !== undefined && BigInt(s.size) > BigInt(d.size) ? [{ key: 'size', message: `is more than ${d.id} holds` }] : [],
  create: (spec, ctx) => ({ ok: true, device: new FakeRam(spec.id ?? `fake${ctx.countOf('fake-ram')}`, spec.addr ?? 16n * GiB, spec.size, ctx) }),
  host: {
    init: () => ({ faults: 0 }),
    resize: (env, size) => env.device?.request({ type: 'resize', size }) ?? EINVAL,
    ops: {
      resize(env, s) {
        const cur = env.device?.state().requested ?? 0n;
        const rc = env.device?.request({ type: 'resize', size: s.size !== undefined ? BigInt(s.size) : cur + BigInt(s.by!) }) ?? EINVAL;
        return rc < 0 ? { result: 'rejected: refused' } : env.converge();
      },
    },
    soak(env, size) {
      const rc = env.device?.request({ type: 'resize', size }) ?? EINVAL;
      return rc < 0 ? { result: `rejected: ${rc === EBUSY ? 'busy' : 'refused'}` } : env.converge();
    },
    faults: ['busy'],
    fault(env) {
      env.state.faults++;
      return env.device?.request({ type: 'set-host-busy', busy: true }) ?? EINVAL;
    },
    clearFault(env) {
      env.device?.request({ type: 'set-host-busy', busy: false });
    },
  },
};

const registry = createRegistry([...DRIVERS, fakeRamDriver]);

const YAML = `
name: fake kind
machine: { boot: q35-2g, onlinePolicy: online_movable }
devices:
  - { kind: fake-ram, id: f0, size: 1G }
timeline:
  - { op: soak, device: f0, count: 2, min: 256M, max: 512M, granularity: 256M }
  - { op: fault-host, device: f0, response: busy }
  - { op: fault-clear, fault: host }
  - { op: resize, device: f0, size: 512M }
  - { op: resize, device: f0, by: +256M }
`;

describe('a registry with a device kind of its own', () => {
  it('is built from a list, one entry per kind; the built-in one lists DRIVERS', () => {
    expect(registry.kinds).toEqual([...DEVICE_KINDS, 'fake-ram']);
    expect(BUILTIN_DRIVERS.get('fake-ram')).toBeUndefined();
    expect(registry.kindsFor('soak')).toEqual(['virtio-mem', 'xen-balloon', 'fake-ram']);
    expect(registry.kindsFor('resize')).toEqual(['virtio-mem', 'fake-ram']);
    expect(registry.kindsFor('fault-host')).toEqual(['virtio-mem', 'hv-balloon', 'xen-balloon', 'fake-ram']);
  });

  it('loads a scenario file declaring the kind, with its defaults, and refuses bad fields by path', () => {
    const r = loadScenarioText(YAML, { source: 'fake.yaml', drivers: registry });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.scenario.devices).toEqual([{ kind: 'fake-ram', id: 'f0', node: 0, addr: String(8n * GiB), size: String(GiB) }]);
    const bad = loadScenarioText(YAML.replace('size: 1G', 'size: 1000M, slow: 3, colour: red'), { source: 'fake.yaml', drivers: registry });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors).toEqual([
      { path: 'devices[0].colour', message: 'is not a fake-ram field (addr, size, slow)' },
      { path: 'devices[0].slow', message: 'must be true or false' },
    ]);
    const unaligned = loadScenarioText(YAML.replace('size: 1G', 'size: 1000M'), { drivers: registry });
    expect(unaligned.ok ? [] : unaligned.errors).toEqual([{ path: 'devices[0].size', message: 'must be a multiple of 128 MiB' }]);
    // Without the registry the kind is unknown.
    const builtin = loadScenarioText(YAML, { source: 'fake.yaml' });
    expect(builtin.ok).toBe(false);
    expect(builtin.ok ? [] : builtin.errors.map((e) => e.path)).toContain('devices[0].kind');
  });

  it('passes the protocol payload check; the worker reads its parameters through the driver', () => {
    expect(validateArgs('addDevice', { spec: { kind: 'fake-ram', id: 'f1', size: '512M' } })).toBeNull();
    expect(validateArgs('addDevice', { spec: { kind: 'Fake RAM' } })?.message).toMatch(/^addDevice: args\.spec\.kind: expected a device kind name/);
    expect(deviceSpec({ kind: 'fake-ram', id: 'f1', size: '512M' }, registry)).toEqual({ kind: 'fake-ram', id: 'f1', size: 512n * MiB });
    expect(deviceSpec({ kind: 'fake-ram' }, registry)).toBe('size: is required (a size such as 128M, 1G, 0x8000000 or a number of bytes)');
    expect(deviceSpec({ kind: 'fake-ram', size: '1G', colour: 'red' }, registry)).toBe('colour: is not a parameter of fake-ram (addr, size, slow)');
    expect(deviceSpec({ kind: 'fake-ram', size: '1G' })).toBe('kind: unknown device kind "fake-ram" (one of virtio-mem, acpi-dimm, hv-balloon, xen-balloon)');
    expect(deviceKinds(registry).at(-1)).toEqual({
      kind: 'fake-ram',
      title: 'a test-only device',
      params: [
        { key: 'addr', type: 'size', title: 'Address', description: 'Where the region starts.' },
        { key: 'size', type: 'size', title: 'Size', description: 'Region size.', ui: 'required', lane: true },
        { key: 'slow', type: 'bool', title: 'Slow', description: 'Unused flag (checks a bool field).' },
      ],
    });
  });

  it('runs in the runner: soak steps plug memory, a host fault holds it back until cleared, the UI resize plays its host', () => {
    const loaded = loadScenarioText(YAML, { drivers: registry });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const r = Runner.create(loaded.scenario, { drivers: registry, seed: 7 });
    if (!r.ok) throw new Error(r.error);
    const run = r.runner;
    const steps = [run.step()!, run.step()!, run.step()!, run.step()!, run.step()!, run.step()!];
    expect(steps.map((s) => s.result)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(steps[0]!.label).toMatch(/soak/);
    const plugged = BigInt(steps[1]!.plugged);
    expect([256n * MiB, 512n * MiB]).toContain(plugged);
    expect(run.machine.tree.count()).toBeGreaterThan(run.initial.resources.total);
    // The resize steps set the requested size (512M, then 256M more) and the guest plugs it.
    expect([BigInt(steps[4]!.plugged), BigInt(steps[5]!.plugged)]).toEqual([512n * MiB, 768n * MiB]);
    expect(run.machine.device('f0')!.state().requested).toBe(768n * MiB);
    expect(run.hostResize('f0', GiB)).toBe(0);
    run.machine.settle();
    expect(run.machine.device('f0')!.state().plugged).toBe(GiB);
    expect(run.hostResize('f0', 100n)).toBe(EINVAL);
    expect(run.hostResize('nope', GiB)).toBeNull();
    expect(run.machine.addDevice(deviceSpec({ kind: 'fake-ram', id: 'f1', addr: '32G', size: '256M' }, registry) as never).ok).toBe(true);
    expect(run.machine.device('f1')!.kind).toBe('fake-ram');
  });

  it('checks its resize steps itself (checkStep), naming the step field', () => {
    const r = loadScenarioText(YAML.replace('size: 512M', 'size: 2G'), { drivers: registry });
    expect(r.ok ? [] : r.errors).toEqual([{ path: 'timeline[3].size', message: 'is more than f0 holds' }]);
  });

  it('a host fault the kind does not list is refused by normalization, naming the kinds it supports', () => {
    const r = loadScenarioText(YAML.replace('response: busy', 'response: maxmem, size: 1G'), { drivers: registry });
    expect(r.ok ? [] : r.errors).toEqual([
      { path: 'timeline[1].response', message: 'the host fault "maxmem" does not apply to fake-ram device "f0" (a fake-ram host can: busy)' },
    ]);
  });
});
