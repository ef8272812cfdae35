import { describe, expect, it } from 'vitest';
import { Machine, type MachineConfig } from '../../../worker/engine/machine/machine.js';
import { bootMapIomem } from '../../../worker/engine/machine/boot-maps.js';
import { XenBalloon } from '../../../worker/engine/drivers/xen-balloon.js';
import { EBUSY, EINVAL } from '../../../worker/engine/errno.js';
import type { ProfileName } from '../../../worker/engine/profiles.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;
/** Whole pages of the q35 map's boot "System RAM": 0x1000-0x9fbff (158) and 0x100000-0x7ffdffff. */
const BOOT_PAGES = 0x9en + 0x7fee0n;
const BOOT = BOOT_PAGES << 12n;

/** A guest whose PCI window starts at 3 GiB: a 1 GiB hole at 2 GiB, below 4 GiB. */
const LOW_HOLE_MAP = `00000000-00000fff : Reserved
00001000-0009fbff : System RAM
0009fc00-0009ffff : Reserved
000a0000-000bffff : PCI Bus 0000:00
000f0000-000fffff : Reserved
00100000-7fffffff : System RAM
  01000000-01ffffff : Kernel code
c0000000-febfffff : PCI Bus 0000:00
fec00000-fec003ff : IOAPIC 0
fffc0000-ffffffff : Reserved
`;

function boot(profile: ProfileName, opts: Partial<MachineConfig> = {}, params: Record<string, unknown> = {}): { m: Machine; xen: XenBalloon } {
  const r = Machine.create({ bootIomem: bootMapIomem('q35-2g'), physBits: 40, blockSize: 128n * MiB, onlinePolicy: 'online_movable', profile, ...opts });
  if (!r.ok) throw new Error(r.error);
  const d = r.machine.addDevice({ kind: 'xen-balloon', id: 'xen0', ...params });
  if (!d.ok) throw new Error(d.error);
  return { m: r.machine, xen: d.device as XenBalloon };
}

function hotAdded(m: Machine): string[] {
  return m.renderIomem().split('\n').filter((l) => / : System RAM$/.test(l) && !l.startsWith('0'));
}

function logs(m: Machine): string[] {
  return m.log.entries().filter((e) => e.source === 'xen:balloon' || e.source === 'memory_hotplug').map((e) => `${e.level}: ${e.message}`);
}

function details(xen: XenBalloon): Record<string, unknown> {
  return xen.state().details;
}

describe('xen balloon: reserve_additional_memory', () => {
  it('one target raise of 1 GiB makes one 1 GiB resource at 4 GiB; pages are populated a second later', () => {
    const { m, xen } = boot('6.12');
    expect(xen.request({ type: 'target', bytes: BOOT + GiB })).toBe(0);
    m.settle();
    expect(hotAdded(m)).toEqual(['100000000-13fffffff : System RAM']);
    expect(details(xen)).toMatchObject({ state: 'BP_WAIT', totalPages: BOOT_PAGES + 262144n, currentPages: BOOT_PAGES, balloonedPages: 262144n });
    expect(xen.work()).toBe('waiting');
    m.settle(1000);
    expect(m.clock.now).toBe(1000);
    expect(details(xen)).toMatchObject({ state: 'BP_DONE', currentPages: BOOT_PAGES + 262144n, balloonedPages: 0n, hotplugPopulatedPages: 262144n });
    expect(xen.work()).toBe('idle');
    expect(xen.state()).toMatchObject({ plugged: GiB, requested: GiB });
    expect(logs(m)).toEqual(['info: Initialising balloon driver']);
  });

  it.each([
    ['5.9', ['100000000-107ffffff : System RAM', '108000000-10fffffff : System RAM', '110000000-117ffffff : System RAM']],
    ['rfc-v1', ['100000000-117ffffff : System RAM']],
    ['6.12', ['100000000-117ffffff : System RAM']],
  ] as const)('three +128 MiB raises on %s: three resources, merged from 5.10 (and by the RFC)', (profile, lines) => {
    const { m, xen } = boot(profile);
    for (let i = 1n; i <= 3n; i++) {
      xen.request({ type: 'target', bytes: BOOT + i * 128n * MiB });
      m.settle(2000);
    }
    expect(xen.addedRanges()).toHaveLength(3);
    expect(hotAdded(m)).toEqual(lines);
  });

  it('rounds the shortfall up to a section and populates only up to the target, highest pages first', () => {
    const { m, xen } = boot('6.12');
    xen.request({ type: 'target', bytes: BOOT + 100n * MiB });
    m.settle(2000);
    expect(hotAdded(m)).toEqual(['100000000-107ffffff : System RAM']);
    expect(details(xen)).toMatchObject({ currentPages: BOOT_PAGES + 25600n, totalPages: BOOT_PAGES + 32768n, balloonedPages: 7168n, hotplugPopulatedPages: 25600n });
    // The unpopulated pages are still ballooned (referenced): the block cannot be offlined.
    expect(m.guestWriteState(32, 'offline')).toBe(EBUSY);
    // Raising the target by 28 MiB more fills the section without a new resource.
    xen.request({ type: 'target', bytes: BOOT + 128n * MiB });
    m.settle(2000);
    expect(xen.addedRanges()).toHaveLength(1);
    expect(details(xen)).toMatchObject({ balloonedPages: 0n, currentPages: BOOT_PAGES + 32768n });
  });

  it('allocation is first-fit from 0: a 128 MiB-aligned hole below 4 GiB is used first', () => {
    const { m, xen } = boot('6.12', { bootIomem: LOW_HOLE_MAP });
    const boot2 = (0x9en + 0x7ff00n) << 12n;
    xen.request({ type: 'target', bytes: boot2 + 512n * MiB });
    m.settle(2000);
    expect(xen.addedRanges()).toEqual([{ start: 0x80000000n, end: 0x9fffffffn }]);
    xen.request({ type: 'target', bytes: boot2 + 512n * MiB + 768n * MiB });
    m.settle(2000);
    // 768 MiB no longer fits in the 512 MiB left below 3 GiB: the next gap is at 4 GiB.
    expect(xen.addedRanges()[1]).toEqual({ start: 0x100000000n, end: 0x12fffffffn });
    expect(m.renderIomem()).toContain('80000000-9fffffff : System RAM\nc0000000-febfffff : PCI Bus 0000:00\n');
  });

  it('add_memory_resource() failing releases the resource and gives up for an hour', () => {
    const { m, xen } = boot('6.12');
    const iomem = m.renderIomem();
    m.faults.failAddMemory();
    xen.request({ type: 'target', bytes: BOOT + 256n * MiB });
    m.settle();
    expect(logs(m).at(-1)).toBe('warn: Cannot add additional memory (-12)');
    expect(m.renderIomem()).toBe(iomem);
    expect(details(xen)).toMatchObject({ state: 'BP_ECANCELED', totalPages: BOOT_PAGES });
    m.advance(3_600_000 - 1);
    expect(xen.addedRanges()).toHaveLength(0);
    m.settle(1);
    expect(m.clock.now).toBe(3_600_000);
    expect(xen.addedRanges()).toEqual([{ start: 0x100000000n, end: 0x10fffffffn }]);
  });

  it('section-aligned resources fail on guests with 1 GiB memory blocks (-EINVAL)', () => {
    const { m, xen } = boot('6.12', { blockSize: GiB });
    xen.request({ type: 'target', bytes: BOOT + 128n * MiB });
    m.settle();
    expect(logs(m).slice(-2)).toEqual([
      'error: Block size [0x40000000] unaligned hotplug range: start 0x100000000, size 0x8000000',
      'warn: Cannot add additional memory (-22)',
    ]);
    expect(hotAdded(m)).toEqual([]);
  });

  it('no room within the physical address bits: "Cannot allocate new System RAM resource"', () => {
    // 8 GiB of physical address space: 1 GiB free below 4 GiB and 4 GiB above it.
    const { m, xen } = boot('6.12', { physBits: 33, bootIomem: LOW_HOLE_MAP });
    xen.request({ type: 'target', bytes: 8n * GiB });
    m.settle();
    expect(logs(m).at(-1)).toBe('error: Cannot allocate new System RAM resource');
    expect(details(xen)).toMatchObject({ state: 'BP_ECANCELED' });
  });

  it('without memory hotplug, a target above the memory is clamped to it', () => {
    const { m, xen } = boot('6.12', {}, { memoryHotplug: false });
    xen.request({ type: 'target', bytes: BOOT + GiB });
    m.settle();
    expect(details(xen)).toMatchObject({ targetPages: BOOT_PAGES, state: 'BP_ECANCELED' });
    expect(hotAdded(m)).toEqual([]);
  });
});

describe('xen balloon: the thread and the host', () => {
  it('with memory left offline the thread waits; it populates at its next 1 s tick after onlining', () => {
    const { m, xen } = boot('6.12', { onlinePolicy: 'offline' });
    xen.request({ type: 'target', bytes: BOOT + 128n * MiB });
    m.settle(60_000);
    expect(details(xen)).toMatchObject({ state: 'BP_WAIT', balloonedPages: 0n, currentPages: BOOT_PAGES });
    expect(xen.work()).toBe('idle');
    m.advance(5300);
    expect(m.guestWriteState(32, 'online_movable')).toBe(0);
    expect(xen.work()).toBe('waiting');
    m.settle(10_000);
    expect(m.clock.now).toBe(6000);
    expect(details(xen)).toMatchObject({ currentPages: BOOT_PAGES + 32768n });
  });

  it('backs off when the hypervisor refuses to populate: 1, 2, 4, 8 s, then gives up for an hour', () => {
    const { m, xen } = boot('6.12');
    xen.request({ type: 'custom', name: 'populate-fail', args: { count: 4 } });
    xen.request({ type: 'target', bytes: BOOT + 128n * MiB });
    m.settle();
    const seen: [number, unknown, unknown][] = [];
    for (let i = 0; i < 6; i++) {
      const next = m.clock.nextDue();
      if (next === null) break;
      m.settle(next - m.clock.now);
      seen.push([m.clock.now, details(xen).state, details(xen).scheduleDelay]);
    }
    expect(seen).toEqual([
      [1000, 'BP_EAGAIN', 2],
      [3000, 'BP_EAGAIN', 4],
      [7000, 'BP_EAGAIN', 8],
      [15000, 'BP_ECANCELED', 1],
      [3615000, 'BP_DONE', 1],
    ]);
    expect(details(xen)).toMatchObject({ currentPages: BOOT_PAGES + 32768n });
  });

  it('the domain maximum caps population; the rest stays ballooned', () => {
    const { m, xen } = boot('6.12', {}, { maxmem: BOOT + 64n * MiB });
    xen.request({ type: 'target', bytes: BOOT + 128n * MiB });
    m.settle(60_000);
    expect(details(xen)).toMatchObject({ currentPages: BOOT_PAGES + 16384n, balloonedPages: 16384n });
    // Not converged: the runner sees plugged below requested.
    expect(xen.state()).toMatchObject({ plugged: 64n * MiB, requested: 128n * MiB });
    expect(xen.request({ type: 'custom', name: 'maxmem', args: { bytes: null } })).toBe(0);
    m.settle(4_000_000);
    expect(details(xen)).toMatchObject({ currentPages: BOOT_PAGES + 32768n, balloonedPages: 0n });
  });

  it('lowering the target balloons out; hot-added memory is never removed', () => {
    const { m, xen } = boot('6.12');
    xen.request({ type: 'target', bytes: BOOT + GiB });
    m.settle(2000);
    const iomem = m.renderIomem();
    const blocks = m.renderMemoryBlocks();
    xen.request({ type: 'target', bytes: BOOT - 256n * MiB });
    m.settle(2000);
    expect(details(xen)).toMatchObject({ currentPages: BOOT_PAGES - 65536n, balloonedPages: 262144n + 65536n, state: 'BP_DONE' });
    expect(m.renderIomem()).toBe(iomem);
    expect(m.renderMemoryBlocks()).toBe(blocks);
    expect(xen.state()).toMatchObject({ plugged: -256n * MiB, requested: -256n * MiB });
    expect(details(xen).hotplugBytes).toBe(GiB);
    expect(xen.request({ type: 'resize', size: 0n })).toBe(EINVAL);
    expect(xen.request({ type: 'eject' })).toBe(EINVAL);
  });

  it('rejects bad host requests and parameters with a message naming the field', () => {
    const { m, xen } = boot('6.12');
    expect(xen.request({ type: 'target', bytes: -1n })).toBe(EINVAL);
    expect(xen.request({ type: 'custom', name: 'maxmem', args: { bytes: 'much' } })).toBe(EINVAL);
    expect(xen.request({ type: 'custom', name: 'populate-fail', args: { count: -1 } })).toBe(EINVAL);
    expect(xen.request({ type: 'custom', name: 'nope' })).toBe(EINVAL);
    expect(m.addDevice({ kind: 'xen-balloon', id: 'xen1' })).toEqual({ ok: false, error: expect.stringContaining('one balloon') });
    const r = Machine.create({ bootIomem: bootMapIomem('q35-2g'), physBits: 40, blockSize: 128n * MiB, onlinePolicy: 'online', profile: '6.12' });
    if (!r.ok) throw new Error(r.error);
    expect(r.machine.addDevice({ kind: 'xen-balloon', maxmem: 'lots' })).toEqual({ ok: false, error: expect.stringContaining('maxmem') });
    expect(r.machine.addDevice({ kind: 'xen-balloon', memoryHotplug: 'yes' } as never)).toEqual({ ok: false, error: expect.stringContaining('memoryHotplug') });
  });
});
