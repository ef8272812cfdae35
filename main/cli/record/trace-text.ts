/**
 * The text of a recorded trace, in the format test/fixtures/oracle/*.txt use and
 * worker/engine/oracle/trace.ts parses: `#` header lines (the guest's uname -r, the QEMU version,
 * the machine, the virtio-mem device, the kernel command line), then per step
 * `=== step N: <command>`, the device's requested and plugged size, one `dimm:` line per pc-dimm,
 * `result:`, the guest command's output, and the `--- iomem`, `--- memory-blocks`, `--- meminfo`
 * sections of the guest's dump.
 */
import type { VmPlan } from './plan.js';
import { qemuSize } from './qemu-args.js';

/** The guest's dump, already in trace form (the three sections, each ending in a newline). */
export type DumpText = string;

/** "0" or the largest binary unit that divides the size ("512M", "130M", "4K", "12345"). */
export function sizeLabel(n: bigint): string {
  return n === 0n ? '0' : qemuSize(n).replace(/B$/, '');
}

function sizeField(n: bigint): string {
  return `0x${n.toString(16)} (${sizeLabel(n)})`;
}

/**
 * Turns the guest's raw dump (see guest-init.ts) into the trace's sections: /proc/iomem verbatim,
 * `block_size_bytes 0x…` and the blocks sorted by number, MemTotal. Throws when a marker is missing.
 */
export function formatDump(raw: string): DumpText {
  const iomemAt = raw.indexOf('@@iomem\n');
  const blocksAt = raw.indexOf('\n@@blocks ', iomemAt);
  const meminfoAt = raw.indexOf('@@meminfo\n', iomemAt);
  if (iomemAt < 0 || meminfoAt < 0) throw new Error('the guest\'s dump has no @@iomem/@@meminfo section');
  const iomemEnd = blocksAt >= 0 ? blocksAt + 1 : meminfoAt;
  const iomem = raw.slice(iomemAt + '@@iomem\n'.length, iomemEnd);
  let blocks = '';
  if (blocksAt >= 0) {
    const rows = raw.slice(blocksAt + 1, meminfoAt).split('\n').filter((r) => r !== '');
    const size = rows.shift()!.slice('@@blocks '.length).trim();
    const num = (r: string): number => Number(/^memory(\d+)/.exec(r)?.[1] ?? -1);
    rows.sort((a, b) => num(a) - num(b));
    blocks = `block_size_bytes 0x${size}\n${rows.map((r) => r + '\n').join('')}`;
  }
  const meminfo = raw.slice(meminfoAt + '@@meminfo\n'.length);
  const nl = (s: string): string => (s === '' || s.endsWith('\n') ? s : s + '\n');
  return `--- iomem\n${nl(iomem)}--- memory-blocks\n${nl(blocks)}--- meminfo\n${nl(meminfo)}`;
}

export interface TraceHeaderInfo {
  scenario: string;
  uname: string;
  qemuVersion: string;
  accel: string;
  cmdline: string;
  /** The device's memaddr as QEMU reports it. */
  memaddr: bigint | null;
  /** Set when the recording stopped early. */
  interrupted?: string;
}

/** The `#` header. */
export function traceHeader(plan: VmPlan, info: TraceHeaderInfo): string {
  const m = plan.machine;
  const lines = [
    '# memhp record: a real kernel in QEMU, in the oracle trace format (check it with `memhp replay`)',
    `# scenario: ${info.scenario}`,
    `# kernel: ${info.uname}`,
    `# qemu: ${info.qemuVersion}`,
    `# accel: ${info.accel}, cpu: ${info.accel === 'kvm' ? 'host' : 'max'}, smp: 1`,
    `# machine: q35 -m ${qemuSize(m.ram)},maxmem=${qemuSize(m.maxmem)},slots=${m.slots}`,
  ];
  const v = plan.virtioMem;
  if (v) {
    const addr = info.memaddr ?? v.addr;
    lines.push(`# device: virtio-mem-pci id=${v.id} block-size=${sizeLabel(v.blockSize)} memdev size=${sizeLabel(v.regionSize)} memaddr=0x${addr.toString(16)} region=[0x${addr.toString(16)}-0x${(addr + v.regionSize - 1n).toString(16)}]`);
  } else lines.push('# device: none (no virtio-mem)');
  lines.push(`# kernel cmdline: ${info.cmdline}`);
  if (info.interrupted) lines.push(`# interrupted: ${info.interrupted}`);
  lines.push('# format: "=== step N: <command>" then requested-size/plugged-size/dimm/result, then sections "--- iomem", "--- memory-blocks", "--- meminfo"');
  return lines.join('\n') + '\n';
}

export interface StepRecord {
  index: number;
  command: string;
  /** The virtio-mem device's requested and plugged size after the step (null without a device). */
  sizes: { requested: bigint; plugged: bigint } | null;
  dimms: { id: string; addr: bigint; size: bigint }[];
  result: string;
  guest: { rc: number; output: string } | null;
  dump: DumpText;
}

/** One `=== step N` block, with the blank line before it. */
export function traceStep(r: StepRecord): string {
  let s = `\n=== step ${r.index}: ${r.command}\n`;
  if (r.sizes) s += `requested-size: ${sizeField(r.sizes.requested)}\nplugged-size: ${sizeField(r.sizes.plugged)}\n`;
  for (const d of r.dimms) s += `dimm: ${d.id} addr=0x${d.addr.toString(16)} size=0x${d.size.toString(16)} (${sizeLabel(d.size)})\n`;
  s += `result: ${r.result}\n`;
  if (r.guest) s += `--- guest-output rc=${r.guest.rc}\n${r.guest.output === '' || r.guest.output.endsWith('\n') ? r.guest.output : r.guest.output + '\n'}`;
  return s + r.dump;
}
