import { describe, expect, it } from 'vitest';
import {
  crashHotplugRangeCapacity,
  crashMaxMemoryRanges,
  excludeRegion,
  kdumpView,
  parseKexecRelease,
  type CrashRange,
  type IomemLine,
  type KdumpSettings,
  type KdumpView,
} from '../../../worker/engine/userspace/kexec.js';
import { fixture, iomemLines, traceSection } from './iomem-lines.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;
const BLOCK = 128n * MiB;

function view(lines: Iterable<IomemLine>, settings: KdumpSettings): KdumpView {
  const r = kdumpView(lines, settings);
  if (!r.ok) throw new Error(r.error);
  return r.view;
}

/** Step 0 of the oracle traces: q35, 2 GiB, the empty 64 GiB virtio0 container at 4 GiB. */
const SEED = iomemLines(traceSection(fixture('oracle/a-grow-shrink-4g.txt'), 0, 'iomem'));
/** The seed boot map has no crashkernel= reservation; model crashkernel=256M inside boot RAM. */
const CRASH_256M = [{ start: 0x6f000000n, end: 0x7effffffn }];

/**
 * The seed boot map plus `n` unmerged 128 MiB "System RAM" lines from 4 GiB up, as Hyper-V ≤ 5.9
 * adds them (add_memory nests them under the non-busy virtio0 container that spans 4 GiB up).
 */
function seedWithBlocks(n: number): IomemLine[] {
  const at = SEED.findIndex((l) => l.name === 'virtio0');
  const added: IomemLine[] = [];
  for (let i = 0; i < n; i++) {
    const start = 0x100000000n + BigInt(i) * BLOCK;
    added.push({ start, end: start + BLOCK - 1n, name: 'System RAM', depth: 1 });
  }
  return [...SEED.slice(0, at + 1), ...added, ...SEED.slice(at + 1)];
}

describe('kexec-tools releases', () => {
  it.each([
    ['2.0.0', 66], ['2.0.1', 66], ['2.0.2', 1026], ['2.0.14', 1026],
    ['2.0.15', 2050], ['v2.0.21', 2050], ['2.0.22', 32768], ['2.0.31', 32768],
  ])('%s caps crash ranges at %i', (text, cap) => {
    const r = parseKexecRelease(text);
    expect(r).not.toBeNull();
    expect(crashMaxMemoryRanges(r!)).toBe(cap);
  });

  it('rejects a malformed release and bad settings with a message naming the field', () => {
    expect(kdumpView([], { release: 'two' })).toEqual({ ok: false, error: expect.stringContaining('unknown kexec-tools release "two"') });
    expect(kdumpView([], { release: '2.0.22', blockSize: 0n })).toEqual({ ok: false, error: expect.stringContaining('blockSize') });
    expect(kdumpView([], { release: '2.0.22', crashKernel: [{ start: 2n, end: 1n }] })).toEqual({ ok: false, error: expect.stringContaining('crashKernel[0]') });
    expect(kdumpView([], { release: '2.0.22', kernel: { possibleCpus: 0 } })).toEqual({ ok: false, error: expect.stringContaining('possibleCpus') });
  });
});

describe('drivers-and-consumers.md §4.3 on the seed boot map (kexec_load)', () => {
  // The series' cover letter (2020): "The current kexec-tools resource count limit does not allow
  // for more than ~100GB of memory with a memory block size of 128MB on x86-64" — quoted, not
  // asserted: with the caps below that is 1023 blocks (~128 GiB) for 1026 (those releases keep no
  // "Reserved" line) and 2039 (~255 GiB) for 2050; drivers-and-consumers.md §4.3 explains why
  // "~100GB" follows from neither exactly.
  const boot = view(SEED, { release: '2.0.22', syscall: 'kexec_load', crashKernel: CRASH_256M });

  it('counts every kept boot line: 2 System RAM + 8 Reserved (one nested under PCI ECAM)', () => {
    expect(boot.recorded).toBe(10);
    expect(boot.ranges.filter((r) => r.type === 'reserved')).toHaveLength(8);
    expect(boot.loaded).toBe(true);
    // The crash reservation sits strictly inside boot RAM: one more range, one more slot.
    expect(boot.ranges).toHaveLength(11);
    expect(boot.ptLoads).toBe(3 + 1);
  });

  it.each([
    ['2.0.1', 66, 2, 63],
    ['2.0.14', 1026, 2, 1023],
    ['2.0.21', 2050, 10, 2039],
    ['2.0.22', 32768, 10, 32757],
  ])('kexec-tools %s (cap %i, %i kept boot lines): %i unmerged 128 MiB blocks fit, one more breaks the load', (release, cap, kept, blocks) => {
    // max blocks = CRASH_MAX_MEMORY_RANGES − kept boot lines − crash-kernel split
    const bootHere = view(SEED, { release, syscall: 'kexec_load', crashKernel: CRASH_256M });
    expect(bootHere.recorded).toBe(kept);
    expect(blocks).toBe(cap - kept - 1);
    const fits = view(seedWithBlocks(blocks), { release, crashKernel: CRASH_256M });
    expect(fits.syscall).toBe('kexec_load');
    expect(fits.cap).toBe(cap);
    expect(fits.loaded).toBe(true);
    expect(fits.ok).toBe(true);
    expect(fits.ranges).toHaveLength(cap);
    expect(fits.headroom).toEqual({ lines: 0, blocks: 0, bytes: 0n });
    expect(bootHere.headroom!.lines).toBe(blocks);

    const breaks = view(seedWithBlocks(blocks + 1), { release, crashKernel: CRASH_256M, kernelImage: '/boot/vmlinuz-6.12' });
    expect(breaks.loaded).toBe(false);
    expect(breaks.ok).toBe(false);
    expect(breaks.messages).toEqual(['Error: Number of crash memory ranges excedeed the max limit', 'Cannot load /boot/vmlinuz-6.12']);
    expect(breaks.missedBytes).toBe(breaks.ramBytes);
  });

  it('gives the headroom in blocks and bytes for a given block size', () => {
    // 66 − (2 RAM lines + 40 blocks) − 1 split
    const v = view(seedWithBlocks(40), { release: '2.0.1', crashKernel: CRASH_256M, blockSize: BLOCK });
    expect(v.headroom).toEqual({ lines: 23, blocks: 23, bytes: 23n * BLOCK });
  });
});

describe('kexec_load details', () => {
  it('stops reading silently at the cap; with no split needed the load succeeds but misses memory', () => {
    // Crash reservation at the start of the boot RAM range: a trim, not a split.
    const crash = [{ start: 0x100000n, end: 0x10ffffffn }];
    const v = view(seedWithBlocks(70), { release: '2.0.1', crashKernel: crash });
    expect(v.truncated).toBe(true);
    expect(v.loaded).toBe(true);
    expect(v.messages).toEqual([]);
    expect(v.ranges).toHaveLength(66);
    // v2.0.1 keeps only the 2 boot System RAM lines before virtio0 (its "Reserved" lines are not
    // kept): 64 blocks are read, 6 are dropped.
    expect(v.missedBytes).toBe(6n * BLOCK);
    expect(v.ok).toBe(false);
  });

  it('before v2.0.18 only a lowercase "reserved" line is kept; since then "Reserved" too', () => {
    // The seed boot map names its 8 reservations "Reserved" (e820 since 4.x): v2.0.17 keeps the two
    // System RAM lines only; v2.0.18 adds memcmp(str, "Reserved\n", 9) and keeps all ten.
    const v17 = view(SEED, { release: '2.0.17', syscall: 'kexec_load', crashKernel: CRASH_256M });
    expect(v17.recorded).toBe(2);
    expect(v17.ranges.filter((r) => r.type === 'reserved')).toHaveLength(0);
    const v18 = view(SEED, { release: '2.0.18', syscall: 'kexec_load', crashKernel: CRASH_256M });
    expect(v18.recorded).toBe(10);
    const lower = SEED.map((l) => (l.name === 'Reserved' ? { ...l, name: 'reserved' } : l));
    expect(view(lower, { release: '2.0.15', syscall: 'kexec_load', crashKernel: CRASH_256M }).recorded).toBe(10);
  });

  it('before v2.0.22 only an exact "System RAM" counts — at any depth; since then any name containing it', () => {
    const unmerged = iomemLines(fixture('dumps/iomem-virtio-mem-2g-unmerged.txt'));
    const crash = [{ start: 0x110000000n, end: 0x11fffffffn }];
    const old = view(unmerged, { release: '2.0.21', crashKernel: crash });
    expect(old.ramLines).toBe(1);
    expect(old.missedBytes).toBe(2n * GiB);
    expect(old.ok).toBe(false);
    const now = view(unmerged, { release: '2.0.22', crashKernel: crash });
    expect(now.ramLines).toBe(17);
    expect(now.ranges).toHaveLength(18);
    expect(now.ptLoads).toBe(19);
    expect(now.missedBytes).toBe(0n);
    expect(now.ok).toBe(true);
    const merged = view(iomemLines(fixture('dumps/iomem-virtio-mem-2g-merged.txt')), { release: '2.0.22', crashKernel: crash });
    expect(merged.recorded).toBe(3);
    expect(merged.ranges.map((r) => [r.start, r.end, r.type])).toEqual([
      [0xfffc0000n, 0xffffffffn, 'reserved'],
      [0x100000000n, 0x10fffffffn, 'ram'],
      [0x120000000n, 0x13fffffffn, 'ram'],
      [0x140000000n, 0x1bfffffffn, 'ram'],
    ]);
    const nested: IomemLine[] = [
      { start: 0x100000000n, end: 0x13fffffffn, name: 'System RAM', depth: 0 },
      { start: 0x140000000n, end: 0x33fffffffn, name: 'virtio0', depth: 0 },
      { start: 0x140000000n, end: 0x147ffffffn, name: 'System RAM', depth: 1 },
    ];
    expect(view(nested, { release: '2.0.21', crashKernel: crash }).ramLines).toBe(2);
  });

  it('refuses to load without a crash reservation, with kexec-tools\' message', () => {
    const v = view(SEED, { release: '2.0.22' });
    expect(v.loaded).toBe(false);
    expect(v.messages[0]).toBe('Memory for crashkernel is not reserved');
    expect(v.missedBytes).toBe(v.ramBytes);
  });

  it('reads the reservation from "Crash kernel" lines and cuts GART out too', () => {
    const lines: IomemLine[] = [
      { start: 0x1000n, end: 0x9fbffn, name: 'System RAM', depth: 0 },
      { start: 0x100000n, end: 0xbfffffffn, name: 'System RAM', depth: 0 },
      { start: 0x1000000n, end: 0x1ffffffn, name: 'Kernel code', depth: 1 },
      { start: 0x20000000n, end: 0x2fffffffn, name: 'Crash kernel', depth: 1 },
      { start: 0x80000000n, end: 0x83ffffffn, name: 'GART', depth: 0 },
    ];
    const v = view(lines, { release: '2.0.22' });
    expect(v.ranges.map((r) => [r.start, r.end])).toEqual([
      [0x1000n, 0x9fbffn], [0x100000n, 0x1fffffffn], [0x30000000n, 0x7fffffffn], [0x84000000n, 0xbfffffffn],
    ]);
    expect(v.ok).toBe(true);
  });

  it('i386 splits a range at the lowmem limit (0x38000000), using one more slot', () => {
    const lines: IomemLine[] = [{ start: 0x100000n, end: 0x7ffdffffn, name: 'System RAM', depth: 0 }];
    const crash = [{ start: 0x100000n, end: 0x1ffffffn }];
    const i386 = view(lines, { release: '2.0.22', arch: 'i386', crashKernel: crash });
    expect(i386.ranges.map((r) => [r.start, r.end])).toEqual([[0x2000000n, 0x37ffffffn], [0x38000000n, 0x7ffdffffn]]);
    expect(view(lines, { release: '2.0.22', crashKernel: crash }).ranges).toHaveLength(1);
  });
});

describe('excludeRegion (kexec-tools exclude_region)', () => {
  const r = (start: bigint, end: bigint): CrashRange => ({ start, end, type: 'ram' });
  it.each([
    ['trims the start', 0x100n, 0x1ffn, [[0x200n, 0xfffn]], true],
    ['trims the end', 0xf00n, 0xfffn, [[0x100n, 0xeffn]], true],
    ['splits in the middle', 0x400n, 0x4ffn, [[0x100n, 0x3ffn], [0x500n, 0xfffn]], true],
    ['ignores a region outside', 0x2000n, 0x2fffn, [[0x100n, 0xfffn]], true],
  ] as const)('%s', (_name, start, end, want, ok) => {
    const ranges = [r(0x100n, 0xfffn)];
    expect(excludeRegion(ranges, start, end, 4)).toBe(ok);
    expect(ranges.map((x) => [x.start, x.end])).toEqual(want);
  });
  it('fails a split when the array is full', () => {
    const ranges = [r(0x100n, 0xfffn), r(0x2000n, 0x2fffn)];
    expect(excludeRegion(ranges, 0x400n, 0x4ffn, 2)).toBe(false);
  });
});

describe('kexec_file_load path', () => {
  const unmerged = iomemLines(fixture('dumps/iomem-virtio-mem-2g-unmerged.txt'));
  const crash = [{ start: 0x110000000n, end: 0x11fffffffn }];

  it('is tried first from v2.0.27; the kernel builds the ranges with no fixed cap', () => {
    const v = view(seedWithBlocks(3000), { release: '2.0.27', crashKernel: CRASH_256M });
    expect(v.syscall).toBe('kexec_file_load');
    expect(v.cap).toBeNull();
    expect(v.headroom).toBeNull();
    expect(v.ok).toBe(true);
    // 2 boot RAM + 3000 blocks; the low 1 MiB drops the first, the reservation splits the second.
    expect(v.ranges).toHaveLength(3002);
    expect(v.ranges[0]).toEqual({ start: 0x100000n, end: 0x6effffffn, type: 'ram' });
  });

  it('falls back to kexec_load when the kernel lacks kexec_file_load; -s then fails', () => {
    expect(view(SEED, { release: '2.0.27', crashKernel: CRASH_256M, kernelHasFileLoad: false }).syscall).toBe('kexec_load');
    const forced = view(SEED, { release: '2.0.27', crashKernel: CRASH_256M, kernelHasFileLoad: false, syscall: 'kexec_file_load' });
    expect(forced.loaded).toBe(false);
    expect(forced.messages).toEqual(['syscall kexec_file_load not available.']);
  });

  it('misses nested driver-managed RAM when the kernel walks top-level resources only (before 5.13)', () => {
    const old = view(unmerged, { release: '2.0.22', syscall: 'kexec_file_load', crashKernel: crash, kernel: { walkScope: 'top-level' } });
    expect(old.missedBytes).toBe(2n * GiB);
    const now = view(unmerged, { release: '2.0.22', syscall: 'kexec_file_load', crashKernel: crash });
    expect(now.missedBytes).toBe(0n);
  });

  it('with crash hotplug, the header holds a fixed number of ranges', () => {
    // crash_load_segments asks for 64 + (2 + 64 + 8192) * 56 = 462512 bytes; kexec_add_buffer rounds
    // the segment up to a page, 462848. A page-aligned header of 64 + (cpus + 2 + n) * 56 bytes fits
    // while that sum is <= 462848: n <= 8264 - cpus - 2.
    expect(crashHotplugRangeCapacity({ maxMemoryRanges: 8192, nrCpusDefault: 64 }, 1)).toEqual({ capacity: 8261, memsz: 462848 });
    expect(crashHotplugRangeCapacity({ maxMemoryRanges: 8192, nrCpusDefault: 64 }, 4)).toEqual({ capacity: 8258, memsz: 462848 });
    // Up to the next page, not past it: 64 + (2 + 1 + 5) * 56 = 512 → 4096; 64 + (2 + 1 + 69) * 56 is
    // 4096 already and stays.
    expect(crashHotplugRangeCapacity({ maxMemoryRanges: 5, nrCpusDefault: 1 }, 1)).toEqual({ capacity: 69, memsz: 4096 });
    expect(crashHotplugRangeCapacity({ maxMemoryRanges: 69, nrCpusDefault: 1 }, 1)).toEqual({ capacity: 69, memsz: 4096 });
    const hp = { maxMemoryRanges: 100, nrCpusDefault: 64 };
    const cap = crashHotplugRangeCapacity(hp, 1).capacity;
    // Walked: 2 boot RAM + n blocks; the low 1 MiB drops one, the reservation splits one.
    const fits = view(seedWithBlocks(cap - 2), { release: '2.0.28', crashKernel: CRASH_256M, kernel: { crashHotplug: hp } });
    expect(fits.ranges).toHaveLength(cap);
    expect(fits.ok).toBe(true);
    expect(fits.headroom!.blocks).toBe(0);
    const over = view(seedWithBlocks(cap), { release: '2.0.28', crashKernel: CRASH_256M, kernel: { crashHotplug: hp } });
    expect(over.ok).toBe(false);
    // memsz: 64 + (2 + 64 + 100) * 56 = 9360, rounded up to 12288; elfsz: 64 + (1 + 2 + cap + 1) * 56
    // page aligned. The message prints the segment's (rounded) size.
    expect(cap).toBe(215);
    expect(over.messages).toEqual(['crash hp: update elfcorehdr elfsz 16384 > memsz 12288']);
    expect(over.missedBytes).toBe(2n * BLOCK);
  });
});
