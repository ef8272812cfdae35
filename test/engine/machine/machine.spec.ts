import { describe, expect, it } from 'vitest';
import { Machine, type MachineConfig } from '../../../worker/engine/machine/machine.js';
import { parseKernelCmdline } from '../../../worker/engine/machine/kernel-params.js';
import { PROFILES, profileForKernel } from '../../../worker/engine/profiles.js';
import { BUILTIN_DRIVERS, DRIVERS, createRegistry } from '../../../worker/engine/drivers/index.js';
import { xenBalloonDriver } from '../../../worker/engine/drivers/xen-balloon.js';
import { BOOT_IOMEM, BOOT_BLOCKS, BOOT_IOMEM_NO_VIRTIO, BLOCK, GiB, machine, withVirtioMem } from './fixture.js';

const base: MachineConfig = { bootIomem: BOOT_IOMEM_NO_VIRTIO, physBits: 40, blockSize: BLOCK, onlinePolicy: 'online_movable', profile: '6.12' };

describe('Machine.create', () => {
  it.each([
    ['an unknown profile', { profile: '4.19' }, /^profile: unknown profile "4\.19"/],
    ['an unknown strategy', { strategy: 'greedy' }, /^strategy: unknown strategy/],
    ['a block size that is not a power of two', { blockSize: 3n * BLOCK }, /^blockSize: must be a power of two/],
    ['a block size below one section', { blockSize: BLOCK / 2n }, /^blockSize/],
    ['too few physical address bits', { physBits: 20 }, /^physBits/],
    ['an unknown online policy', { onlinePolicy: 'maybe' }, /^onlinePolicy/],
    ['a malformed boot map', { bootIomem: '00000000-00000fff : Reserved\nnonsense\n' }, /^bootIomem line 2: /],
    ['a malformed boot block list', { bootBlocks: 'memory0 online none\n' }, /^bootBlocks line 1: missing "block_size_bytes"/],
    ['a boot block list with another block size', { bootBlocks: 'block_size_bytes 0x10000000\n' }, /^bootBlocks: block_size_bytes 0x10000000 differs/],
  ])('refuses %s with a message naming the field', (_n, over, msg) => {
    const r = Machine.create({ ...base, ...(over as Partial<MachineConfig>) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(msg);
  });

  it('boots the recorded boot blocks and renders the boot map back byte for byte', () => {
    const r = Machine.create({ ...base, bootIomem: BOOT_IOMEM, bootBlocks: BOOT_BLOCKS });
    if (!r.ok) throw new Error(r.error);
    expect(r.machine.renderIomem()).toBe(BOOT_IOMEM);
    expect(r.machine.renderMemoryBlocks()).toBe(BOOT_BLOCKS);
    expect(r.machine.strategy).toBe('mhp-merge');
  });

  it('lets the user override the strategy', () => {
    expect(machine({ profile: '5.10', strategy: 'none' }).strategy).toBe('none');
    expect(machine({ profile: '5.9' }).strategy).toBe('none');
    expect(machine({ profile: 'rfc-v1' }).strategy).toBe('rfc-v1');
  });
});

describe('devices and stats', () => {
  it('refuses unknown kinds, duplicate ids and kinds its registry lacks', () => {
    const m = machine();
    expect(m.addDevice({ kind: 'floppy' } as never)).toEqual({ ok: false, error: 'kind: unknown device kind "floppy"' });
    expect(m.addDevice({ kind: 'acpi-dimm', id: 'd', addr: 0x100000000n, size: BLOCK }).ok).toBe(true);
    expect(m.addDevice({ kind: 'acpi-dimm', id: 'd', addr: 0x200000000n, size: BLOCK })).toEqual({ ok: false, error: 'id: a device "d" already exists' });
    const r = Machine.create({ ...base, drivers: createRegistry(DRIVERS.filter((d) => d.kind !== 'hv-balloon')) });
    if (!r.ok) throw new Error(r.error);
    expect(r.machine.addDevice({ kind: 'hv-balloon' })).toEqual({ ok: false, error: 'kind: unknown device kind "hv-balloon"' });
  });

  it('attaches through the registry it was given, and the built-in one by default', () => {
    const standIn = {
      ...xenBalloonDriver,
      create: (spec: { id?: string }, ctx: { blocks: { blockSize: bigint } }) => ({
        ok: true as const,
        device: { id: spec.id ?? 'xen0', kind: 'xen-balloon', request: () => 0, work: () => 'idle' as const, state: () => ({ id: 'xen0', kind: 'xen-balloon', plugged: 0n, requested: 0n, details: { blockSize: ctx.blocks.blockSize } }) },
      }),
    };
    const r = Machine.create({ ...base, drivers: createRegistry([standIn]) });
    if (!r.ok) throw new Error(r.error);
    const a = r.machine.addDevice({ kind: 'xen-balloon' });
    expect(a.ok && a.device.state().details.blockSize).toBe(BLOCK);
    expect(machine().drivers).toBe(BUILTIN_DRIVERS);
    expect(() => createRegistry([xenBalloonDriver, standIn])).toThrow('device kind "xen-balloon" is registered twice');
  });

  it('reports resources, iomem size, visits, blocks and plugged bytes', () => {
    const { m, vm } = withVirtioMem();
    vm.request({ type: 'resize', size: 1n * GiB });
    m.settle(60_000);
    const s = m.stats();
    expect(s.plugged).toBe(1n * GiB);
    expect(s.blocks).toEqual({ online: 24, offline: 0 });
    expect(s.resources.systemRam).toBe(3); // two boot ranges + the merged virtio-mem child
    expect(s.iomem.lines).toBe(m.renderIomem().split('\n').length - 1);
    expect(s.iomem.bytes).toBe(m.renderIomem().length);
    expect(s.visits.total).toBeGreaterThan(0);
  });

  it('settle() is bounded by the simulated time it is given', () => {
    const { m, vm } = withVirtioMem({ onlinePolicy: 'online' });
    vm.request({ type: 'resize', size: 256n * 1024n * 1024n });
    m.settle(0);
    m.faults.setUnmovable(32, 2n << 20n);
    vm.request({ type: 'resize', size: 0n });
    const t = m.clock.now;
    m.settle(10_000);
    expect(m.clock.now).toBe(t);
    m.settle(60_000);
    expect(m.clock.now).toBe(t + 50_000);
  });
});

describe('profiles', () => {
  it.each([
    ['6.12.95+deb12-cloud-amd64', '6.12', false],
    ['6.18.12+deb13-cloud-amd64', '6.18', false],
    ['7.3.4+deb13-cloud-amd64', '7.3', false],
    ['6.19.1', '6.18', true],
    ['7.5.0', '7.3', true],
    ['6.1.0-56-cloud-amd64', '6.1', false],
    ['5.10.0-30-amd64', '5.10', false],
    ['5.9.16', '5.9', false],
    ['6.6.30', '6.1', true],
    ['5.15.0-91-generic', '5.10', true],
    ['7.0.1', '6.18', true],
    ['4.19.0', '5.9', true],
    ['garbage', '6.12', true],
  ] as const)('%s -> %s', (version, name, warns) => {
    const r = profileForKernel(version);
    expect(r.profile.name).toBe(name);
    expect(r.warning !== undefined).toBe(warns);
    expect(r.exact).toBe(!warns);
  });

  it.each([
    ['5.9', 'none', 0x80, 'sbm-only', 4n << 20n, false],
    ['rfc-v1', 'rfc-v1', 0x80, 'sbm-only', 4n << 20n, false],
    ['5.10', 'mhp-merge', 0x02000000, 'sbm-only', 4n << 20n, false],
    ['6.1', 'mhp-merge', 0x02000000, 'sbm-bbm', 2n << 20n, true],
    ['6.12', 'mhp-merge', 0x02000000, 'sbm-bbm', 2n << 20n, true],
    ['6.18', 'mhp-merge', 0x02000000, 'sbm-bbm', 2n << 20n, true],
    ['7.3', 'mhp-merge', 0x02000000, 'sbm-bbm', 2n << 20n, true],
  ] as const)('%s: strategy %s, driver-managed 0x%s, %s, subblock %s', (name, strategy, dm, modes, sb, excl) => {
    const p = PROFILES[name];
    expect([p.defaultStrategy, p.driverManagedFlag, p.virtioMem.modes, p.virtioMem.minSubblockSize, p.virtioMem.exclusiveContainer]).toEqual([strategy, dm, modes, sb, excl]);
  });

  it.each([
    ['5.9', 'offline', false, '5.10'],
    ['5.10', 'offline', false, '5.10'],
    ['6.1', 'offline', true, '5.10'],
    ['6.12', 'online', true, '6.12'],
    ['6.18', 'online', true, '6.13'],
    ['7.3', 'online', true, '6.13'],
  ] as const)('%s: default online type %s, mhp_range_allowed %s, region_intersects %s', (name, policy, rangeCheck, ri) => {
    const p = PROFILES[name];
    expect([p.defaultOnlinePolicy, p.mhpRangeCheck, p.resource.regionIntersects]).toEqual([policy, rangeCheck, ri]);
  });
});

describe('kernel command line', () => {
  it.each([
    ['console=ttyS0 memhp_default_state=online', { movableNode: false, forceBbm: false, bbm: 0n, unplugOnline: true }, 0],
    ['movable_node virtio_mem.force_bbm=1', { movableNode: true, forceBbm: true, bbm: 0n, unplugOnline: true }, 0],
    ['virtio-mem.bbm_block_size=0x40000000 virtio_mem.unplug_online=0', { movableNode: false, forceBbm: false, bbm: 1n << 30n, unplugOnline: false }, 0],
    ['virtio_mem.force_bbm=maybe virtio_mem.bbm_block_size=big', { movableNode: false, forceBbm: false, bbm: 0n, unplugOnline: true }, 2],
    ['memory_hotplug.online_policy=sometimes', { movableNode: false, forceBbm: false, bbm: 0n, unplugOnline: true }, 1],
  ] as const)('%s', (cmdline, want, warnings) => {
    const r = parseKernelCmdline(cmdline);
    expect({ movableNode: r.params.movableNode, forceBbm: r.params.virtioMem.forceBbm, bbm: r.params.virtioMem.bbmBlockSize, unplugOnline: r.params.virtioMem.unplugOnline }).toEqual(want);
    expect(r.warnings).toHaveLength(warnings);
  });

  it('movable_node makes a plain online pick ZONE_MOVABLE', () => {
    const m = machine({ onlinePolicy: 'online', cmdline: 'movable_node' });
    m.hotplug.addMemory(0, 4n * GiB, BLOCK);
    expect(m.blocks.validZones(32)).toBe('Movable');
  });

  it('virtio_mem.force_bbm=1 and bbm_block_size pick Big Block Mode and its size', () => {
    const { vm } = withVirtioMem({ cmdline: 'virtio_mem.force_bbm=1 virtio_mem.bbm_block_size=0x20000000' });
    expect(vm.state().details.mode).toBe('bbm');
    expect(vm.state().details.bigBlockSize).toBe(512n << 20n);
  });

  it('virtio_mem.unplug_online=0 gives back only offline memory and retries when more goes offline', () => {
    const { m, vm } = withVirtioMem({ cmdline: 'virtio_mem.unplug_online=0' });
    vm.request({ type: 'resize', size: 512n << 20n });
    m.settle(60_000);
    vm.request({ type: 'resize', size: 0n });
    m.settle(60_000);
    expect(vm.state().plugged).toBe(512n << 20n);
    expect(vm.state().details.timerArmed).toBe(false);
    m.guestWriteState(33, 'offline');
    m.settle(0);
    expect(vm.state().plugged).toBe(384n << 20n);
  });
});

describe('online policy parameters', () => {
  it.each([
    ['memory_hotplug.online_policy=auto-movable', 'auto-movable', 301],
    ['memory_hotplug.online_policy=auto-movable memory_hotplug.auto_movable_ratio=100', 'auto-movable', 100],
    ['memory-hotplug.online-policy=contig-zones', 'contig-zones', 301],
  ] as const)('%s', (cmdline, policy, ratio) => {
    const r = parseKernelCmdline(cmdline);
    expect([r.params.onlinePolicy, r.params.autoMovableRatio, r.warnings]).toEqual([policy, ratio, []]);
  });
});

describe('Machine.advance', () => {
  it.each([
    ['no timer armed', [] as number[]],
    ['a timer firing half-way', [500]],
    ['timers firing at the start and just before the end', [0, 999]],
    ['a timer due after the wait', [1500]],
  ])('lasts exactly its duration with %s', (_n, timers) => {
    const m = machine();
    const fired: number[] = [];
    for (const t of timers) m.clock.setTimer(t, () => fired.push(m.clock.now));
    const t0 = m.clock.now;
    m.advance(1000);
    expect(m.clock.now).toBe(t0 + 1000);
    expect(fired).toEqual(timers.filter((t) => t <= 1000).map((t) => t0 + t));
  });
});
