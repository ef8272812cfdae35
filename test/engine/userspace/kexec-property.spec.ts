import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kdumpView, type IomemLine } from '../../../worker/engine/userspace/kexec.js';

const MiB = 1n << 20n;
const NAMES = ['System RAM', 'Reserved', 'reserved', 'ACPI Tables', 'PCI Bus 0000:00', 'System RAM (virtio_mem)', 'Persistent Memory'];

/** A top-level map: 64 MiB slots from 256 MiB up, each holding one named line or nothing. */
const mapArb = fc.array(fc.option(fc.constantFrom(...NAMES), { nil: null }), { minLength: 1, maxLength: 80 }).map((slots) => {
  const lines: IomemLine[] = [{ start: 0x100000n, end: 0x7fffffffn, name: 'System RAM', depth: 0 }];
  slots.forEach((name, i) => {
    if (name === null) return;
    const start = (2048n + BigInt(i) * 64n) * MiB;
    lines.push({ start, end: start + 64n * MiB - 1n, name, depth: 0 });
  });
  return lines;
});

describe('kexec_load properties (drivers-and-consumers.md §4.3 generalised)', () => {
  const crashKernel = [{ start: 0x10000000n, end: 0x1fffffffn }]; // strictly inside the first line

  it('the load succeeds exactly when kept lines + the crash split fit the cap; the headroom is what is left', () => {
    fc.assert(
      fc.property(mapArb, fc.constantFrom('2.0.1', '2.0.21', '2.0.22'), (lines, release) => {
        const big = kdumpView(lines, { release: '2.0.22', crashKernel });
        const r = kdumpView(lines, { release, crashKernel });
        if (!big.ok || !r.ok) return false;
        const v = r.view;
        // v2.0.1 keeps no "Reserved" line (v2.0.18+), only v2.0.22 counts "System RAM (virtio_mem)".
        const kept = lines.filter(
          (l) => l.name !== 'PCI Bus 0000:00' && (release === '2.0.22' || l.name !== 'System RAM (virtio_mem)') && (release !== '2.0.1' || l.name !== 'Reserved'),
        ).length;
        const fits = kept + 1 <= v.cap!;
        expect(v.loaded).toBe(fits);
        if (fits) expect(v.headroom!.lines).toBe(v.cap! - kept - 1);
        expect(v.ramBytes).toBe(big.view.ramBytes);
        if (v.loaded) expect(v.dumpedBytes + v.missedBytes).toBe(v.ramBytes);
        return true;
      }),
      { numRuns: 300, seed: 20200731 },
    );
  });

  it('adding one more unmerged RAM line never increases the headroom', () => {
    fc.assert(
      fc.property(mapArb, (lines) => {
        const before = kdumpView(lines, { release: '2.0.1', crashKernel });
        const last = lines[lines.length - 1]!;
        const more = [...lines, { start: last.end + 1n, end: last.end + 128n * MiB, name: 'System RAM', depth: 0 }];
        const after = kdumpView(more, { release: '2.0.1', crashKernel });
        if (!before.ok || !after.ok) return false;
        return after.view.headroom!.lines <= before.view.headroom!.lines && (!after.view.loaded || before.view.loaded);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
