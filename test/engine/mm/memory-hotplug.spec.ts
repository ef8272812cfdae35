import { describe, expect, it } from 'vitest';
import { E2BIG, EBUSY, EEXIST, EINVAL, ENOMEM } from '../../../worker/engine/errno.js';
import type { ProfileName, StrategyName } from '../../../worker/engine/profiles.js';
import { machine, hotLines, BLOCK, GiB, BOOT_IOMEM_NO_VIRTIO } from '../machine/fixture.js';

const at = (i: number) => 4n * GiB + BigInt(i) * BLOCK;

describe('add_memory argument checks', () => {
  it.each([
    ['unaligned start', at(0) + 4096n, BLOCK, '6.12', EINVAL],
    ['unaligned size', at(0), BLOCK + 4096n, '6.12', EINVAL],
    ['zero size (6.12: outside the pluggable range)', at(0), 0n, '6.12', E2BIG],
    ['zero size (5.10: __request_region fails)', at(0), 0n, '5.10', EEXIST],
    ['beyond 2^40 (6.12)', 1n << 40n, BLOCK, '6.12', E2BIG],
    ['beyond 2^40 (5.10)', 1n << 40n, BLOCK, '5.10', EEXIST],
    ['over boot System RAM', 0n, BLOCK, '6.12', EEXIST],
    ['over the PCI hole (busy Reserved inside)', 0xb0000000n, BLOCK, '6.12', EEXIST],
  ] as const)('%s', (_n, start, size, profile, err) => {
    const m = machine({ profile: profile as ProfileName });
    const before = m.renderIomem();
    const r = m.hotplug.addMemory(0, start, size);
    expect(r.err).toBe(err);
    expect(m.renderIomem()).toBe(before);
    expect(m.blocks.counts().present).toBe(16);
  });

  it('adding the same block twice gives -EEXIST and changes nothing', () => {
    const m = machine();
    expect(m.hotplug.addMemory(0, at(0), BLOCK).err).toBe(0);
    const before = m.renderIomem();
    expect(m.hotplug.addMemory(0, at(0), BLOCK).err).toBe(EEXIST);
    expect(m.renderIomem()).toBe(before);
  });

  it('an injected add failure (-ENOMEM) releases the resource again', () => {
    const m = machine();
    m.faults.failAddMemory({ start: at(1) });
    const before = m.renderIomem();
    expect(m.hotplug.addMemory(0, at(1), BLOCK).err).toBe(ENOMEM);
    expect(m.renderIomem()).toBe(before);
    expect(m.hotplug.addMemory(0, at(1), BLOCK).err).toBe(0);
  });

  it('add_memory_driver_managed wants a "System RAM (…)" name', () => {
    const m = machine();
    expect(m.hotplug.addMemoryDriverManaged(0, at(0), BLOCK, m.tree.internName('virtio_mem', 't')).err).toBe(EINVAL);
    expect(m.hotplug.addMemoryDriverManaged(0, at(0), BLOCK, m.tree.internName('System RAM (x)', 't')).err).toBe(0);
  });
});

describe('resource flags by profile', () => {
  it.each([
    ['5.9', 'System RAM (x)', false, 0x81000280],
    ['5.10', 'System RAM (x)', false, 0x83000200],
    ['6.12', 'System RAM (x)', true, 0x87000200],
    ['6.12', 'System RAM', false, 0x81000200],
    ['6.12', 'System RAM', true, 0x85000200],
  ] as const)('%s %s merge=%s -> %s', (profile, name, merge, flags) => {
    const m = machine({ profile });
    const r = m.hotplug.addMemoryDriverManaged(0, at(0), BLOCK, m.tree.internName(name, 'drv'), { merge });
    if (name === 'System RAM') {
      expect(r.err).toBe(EINVAL);
      const a = m.hotplug.addMemory(0, at(0), BLOCK, { merge });
      expect(m.tree.flags(a.res)).toBe(flags);
      return;
    }
    expect(r.err).toBe(0);
    expect(m.tree.flags(r.res)).toBe(flags);
  });
});

describe('merging per strategy', () => {
  const range = (i: number, j: number) => `${at(i).toString(16)}-${(at(j + 1) - 1n).toString(16)} : System RAM`;
  it.each([
    // adds in order, expected hot-added top-level lines
    ['none', [0, 1, 2, 3], [range(0, 0), range(1, 1), range(2, 2), range(3, 3)]],
    ['mhp-merge', [0, 1, 2, 3], [range(0, 3)]],
    ['rfc-v1', [0, 1, 2, 3], [range(0, 3)]],
    // filling a hole between two merged runs: 5.10 merges both neighbours, the RFC's pass merges pairs
    ['mhp-merge', [0, 2, 3, 1], [range(0, 3)]],
    ['rfc-v1', [0, 2, 3, 1], [range(0, 1), range(2, 3)]],
    ['none', [0, 2, 3, 1], [range(0, 0), range(1, 1), range(2, 2), range(3, 3)]],
  ] as const)('%s adding blocks %j', (strategy, order, lines) => {
    const m = machine({ strategy: strategy as StrategyName });
    for (const i of order) expect(m.hotplug.addMemory(0, at(i), BLOCK, { merge: true }).err).toBe(0);
    expect(hotLines(m)).toEqual(lines);
  });

  it('the RFC merges the leftover pair on the next add', () => {
    const m = machine({ strategy: 'rfc-v1' });
    for (const i of [0, 2, 3, 1, 5]) m.hotplug.addMemory(0, at(i), BLOCK, { merge: true });
    expect(hotLines(m)).toEqual([range(0, 3), range(5, 5)]);
  });

  it('callers that do not ask for merging (DIMMs) never merge', () => {
    const m = machine({ strategy: 'mhp-merge' });
    for (const i of [0, 1]) m.hotplug.addMemory(0, at(i), BLOCK);
    expect(hotLines(m)).toEqual([range(0, 0), range(1, 1)]);
  });

  it.each([['mhp-merge'], ['rfc-v1']] as const)('%s: hot-added memory never merges with adjacent boot System RAM', (strategy) => {
    const boot = BOOT_IOMEM_NO_VIRTIO.replace('fffc0000-ffffffff : Reserved\n', 'fffc0000-ffffffff : Reserved\n100000000-13fffffff : System RAM\n');
    const m = machine({ strategy, bootIomem: boot });
    expect(m.blocks.validZones(32)).toBe('Normal');
    expect(m.hotplug.addMemory(0, 0x140000000n, BLOCK, { merge: true }).err).toBe(0);
    expect(m.hotplug.addMemory(0, 0x148000000n, BLOCK, { merge: true }).err).toBe(0);
    expect(hotLines(m)).toEqual(['100000000-13fffffff : System RAM', '140000000-14fffffff : System RAM']);
  });
});

describe('removing memory', () => {
  it('splits a merged resource, trims its ends and frees an exact match', () => {
    const m = machine({ onlinePolicy: 'offline' });
    m.hotplug.addMemory(0, at(0), 4n * BLOCK, { merge: true });
    expect(hotLines(m)).toEqual([`100000000-11fffffff : System RAM`]);
    expect(m.hotplug.removeMemory(at(2), BLOCK).err).toBe(0);
    expect(hotLines(m)).toEqual(['100000000-10fffffff : System RAM', '118000000-11fffffff : System RAM']);
    expect(m.hotplug.removeMemory(at(0), BLOCK).err).toBe(0);
    expect(hotLines(m)).toEqual(['108000000-10fffffff : System RAM', '118000000-11fffffff : System RAM']);
    expect(m.hotplug.removeMemory(at(3), BLOCK).err).toBe(0);
    expect(m.hotplug.removeMemory(at(1), BLOCK).err).toBe(0);
    expect(hotLines(m)).toEqual([]);
    expect(m.blocks.counts().present).toBe(16);
  });

  it('refuses online blocks (-EBUSY) and unaligned ranges (-EINVAL, logged as a kernel BUG)', () => {
    const m = machine();
    m.hotplug.addMemory(0, at(0), BLOCK);
    expect(m.blocks.isOnline(32)).toBe(true);
    expect(m.hotplug.removeMemory(at(0), BLOCK).err).toBe(EBUSY);
    expect(m.hotplug.removeMemory(at(0) + 4096n, BLOCK).err).toBe(EINVAL);
    expect(m.log.entries().some((l) => l.message.startsWith('BUG: try_remove_memory()'))).toBe(true);
  });

  it.each([
    ['5.10', 1n, 0],
    ['5.10', 2n, EINVAL],
    ['6.1', 2n, 0],
    ['6.12', 3n, 0],
    ['6.12', 0n, EINVAL],
  ] as const)('offline_and_remove_memory on %s with %s blocks -> %s', (profile, n, err) => {
    const m = machine({ profile });
    m.hotplug.addMemory(0, at(0), 4n * BLOCK, { merge: true });
    expect(m.hotplug.offlineAndRemoveMemory(at(0), n * BLOCK).err).toBe(err);
    expect(m.blocks.exists(32)).toBe(err !== 0);
  });

  it('offline_and_remove_memory re-onlines what it offlined when a block refuses', () => {
    const m = machine();
    m.hotplug.addMemory(0, at(0), 3n * BLOCK, { merge: true });
    m.faults.setUnmovable(34, 2n * 1024n * 1024n);
    expect(m.hotplug.offlineAndRemoveMemory(at(0), 3n * BLOCK).err).toBe(EBUSY);
    expect([32, 33, 34].map((b) => m.blocks.stateOf(b))).toEqual(['online', 'online', 'online']);
    expect(m.blocks.validZones(32)).toBe('Movable');
  });
});

describe('hostile arguments never throw', () => {
  it.each([
    ['remove a huge range', (m: ReturnType<typeof machine>) => m.hotplug.removeMemory(0n, 1n << 62n).err, EINVAL],
    ['offline_and_remove a huge range', (m: ReturnType<typeof machine>) => m.hotplug.offlineAndRemoveMemory(0n, 1n << 62n).err, EINVAL],
    ['remove at a negative address', (m: ReturnType<typeof machine>) => m.hotplug.removeMemory(-BLOCK, BLOCK).err, EINVAL],
    ['add at a negative address', (m: ReturnType<typeof machine>) => m.hotplug.addMemory(0, -BLOCK, BLOCK).err, E2BIG],
    ['add a huge range', (m: ReturnType<typeof machine>) => m.hotplug.addMemory(0, at(0), 1n << 62n).err, E2BIG],
    ['a driver-managed add with an unknown name id', (m: ReturnType<typeof machine>) => m.hotplug.addMemoryDriverManaged(0, at(0), BLOCK, 999_999).err, EINVAL],
    ['remove memory that was never added', (m: ReturnType<typeof machine>) => m.hotplug.removeMemory(at(3), BLOCK).err, 0],
  ] as const)('%s', (_n, call, err) => {
    const m = machine();
    expect(call(m)).toBe(err);
  });
});
