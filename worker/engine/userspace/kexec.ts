/**
 * The kdump view of /proc/iomem: which crash memory ranges a `kexec -p` load would describe, per
 * kexec-tools release and load path, whether the load succeeds, and how much RAM a dump would miss.
 *
 * Two paths are modelled:
 * - `kexec_load`: kexec-tools reads /proc/iomem itself (kexec/arch/i386/crashdump-x86.c
 *   `get_crash_memory_ranges`, `exclude_region`, `segregate_lowmem_region`) into a fixed array of
 *   CRASH_MAX_MEMORY_RANGES entries.
 * - `kexec_file_load`: the kernel builds the ranges (arch/x86/kernel/crash.c `prepare_elf_headers`)
 *   from `walk_system_ram_res()`, with no fixed cap; with CONFIG_CRASH_HOTPLUG the elfcorehdr segment
 *   is sized once for CONFIG_CRASH_MAX_MEMORY_RANGES and rewritten in place on every hotplug event.
 *
 * Input is any iterable of /proc/iomem lines in file (pre-)order, e.g. `iomemEntries(tree)`.
 */

/** The part of an `IomemEntry` (kernel/iomem.ts) the view reads. */
export interface IomemLine {
  start: bigint;
  end: bigint;
  name: string | null;
  depth: number;
}

export type KexecSyscall = 'kexec_load' | 'kexec_file_load';

/** kexec-tools' range types (kexec/kexec.h RANGE_*), as far as the crash path records them. */
export type CrashRangeType = 'ram' | 'acpi' | 'acpi-nvs' | 'pram' | 'pmem' | 'reserved';

export interface CrashRange {
  start: bigint;
  end: bigint;
  type: CrashRangeType;
}

export interface KdumpKernelSettings {
  /** Scope of `walk_system_ram_res()`: top-level only before 5.13, the whole tree since. */
  walkScope: 'top-level' | 'whole-tree';
  /**
   * CONFIG_CRASH_HOTPLUG (with MEMORY_HOTPLUG): the elfcorehdr has room for
   * `2 + nrCpusDefault + maxMemoryRanges` program headers. null: the kdump service reloads on
   * every hotplug event instead, so the header is always built fresh.
   */
  crashHotplug: { maxMemoryRanges: number; nrCpusDefault: number } | null;
  /** num_possible_cpus() of the guest (one PT_NOTE each). */
  possibleCpus: number;
}

export interface KdumpSettings {
  /** kexec-tools release, "2.0.20" or "v2.0.20". */
  release: string;
  /**
   * Which syscall `kexec -p` uses. 'auto' = the release's default: kexec_load before v2.0.27;
   * from v2.0.27 kexec_file_load first, falling back to kexec_load when the kernel lacks it.
   * 'kexec_load' is `kexec -c`, 'kexec_file_load' is `kexec -s`.
   */
  syscall?: 'auto' | KexecSyscall;
  /** Whether the running kernel implements kexec_file_load (CONFIG_KEXEC_FILE). Default true. */
  kernelHasFileLoad?: boolean;
  /** Architecture kexec-tools loads for; 'i386' adds the low-memory split. Default 'x86_64'. */
  arch?: 'x86_64' | 'i386';
  /**
   * The crashkernel= reservation(s). Default: every "Crash kernel" line of the input. Giving it
   * models a reservation the dump itself does not show (e.g. a boot map recorded without one).
   */
  crashKernel?: readonly { start: bigint; end: bigint }[];
  /** Kernel image named in "Cannot load <kernel>". Default "/boot/vmlinuz". */
  kernelImage?: string;
  /** Memory block size used to express the headroom in blocks. Default 128 MiB. */
  blockSize?: bigint;
  kernel?: Partial<KdumpKernelSettings>;
}

export interface KdumpHeadroom {
  /** Further lines kexec-tools can record (or ranges the header can hold) before the load breaks. */
  lines: number;
  /** The same in hot-added blocks, for a driver that adds one matching line per block. */
  blocks: number;
  bytes: bigint;
}

export interface KdumpView {
  release: string;
  syscall: KexecSyscall;
  /** The fixed range limit that applies (kexec-tools' array or the hotplug header), null if none. */
  cap: number | null;
  /** Lines in the input. */
  lines: number;
  /** Lines kexec-tools recorded (every kept type counts), or the kernel's RAM ranges. */
  recorded: number;
  /** Lines matching the release's "System RAM" rule anywhere in the input. */
  ramLines: number;
  /** Reading stopped at the cap with kept lines left unread. */
  truncated: boolean;
  /** Final crash memory ranges after the exclusions, in order. */
  ranges: CrashRange[];
  /** ELF PT_LOAD headers: one per RAM range plus one for the kernel text mapping. */
  ptLoads: number;
  /** The load succeeded (for crash hotplug: the header still describes the current memory). */
  loaded: boolean;
  /** kdump works: loaded and no RAM is missing from the dump. */
  ok: boolean;
  /** What kexec-tools (or the kernel) would print, one line each. */
  messages: string[];
  /** Bytes of every "System RAM…" line (any name containing it, outermost lines only). */
  ramBytes: bigint;
  /** RAM bytes the dump describes (before cutting out the crash reservation and low 1 MiB). */
  dumpedBytes: bigint;
  /** RAM bytes a dump taken now would miss; all RAM when nothing is loaded. */
  missedBytes: bigint;
  /** null when no fixed limit applies. */
  headroom: KdumpHeadroom | null;
}

export type KdumpResult = { ok: true; view: KdumpView } | { ok: false; error: string };

interface Release {
  text: string;
  v: [number, number, number];
}

/** Parses "2.0.22" / "v2.0.22"; kexec-tools 1.x releases ("1.101") count as older than 2.0.0. */
export function parseKexecRelease(text: string): Release | null {
  const m = /^v?(\d{1,3})\.(\d{1,4})(?:\.(\d{1,3}))?$/.exec(text.trim());
  if (!m) return null;
  return { text: text.trim().replace(/^v/, ''), v: [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] };
}

function atLeast(r: Release, major: number, minor: number, patch: number): boolean {
  const [a, b, c] = r.v;
  if (a !== major) return a > major;
  if (b !== minor) return b > minor;
  return c >= patch;
}

/**
 * x86 CRASH_MAX_MEMORY_RANGES by release: MAX_MEMORY_RANGES + 2 until v2.0.22 (64 → 66 up to
 * v2.0.1, 1024 → 1026 from v2.0.2, 2048 → 2050 from v2.0.15), a flat 32768 since v2.0.22.
 */
export function crashMaxMemoryRanges(release: Release): number {
  if (atLeast(release, 2, 0, 22)) return 32768;
  if (atLeast(release, 2, 0, 15)) return 2050;
  if (atLeast(release, 2, 0, 2)) return 1026;
  return 66;
}

/** Before v2.0.22 only the exact name "System RAM" is RAM; since then any name containing it. */
export function systemRamRule(release: Release): 'exact' | 'substring' {
  return atLeast(release, 2, 0, 22) ? 'substring' : 'exact';
}

/** `kexec -p` tries kexec_file_load first since v2.0.27 ("kexec: make -a the default"). */
export function triesFileLoadFirst(release: Release): boolean {
  return atLeast(release, 2, 0, 27);
}

/** i386 lowmem limit: -PAGE_OFFSET(0xc0000000) - 128 MiB vmalloc reserve, as 32-bit. */
const I386_LOWMEM_LIMIT = 0x38000000n;
const LOW_1M_END = 0xfffffn;
const CRASH_RESERVED_MEM_NR = 8;
const ELF64_EHDR = 64;
const ELF64_PHDR = 56;
const ELF_CORE_HEADER_ALIGN = 4096;
const PAGE_SIZE = 4096;
const MIB128 = 128n << 20n;

const KEPT_NAMES: Record<string, CrashRangeType> = {
  'ACPI Tables': 'acpi',
  'ACPI Non-volatile Storage': 'acpi-nvs',
  'Persistent Memory (legacy)': 'pram',
  'Persistent Memory': 'pmem',
  reserved: 'reserved',
};

/** How a release of `get_crash_memory_ranges` reads a line's name. */
export interface CrashNameRules {
  /** 'exact': only "System RAM" is RAM (before v2.0.22); 'substring': any name containing it. */
  ram: 'exact' | 'substring';
  /** "Reserved" (capital R, e820's name since Linux 4.x) is kept like "reserved" (v2.0.18+). */
  capitalReserved: boolean;
}

/**
 * The name rules of a kexec-tools release: the substring RAM match arrived in v2.0.22, the
 * `memcmp(str, "Reserved\n", 9)` case in v2.0.18 (v2.0.15–v2.0.17 match only "reserved\n").
 */
export function crashNameRules(release: Release): CrashNameRules {
  return { ram: systemRamRule(release), capitalReserved: atLeast(release, 2, 0, 18) };
}

function isRam(name: string, rule: 'exact' | 'substring'): boolean {
  return rule === 'exact' ? name === 'System RAM' : name.includes('System RAM');
}

/**
 * The type `get_crash_memory_ranges` gives a line, 'gart', or null for a skipped line.
 * Assumption: every release keeps v2.0.21's set of names (RAM, ACPI, NVS, PMEM, reserved, and
 * "Reserved" from v2.0.18); the earliest releases kept fewer (RAM, ACPI, NVS only), which is not
 * modelled.
 */
function classify(name: string | null, rules: CrashNameRules): CrashRangeType | 'gart' | null {
  if (name === null) return null;
  if (isRam(name, rules.ram)) return 'ram';
  if (name === 'GART') return 'gart';
  if (name === 'Reserved') return rules.capitalReserved ? 'reserved' : null;
  return KEPT_NAMES[name] ?? null;
}

function size(r: { start: bigint; end: bigint }): bigint {
  return r.end >= r.start ? r.end - r.start + 1n : 0n;
}

/** What one pass over /proc/iomem collects for both load paths. */
interface Scan {
  lines: number;
  ramLines: number;
  ramBytes: bigint;
  crashKernel: { start: bigint; end: bigint }[];
  /** kexec_load: the ranges `get_crash_memory_ranges` recorded before the exclusions. */
  recorded: CrashRange[];
  recordedRamBytes: bigint;
  truncated: boolean;
  gart: { start: bigint; end: bigint } | null;
  /** kexec_file_load: what `walk_system_ram_res(0, -1)` returns. */
  walked: CrashRange[];
  walkedBytes: bigint;
}

/**
 * One pass in file order, doing what `get_crash_memory_ranges` does (stop at the cap, classify,
 * split at the i386 lowmem limit) when `syscall` is kexec_load, or collecting what the kernel's
 * System RAM walk would return for kexec_file_load.
 */
function scanIomem(
  entries: Iterable<IomemLine>,
  rules: CrashNameRules,
  cap: number,
  lowmemLimit: bigint | null,
  walkScope: 'top-level' | 'whole-tree',
  syscall: KexecSyscall,
): Scan {
  const s: Scan = {
    lines: 0, ramLines: 0, ramBytes: 0n, crashKernel: [], recorded: [], recordedRamBytes: 0n,
    truncated: false, gart: null, walked: [], walkedBytes: 0n,
  };
  const walk = syscall === 'kexec_file_load';
  let reading = !walk;
  let outerDepth = -1;
  let outerEnd = -1n;
  for (const e of entries) {
    s.lines++;
    const name = e.name;
    if (name === null) continue;
    if (name === 'Crash kernel') s.crashKernel.push({ start: e.start, end: e.end });
    if (name.includes('System RAM')) {
      const bytes = e.end >= e.start ? e.end - e.start + 1n : 0n;
      if (e.depth <= outerDepth || e.start > outerEnd) {
        outerDepth = e.depth;
        outerEnd = e.end;
        s.ramBytes += bytes;
      }
      if (walk && (walkScope === 'whole-tree' || e.depth === 0)) {
        s.walked.push({ start: e.start, end: e.end, type: 'ram' });
        s.walkedBytes += bytes;
      }
    }
    const type = classify(name, rules);
    if (type === 'ram') s.ramLines++;
    if (walk) continue;
    if (reading && s.recorded.length >= cap) reading = false;
    if (!reading) {
      if (type !== null && type !== 'gart') s.truncated = true;
      continue;
    }
    if (type === null) continue;
    if (type === 'gart') {
      s.gart = { start: e.start, end: e.end };
      continue;
    }
    recordRange(s, { start: e.start, end: e.end, type }, cap, lowmemLimit);
  }
  return s;
}

/** Appends a kept line; on i386 a range across the lowmem limit takes two slots if one is free. */
function recordRange(s: Scan, r: CrashRange, cap: number, lowmemLimit: bigint | null): void {
  if (lowmemLimit !== null && lowmemLimit > r.start && lowmemLimit < r.end) {
    s.recorded.push({ start: r.start, end: lowmemLimit - 1n, type: r.type });
    if (r.type === 'ram') s.recordedRamBytes += lowmemLimit - r.start;
    // `segregate_lowmem_region`: with no slot left the upper part is dropped without a word.
    if (s.recorded.length >= cap) return;
    s.recorded.push({ start: lowmemLimit, end: r.end, type: r.type });
    if (r.type === 'ram') s.recordedRamBytes += r.end - lowmemLimit + 1n;
    return;
  }
  s.recorded.push(r);
  if (r.type === 'ram') s.recordedRamBytes += size(r);
}

/**
 * kexec-tools `exclude_region`: trims every range the region overlaps (strict comparisons, as
 * there) and, when the region lies strictly inside one, inserts the upper part after it — which
 * needs a free slot. Returns false when the array is full ("excedeed the max limit").
 */
export function excludeRegion(ranges: CrashRange[], start: bigint, end: bigint, cap: number): boolean {
  let tidx = -1;
  let split: CrashRange | null = null;
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i]!;
    if (!(start < r.end && end > r.start)) continue;
    if (start !== r.start && end !== r.end) {
      split = { start: end + 1n, end: r.end, type: 'ram' };
      r.end = start - 1n;
      tidx = i + 1;
    } else if (start !== r.start) {
      r.end = start - 1n;
    } else {
      r.start = end + 1n;
    }
  }
  if (tidx < 0 || !split) return true;
  if (ranges.length === cap) return false;
  ranges.splice(tidx, 0, split);
  return true;
}

/**
 * The kernel's `crash_exclude_mem_range` (6.x): drops ranges the region covers, trims partial
 * overlaps, splits a range the region lies strictly inside. `fill_up_crash_elf_data` leaves three
 * spare slots, so on x86 it never runs out.
 */
export function crashExcludeMemRange(ranges: CrashRange[], mstart: bigint, mend: bigint): void {
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i]!;
    if (mstart > r.end || mend < r.start) continue;
    if (mstart <= r.start && mend >= r.end) {
      ranges.splice(i, 1);
      i--;
    } else if (mstart > r.start && mend < r.end) {
      ranges.splice(i + 1, 0, { start: mend + 1n, end: r.end, type: r.type });
      r.end = mstart - 1n;
      i++;
    } else if (mstart > r.start) {
      r.end = mstart - 1n;
    } else {
      r.start = mend + 1n;
    }
  }
}

function headroomOf(lines: number, blockSize: bigint): KdumpHeadroom {
  const n = Math.max(0, lines);
  return { lines: n, blocks: n, bytes: BigInt(n) * blockSize };
}

/** The kexec_load path: kexec-tools' own array, its cap and its exclusions. */
function viewKexecLoad(s: Scan, cap: number, crash: readonly { start: bigint; end: bigint }[], image: string, blockSize: bigint): Omit<KdumpView, 'release' | 'syscall' | 'lines' | 'ramLines' | 'ramBytes'> {
  const recorded = s.recorded.length;
  const ranges = s.recorded;
  const messages: string[] = [];
  let loaded = true;
  const regions = [...crash.slice(0, CRASH_RESERVED_MEM_NR)];
  if (s.gart) regions.push(s.gart);
  for (const r of regions) {
    if (!excludeRegion(ranges, r.start, r.end, cap)) {
      messages.push('Error: Number of crash memory ranges excedeed the max limit', `Cannot load ${image}`);
      loaded = false;
      break;
    }
  }
  const ramRanges = ranges.filter((r) => r.type === 'ram').length;
  return {
    cap,
    recorded,
    truncated: s.truncated,
    ranges,
    ptLoads: ramRanges + 1,
    loaded,
    ok: false,
    messages,
    dumpedBytes: s.recordedRamBytes,
    missedBytes: 0n,
    headroom: headroomOf(loaded ? cap - ranges.length : 0, blockSize),
  };
}

/** Program headers the hotplug-sized elfcorehdr can hold for memory ranges (x86 crash.c). */
export function crashHotplugRangeCapacity(hp: { maxMemoryRanges: number; nrCpusDefault: number }, possibleCpus: number): { capacity: number; memsz: number } {
  // crash_load_segments() asks for room for every CPU of the build and the maximum ranges;
  // kexec_add_buffer() rounds the segment's memsz up to a page, and that rounded size is what
  // crash_update_elfcorehdr() compares the new header with (and prints).
  const requested = ELF64_EHDR + (2 + hp.nrCpusDefault + hp.maxMemoryRanges) * ELF64_PHDR;
  const memsz = Math.ceil(requested / PAGE_SIZE) * PAGE_SIZE;
  const capacity = Math.floor((memsz - ELF64_EHDR) / ELF64_PHDR) - possibleCpus - 2;
  return { capacity: Math.max(0, capacity), memsz };
}

/** `crash_prepare_elf64_headers` size: Ehdr + (cpus + vmcoreinfo + kernel map + ranges) Phdrs, page aligned. */
function elfcorehdrSize(possibleCpus: number, nrRanges: number): number {
  const raw = ELF64_EHDR + (possibleCpus + 2 + nrRanges) * ELF64_PHDR;
  return Math.ceil(raw / ELF_CORE_HEADER_ALIGN) * ELF_CORE_HEADER_ALIGN;
}

/** The kexec_file_load path: the kernel's own walk and exclusions; a cap only with crash hotplug. */
function viewKexecFileLoad(s: Scan, crash: readonly { start: bigint; end: bigint }[], k: KdumpKernelSettings, blockSize: bigint): Omit<KdumpView, 'release' | 'syscall' | 'lines' | 'ramLines' | 'ramBytes'> {
  const ranges = s.walked.slice();
  crashExcludeMemRange(ranges, 0n, LOW_1M_END);
  for (const r of crash) crashExcludeMemRange(ranges, r.start, r.end);
  const messages: string[] = [];
  let dumpedBytes = s.walkedBytes;
  let cap: number | null = null;
  let headroom: KdumpHeadroom | null = null;
  if (k.crashHotplug) {
    const { capacity, memsz } = crashHotplugRangeCapacity(k.crashHotplug, k.possibleCpus);
    cap = capacity;
    headroom = headroomOf(capacity - ranges.length, blockSize);
    if (ranges.length > capacity) {
      messages.push(`crash hp: update elfcorehdr elfsz ${elfcorehdrSize(k.possibleCpus, ranges.length)} > memsz ${memsz}`);
      // Assumption: the header kept its last fitting state, i.e. the lowest `capacity` ranges;
      // what lies above them (hot-added last, at the top) is missing from the dump.
      for (const r of ranges.slice(capacity)) dumpedBytes -= size(r);
    }
  }
  return {
    cap,
    recorded: s.walked.length,
    truncated: cap !== null && ranges.length > cap,
    ranges,
    ptLoads: ranges.length + 1,
    loaded: true,
    ok: false,
    messages,
    dumpedBytes,
    missedBytes: 0n,
    headroom,
  };
}

const DEFAULT_KERNEL: KdumpKernelSettings = { walkScope: 'whole-tree', crashHotplug: null, possibleCpus: 1 };

function checkSettings(settings: KdumpSettings): string | null {
  if (settings.blockSize !== undefined && settings.blockSize <= 0n) return `kdump: blockSize must be > 0, got ${settings.blockSize}`;
  for (const [i, r] of (settings.crashKernel ?? []).entries()) {
    if (r.start > r.end || r.start < 0n) return `kdump: crashKernel[${i}] has start > end or a negative start`;
  }
  const k = settings.kernel;
  if (k?.possibleCpus !== undefined && !(Number.isInteger(k.possibleCpus) && k.possibleCpus >= 1 && k.possibleCpus <= 65535)) {
    return `kdump: kernel.possibleCpus must be an integer in 1..65535, got ${k.possibleCpus}`;
  }
  const hp = k?.crashHotplug;
  if (hp && !(Number.isInteger(hp.maxMemoryRanges) && hp.maxMemoryRanges >= 0 && Number.isInteger(hp.nrCpusDefault) && hp.nrCpusDefault >= 1)) {
    return 'kdump: kernel.crashHotplug needs integer maxMemoryRanges >= 0 and nrCpusDefault >= 1';
  }
  return null;
}

/** Picks the syscall `kexec -p` ends up using, or the message it dies with. */
function chooseSyscall(settings: KdumpSettings, release: Release): { syscall: KexecSyscall; fail?: string } {
  const hasFile = settings.kernelHasFileLoad ?? true;
  const want = settings.syscall ?? 'auto';
  if (want === 'kexec_load') return { syscall: 'kexec_load' };
  if (want === 'kexec_file_load') return hasFile ? { syscall: 'kexec_file_load' } : { syscall: 'kexec_file_load', fail: 'syscall kexec_file_load not available.' };
  return triesFileLoadFirst(release) && hasFile ? { syscall: 'kexec_file_load' } : { syscall: 'kexec_load' };
}

/**
 * The kdump view of the current /proc/iomem (kexec-tools `kexec -p`, x86): crash ranges, the cap,
 * whether the load succeeds, bytes a dump would miss and the hot-add headroom. Never throws on bad
 * settings; returns an error naming the field instead.
 */
export function kdumpView(entries: Iterable<IomemLine>, settings: KdumpSettings): KdumpResult {
  const release = parseKexecRelease(String(settings.release));
  if (!release) return { ok: false, error: `kdump: unknown kexec-tools release "${settings.release}" (expected e.g. "2.0.22")` };
  const bad = checkSettings(settings);
  if (bad) return { ok: false, error: bad };
  const kernel: KdumpKernelSettings = { ...DEFAULT_KERNEL, ...settings.kernel };
  const blockSize = settings.blockSize ?? MIB128;
  const cap = crashMaxMemoryRanges(release);
  const lowmem = settings.arch === 'i386' ? I386_LOWMEM_LIMIT : null;
  const { syscall, fail } = chooseSyscall(settings, release);
  const scan = scanIomem(entries, crashNameRules(release), cap, lowmem, kernel.walkScope, syscall);
  const crash = settings.crashKernel ? [...settings.crashKernel] : scan.crashKernel;
  const base = { release: release.text, syscall, lines: scan.lines, ramLines: scan.ramLines, ramBytes: scan.ramBytes };
  const failed = (messages: string[], capOf: number | null): KdumpResult => ({
    ok: true,
    view: { ...base, cap: capOf, recorded: 0, truncated: false, ranges: [], ptLoads: 0, loaded: false, ok: false, messages, dumpedBytes: 0n, missedBytes: scan.ramBytes, headroom: capOf === null ? null : headroomOf(0, blockSize) },
  });
  if (crash.length === 0) {
    return failed(['Memory for crashkernel is not reserved', 'Please reserve memory by passing"crashkernel=Y@X" parameter to kernel', 'Then try to loading kdump kernel'], syscall === 'kexec_load' ? cap : null);
  }
  if (fail) return failed([fail], null);
  const part = syscall === 'kexec_load'
    ? viewKexecLoad(scan, cap, crash, settings.kernelImage ?? '/boot/vmlinuz', blockSize)
    : viewKexecFileLoad(scan, crash, kernel, blockSize);
  const missed = part.loaded ? scan.ramBytes - part.dumpedBytes : scan.ramBytes;
  const missedBytes = missed > 0n ? missed : 0n;
  return { ok: true, view: { ...base, ...part, missedBytes, ok: part.loaded && part.messages.length === 0 && missedBytes === 0n } };
}
