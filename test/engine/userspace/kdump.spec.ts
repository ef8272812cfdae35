import { describe, expect, it } from 'vitest';
import { parseIomem } from '../../../worker/engine/kernel/iomem.js';
import { bootMapIomem } from '../../../worker/engine/machine/boot-maps.js';
import { kdumpSettings, kdumpVerdict, placeCrashKernel, DEFAULT_KEXEC_TOOLS } from '../../../worker/engine/userspace/kdump.js';
import { MiB } from '../../../worker/engine/sizes.js';

function tree(text: string) {
  const p = parseIomem(text);
  if (!p.ok) throw new Error(p.error.message);
  return p.tree;
}

describe('the kdump view the runner records', () => {
  it('places crashkernel= as high as it fits in boot RAM below 4 GiB, 16 MiB aligned', () => {
    // q35-2g: boot RAM 00100000-7ffdffff; 256 MiB ending below 0x7ffe0000 on a 16 MiB boundary.
    expect(placeCrashKernel(tree(bootMapIomem('q35-2g')), 256n * MiB)).toEqual({ start: 0x6f000000n, end: 0x7effffffn });
    expect(placeCrashKernel(tree(bootMapIomem('q35-2g')), 0n)).toBeNull();
    expect(placeCrashKernel(tree('00000000-00000fff : Reserved\n'), 256n * MiB)).toBeNull();
  });

  it('uses a "Crash kernel" line of the dump when there is one', () => {
    const t = tree('00001000-7fffffff : System RAM\n  20000000-2fffffff : Crash kernel\n');
    expect(kdumpSettings(undefined, t, 'whole-tree', 128n * MiB).crashKernel).toBeUndefined();
    expect(kdumpSettings(undefined, tree(bootMapIomem('q35-2g')), 'whole-tree', 128n * MiB).crashKernel).toEqual([{ start: 0x6f000000n, end: 0x7effffffn }]);
  });

  it('defaults to kexec-tools 2.0.20 over kexec_load: the 2050-range cap of July 2020', () => {
    const t = tree(bootMapIomem('q35-2g'));
    const s = kdumpSettings(undefined, t, 'whole-tree', 128n * MiB);
    expect([s.release, s.syscall, DEFAULT_KEXEC_TOOLS]).toEqual(['2.0.20', 'kexec_load', '2.0.20']);
    expect(kdumpVerdict(t, s)).toMatchObject({ cap: 2050, ok: true, missedBytes: '0' });
  });

  it('reports a crash kernel that cannot be reserved as a failed verdict, not an exception', () => {
    const t = tree(bootMapIomem('q35-2g'));
    const v = kdumpVerdict(t, kdumpSettings({ crashKernel: '0' }, t, 'whole-tree', 128n * MiB));
    expect(v.ok).toBe(false);
    expect(v.messages[0]).toBe('Memory for crashkernel is not reserved');
  });
});
