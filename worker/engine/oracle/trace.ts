/**
 * Parser for the oracle's golden traces (oracle/README.md "Golden file format"): `#` header lines,
 * then `=== step N: <command>` blocks, each with `requested-size:` / `plugged-size:` / `dimm:` /
 * `result:` / hand-added `hint:` lines and `--- iomem`, `--- memory-blocks`, `--- meminfo`
 * (and `--- guest-output rc=N`) sections.
 *
 * The parser keeps inputs and recorded results apart: `TraceStep.input` is everything a replayer
 * may read; `TraceStep.expected` is what it is compared against (never fed to the emulator for
 * steps ≥ 1). Errors name the line (1-based).
 */
import { parseSize } from '../sizes.js';

export interface DimmLine {
  id: string;
  addr: bigint;
  size: bigint;
  line: number;
}

export interface UnmovableHint {
  kind: 'unmovable';
  block: number;
  bytes: bigint;
  line: number;
}

export type Hint = UnmovableHint;

export interface TraceDevice {
  kind: 'virtio-mem';
  id: string;
  blockSize: bigint;
  memdevSize: bigint;
  addr: bigint;
  regionEnd: bigint;
}

export interface TraceHeader {
  kernel: string | null;
  /** Line number of the `# kernel:` line, or null when the trace has none. */
  kernelLine: number | null;
  /** null: `# device: none`. */
  device: TraceDevice | null;
  cmdline: string | null;
  /** memhp_default_state= from the command line, or null when absent. */
  onlinePolicy: string | null;
  lines: string[];
}

export interface Section {
  /** Line number of the `--- name` line. */
  line: number;
  text: string;
}

export interface StepInput {
  index: number;
  command: string;
  line: number;
  dimms: DimmLine[];
  hints: Hint[];
}

export interface StepExpected {
  requested: bigint | null;
  plugged: bigint | null;
  result: string | null;
  guestRc: number | null;
  iomem: Section | null;
  blocks: Section | null;
}

export interface TraceStep {
  input: StepInput;
  expected: StepExpected;
}

export interface Trace {
  source: string;
  header: TraceHeader;
  steps: TraceStep[];
}

export type TraceParseResult = { ok: true; trace: Trace } | { ok: false; error: { line: number; message: string } };

const MAX_TRACE_CHARS = 64 * 1024 * 1024;

function sizeValue(text: string): bigint | null {
  const m = /^(0x[0-9a-fA-F]+|\d+)/.exec(text.trim());
  return m ? BigInt(m[1]!) : null;
}

/** Parses the `# device:` line. */
function parseDevice(text: string, line: number): { ok: true; device: TraceDevice | null } | { ok: false; error: { line: number; message: string } } {
  const t = text.trim();
  if (/^none\b/.test(t)) return { ok: true, device: null };
  if (!t.startsWith('virtio-mem')) return { ok: false, error: { line, message: `unsupported device "${t.slice(0, 60)}" (expected virtio-mem-pci … or none)` } };
  const kv = new Map<string, string>();
  for (const m of t.matchAll(/([\w-]+)=(\[[^\]]*\]|\S+)/g)) kv.set(m[1]!, m[2]!);
  const id = kv.get('id') ?? 'vm0';
  const blockSize = parseSize(kv.get('block-size') ?? '2M');
  const memdevSize = parseSize(kv.get('size') ?? '');
  const addr = kv.has('memaddr') ? parseSize(kv.get('memaddr')!) : null;
  const region = /^\[(0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\]$/.exec(kv.get('region') ?? '');
  if (blockSize === null || memdevSize === null) return { ok: false, error: { line, message: 'device line needs block-size= and memdev size=' } };
  const start = addr ?? (region ? BigInt(region[1]!) : null);
  if (start === null) return { ok: false, error: { line, message: 'device line needs memaddr= or region=[start-end]' } };
  const end = region ? BigInt(region[2]!) : start + memdevSize - 1n;
  return { ok: true, device: { kind: 'virtio-mem', id, blockSize, memdevSize, addr: start, regionEnd: end } };
}

function parseHint(text: string, line: number): { ok: true; hint: Hint } | { ok: false; error: { line: number; message: string } } {
  const m = /^unmovable\s+memory(\d+)\s+(\S+)\s*$/.exec(text.trim());
  if (!m) return { ok: false, error: { line, message: `unsupported hint "${text.trim().slice(0, 60)}" (expected "hint: unmovable memoryN SIZE")` } };
  const bytes = parseSize(m[2]!);
  if (bytes === null) return { ok: false, error: { line, message: `bad size "${m[2]}" in hint` } };
  return { ok: true, hint: { kind: 'unmovable', block: Number(m[1]), bytes, line } };
}

/** Parses a golden trace. Never throws. */
export function parseTrace(text: string, source = 'trace'): TraceParseResult {
  if (typeof text !== 'string') return { ok: false, error: { line: 0, message: 'trace must be text' } };
  if (text.length > MAX_TRACE_CHARS) return { ok: false, error: { line: 0, message: `trace larger than ${MAX_TRACE_CHARS} characters` } };
  const rows = text.split('\n');
  const header: TraceHeader = { kernel: null, kernelLine: null, device: null, cmdline: null, onlinePolicy: null, lines: [] };
  let deviceSeen = false;
  const steps: TraceStep[] = [];
  let cur: TraceStep | null = null;
  let section: { name: string; line: number; lines: string[] } | null = null;

  const closeSection = (): void => {
    if (!section || !cur) return;
    while (section.lines.length && section.lines[section.lines.length - 1] === '') section.lines.pop();
    const body: Section = { line: section.line, text: section.lines.length ? section.lines.join('\n') + '\n' : '' };
    if (section.name === 'iomem') cur.expected.iomem = body;
    else if (section.name === 'memory-blocks') cur.expected.blocks = body;
    section = null;
  };

  for (let i = 0; i < rows.length; i++) {
    const lineNo = i + 1;
    const row = rows[i]!.replace(/\r$/, '');
    const step = /^=== step (\d+): (.*)$/.exec(row);
    if (step) {
      closeSection();
      const index = Number(step[1]);
      if (index !== steps.length) return { ok: false, error: { line: lineNo, message: `expected step ${steps.length}, found step ${index}` } };
      cur = {
        input: { index, command: step[2]!.trim(), line: lineNo, dimms: [], hints: [] },
        expected: { requested: null, plugged: null, result: null, guestRc: null, iomem: null, blocks: null },
      };
      steps.push(cur);
      continue;
    }
    if (!cur) {
      if (row.startsWith('#')) {
        header.lines.push(row);
        const kv = /^#\s*([\w ]+):\s*(.*)$/.exec(row);
        if (kv) {
          const key = kv[1]!.trim();
          const val = kv[2]!;
          if (key === 'kernel') {
            header.kernel = val.trim();
            header.kernelLine = lineNo;
          }
          else if (key === 'kernel cmdline') {
            header.cmdline = val;
            const p = /(?:^|\s)memhp_default_state=(\S+)/.exec(val);
            header.onlinePolicy = p ? p[1]! : null;
          } else if (key === 'device') {
            const d = parseDevice(val, lineNo);
            if (!d.ok) return d;
            header.device = d.device;
            deviceSeen = true;
          }
        }
        continue;
      }
      if (row.trim() === '') continue;
      return { ok: false, error: { line: lineNo, message: `expected a "#" header line or "=== step 0: boot", got "${row.slice(0, 60)}"` } };
    }
    if (row.startsWith('--- ')) {
      closeSection();
      const name = row.slice(4).trim();
      const rc = /^guest-output rc=(-?\d+)/.exec(name);
      if (rc) {
        cur.expected.guestRc = Number(rc[1]);
        section = { name: 'guest-output', line: lineNo, lines: [] };
      } else section = { name, line: lineNo, lines: [] };
      continue;
    }
    if (section) {
      section.lines.push(row);
      continue;
    }
    if (row.trim() === '') continue;
    const head = /^([\w-]+):\s?(.*)$/.exec(row);
    if (!head) return { ok: false, error: { line: lineNo, message: `unexpected line in step ${cur.input.index}: "${row.slice(0, 60)}"` } };
    const [, key, val] = head as unknown as [string, string, string];
    switch (key) {
      case 'requested-size':
        cur.expected.requested = sizeValue(val);
        break;
      case 'plugged-size':
        cur.expected.plugged = sizeValue(val);
        break;
      case 'result':
        cur.expected.result = val.trim();
        break;
      case 'dimm': {
        const m = /^(\S+)\s+addr=(0x[0-9a-fA-F]+)\s+size=(0x[0-9a-fA-F]+)/.exec(val.trim());
        if (!m) return { ok: false, error: { line: lineNo, message: `bad dimm line "${val.slice(0, 60)}" (expected "dimm: ID addr=0x… size=0x…")` } };
        cur.input.dimms.push({ id: m[1]!, addr: BigInt(m[2]!), size: BigInt(m[3]!), line: lineNo });
        break;
      }
      case 'hint': {
        const h = parseHint(val, lineNo);
        if (!h.ok) return h;
        cur.input.hints.push(h.hint);
        break;
      }
      default:
        return { ok: false, error: { line: lineNo, message: `unknown field "${key}:" in step ${cur.input.index}` } };
    }
  }
  closeSection();
  if (steps.length === 0) return { ok: false, error: { line: rows.length, message: 'no "=== step 0: boot" found' } };
  const s0 = steps[0]!;
  if (s0.input.command !== 'boot') return { ok: false, error: { line: s0.input.line, message: 'step 0 must be "boot"' } };
  if (!s0.expected.iomem || s0.expected.iomem.text === '') return { ok: false, error: { line: s0.input.line, message: 'step 0 has no "--- iomem" section (the boot memory map)' } };
  if (!s0.expected.blocks || s0.expected.blocks.text === '') return { ok: false, error: { line: s0.input.line, message: 'step 0 has no "--- memory-blocks" section' } };
  if (!deviceSeen) return { ok: false, error: { line: 1, message: 'missing "# device:" header line' } };
  return { ok: true, trace: { source, header, steps } };
}

/** Whether a text looks like an oracle trace (for content-based dispatch). */
export function looksLikeTrace(text: string): boolean {
  return /^=== step 0: boot$/m.test(text.slice(0, 64 * 1024)) || text.startsWith('# iomem oracle golden trace');
}
