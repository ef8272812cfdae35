import { describe, expect, it } from 'vitest';
import { EINVAL, ENOENT, EBUSY } from '../../../worker/engine/errno.js';
import { MemoryBlocks, parseMemoryBlocks } from '../../../worker/engine/base/memory.js';
import { Faults } from '../../../worker/engine/machine/faults.js';
import type { OnlinePolicy } from '../../../worker/engine/base/memory.js';
import { machine, hotBlocks, BLOCK, GiB, MiB, BOOT_BLOCKS } from '../machine/fixture.js';

const at = (i: number) => 4n * GiB + BigInt(i) * BLOCK;

describe('boot blocks', () => {
  it('reproduce the recorded memory-blocks section of the traces from the memory map alone', () => {
    const m = machine();
    expect(m.renderMemoryBlocks()).toBe(BOOT_BLOCKS);
  });

  it('memory0 spans DMA and DMA32 ("none"), the others are DMA32', () => {
    const m = machine();
    expect(m.blocks.validZones(0)).toBe('none');
    expect(m.blocks.validZones(1)).toBe('DMA32');
    expect(m.blocks.validZones(15)).toBe('DMA32');
  });
});

describe('valid_zones follows the current zone spans (traces d, g, h)', () => {
  it('h: offline blocks with no movable memory print "Normal Movable"; a movable neighbour does not change that', () => {
    const m = machine({ onlinePolicy: 'offline' });
    m.hotplug.addMemory(0, at(0), 3n * BLOCK, { merge: true });
    expect(hotBlocks(m)).toEqual(['32:offline:Normal/Movable', '33:offline:Normal/Movable', '34:offline:Normal/Movable']);
    expect(m.guestWriteState(33, 'online_movable')).toBe(0);
    expect(hotBlocks(m)).toEqual(['32:offline:Normal/Movable', '33:online:Movable', '34:offline:Normal/Movable']);
  });

  it('d: a block offlined inside ZONE_MOVABLE prints "Movable Normal"; at the edge the span shrinks', () => {
    const m = machine({ onlinePolicy: 'online_movable' });
    m.hotplug.addMemory(0, at(0), 8n * BLOCK, { merge: true });
    expect(m.guestWriteState(35, 'offline')).toBe(0);
    expect(m.blocks.validZones(35)).toBe('Movable Normal');
    expect(m.guestWriteState(32, 'offline')).toBe(0);
    expect(m.blocks.validZones(32)).toBe('Normal Movable');
    expect(m.blocks.zoneSpan(3)).toEqual({ start: at(1), end: at(8) });
    expect(m.guestWriteState(33, 'offline')).toBe(0);
    expect(m.guestWriteState(34, 'offline')).toBe(0);
    // the span now starts at memory36: memory35 (offline) was skipped over
    expect(m.blocks.zoneSpan(3)).toEqual({ start: at(4), end: at(8) });
    expect(m.blocks.validZones(35)).toBe('Normal Movable');
  });

  it('g: with memhp_default_state=online blocks go to Normal and an offlined one prints "Normal Movable"', () => {
    const m = machine({ onlinePolicy: 'online' });
    m.hotplug.addMemory(0, at(0), 3n * BLOCK, { merge: true });
    expect(hotBlocks(m)).toEqual(['32:online:Normal', '33:online:Normal', '34:online:Normal']);
    expect(m.guestWriteState(33, 'offline')).toBe(0);
    expect(m.blocks.validZones(33)).toBe('Normal Movable');
  });

  it('plain "online" inherits ZONE_MOVABLE next to nothing but movable memory', () => {
    const m = machine({ onlinePolicy: 'offline' });
    m.hotplug.addMemory(0, at(0), 3n * BLOCK, { merge: true });
    m.guestWriteState(32, 'online_movable');
    m.guestWriteState(34, 'online_movable');
    expect(m.blocks.validZones(33)).toBe('Movable Normal');
    expect(m.guestWriteState(33, 'online')).toBe(0);
    expect(m.blocks.validZones(33)).toBe('Movable');
  });
});

describe('auto-online policy', () => {
  it.each([
    ['offline', '32:offline:Normal/Movable'],
    ['online', '32:online:Normal'],
    ['online_kernel', '32:online:Normal'],
    ['online_movable', '32:online:Movable'],
  ] as const)('%s', (policy, line) => {
    const m = machine({ onlinePolicy: policy as OnlinePolicy });
    m.hotplug.addMemory(0, at(0), BLOCK);
    expect(hotBlocks(m)).toEqual([line]);
  });

  it('auto_online_blocks can be rewritten by the guest', () => {
    const m = machine({ onlinePolicy: 'offline' });
    expect(m.guestWriteAutoOnline('online_kernel\n')).toBe(0);
    expect(m.guestWriteAutoOnline('sometimes')).toBe(EINVAL);
    m.hotplug.addMemory(0, at(0), BLOCK);
    expect(hotBlocks(m)).toEqual(['32:online:Normal']);
  });

  it('a block the guest keeps offline is skipped', () => {
    const m = machine({ onlinePolicy: 'online_movable' });
    m.faults.setKeepOffline(33, true);
    m.hotplug.addMemory(0, at(0), 2n * BLOCK);
    // adjacent to, not inside, ZONE_MOVABLE's span: a plain online would pick Normal
    expect(hotBlocks(m)).toEqual(['32:online:Movable', '33:offline:Normal/Movable']);
  });
});

describe('writes to memoryN/state', () => {
  it.each([
    ['online to an online block', 5, 'online', EINVAL],
    ['online_movable to an online block', 5, 'online_movable', EINVAL],
    ['an unknown word', 5, 'sideways', EINVAL],
    ['a missing block', 99, 'offline', ENOENT],
    ['offline to memory0 (spans two zones)', 0, 'offline', EINVAL],
    ['offline to memory15 (ends in a hole at 0x7ffe0000)', 15, 'offline', EINVAL],
    ['offline to memory5', 5, 'offline', 0],
    ['offline with a trailing newline', 5, 'offline\n', 0],
  ] as const)('%s', (_n, block, word, err) => {
    expect(machine().guestWriteState(block, word)).toBe(err);
  });

  it('offline twice is -EINVAL; onlining a boot block again picks DMA32', () => {
    const m = machine();
    expect(m.guestWriteState(5, 'offline')).toBe(0);
    expect(m.guestWriteState(5, 'offline')).toBe(EINVAL);
    expect(m.blocks.validZones(5)).toBe('DMA32 Movable');
    expect(m.guestWriteState(5, 'online')).toBe(0);
    expect(m.blocks.validZones(5)).toBe('DMA32');
  });

  it('pinned (unmovable) pages make offlining fail with -EBUSY', () => {
    const m = machine();
    m.hotplug.addMemory(0, at(0), BLOCK);
    m.faults.setUnmovable(32, 4n * MiB);
    expect(m.guestWriteState(32, 'offline')).toBe(EBUSY);
    expect(m.blocks.stateOf(32)).toBe('online');
  });
});

describe('scale', () => {
  it('handles 524,288 blocks (64 TiB in 128 MiB blocks) in typed arrays', () => {
    const blocks = new MemoryBlocks({ blockSize: BLOCK, maxBlocks: 524_288, onlinePolicy: 'online_movable', faults: new Faults() });
    blocks.initBoot([{ start: 0x1000n, end: 0x7ffdffffn }]);
    expect(blocks.createMemoryBlockDevices(4n * GiB, (64n << 40n) - 4n * GiB)).toBe(0);
    blocks.autoOnline(4n * GiB, (64n << 40n) - 4n * GiB);
    expect(blocks.counts()).toEqual({ present: 16 + 524_288 - 32, online: 16 + 524_288 - 32, offline: 0 });
    expect(blocks.highestBlock()).toBe(524_287);
    expect(blocks.createMemoryBlockDevices(64n << 40n, BLOCK)).toBe(EINVAL);
    const text = blocks.render();
    expect(text.endsWith('memory524287 online Movable\n')).toBe(true);
    expect(text.split('\n').length - 2).toBe(16 + 524_288 - 32);
  });
});

describe('parseMemoryBlocks', () => {
  it.each([
    ['memory5 online DMA32\n', /missing "block_size_bytes"/],
    ['block_size_bytes 0x8000000\nmemory5 sideways\n', /expected "memoryN <state> <zones>"/],
    ['block_size_bytes 0x7000000\n', /not a power of two/],
  ])('rejects %j', (text, msg) => {
    const r = parseMemoryBlocks(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(msg);
  });
});

describe('memory_hotplug.online_policy=auto-movable (6.x)', () => {
  const zonesOf = (m: ReturnType<typeof machine>) => hotBlocks(m).map((l) => l.split(':')[2]);

  it('onlines to ZONE_MOVABLE while MOVABLE <= 301% of the boot kernel memory; a dynamic group\'s own kernel memory allows more', () => {
    const m = machine({ onlinePolicy: 'online', cmdline: 'memory_hotplug.online_policy=auto-movable' });
    const r = m.addDevice({ kind: 'virtio-mem', addr: 4n * GiB, regionSize: 64n * GiB });
    if (!r.ok) throw new Error(r.error);
    r.device.request({ type: 'resize', size: 7n * GiB });
    m.settle(60_000);
    const z = zonesOf(m);
    // 524,158 boot pages x 3.01 = 1,577,715 pages: 48 blocks of 32,768 fit
    expect(z.slice(0, 48).every((x) => x === 'Movable')).toBe(true);
    expect(z[48]).toBe('Normal');
    expect(z[49]).toBe('Movable');
  });

  it.each([
    ['a 512 MiB DIMM fits under 50%', 512n * MiB, 50, 'Movable'],
    ['a 1 GiB DIMM does not fit under 50% (all of it goes to Normal)', 1n * GiB, 50, 'Normal'],
    ['ratio 0 onlines everything to a kernel zone', 512n * MiB, 0, 'Normal'],
  ] as const)('%s', (_n, size, ratio, zone) => {
    const m = machine({ onlinePolicy: 'online', cmdline: `memory_hotplug.online_policy=auto-movable memory_hotplug.auto_movable_ratio=${ratio}` });
    m.addDevice({ kind: 'acpi-dimm', id: 'd', addr: 4n * GiB, size });
    m.settle();
    expect(new Set(zonesOf(m))).toEqual(new Set([zone]));
  });

  it('does not exist in 5.10 (a warning, contig-zones)', () => {
    const m = machine({ profile: '5.10', onlinePolicy: 'online', cmdline: 'memory_hotplug.online_policy=auto-movable' });
    expect(m.log.entries().some((l) => /auto-movable does not exist/.test(l.message))).toBe(true);
    m.hotplug.addMemory(0, at(0), BLOCK);
    expect(hotBlocks(m)).toEqual(['32:online:Normal']);
  });
});
