import { describe, expect, it } from 'vitest';
import { EIO } from '../../../worker/engine/errno.js';
import type { Device } from '../../../worker/engine/drivers/device.js';
import type { Machine } from '../../../worker/engine/machine/machine.js';
import type { OnlinePolicy } from '../../../worker/engine/base/memory.js';
import { machine, hotLines, hotBlocks, MiB } from '../machine/fixture.js';

// Ejecting ACPI DIMMs the way drivers/acpi/scan.c does it: a DIMM the guest never added goes
// away without touching memory, and a refused eject offlines every block in two passes, then
// onlines what it offlined with plain device_online() (the default zone for the spans of the moment).

const DIMM1 = 0x100000000n; // memory32..
const DIMM2 = 0x120000000n; // memory36..

function dimm(m: Machine, id: string, addr: bigint, size: bigint): Device {
  const r = m.addDevice({ kind: 'acpi-dimm', id, addr, size });
  if (!r.ok) throw new Error(r.error);
  m.settle();
  return r.device;
}

/** Records going-offline / online notifications and vetoes going-offline for `veto` blocks (`times` times each). */
function watch(m: Machine, veto: number[], times = Infinity): string[] {
  const seen: string[] = [];
  const left = new Map(veto.map((b) => [b, times]));
  m.blocks.registerNotifier((n) => {
    if (n.action !== 'going-offline' && n.action !== 'online') return 0;
    seen.push(`${n.action} ${n.block}`);
    const l = left.get(n.block) ?? 0;
    if (n.action === 'going-offline' && l > 0) {
      left.set(n.block, l - 1);
      return EIO;
    }
    return 0;
  });
  return seen;
}

describe('ejecting a DIMM the guest could not add', () => {
  it.each([
    ['unaligned to the memory block size', 64n * MiB, (_m: Machine) => {}],
    ['refused by add_memory (injected -EIO)', 128n * MiB, (m: Machine) => m.faults.failAddMemory({ start: DIMM1, err: EIO })],
  ])('%s: the eject succeeds with nothing to remove and frees the slot', (_name, size, arm) => {
    const m = machine();
    arm(m);
    const iomem = m.renderIomem();
    const blocks = m.renderMemoryBlocks();
    const d1 = dimm(m, 'd1', DIMM1, size);
    expect(d1.state().details.phase).toBe('failed');
    expect(d1.state().plugged).toBe(0n);
    expect(d1.request({ type: 'eject' })).toBe(0);
    m.settle();
    expect(d1.state().details.phase).toBe('ejected');
    expect(m.device('d1')).toBeUndefined();
    expect(m.renderIomem()).toBe(iomem);
    expect(m.renderMemoryBlocks()).toBe(blocks);
    // the region is free again: a block-aligned DIMM at the same address is added and onlined
    const d2 = dimm(m, 'd2', DIMM1, 128n * MiB);
    expect(d2.state().details.phase).toBe('enabled');
    expect(hotLines(m)).toEqual(['100000000-107ffffff : System RAM']);
    expect(hotBlocks(m)).toEqual(['32:online:Movable']);
  });

  it('a second eject of the gone DIMM is refused by the host', () => {
    const m = machine();
    const d1 = dimm(m, 'd1', DIMM1, 64n * MiB);
    d1.request({ type: 'eject' });
    m.settle();
    expect(d1.request({ type: 'eject' })).toBeLessThan(0);
  });

  it('an eject asked for before the guest handled the hot-add runs after it', () => {
    const m = machine();
    const r = m.addDevice({ kind: 'acpi-dimm', id: 'd1', addr: DIMM1, size: 256n * MiB });
    if (!r.ok) throw new Error(r.error);
    const seen = watch(m, []);
    expect(r.device.request({ type: 'eject' })).toBe(0);
    expect(r.device.state().requested).toBe(0n);
    m.settle();
    expect(seen).toEqual(['online 32', 'online 33', 'going-offline 32', 'going-offline 33']);
    expect(hotLines(m)).toEqual([]);
    expect(hotBlocks(m)).toEqual([]);
    expect(m.device('d1')).toBeUndefined();
  });
});

describe('a refused DIMM eject (acpi_scan_try_to_offline)', () => {
  // d2 (memory36-37, online Movable) keeps the top of the Movable span where it is; without it the
  // span also shrinks from the top while d1's blocks go offline.
  it.each<{ name: string; d2: boolean; policy?: OnlinePolicy; setup?: (m: Machine) => void; veto?: number[]; blocks: string[]; events?: string[] }>([
    {
      name: 'pinned first block in Normal: the Movable blocks come back in Normal (as in trace ar)',
      d2: true,
      setup: (m) => {
        expect(m.blocks.guestWriteState(32, 'offline')).toBe(0);
        expect(m.blocks.guestWriteState(32, 'online_kernel')).toBe(0);
        m.faults.setUnmovable(32, 2n * MiB);
      },
      blocks: ['32:online:Normal', '33:online:Normal', '34:online:Normal', '35:online:Normal', '36:online:Movable', '37:online:Movable'],
    },
    {
      name: 'pinned middle block, d2 above: blocks below it go to Normal, the one above stays in the Movable span',
      d2: true,
      setup: (m) => m.faults.setUnmovable(34, 4096n),
      blocks: ['32:online:Normal', '33:online:Normal', '34:online:Movable', '35:online:Movable', '36:online:Movable', '37:online:Movable'],
    },
    {
      name: 'pinned middle block alone: the Movable span shrinks to it and every other block goes to Normal',
      d2: false,
      setup: (m) => m.faults.setUnmovable(34, 4096n),
      blocks: ['32:online:Normal', '33:online:Normal', '34:online:Movable', '35:online:Normal'],
    },
    {
      name: 'a block the guest had offlined stays offline',
      d2: false,
      setup: (m) => {
        expect(m.blocks.guestWriteState(35, 'offline')).toBe(0);
        m.faults.setUnmovable(32, 4096n);
      },
      blocks: ['32:online:Movable', '33:online:Normal', '34:online:Normal', '35:offline:Normal/Movable'],
    },
    {
      name: 'vetoed block: every block tried once, the vetoed one twice, then the offlined ones onlined in order',
      d2: false,
      veto: [33],
      blocks: ['32:online:Normal', '33:online:Movable', '34:online:Normal', '35:online:Normal'],
      events: ['going-offline 32', 'going-offline 33', 'going-offline 34', 'going-offline 35', 'going-offline 33', 'online 32', 'online 34', 'online 35'],
    },
    {
      name: 'the second pass stops at the first block that refuses again',
      d2: false,
      veto: [33, 34],
      blocks: ['32:online:Normal', '33:online:Movable', '34:online:Movable', '35:online:Normal'],
      events: ['going-offline 32', 'going-offline 33', 'going-offline 34', 'going-offline 35', 'going-offline 33', 'online 32', 'online 35'],
    },
    {
      name: 'online policy "online" with the DIMM moved to Movable by hand (as in trace an)',
      d2: true,
      policy: 'online',
      setup: (m) => {
        for (const b of [33, 34, 35]) {
          expect(m.blocks.guestWriteState(b, 'offline')).toBe(0);
          expect(m.blocks.guestWriteState(b, 'online_movable')).toBe(0);
        }
        m.faults.setUnmovable(32, 2n * MiB);
      },
      blocks: ['32:online:Normal', '33:online:Normal', '34:online:Normal', '35:online:Normal', '36:online:Normal', '37:online:Normal'],
    },
  ])('$name', ({ d2, policy, setup, veto, blocks, events }) => {
    const m = machine(policy ? { onlinePolicy: policy } : {});
    const d1 = dimm(m, 'd1', DIMM1, 512n * MiB);
    if (d2) dimm(m, 'd2', DIMM2, 256n * MiB);
    setup?.(m);
    const seen = watch(m, veto ?? []);
    expect(d1.request({ type: 'eject' })).toBe(0);
    m.settle();
    expect(hotBlocks(m)).toEqual(blocks);
    if (events) expect(seen).toEqual(events);
    expect(hotLines(m)).toEqual(['100000000-11fffffff : System RAM', ...(d2 ? ['120000000-12fffffff : System RAM'] : [])]);
    expect(m.device('d1')).toBe(d1);
    expect(d1.state().details.phase).toBe('enabled');
    expect(d1.state().details.lastError).toBe('-EBUSY');
    expect(d1.state().plugged).toBe(512n * MiB);
  });

  it('a refusal in the first pass only: the retry offlines the block and the eject goes through', () => {
    const m = machine();
    const d1 = dimm(m, 'd1', DIMM1, 512n * MiB);
    const seen = watch(m, [33], 1);
    d1.request({ type: 'eject' });
    m.settle();
    expect(seen).toEqual(['going-offline 32', 'going-offline 33', 'going-offline 34', 'going-offline 35', 'going-offline 33']);
    expect(hotLines(m)).toEqual([]);
    expect(hotBlocks(m)).toEqual([]);
    expect(m.device('d1')).toBeUndefined();
  });

  it('the refused DIMM can be ejected later once nothing pins it', () => {
    const m = machine();
    const d1 = dimm(m, 'd1', DIMM1, 512n * MiB);
    const seen = watch(m, [34], 2);
    d1.request({ type: 'eject' });
    m.settle();
    expect(d1.state().details.lastError).toBe('-EBUSY');
    expect(m.device('d1')).toBe(d1);
    expect(d1.request({ type: 'eject' })).toBe(0);
    m.settle();
    expect(seen.filter((e) => e === 'going-offline 34')).toHaveLength(3);
    expect(hotLines(m)).toEqual([]);
    expect(m.device('d1')).toBeUndefined();
  });
});
