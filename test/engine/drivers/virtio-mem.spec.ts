import { describe, expect, it } from 'vitest';
import { EBUSY, EINVAL } from '../../../worker/engine/errno.js';
import type { ProfileName } from '../../../worker/engine/profiles.js';
import { withVirtioMem, hotBlocks, hotLines, MiB, GiB, machine } from '../machine/fixture.js';

const resize = (vm: { request: (r: { type: 'resize'; size: bigint }) => number }, size: bigint) => vm.request({ type: 'resize', size });
const blockIds = (m: Parameters<typeof hotBlocks>[0]) => hotBlocks(m).map((l) => Number(l.split(':')[0]));

describe('virtio-mem probe', () => {
  it('claims the whole region as a top-level container with BUSY cleared (EXCLUSIVE on 6.x)', () => {
    const { m } = withVirtioMem();
    expect(hotLines(m)).toEqual(['100000000-10ffffffff : virtio0']);
    const c = m.tree.lookupResource(m.tree.root, 4n * GiB).res;
    expect(m.tree.flags(c)).toBe(0x09000200);
    const { m: m5 } = withVirtioMem({ profile: '5.10' });
    expect(m5.tree.flags(m5.tree.lookupResource(m5.tree.root, 4n * GiB).res)).toBe(0x01000200);
    expect(m.log.entries().map((l) => l.message)).toContain('subblock size: 0x200000');
    expect(m5.log.entries().map((l) => l.message)).toContain('subblock size: 0x400000');
  });

  it.each([
    ['a region over boot RAM', { addr: 0n, regionSize: 1n * GiB }, /probe failed \(-EBUSY\)/],
    ['an unaligned address', { addr: 4n * GiB + 4096n, regionSize: 1n * GiB }, /address must be aligned/],
    ['a region beyond 2^40', { addr: 1n << 40n, regionSize: 1n * GiB }, /beyond the physical address space/],
    ['a block size that is not a power of two', { addr: 4n * GiB, regionSize: 3n * GiB, blockSize: 3n * MiB }, /not a power of two/],
    ['a requested size beyond the region', { addr: 4n * GiB, regionSize: 1n * GiB, requested: 2n * GiB }, /requested size/],
  ])('refuses %s', (_n, spec, msg) => {
    const m = machine();
    const before = m.renderIomem();
    const r = m.addDevice({ kind: 'virtio-mem', ...spec });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(msg);
    expect(m.renderIomem()).toBe(before);
    expect(m.devices()).toEqual([]);
  });

  it('5.10 has no Big Block Mode: a device block larger than a memory block fails the probe', () => {
    const m = machine({ profile: '5.10' });
    const r = m.addDevice({ kind: 'virtio-mem', addr: 4n * GiB, regionSize: 8n * GiB, blockSize: 1n * GiB });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/probe failed \(-EINVAL\)/);
    expect(m.log.entries().map((l) => l.message)).toContain('The block size is not supported (too big).');
  });
});

describe('host requests', () => {
  it.each([
    ['not a multiple of the device block', 3n * MiB],
    ['larger than the region', 65n * GiB],
    ['negative', -2n * MiB],
  ])('refuses a requested size %s with -EINVAL and changes nothing', (_n, size) => {
    const { m, vm } = withVirtioMem();
    expect(resize(vm, size)).toBe(EINVAL);
    m.settle(60_000);
    expect(vm.state().requested).toBe(0n);
    expect(vm.state().plugged).toBe(0n);
  });

  it('answers -EINVAL to requests meant for other devices', () => {
    const { vm } = withVirtioMem();
    expect(vm.request({ type: 'eject' })).toBe(EINVAL);
    expect(vm.request({ type: 'target', bytes: 1n })).toBe(EINVAL);
  });
});

describe('SBM plug order: partial blocks first, then unused blocks lowest first, then new blocks upward', () => {
  it('reuses a removed block before growing and fills a partial block first', () => {
    const { m, vm } = withVirtioMem();
    resize(vm, 384n * MiB);
    m.settle(60_000);
    expect(m.guestWriteState(33, 'offline')).toBe(0);
    resize(vm, 256n * MiB);
    m.settle(60_000);
    expect(blockIds(m)).toEqual([32, 34]);
    resize(vm, 260n * MiB);
    m.settle(60_000);
    expect(blockIds(m)).toEqual([32, 33, 34]);
    expect(vm.state().details['blocks.movable-partial']).toBe(1);
    resize(vm, 386n * MiB);
    m.settle(60_000);
    expect(blockIds(m)).toEqual([32, 33, 34, 35]);
    expect(vm.state().plugged).toBe(386n * MiB);
    expect(vm.state().details['blocks.movable-partial']).toBe(1);
    expect(hotLines(m)).toEqual(['100000000-10ffffffff : virtio0', '  100000000-11fffffff : System RAM (virtio_mem)']);
  });

  it('5.10 plugs 4 MiB subblocks: 6 MiB requested gives 4 MiB plugged', () => {
    const { m, vm } = withVirtioMem({ profile: '5.10' });
    resize(vm, 6n * MiB);
    m.settle(60_000);
    expect(vm.state().plugged).toBe(4n * MiB);
  });
});

describe('SBM unplug order', () => {
  // blocks 32..36 full; 33 offlined by the guest; 35 moved to ZONE_NORMAL
  const setup = (profile: ProfileName) => {
    const { m, vm } = withVirtioMem({ profile });
    resize(vm, 640n * MiB);
    m.settle(60_000);
    expect(m.guestWriteState(33, 'offline')).toBe(0);
    expect(m.guestWriteState(35, 'offline')).toBe(0);
    expect(m.guestWriteState(35, 'online_kernel')).toBe(0);
    return { m, vm };
  };
  it.each([
    // offline first, then movable highest first, then kernel
    ['6.12', [33, 36, 34, 32, 35]],
    // 5.10 knows only offline / online: online blocks go highest first whatever their zone
    ['5.10', [33, 36, 35, 34, 32]],
  ] as const)('%s removes blocks in the order %j', (profile, order) => {
    const { m, vm } = setup(profile);
    const removed: number[] = [];
    let size = 640n * MiB;
    for (let i = 0; i < 5; i++) {
      const before = blockIds(m);
      size -= 128n * MiB;
      resize(vm, size);
      m.settle(60_000);
      const after = blockIds(m);
      removed.push(...before.filter((b) => !after.includes(b)));
    }
    expect(removed).toEqual(order);
    expect(vm.state().plugged).toBe(0n);
  });

  it('unplugs partial blocks first and subblocks from the top (trace c step 13)', () => {
    const { m, vm } = withVirtioMem();
    resize(vm, 998n * MiB);
    m.settle(60_000);
    resize(vm, 514n * MiB);
    m.settle(60_000);
    expect(blockIds(m)).toEqual([32, 33, 34, 35, 36]);
    expect(vm.state().details['blocks.movable-partial']).toBe(1);
  });
});

describe('offline threshold', () => {
  it('stops adding at 1 GiB of offline memory and resumes once half of it is onlined', () => {
    const { m, vm } = withVirtioMem({ onlinePolicy: 'offline' });
    resize(vm, 2n * GiB);
    m.settle(60_000);
    expect(vm.state().plugged).toBe(1n * GiB);
    expect(vm.state().details.lastError).toBe('-ENOSPC');
    expect(vm.state().details.timerArmed).toBe(false);
    for (const b of [32, 33, 34]) m.guestWriteState(b, 'online_movable');
    m.settle(0);
    expect(vm.state().plugged).toBe(1n * GiB);
    m.guestWriteState(35, 'online_movable');
    m.settle(0);
    expect(vm.state().plugged).toBe(1536n * MiB);
    expect(blockIds(m)).toHaveLength(12);
  });

  it('is at least two memory blocks', () => {
    const m = machine({ onlinePolicy: 'offline', blockSize: 1n * GiB });
    const r = m.addDevice({ kind: 'virtio-mem', addr: 4n * GiB, regionSize: 64n * GiB });
    if (!r.ok) throw new Error(r.error);
    r.device.request({ type: 'resize', size: 8n * GiB });
    m.settle(60_000);
    expect(r.device.state().plugged).toBe(2n * GiB);
    expect(r.device.state().details.offlineThreshold).toBe(2n * GiB);
  });
});

describe('busy subblocks and the retry timer', () => {
  const pinned = () => {
    const { m, vm } = withVirtioMem({ onlinePolicy: 'online' });
    resize(vm, 384n * MiB);
    m.settle(60_000);
    m.faults.setUnmovable(32, 4n * MiB);
    resize(vm, 0n);
    m.settle(0);
    return { m, vm };
  };

  it('skips pinned subblocks of an online block and stops where the kernel does (trace g)', () => {
    const { m, vm } = pinned();
    expect(vm.state().plugged).toBe(4n * MiB);
    expect(blockIds(m)).toEqual([32]);
    expect(vm.state().details['blocks.kernel-partial']).toBe(1);
    expect(vm.state().details.lastError).toBe('-EBUSY');
    expect(hotLines(m)).toEqual(['100000000-10ffffffff : virtio0', '  100000000-107ffffff : System RAM (virtio_mem)']);
  });

  it('retries after 50 s, doubling to 300 s, and finishes once the pages are free', () => {
    const { m, vm } = pinned();
    const t0 = m.clock.now;
    const delays: number[] = [];
    let last = t0;
    for (let i = 0; i < 5; i++) {
      const due = m.clock.nextDue();
      expect(due).not.toBeNull();
      delays.push(due! - last);
      m.settle(due! - m.clock.now);
      last = due!;
    }
    expect(delays).toEqual([50_000, 100_000, 200_000, 300_000, 300_000]);
    expect(vm.state().plugged).toBe(4n * MiB);
    m.faults.setUnmovable(32, 0n);
    m.settle(300_000);
    expect(vm.state().plugged).toBe(0n);
    expect(blockIds(m)).toEqual([]);
    expect(vm.state().details.timerArmed).toBe(false);
    expect(vm.state().details.retryTimerMs).toBe(50_000);
  });

  it('a pinned block in ZONE_MOVABLE is skipped too and the rest is unplugged', () => {
    const { m, vm } = withVirtioMem();
    resize(vm, 384n * MiB);
    m.settle(60_000);
    m.faults.setUnmovable(33, 1n * MiB);
    resize(vm, 0n);
    m.settle(0);
    expect(vm.state().plugged).toBe(2n * MiB);
    expect(blockIds(m)).toEqual([33]);
  });
});

describe('unplug_all at probe', () => {
  it('sends UNPLUG_ALL first when the host still has memory plugged', () => {
    const { m, vm } = withVirtioMem({}, { plugged: 1n * GiB });
    expect(vm.state().plugged).toBe(0n);
    expect(m.log.entries().map((l) => l.message)).toContain('unplugging all memory is required');
    expect(blockIds(m)).toEqual([]);
  });

  it('retries UNPLUG_ALL on the timer while the host is busy', () => {
    const m = machine();
    const r = m.addDevice({ kind: 'virtio-mem', addr: 4n * GiB, regionSize: 64n * GiB, plugged: 1n * GiB });
    if (!r.ok) throw new Error(r.error);
    r.device.request({ type: 'set-host-busy', busy: true });
    m.settle(0);
    expect(r.device.state().plugged).toBe(1n * GiB);
    expect(r.device.state().details.lastError).toBe('-ETXTBSY');
    r.device.request({ type: 'set-host-busy', busy: false });
    m.settle(50_000);
    expect(r.device.state().plugged).toBe(0n);
  });
});

describe('Big Block Mode', () => {
  it('128 MiB device blocks on 6.x use BBM with one memory block per big block', () => {
    const { m, vm } = withVirtioMem({}, { blockSize: 128n * MiB });
    expect(vm.state().details.mode).toBe('bbm');
    resize(vm, 384n * MiB);
    m.settle(60_000);
    expect(blockIds(m)).toEqual([32, 33, 34]);
  });

  it('1 GiB big blocks: removes a fully offline big block first, else the highest movable one (trace f)', () => {
    const { m, vm } = withVirtioMem({}, { blockSize: 1n * GiB });
    expect(vm.state().details.bigBlockSize).toBe(1n * GiB);
    resize(vm, 3n * GiB);
    m.settle(60_000);
    expect(blockIds(m)).toHaveLength(24);
    m.guestWriteState(41, 'offline');
    resize(vm, 2n * GiB);
    m.settle(60_000);
    expect(blockIds(m)).toEqual([...Array(16).keys()].map((i) => 32 + i));
    for (let b = 40; b < 48; b++) m.guestWriteState(b, 'offline');
    resize(vm, 1n * GiB);
    m.settle(60_000);
    expect(blockIds(m)).toEqual([...Array(8).keys()].map((i) => 32 + i));
    expect(hotLines(m)).toEqual(['100000000-10ffffffff : virtio0', '  100000000-13fffffff : System RAM (virtio_mem)']);
  });

  it('a big block with pinned memory is skipped (-EBUSY), the next one is taken', () => {
    const { m, vm } = withVirtioMem({}, { blockSize: 1n * GiB });
    resize(vm, 2n * GiB);
    m.settle(60_000);
    m.faults.setUnmovable(45, 2n * MiB);
    resize(vm, 1n * GiB);
    m.settle(0);
    expect(blockIds(m)).toEqual([...Array(8).keys()].map((i) => 40 + i));
    resize(vm, 0n);
    m.settle(0);
    expect(vm.state().plugged).toBe(1n * GiB);
    expect(vm.state().details.lastError).toBe(`-EBUSY`);
    expect(EBUSY).toBe(-16);
  });
});

describe('host responses', () => {
  it.each([
    // NACK on PLUG: -EAGAIN, the worker re-reads the config and retries (bounded), then waits on the timer
    ['nack', 0n, '-EAGAIN', false],
    // ERROR: -EINVAL, the driver marks the device broken
    ['error', 0n, '-EINVAL', true],
    ['busy', 0n, '-ETXTBSY', false],
  ] as const)('%s', (response, plugged, err, broken) => {
    const { m, vm } = withVirtioMem();
    expect(vm.request({ type: 'custom', name: 'host-response', args: { response } })).toBe(0);
    resize(vm, 256n * MiB);
    m.settle(0);
    expect(vm.state().plugged).toBe(plugged);
    expect(vm.state().details.lastError).toBe(err);
    expect(vm.state().details.broken).toBe(broken);
    if (!broken) {
      vm.request({ type: 'custom', name: 'host-response', args: { response: 'ack' } });
      m.settle(60_000);
      expect(vm.state().plugged).toBe(256n * MiB);
    }
  });

  it('refuses unknown custom requests', () => {
    const { vm } = withVirtioMem();
    expect(vm.request({ type: 'custom', name: 'host-response', args: { response: 'maybe' } })).toBe(EINVAL);
    expect(vm.request({ type: 'custom', name: 'reboot' })).toBe(EINVAL);
  });
});
