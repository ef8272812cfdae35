import { describe, expect, it } from 'vitest';
import type { StrategyName } from '../../../worker/engine/profiles.js';
import { machine, hotLines, hotBlocks, MiB, GiB } from '../machine/fixture.js';

describe('ACPI DIMMs', () => {
  it.each([['none'], ['rfc-v1'], ['mhp-merge']] as const)('two adjacent DIMMs stay two resources under %s', (strategy) => {
    const m = machine({ strategy: strategy as StrategyName });
    expect(m.addDevice({ kind: 'acpi-dimm', id: 'd1', addr: 0x100000000n, size: 128n * MiB }).ok).toBe(true);
    expect(m.addDevice({ kind: 'acpi-dimm', id: 'd2', addr: 0x108000000n, size: 128n * MiB }).ok).toBe(true);
    m.settle();
    expect(hotLines(m)).toEqual(['100000000-107ffffff : System RAM', '108000000-10fffffff : System RAM']);
    expect(m.tree.flags(m.tree.lookupResource(m.tree.root, 0x100000000n).res)).toBe(0x81000200);
    expect(hotBlocks(m)).toEqual(['32:online:Movable', '33:online:Movable']);
  });

  it('eject offlines every block and removes the memory; the device goes away', () => {
    const m = machine();
    const r = m.addDevice({ kind: 'acpi-dimm', id: 'd3', addr: 0x110000000n, size: 1n * GiB });
    if (!r.ok) throw new Error(r.error);
    m.settle();
    expect(hotBlocks(m)).toHaveLength(8);
    expect(r.device.state().plugged).toBe(1n * GiB);
    expect(r.device.request({ type: 'eject' })).toBe(0);
    m.settle();
    expect(hotLines(m)).toEqual([]);
    expect(hotBlocks(m)).toEqual([]);
    expect(m.device('d3')).toBeUndefined();
  });

  it('an eject fails when a block cannot be offlined; the blocks it offlined come back in the default zone', () => {
    const m = machine();
    const r = m.addDevice({ kind: 'acpi-dimm', id: 'd1', addr: 0x100000000n, size: 512n * MiB });
    if (!r.ok) throw new Error(r.error);
    m.settle();
    m.faults.setUnmovable(34, 4096n);
    r.device.request({ type: 'eject' });
    m.settle();
    // 32, 33 and 35 went offline (ZONE_MOVABLE shrank to 34) and device_online() put them in Normal
    expect(hotBlocks(m)).toEqual(['32:online:Normal', '33:online:Normal', '34:online:Movable', '35:online:Normal']);
    expect(hotLines(m)).toEqual(['100000000-11fffffff : System RAM']);
    expect(r.device.state().details.lastError).toBe('-EBUSY');
    expect(m.device('d1')).toBe(r.device);
  });

  it('is placed first fit after other memory devices when the host gives no address', () => {
    const m = machine();
    const a = m.addDevice({ kind: 'acpi-dimm', id: 'a', size: 256n * MiB });
    const b = m.addDevice({ kind: 'acpi-dimm', id: 'b', size: 128n * MiB });
    if (!a.ok || !b.ok) throw new Error('add failed');
    expect(a.device.state().details.addr).toBe(0x100000000n);
    expect(b.device.state().details.addr).toBe(0x110000000n);
  });

  it.each([
    ['an overlap with another DIMM', { addr: 0x100000000n, size: 128n * MiB }, /overlaps another memory device/],
    ['a zero size', { addr: 0x200000000n, size: 0n }, /size must be a positive size/],
    ['an address beyond 2^40', { addr: 1n << 40n, size: 128n * MiB }, /beyond the physical address space/],
  ])('refuses %s', (_n, spec, msg) => {
    const m = machine();
    m.addDevice({ kind: 'acpi-dimm', id: 'x', addr: 0x100000000n, size: 128n * MiB });
    const r = m.addDevice({ kind: 'acpi-dimm', ...spec });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(msg);
  });

  it('an unaligned DIMM fails in add_memory (-EINVAL) and leaves the tree alone', () => {
    const m = machine();
    const before = m.renderIomem();
    const r = m.addDevice({ kind: 'acpi-dimm', id: 'u', addr: 0x100000000n, size: 64n * MiB });
    if (!r.ok) throw new Error(r.error);
    m.settle();
    expect(r.device.state().details.phase).toBe('failed');
    expect(m.renderIomem()).toBe(before);
  });
});
