/**
 * /proc/iomem (kernel/resource.c r_start/r_next/r_show): render the tree exactly, in windows for a
 * virtual-scrolled view, and parse a real dump back into a tree.
 */
import {
  IORESOURCE_BUSY,
  IORESOURCE_EXCLUSIVE,
  IORESOURCE_MEM,
  IORESOURCE_SYSRAM_DRIVER_MANAGED,
  IORESOURCE_SYSRAM_MERGEABLE,
  IORESOURCE_SYSTEM_RAM,
  IORES_DESC_ACPI_NV_STORAGE,
  IORES_DESC_ACPI_TABLES,
  IORES_DESC_CRASH_KERNEL,
  IORES_DESC_NONE,
  IORES_DESC_PERSISTENT_MEMORY,
  IORES_DESC_PERSISTENT_MEMORY_LEGACY,
  IORES_DESC_RESERVED,
  IORES_DESC_SOFT_RESERVED,
  NIL,
  ResourceTree,
} from './resource.js';
import type { Res, ResourceSemantics } from './resource.js';

/** MAX_IORES_LEVEL: indentation stops growing at this depth (nodes below still print). */
export const MAX_IORES_LEVEL = 5;
export const MAX_LINE_LENGTH = 4096;
export const MAX_LINES = 2_000_000;
/** Real trees are a handful of levels deep; deeper nesting in a dump is refused as absurd. */
export const MAX_NESTING = 64;

export interface IomemEntry {
  res: Res;
  start: bigint;
  end: bigint;
  name: string | null;
  depth: number;
}

const INDENT = ['', '  ', '    ', '      ', '        ', '          '];

function hexWidth(tree: ResourceTree): number {
  return tree.end(tree.root) < 0x10000n ? 4 : 8;
}

/** One r_show line without its newline. */
function formatLine(tree: ResourceTree, r: Res, depth: number, width: number, user: boolean): string {
  const name = tree.name(r) ?? '<BAD>';
  const indent = INDENT[Math.min(depth, MAX_IORES_LEVEL)]!;
  if (user) {
    const z = '0'.repeat(width);
    return `${indent}${z}-${z} : ${name}`;
  }
  return `${indent}${tree.hexStart(r, width)}-${tree.hexEnd(r, width)} : ${name}`;
}

/** r_next: the pre-order successor and its depth; NIL after the last node. */
function nextLine(tree: ResourceTree, r: Res, depth: number): [Res, number] {
  const c = tree.child(r);
  if (c !== NIL) return [c, depth + 1];
  let q = r;
  let d = depth;
  while (tree.sibling(q) === NIL) {
    q = tree.parent(q);
    d--;
    if (q === tree.root || q === NIL) return [NIL, 0];
  }
  return [tree.sibling(q), d];
}

/** Every line's node in /proc/iomem order (pre-order), root excluded. */
export function* iomemEntries(tree: ResourceTree): Iterable<IomemEntry> {
  let r = tree.child(tree.root);
  let d = 0;
  while (r !== NIL) {
    yield { res: r, start: tree.start(r), end: tree.end(r), name: tree.name(r), depth: d };
    [r, d] = nextLine(tree, r, d);
  }
}

/** The whole file, exact bytes. `user`: what a reader without CAP_SYS_ADMIN sees (all-zero addresses). */
export function renderIomem(tree: ResourceTree, opts?: { user?: boolean }): string {
  const user = opts?.user === true;
  const width = hexWidth(tree);
  const out: string[] = [];
  let r = tree.child(tree.root);
  let d = 0;
  while (r !== NIL) {
    out.push(formatLine(tree, r, d, width, user));
    [r, d] = nextLine(tree, r, d);
  }
  return out.length === 0 ? '' : out.join('\n') + '\n';
}

/** Lines from..from+count-1 (fewer at the end), without newlines. O(depth·log n + count). */
export function renderIomemLines(tree: ResourceTree, from: number, count: number, opts?: { user?: boolean }): string[] {
  const out: string[] = [];
  if (!Number.isInteger(from) || !Number.isInteger(count) || from < 0 || count <= 0) return out;
  const user = opts?.user === true;
  const width = hexWidth(tree);
  let r = tree.preorderAt(from);
  let d = r === NIL ? 0 : tree.depth(r);
  while (r !== NIL && out.length < count) {
    out.push(formatLine(tree, r, d, width, user));
    [r, d] = nextLine(tree, r, d);
  }
  return out;
}

/** Line count and byte size of the privileged file, kept incrementally by the tree (O(1)). */
export function iomemStats(tree: ResourceTree): { lines: number; bytes: number } {
  return { lines: tree.count(), bytes: tree.iomemTextBytes() };
}

/**
 * Visits a reader pays to read the whole file `readSize` bytes per read() call (cat uses 128 KiB):
 * every call restarts r_start, which walks from the first node to the saved position, then r_next
 * steps once per line, and r_show climbs up to five parents to find each line's depth. O(lines).
 */
export function iomemReadVisits(tree: ResourceTree, readSize = 131072): { reads: number; visits: number } {
  const width = hexWidth(tree);
  const size = Math.max(1, Math.floor(readSize));
  let visits = 0;
  let reads = 1;
  let inRead = 0;
  let line = 0;
  for (const e of iomemEntries(tree)) {
    const len = lineLength(tree, e.res, e.depth, width);
    if (inRead > 0 && inRead + len > size) {
      reads++;
      visits += line; // r_start walks `pos` nodes again
      inRead = 0;
    }
    inRead += len;
    visits += 1 + Math.min(e.depth + 1, MAX_IORES_LEVEL);
    line++;
  }
  return { reads, visits };
}

function lineLength(tree: ResourceTree, r: Res, depth: number, width: number): number {
  return formatLine(tree, r, depth, width, false).length + 1;
}

// =================================================================================================
// Parsing a dump
// =================================================================================================

export type IomemParseResult = { ok: true; tree: ResourceTree } | { ok: false; error: { line: number; message: string } };

export interface IomemParseOptions {
  source?: string;
  rootEnd?: bigint;
  semantics?: Partial<ResourceSemantics>;
  /** virtio-mem's container carries IORESOURCE_EXCLUSIVE (5.16+ kernels; default true). */
  virtioExclusive?: boolean;
  /** Hot-added "System RAM (…)" children were merged with MHP_MERGE_RESOURCE (5.10+; default true). */
  hotplugMergeable?: boolean;
}

/**
 * The flags and desc the kernel would have given a resource with this name (boot map heuristics:
 * e820, kernel sections, PCI windows, virtio-mem containers and their driver-managed children).
 */
export function inferFlags(name: string | null, opts?: IomemParseOptions): { flags: number; desc: number } {
  const busyMem = (IORESOURCE_MEM | IORESOURCE_BUSY) >>> 0;
  const busyRam = (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY) >>> 0;
  if (name === null) return { flags: busyMem, desc: IORES_DESC_NONE };
  switch (name) {
    case 'System RAM':
    case 'Kernel code':
    case 'Kernel rodata':
    case 'Kernel data':
    case 'Kernel bss':
      return { flags: busyRam, desc: IORES_DESC_NONE };
    case 'Crash kernel':
      return { flags: busyRam, desc: IORES_DESC_CRASH_KERNEL };
    case 'Reserved':
    case 'reserved':
      return { flags: busyMem, desc: IORES_DESC_RESERVED };
    case 'Soft Reserved':
      return { flags: busyMem, desc: IORES_DESC_SOFT_RESERVED };
    case 'ACPI Tables':
      return { flags: busyMem, desc: IORES_DESC_ACPI_TABLES };
    case 'ACPI Non-volatile Storage':
      return { flags: busyMem, desc: IORES_DESC_ACPI_NV_STORAGE };
    case 'Persistent Memory':
      return { flags: busyMem, desc: IORES_DESC_PERSISTENT_MEMORY };
    case 'Persistent Memory (legacy)':
      return { flags: busyMem, desc: IORES_DESC_PERSISTENT_MEMORY_LEGACY };
  }
  if (/^System RAM \(.+\)$/.test(name)) {
    const merge = opts?.hotplugMergeable !== false ? IORESOURCE_SYSRAM_MERGEABLE : 0;
    return { flags: (busyRam | IORESOURCE_SYSRAM_DRIVER_MANAGED | merge) >>> 0, desc: IORES_DESC_NONE };
  }
  if (/^virtio\d+$/.test(name)) {
    const excl = opts?.virtioExclusive !== false ? IORESOURCE_EXCLUSIVE : 0;
    return { flags: (IORESOURCE_SYSTEM_RAM | excl) >>> 0, desc: IORES_DESC_NONE };
  }
  // PCI host bridge windows and device BARs are not busy: drivers request regions inside them.
  if (name.startsWith('PCI Bus ') || /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(name)) {
    return { flags: IORESOURCE_MEM, desc: IORES_DESC_NONE };
  }
  return { flags: busyMem, desc: IORES_DESC_NONE };
}

const inferCache = new Map<string, Map<string | null, { flags: number; desc: number }>>();

/** inferFlags, remembered per name and option values (a dump repeats few names many times). */
function inferCached(name: string | null, opts?: IomemParseOptions): { flags: number; desc: number } {
  const key = `${opts?.virtioExclusive !== false}/${opts?.hotplugMergeable !== false}`;
  let m = inferCache.get(key);
  if (!m) inferCache.set(key, (m = new Map()));
  let v = m.get(name);
  if (!v) {
    if (m.size >= 4096) m.clear(); // a dump of many distinct names must not grow module state
    m.set(name, (v = inferFlags(name, opts)));
  }
  return v;
}

const LINE_RE = /^( *)([0-9a-fA-F]+)-([0-9a-fA-F]+) : (.*)$/;

interface Parsed {
  indent: number;
  start: bigint;
  end: bigint;
  name: string | null;
}

/** One line, or an error message saying what was expected. */
function parseLine(line: string): Parsed | string {
  if (line.length > MAX_LINE_LENGTH) return `line is ${line.length} characters long; at most ${MAX_LINE_LENGTH} are accepted`;
  const m = LINE_RE.exec(line);
  if (!m) {
    const shown = line.length > 60 ? `${line.slice(0, 60)}…` : line;
    return `expected "<start>-<end> : <name>" with hexadecimal addresses, got ${JSON.stringify(shown)}`;
  }
  const indent = m[1]!.length;
  if (indent % 2 !== 0) return `indentation of ${indent} spaces is not a multiple of two`;
  if (indent > 2 * MAX_IORES_LEVEL) return `indentation of ${indent} spaces is deeper than the kernel prints (at most ${2 * MAX_IORES_LEVEL})`;
  if (m[2]!.length > 16 || m[3]!.length > 16) {
    // Leading zeros are allowed as long as the value fits.
    if (BigInt('0x' + m[2]!) >> 64n !== 0n || BigInt('0x' + m[3]!) >> 64n !== 0n) return 'address does not fit in 64 bits';
  }
  const start = BigInt('0x' + m[2]!);
  const end = BigInt('0x' + m[3]!);
  if (end < start) return `end ${m[3]} is below start ${m[2]}`;
  return { indent, start, end, name: m[4] === '<BAD>' ? null : m[4]! };
}

function describe(tree: ResourceTree, r: Res): string {
  return `${tree.start(r).toString(16)}-${tree.end(r).toString(16)} : ${tree.name(r) ?? '<BAD>'}`;
}

/**
 * Reads a /proc/iomem dump back into a tree (flags and desc inferred from names, names interned
 * with owner 'boot'). Errors give the 1-based line and what was expected; nothing throws.
 */
export function parseIomem(text: string, opts?: IomemParseOptions): IomemParseResult {
  const fail = (line: number, message: string): IomemParseResult => ({
    ok: false,
    error: { line, message: opts?.source ? `${opts.source}:${line}: ${message}` : message },
  });
  if (typeof text !== 'string') return fail(0, 'expected the text of a /proc/iomem dump');
  if (opts?.rootEnd !== undefined && (opts.rootEnd < 0n || opts.rootEnd >> 64n !== 0n)) return fail(0, 'rootEnd must be a 64-bit unsigned value');
  const tooMany = lineCountExceeds(text, MAX_LINES);
  if (tooMany > 0) return fail(tooMany, `more than ${MAX_LINES} lines`);
  const tree = new ResourceTree({ rootEnd: opts?.rootEnd, semantics: opts?.semantics });
  // chain[k] = the ancestor at real depth k of the previous line (chain.at(-1) is that line's node).
  const chain: Res[] = [];
  let pos = 0;
  let lineNo = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    lineNo++;
    if (nl - pos > MAX_LINE_LENGTH + 1) return fail(lineNo, `line is ${nl - pos} characters long; at most ${MAX_LINE_LENGTH} are accepted`);
    let line = text.slice(pos, nl);
    pos = nl + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length === 0) return fail(lineNo, 'empty line; expected "<start>-<end> : <name>"');
    const p = parseLine(line);
    if (typeof p === 'string') return fail(lineNo, p);
    const err = placeLine(tree, chain, p, opts);
    if (err !== null) return fail(lineNo, err);
  }
  tree.totalVisits = 0;
  return { ok: true, tree };
}

/** The number of the first line past `max` (0 when the text has at most `max` lines). */
function lineCountExceeds(text: string, max: number): number {
  let lines = 0;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    lines++;
    if (lines > max) return lines;
    if (nl < 0) break;
    pos = nl + 1;
  }
  return 0;
}

/** Finds the parent the line's indentation and range imply, links the node, updates the chain. */
function placeLine(tree: ResourceTree, chain: Res[], p: Parsed, opts?: IomemParseOptions): string | null {
  const d = p.indent / 2;
  let parentDepth: number; // real depth of the parent in `chain`, -1 for the root
  if (d < MAX_IORES_LEVEL) {
    if (d > chain.length) return `indented ${p.indent} spaces, more than one level below the previous line`;
    parentDepth = d - 1;
  } else {
    // Depth 5 and below all print at 10 spaces: the parent is the deepest node (at depth >= 4)
    // of the previous line's chain that contains this range.
    if (chain.length < MAX_IORES_LEVEL) {
      if (d > chain.length) return `indented ${p.indent} spaces, more than one level below the previous line`;
    }
    parentDepth = MAX_IORES_LEVEL - 1;
    for (let k = chain.length - 1; k >= MAX_IORES_LEVEL - 1; k--) {
      const c = chain[k]!;
      if (tree.start(c) <= p.start && tree.end(c) >= p.end) {
        parentDepth = k;
        break;
      }
    }
  }
  if (parentDepth + 1 >= MAX_NESTING) return `nested ${parentDepth + 2} levels deep; at most ${MAX_NESTING} levels are accepted`;
  const parent = parentDepth < 0 ? tree.root : chain[parentDepth]!;
  if (parentDepth >= 0 && (p.start < tree.start(parent) || p.end > tree.end(parent))) {
    return `range ${p.start.toString(16)}-${p.end.toString(16)} lies outside its parent ${describe(tree, parent)}`;
  }
  if (p.end > tree.end(tree.root)) return `range ${p.start.toString(16)}-${p.end.toString(16)} ends above the root's end ${tree.end(tree.root).toString(16)}`;
  const prev = chain.length > parentDepth + 1 ? chain[parentDepth + 1]! : NIL;
  if (prev !== NIL && tree.end(prev) >= p.start) {
    if (tree.end(prev) === 0n && p.end === 0n) return 'all addresses are zero: this dump was read without CAP_SYS_ADMIN and cannot be parsed';
    return `range ${p.start.toString(16)}-${p.end.toString(16)} overlaps or comes before its previous sibling ${describe(tree, prev)}`;
  }
  const { flags, desc } = inferCached(p.name, opts);
  const r = tree.alloc(p.name === null ? null : tree.internName(p.name, 'boot'), p.start, p.end, flags, desc);
  const res = tree.requestResourceConflict(parent, r);
  if (res.conflict !== NIL) {
    tree.free(r);
    return `range ${p.start.toString(16)}-${p.end.toString(16)} conflicts with ${describe(tree, res.conflict)}`;
  }
  chain.length = parentDepth + 1;
  chain.push(r);
  return null;
}
