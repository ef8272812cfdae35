/**
 * util-linux `lsmem` (sys-utils/lsmem.c) over a plain description of the memory blocks: the default
 * table, `--all`, `--split`, `-o`, `--output-all`, `-b`, `-n`, `--summary`, printed the way
 * libsmartcols lays out a table. Two versions: 'legacy' (the util-linux the public dumps come from:
 * 23-column summary labels, ZONES shown only when memory0 has valid_zones) and 'current' (32-column
 * summary labels, zones detected from the first block).
 */

/** One /sys/devices/system/memory/memoryN directory, as lsmem reads it. */
export interface MemoryBlockInfo {
  index: number;
  /** The `state` file: "online", "offline", "going-offline" (anything else prints "?"). */
  state: string;
  /** The `removable` file (6.x always 1 with CONFIG_MEMORY_HOTREMOVE); null when unreadable. */
  removable: boolean | null;
  /** N of the `nodeN` link, null when the block has none. */
  node: number | null;
  /** The `valid_zones` words, null when the file does not exist. */
  zones: readonly string[] | null;
}

export interface MemoryBlocksDescription {
  /** block_size_bytes. */
  blockSize: bigint;
  blocks: readonly MemoryBlockInfo[];
}

/** What lsmem reads of the emulated machine's memory blocks (base/memory.ts MemoryBlocks). */
export interface MemoryBlocksSource {
  readonly blockSize: bigint;
  forEachPresent(fn: (block: number) => void): void;
  stateOf(block: number): 'absent' | 'offline' | 'online' | 'going-offline';
  validZones(block: number): string;
}

/**
 * The description lsmem needs, read from the machine's memory blocks: every present block with
 * its state and valid_zones; `removable` is 1 and the node 0, as sysfs shows them on the
 * emulated one-node guests (6.x reports removable = IS_ENABLED(CONFIG_MEMORY_HOTREMOVE)).
 */
export function lsmemInput(blocks: MemoryBlocksSource): MemoryBlocksDescription {
  const out: MemoryBlockInfo[] = [];
  blocks.forEachPresent((index) => {
    const zones = blocks.validZones(index);
    out.push({ index, state: blocks.stateOf(index), removable: true, node: 0, zones: zones === '' ? [] : zones.split(' ') });
  });
  return { blockSize: blocks.blockSize, blocks: out };
}

export type LsmemColumn = 'RANGE' | 'SIZE' | 'STATE' | 'REMOVABLE' | 'BLOCK' | 'NODE' | 'ZONES';
export type LsmemVersion = 'legacy' | 'current';

export interface LsmemOptions {
  version?: LsmemVersion;
  /** -a: one row per block. */
  all?: boolean;
  /** -b: SIZE and the summary in bytes. */
  bytes?: boolean;
  /** -n. */
  noheadings?: boolean;
  /** -o: "RANGE,SIZE" replaces the default columns, "+NODE" appends to them. */
  output?: string;
  /** --output-all. */
  outputAll?: boolean;
  /** -S/--split: "none" or a column list; default: the displayed STATE/REMOVABLE/NODE/ZONES. */
  split?: string;
  /** --summary[=when]: 'only' prints just the summary, 'never' just the table. */
  summary?: 'always' | 'never' | 'only';
}

export type LsmemResult = { ok: true; text: string } | { ok: false; error: string };

interface ColumnDesc {
  name: LsmemColumn;
  /** libsmartcols width hint (SIZE asks for 5). */
  whint: number;
  right: boolean;
}

const COLUMNS: readonly ColumnDesc[] = [
  { name: 'RANGE', whint: 0, right: false },
  { name: 'SIZE', whint: 5, right: true },
  { name: 'STATE', whint: 0, right: true },
  { name: 'REMOVABLE', whint: 0, right: true },
  { name: 'BLOCK', whint: 0, right: true },
  { name: 'NODE', whint: 0, right: true },
  { name: 'ZONES', whint: 0, right: true },
];
const DEFAULT_COLUMNS: readonly LsmemColumn[] = ['RANGE', 'SIZE', 'STATE', 'REMOVABLE', 'BLOCK'];
const ZONE_NAMES = ['DMA', 'DMA32', 'Normal', 'Highmem', 'Movable', 'Device', 'None'] as const;
const ZONE_UNKNOWN = 'Unknown';
const MAX_NR_ZONES = 8;

type State = 'online' | 'offline' | 'going-offline' | 'unknown';

/** A row: a run of blocks lsmem merged (`struct memory_block` with its count). */
interface Row {
  index: number;
  count: number;
  state: State;
  removable: boolean;
  node: number;
  zones: string[];
}

interface Split {
  state: boolean;
  removable: boolean;
  node: boolean;
  zones: boolean;
}

/**
 * util-linux `size_to_human_string(SIZE_SUFFIX_1LETTER)`: the largest binary unit below the value,
 * one decimal rounded half up, a trailing ".0" dropped ("2.3G", "128M", "0B").
 */
export function sizeToHumanString(bytes: bigint): string {
  let exp = 0;
  while (exp < 60 && bytes >= 1n << BigInt(exp + 10)) exp += 10;
  const letter = 'BKMGTPE'[exp / 10]!;
  const unit = 1n << BigInt(exp);
  let dec = exp ? bytes / unit : bytes;
  let frac = exp ? bytes % unit : 0n;
  if (frac) {
    frac = frac >= (1n << 64n) / 1000n ? ((frac / 1024n) * 1000n) / (1n << BigInt(exp - 10)) : (frac * 1000n) / unit;
    frac = ((frac + 50n) / 100n) * 10n;
    if (frac === 100n) {
      dec++;
      frac = 0n;
    }
  }
  if (!frac) return `${dec}${letter}`;
  let digits = frac.toString().padStart(2, '0');
  if (digits.endsWith('0')) digits = digits.slice(0, -1);
  return `${dec}.${digits}${letter}`;
}

function stateOf(text: string): State {
  return text === 'online' || text === 'offline' || text === 'going-offline' ? text : 'unknown';
}

/** lsmem `zone_name_to_id`: case-insensitive, anything unknown becomes "Unknown". */
function zoneName(word: string): string {
  return ZONE_NAMES.find((z) => z.toLowerCase() === word.toLowerCase()) ?? ZONE_UNKNOWN;
}

/** Column names as lsmem's `column_name_to_id` accepts them (case-insensitive). */
function parseColumnList(list: string): { ok: true; cols: LsmemColumn[] } | { ok: false; error: string } {
  const cols: LsmemColumn[] = [];
  for (const word of list.split(',')) {
    const c = COLUMNS.find((d) => d.name.toLowerCase() === word.trim().toLowerCase());
    if (!c) return { ok: false, error: `lsmem: unknown column: ${word}` };
    cols.push(c.name);
  }
  return { ok: true, cols };
}

function pickColumns(opts: LsmemOptions): { ok: true; cols: LsmemColumn[] } | { ok: false; error: string } {
  let cols: LsmemColumn[] = opts.outputAll ? COLUMNS.map((c) => c.name) : [...DEFAULT_COLUMNS];
  if (opts.output !== undefined) {
    const append = opts.output.startsWith('+');
    const parsed = parseColumnList(append ? opts.output.slice(1) : opts.output);
    if (!parsed.ok) return parsed;
    cols = append ? [...cols, ...parsed.cols] : parsed.cols;
  }
  if (cols.length > COLUMNS.length * 2) return { ok: false, error: `lsmem: too many columns specified, the limit is ${COLUMNS.length * 2 - 1} columns` };
  return { ok: true, cols };
}

/** lsmem `set_split_policy`: the split attributes are the listed (or displayed) columns. */
function pickSplit(opts: LsmemOptions, cols: readonly LsmemColumn[]): { ok: true; split: Split } | { ok: false; error: string } {
  let list: readonly LsmemColumn[] = cols;
  if (opts.split !== undefined) {
    if (opts.split.toLowerCase() === 'none') list = [];
    else {
      const parsed = parseColumnList(opts.split);
      if (!parsed.ok) return parsed;
      list = parsed.cols;
    }
  }
  return { ok: true, split: { state: list.includes('STATE'), removable: list.includes('REMOVABLE'), node: list.includes('NODE'), zones: list.includes('ZONES') } };
}

function checkDescription(desc: MemoryBlocksDescription): string | null {
  if (typeof desc.blockSize !== 'bigint' || desc.blockSize <= 0n) return 'lsmem: This system does not support memory blocks';
  if (desc.blocks.length === 0) return 'lsmem: Failed to read /sys/devices/system/memory';
  const seen = new Set<number>();
  for (const [i, b] of desc.blocks.entries()) {
    if (!Number.isSafeInteger(b.index) || b.index < 0) return `lsmem: blocks[${i}].index must be an integer >= 0, got ${b.index}`;
    if (seen.has(b.index)) return `lsmem: blocks[${i}]: memory${b.index} is listed twice`;
    if (b.node !== null && !Number.isSafeInteger(b.node)) return `lsmem: blocks[${i}].node must be an integer or null`;
    seen.add(b.index);
  }
  return null;
}

/** lsmem `is_mergeable`: contiguous index and equal split attributes. */
function mergeable(curr: Row, blk: Row, split: Split, haveNodes: boolean, haveZones: boolean): boolean {
  if (curr.index + curr.count !== blk.index) return false;
  if (split.state && curr.state !== blk.state) return false;
  if (split.removable && curr.removable !== blk.removable) return false;
  if (split.node && haveNodes && curr.node !== blk.node) return false;
  if (split.zones && haveZones) {
    if (curr.zones.length !== blk.zones.length) return false;
    for (let i = 0; i < curr.zones.length; i++) {
      if (curr.zones[i] === ZONE_UNKNOWN || curr.zones[i] !== blk.zones[i]) return false;
    }
  }
  return true;
}

interface Gathered {
  rows: Row[];
  online: bigint;
  offline: bigint;
  haveNodes: boolean;
  haveZones: boolean;
}

/** lsmem `read_basic_info` + `read_info`: blocks in version order, merged into rows, totals. */
function gather(desc: MemoryBlocksDescription, split: Split, all: boolean, version: LsmemVersion): Gathered {
  const blocks = [...desc.blocks].sort((a, b) => a.index - b.index);
  const first = blocks[0]!;
  const haveNodes = first.node !== null;
  // The legacy version looked for memory0/valid_zones only (util-linux issue #4055).
  const zoneProbe = version === 'legacy' ? blocks.find((b) => b.index === 0) : first;
  const haveZones = zoneProbe !== undefined && zoneProbe.zones !== null;
  const g: Gathered = { rows: [], online: 0n, offline: 0n, haveNodes, haveZones };
  for (const b of blocks) {
    const row: Row = {
      index: b.index,
      count: 1,
      state: stateOf(b.state),
      removable: b.removable === true,
      node: haveNodes ? (b.node ?? -1) : 0,
      zones: haveZones && b.zones ? b.zones.slice(0, MAX_NR_ZONES).map(zoneName) : [],
    };
    if (row.state === 'online') g.online += desc.blockSize;
    else g.offline += desc.blockSize;
    const curr = g.rows[g.rows.length - 1];
    if (curr && !all && mergeable(curr, row, split, haveNodes, haveZones)) curr.count++;
    else g.rows.push(row);
  }
  return g;
}

const STATE_TEXT: Record<State, string> = { online: 'online', offline: 'offline', 'going-offline': 'on->off', unknown: '?' };

/** The text of one cell (`add_scols_line`); '' for a cell lsmem leaves empty. */
function cell(col: LsmemColumn, row: Row, g: Gathered, blockSize: bigint, bytes: boolean): string {
  const start = BigInt(row.index) * blockSize;
  const size = BigInt(row.count) * blockSize;
  switch (col) {
    case 'RANGE':
      return `0x${start.toString(16).padStart(16, '0')}-0x${(start + size - 1n).toString(16).padStart(16, '0')}`;
    case 'SIZE':
      return bytes ? size.toString() : sizeToHumanString(size);
    case 'STATE':
      return STATE_TEXT[row.state];
    case 'REMOVABLE':
      return row.state === 'online' ? (row.removable ? 'yes' : 'no') : '';
    case 'BLOCK':
      return row.count === 1 ? `${row.index}` : `${row.index}-${row.index + row.count - 1}`;
    case 'NODE':
      return g.haveNodes ? `${row.node}` : '';
    case 'ZONES':
      return g.haveZones ? row.zones.join('/') : '';
  }
}

/**
 * libsmartcols' table layout as lsmem gets it (not a terminal): each column as wide as its header
 * and widest cell (SIZE at least its width hint of 5), one space between columns, right-aligned
 * columns padded on the left, the last column never padded on the right and an empty last cell
 * printed as nothing.
 */
function renderTable(cols: readonly LsmemColumn[], cells: string[][], noheadings: boolean): string {
  const descs = cols.map((c) => COLUMNS.find((d) => d.name === c)!);
  const widths = descs.map((d, i) => {
    let w = noheadings ? 1 : d.name.length;
    for (const row of cells) w = Math.max(w, row[i]!.length);
    return d.whint >= 1 && w < d.whint ? d.whint : w;
  });
  const line = (texts: readonly string[]): string => {
    let out = '';
    texts.forEach((t, i) => {
      const last = i === texts.length - 1;
      if (i > 0) out += ' ';
      if (last && t === '') return;
      const pad = ' '.repeat(Math.max(0, widths[i]! - t.length));
      out += descs[i]!.right ? pad + t : last ? t : t + pad;
    });
    return out + '\n';
  };
  let text = noheadings ? '' : line(descs.map((d) => d.name));
  for (const row of cells) text += line(row);
  return text;
}

/** lsmem `print_summary`. */
function renderSummary(g: Gathered, blockSize: bigint, bytes: boolean, version: LsmemVersion): string {
  const labelWidth = version === 'legacy' ? 23 : 32;
  const fmt = (label: string, v: bigint): string =>
    `${label.padEnd(labelWidth)} ${(bytes ? v.toString() : sizeToHumanString(v)).padStart(bytes ? 15 : 5)}\n`;
  return fmt('Memory block size:', blockSize) + fmt('Total online memory:', g.online) + fmt('Total offline memory:', g.offline);
}

/**
 * `lsmem [options]` over a description of the memory blocks. Returns the exact stdout text, or an
 * error naming the bad option or block; never throws.
 */
export function lsmem(desc: MemoryBlocksDescription, opts: LsmemOptions = {}): LsmemResult {
  const version = opts.version ?? 'legacy';
  if (opts.all && opts.split !== undefined) return { ok: false, error: 'lsmem: mutually exclusive arguments: --split --all' };
  const bad = checkDescription(desc);
  if (bad) return { ok: false, error: bad };
  const cols = pickColumns(opts);
  if (!cols.ok) return cols;
  const split = pickSplit(opts, cols.cols);
  if (!split.ok) return split;
  const g = gather(desc, split.split, opts.all ?? false, version);
  const summary = opts.summary ?? 'always';
  const bytes = opts.bytes ?? false;
  let text = '';
  if (summary !== 'only') {
    const cells = g.rows.map((row) => cols.cols.map((c) => cell(c, row, g, desc.blockSize, bytes)));
    text += renderTable(cols.cols, cells, opts.noheadings ?? false);
    if (summary === 'always') text += '\n';
  }
  if (summary !== 'never') text += renderSummary(g, desc.blockSize, bytes, version);
  return { ok: true, text };
}

export type MemoryBlocksParseResult = { ok: true; value: MemoryBlocksDescription } | { ok: false; error: { line: number; message: string } };

/**
 * Reads an oracle trace's "--- memory-blocks" section ("block_size_bytes 0x8000000", then
 * "memoryN <state> <valid_zones…>"). The recorder keeps neither node links nor `removable`: blocks
 * get node 0 and removable true, as on the recorded 6.x guests (one node, CONFIG_MEMORY_HOTREMOVE).
 */
export function parseMemoryBlocksSection(text: string, source = 'memory-blocks'): MemoryBlocksParseResult {
  const lines = text.split('\n');
  const fail = (line: number, message: string): MemoryBlocksParseResult => ({ ok: false, error: { line, message: `${source}:${line}: ${message}` } });
  const head = /^block_size_bytes (0x[0-9a-fA-F]+)$/.exec(lines[0] ?? '');
  if (!head) return fail(1, 'expected "block_size_bytes 0x<hex>"');
  const blocks: MemoryBlockInfo[] = [];
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '') continue;
    const m = /^memory(\d+) (\S+)((?: \S+)*)$/.exec(l);
    if (!m) return fail(i + 1, `expected "memoryN <state> <valid_zones>", got ${JSON.stringify(l.slice(0, 80))}`);
    const zones = m[3]!.trim() === '' ? [] : m[3]!.trim().split(' ');
    blocks.push({ index: Number(m[1]), state: m[2]!, removable: true, node: 0, zones });
  }
  const blockSize = BigInt(head[1]!);
  if (blockSize === 0n) return fail(1, 'block_size_bytes is 0');
  return { ok: true, value: { blockSize, blocks } };
}
