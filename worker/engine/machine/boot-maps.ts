/**
 * Built-in boot memory maps: the root-view /proc/iomem of the q35 guest the oracle traces were
 * recorded on (`-machine q35 -m 2G,maxmem=66G,slots=4 -cpu max`, step 0 of
 * test/fixtures/oracle/a-grow-shrink-4g.txt, its 6.1 twin and those of test/fixtures/oracle-6.18/
 * and oracle-7.3/), as it reads before virtio_mem
 * probes. The "virtio0" line of the recording is left out: the emulated virtio-mem driver makes
 * it when its device is attached, as the real one did at module load.
 *
 * Above 4 GiB the layout follows QEMU's pc_memory_init(): the memory-device area starts at 4 GiB
 * (no boot RAM above 4 GiB with 2 GiB) and is `maxmem - ram + slots × 1 GiB` long; the 64-bit PCI
 * window (32 GiB) starts at the next 1 GiB boundary after it; if that would reach AMD's
 * HyperTransport hole at 0xfd00000000 (-cpu max is AMD), the area moves to 1 TiB. The defaults
 * (maxmem 66G, 4 slots) give the recorded text byte for byte; a larger `maxmem` moves the window,
 * so that a scenario adding 100 GiB at 4 GiB has free address space there, as QEMU would give it.
 */
import { GiB, TiB, hex } from '../sizes.js';
import type { BootMapName } from '../scenario/scenario.js';

const LOW_6_12 = `00000000-00000fff : Reserved
00001000-0009fbff : System RAM
0009fc00-0009ffff : Reserved
000a0000-000bffff : PCI Bus 0000:00
000c0000-000c05ff : Video ROM
000f0000-000fffff : Reserved
  000f0000-000fffff : System ROM
00100000-7ffdffff : System RAM
  01000000-01ffffff : Kernel code
  02000000-02aa4fff : Kernel rodata
  02c00000-02e729ff : Kernel data
  036d0000-03bfffff : Kernel bss
7ffe0000-7fffffff : Reserved
80000000-afffffff : PCI Bus 0000:00
b0000000-bfffffff : PCI ECAM 0000 [bus 00-ff]
  b0000000-bfffffff : Reserved
    b0000000-bfffffff : pnp 00:05
c0000000-febfffff : PCI Bus 0000:00
  febf8000-febfbfff : 0000:00:01.0
    febf8000-febfbfff : virtio-pci-modern
  febfe000-febfefff : 0000:00:01.0
  febff000-febfffff : 0000:00:1f.2
fec00000-fec003ff : IOAPIC 0
fed00000-fed003ff : HPET 0
  fed00000-fed003ff : PNP0103:00
fed1c000-fed1ffff : Reserved
fffc0000-ffffffff : Reserved
`;

const LOW_6_1 = `00000000-00000fff : Reserved
00001000-0009fbff : System RAM
0009fc00-0009ffff : Reserved
000a0000-000bffff : PCI Bus 0000:00
000c0000-000c05ff : Video ROM
000f0000-000fffff : Reserved
  000f0000-000fffff : System ROM
00100000-7ffdffff : System RAM
  01000000-01e01ef1 : Kernel code
  02000000-02826fff : Kernel rodata
  02a00000-02c45dff : Kernel data
  032b1000-037fffff : Kernel bss
7ffe0000-7fffffff : Reserved
80000000-afffffff : PCI Bus 0000:00
b0000000-bfffffff : PCI MMCONFIG 0000 [bus 00-ff]
  b0000000-bfffffff : Reserved
    b0000000-bfffffff : pnp 00:05
c0000000-febfffff : PCI Bus 0000:00
  febf8000-febfbfff : 0000:00:01.0
    febf8000-febfbfff : virtio-pci-modern
  febfe000-febfefff : 0000:00:01.0
  febff000-febfffff : 0000:00:1f.2
fec00000-fec003ff : IOAPIC 0
fed00000-fed003ff : HPET 0
  fed00000-fed003ff : PNP0103:00
fed1c000-fed1ffff : Reserved
fee00000-fee00fff : Local APIC
fffc0000-ffffffff : Reserved
`;

/**
 * A later kernel's map: LOW_6_12 with that build's kernel image lines (code, rodata, data, bss, in
 * this order) and, from 7.x, ACPI's own name for the motherboard reservation under the ECAM window.
 */
function laterLow(image: readonly [string, string, string, string], motherboard = 'pnp 00:05'): string {
  const names = ['Kernel code', 'Kernel rodata', 'Kernel data', 'Kernel bss'];
  let text = LOW_6_12;
  for (const [i, name] of names.entries()) text = text.replace(new RegExp(`^  \\S+ : ${name}$`, 'm'), `  ${image[i]!} : ${name}`);
  return text.replace('    b0000000-bfffffff : pnp 00:05\n', `    b0000000-bfffffff : ${motherboard}\n`);
}

/** 6.18.12 (Debian trixie-backports cloud build): only the kernel image lines move. */
const LOW_6_18 = laterLow(['01000000-0208eeb7', '02200000-02e3cfff', '03000000-03338dbf', '03c56000-03ffffff']);

/** 7.3.4: the kernel image lines move and ACPI claims the PNP0C01 reservation itself ("PNP0C01:00"). */
const LOW_7_3 = laterLow(['01000000-0216f05f', '02200000-02f67fff', '03000000-0335b67f', '03cfc000-041fffff'], 'PNP0C01:00');

/** The part below 4 GiB of each built-in map. */
const LOW: Record<BootMapName, string> = { 'q35-2g': LOW_6_12, 'q35-2g-6.1': LOW_6_1, 'q35-2g-6.18': LOW_6_18, 'q35-2g-7.3': LOW_7_3 };

const RAM = 2n * GiB;
const PCI_HOLE64 = 32n * GiB;
const AMD_HT_START = 0xfd00000000n;
const AMD_HT_END = 0xffffffffffn;

/** Where QEMU puts the memory-device area and the 64-bit PCI window of a 2 GiB q35 guest. */
export function q35Layout(maxmem: bigint = 66n * GiB, slots = 4): { deviceBase: bigint; deviceSize: bigint; pciStart: bigint; pciEnd: bigint } {
  const deviceSize = maxmem - RAM + BigInt(slots) * GiB;
  const roundG = (x: bigint): bigint => ((x + GiB - 1n) / GiB) * GiB;
  let deviceBase = 4n * GiB;
  if (roundG(deviceBase + deviceSize) + PCI_HOLE64 - 1n >= AMD_HT_START) deviceBase = TiB;
  const pciStart = roundG(deviceBase + deviceSize);
  return { deviceBase, deviceSize, pciStart, pciEnd: pciStart + PCI_HOLE64 - 1n };
}

function line(start: bigint, end: bigint, name: string): string {
  return `${hex(start, 8)}-${hex(end, 8)} : ${name}\n`;
}

/** The boot /proc/iomem text of a built-in map. */
export function bootMapIomem(name: BootMapName, opts: { maxmem?: bigint; slots?: number } = {}): string {
  const low = LOW[name];
  const { pciStart, pciEnd } = q35Layout(opts.maxmem, opts.slots);
  const high: [bigint, string][] = [
    [pciStart, line(pciStart, pciEnd, 'PCI Bus 0000:00')],
    [AMD_HT_START, line(AMD_HT_START, AMD_HT_END, 'Reserved')],
  ];
  high.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return low + high.map((h) => h[1]).join('');
}

/** Short descriptions for pickers. */
export const BOOT_MAP_INFO: Record<BootMapName, string> = {
  'q35-2g': 'QEMU q35, 2 GiB boot RAM, Linux 6.12 (the oracle traces\' step 0, before virtio_mem loads)',
  'q35-2g-6.1': 'QEMU q35, 2 GiB boot RAM, Linux 6.1 (the 6.1 oracle traces\' step 0, before virtio_mem loads)',
  'q35-2g-6.18': 'QEMU q35, 2 GiB boot RAM, Linux 6.18 (the 6.18 oracle traces\' step 0, before virtio_mem loads)',
  'q35-2g-7.3': 'QEMU q35, 2 GiB boot RAM, Linux 7.3 (the 7.3 oracle traces\' step 0, before virtio_mem loads)',
};
