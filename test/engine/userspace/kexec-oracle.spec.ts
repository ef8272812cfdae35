import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { iomemEntries, parseIomem } from '../../../worker/engine/kernel/iomem.js';
import { kdumpView, type KdumpSettings, type KdumpView } from '../../../worker/engine/userspace/kexec.js';
import { fixture } from './iomem-lines.js';

const ORACLE = fileURLToPath(new URL('../../fixtures/oracle/', import.meta.url));
const TRACES = [
  ...readdirSync(ORACLE).filter((f) => f.endsWith('.txt')),
  ...readdirSync(ORACLE + '6.1.0-56-cloud-amd64').map((f) => `6.1.0-56-cloud-amd64/${f}`),
];
const CRASH_256M = [{ start: 0x6f000000n, end: 0x7effffffn }];

interface Step {
  n: number;
  plugged: bigint;
  iomem: string;
}

function steps(trace: string): Step[] {
  const out: Step[] = [];
  for (const chunk of trace.split('\n=== step ').slice(1)) {
    const n = Number(/^(\d+):/.exec(chunk)![1]);
    // Traces without a virtio-mem device (j) record no plugged size.
    const plugged = BigInt(/\nplugged-size: (0x[0-9a-f]+)/.exec(chunk)?.[1] ?? 0);
    const iomem = /\n--- iomem\n([\s\S]*?)\n--- /.exec(chunk)![1]! + '\n';
    out.push({ n, plugged, iomem });
  }
  return out;
}

/** Bytes of the lines whose name is exactly `name`, read straight from the text. */
function bytesNamed(text: string, name: string): bigint {
  let sum = 0n;
  for (const m of text.matchAll(/^ *([0-9a-f]+)-([0-9a-f]+) : (.*)$/gm)) {
    if (m[3] === name) sum += BigInt('0x' + m[2]) - BigInt('0x' + m[1]) + 1n;
  }
  return sum;
}

function view(text: string, settings: KdumpSettings): KdumpView {
  const parsed = parseIomem(text, { rootEnd: (1n << 40n) - 1n });
  if (!parsed.ok) throw new Error(`line ${parsed.error.line}: ${parsed.error.message}`);
  const r = kdumpView(iomemEntries(parsed.tree), settings);
  if (!r.ok) throw new Error(r.error);
  return r.view;
}

describe.each(TRACES)('kdump view of every step of the oracle trace %s', (file) => {
  const all = steps(fixture(`oracle/${file}`));

  it('kexec-tools 2.0.20 dumps boot RAM and DIMMs but misses every "System RAM (virtio_mem)" line', () => {
    for (const s of all) {
      const virtio = bytesNamed(s.iomem, 'System RAM (virtio_mem)');
      const v = view(s.iomem, { release: '2.0.20', crashKernel: CRASH_256M });
      expect([s.n, v.loaded, v.missedBytes]).toEqual([s.n, true, virtio]);
      // Sub-block mode adds whole memory blocks: what is missed covers at least the plugged size.
      expect(v.missedBytes >= s.plugged).toBe(true);
      expect(v.ok).toBe(virtio === 0n);
      expect(v.ramBytes).toBe(bytesNamed(s.iomem, 'System RAM') + virtio);
    }
  });

  it('kexec-tools 2.0.22 dumps all of it, one PT_LOAD per RAM line plus the crash split and kernel text', () => {
    for (const s of all) {
      const v = view(s.iomem, { release: '2.0.22', crashKernel: CRASH_256M });
      const ramLines = s.iomem.split('\n').filter((l) => l.includes(' : System RAM')).length;
      expect([s.n, v.ok, v.missedBytes, v.ramLines, v.ptLoads]).toEqual([s.n, true, 0n, ramLines, ramLines + 2]);
    }
  });

  it('kexec_file_load: the kernel\'s top-level walk (before 5.13) misses the nested virtio-mem memory, the whole-tree walk does not', () => {
    for (const s of all) {
      const virtio = bytesNamed(s.iomem, 'System RAM (virtio_mem)');
      const old = view(s.iomem, { release: '2.0.27', crashKernel: CRASH_256M, kernel: { walkScope: 'top-level' } });
      const now = view(s.iomem, { release: '2.0.27', crashKernel: CRASH_256M, kernel: { walkScope: 'whole-tree' } });
      expect([s.n, old.syscall, old.missedBytes, now.missedBytes]).toEqual([s.n, 'kexec_file_load', virtio, 0n]);
    }
  });
});
