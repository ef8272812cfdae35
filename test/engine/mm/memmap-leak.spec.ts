import { describe, expect, it } from 'vitest';
import { Faults } from '../../../worker/engine/machine/faults.js';
import { machine, BLOCK, GiB, MiB } from '../machine/fixture.js';

/** 2 MiB: the memmap of one 128 MiB block (32,768 struct pages of 64 bytes). */
const MEMMAP = 2n * MiB;

/** Adds n blocks from 4 GiB one at a time (each auto-onlined as the machine's policy says) and returns the machine. */
function grown(profile: '6.12' | '6.18', n: number, onlinePolicy: 'online_kernel' | 'online_movable' = 'online_kernel') {
  const m = machine({ profile, onlinePolicy });
  for (let i = 0; i < n; i++) expect(m.hotplug.addMemory(0, 4n * GiB + BigInt(i) * BLOCK, BLOCK).err).toBe(0);
  return m;
}

function remove(m: ReturnType<typeof machine>, first: number, count: number): void {
  for (let b = first; b < first + count; b++) expect(m.hotplug.offlineAndRemoveMemory(BigInt(b) * BLOCK, BLOCK).err).toBe(0);
}

describe('memmaps of removed blocks (Profile.memmapFreedOnRemove)', () => {
  it('6.18: a removed block leaves its 2 MiB memmap pinned in the first Normal hot-added block for good', () => {
    const m = grown('6.18', 8);
    // block 32 took its memmap from boot memory (no Normal block online yet); 33-39 from block 32
    remove(m, 36, 4);
    expect(m.faults.leakedMemmapBytes(32)).toBe(4n * MEMMAP);
    expect(m.faults.rangeHasUnmovable(32n * BLOCK + 3n * MEMMAP, MEMMAP, BLOCK)).toBe(true);
    expect(m.faults.rangeHasUnmovable(32n * BLOCK + 4n * MEMMAP, MEMMAP, BLOCK)).toBe(false);
    // re-adding places the new memmaps there as well; removing them again leaks them again
    for (let b = 36; b < 40; b++) expect(m.hotplug.addMemory(0, BigInt(b) * BLOCK, BLOCK).err).toBe(0);
    remove(m, 33, 7);
    expect(m.faults.leakedMemmapBytes(32)).toBe(11n * MEMMAP);
  });

  it('6.12 frees them: nothing stays pinned', () => {
    const m = grown('6.12', 8);
    remove(m, 33, 7);
    expect(m.faults.leakedMemmapBytes(32)).toBe(0n);
    expect(m.faults.rangeHasUnmovable(32n * BLOCK, BLOCK, BLOCK)).toBe(false);
  });

  it('6.18 with the blocks in ZONE_MOVABLE: the memmaps come from boot memory and no hot-added block is pinned', () => {
    const m = grown('6.18', 8, 'online_movable');
    remove(m, 33, 7);
    expect(m.faults.leakedMemmapBytes(32)).toBe(0n);
  });

  it('the holder cannot be offlined while leaked memmaps pin it; forgetting the block drops them', () => {
    const m = grown('6.18', 3);
    remove(m, 33, 2);
    expect(m.faults.leakedMemmapBytes(32)).toBe(2n * MEMMAP);
    expect(m.hotplug.offlineAndRemoveMemory(32n * BLOCK, BLOCK).err).not.toBe(0);
    expect(m.blocks.isOnline(32)).toBe(true);
    m.faults.forgetBlocks(32, 1);
    expect(m.faults.leakedMemmapBytes(32)).toBe(0n);
  });
});

describe('Faults: leaked memmaps beside injected pins', () => {
  it('come after the injected pins of the block, and clearing the injected pins leaves them', () => {
    const f = new Faults();
    f.setUnmovable(32, 4n * MiB);
    f.pinLeakedMemmap(32, MEMMAP);
    f.pinLeakedMemmap(32, MEMMAP);
    expect(f.rangeHasUnmovable(32n * BLOCK + 7n * MiB, MiB, BLOCK)).toBe(true);
    expect(f.rangeHasUnmovable(32n * BLOCK + 8n * MiB, MiB, BLOCK)).toBe(false);
    f.setUnmovable(32, 0n);
    expect(f.unmovableBlocks()).toEqual([]);
    expect(f.rangeHasUnmovable(32n * BLOCK + 3n * MiB, MiB, BLOCK)).toBe(true);
    expect(f.rangeHasUnmovable(32n * BLOCK + 4n * MiB, MiB, BLOCK)).toBe(false);
    // a wide range looks the block up by key
    expect(f.rangeHasUnmovable(0n, 64n * BLOCK, BLOCK)).toBe(true);
  });

  it('ignores nonsense', () => {
    const f = new Faults();
    f.pinLeakedMemmap(-1, MEMMAP);
    f.pinLeakedMemmap(3, 0n);
    expect(f.rangeHasUnmovable(0n, 64n * BLOCK, BLOCK)).toBe(false);
  });
});
