/**
 * The input limits the code enforces, each hit once with an input just past it (and, where cheap,
 * once just inside it): the refusal must come back as a clear message, quickly, without running
 * out of memory. docs/LIMITS.md lists the same table. `heavy` cases build inputs of tens or
 * hundreds of MiB and run only in `npm run fuzz`.
 */
import { parseIomem, MAX_LINE_LENGTH, MAX_LINES } from '../../worker/engine/kernel/iomem.js';
import { loadScenarioText, TEXT_LIMITS } from '../../common/scenario-io/scenario-io.js';
import { SCENARIO_LIMITS } from '../../worker/engine/scenario/scenario.js';
import { parseReportJson, MAX_REPORT_JSON_BYTES } from '../../common/report/json.js';
import { MAX_IOMEM_CHARS, MAX_SCENARIO_CHARS, MAX_WINDOW_LINES, validateArgs, validateHostArgs } from '../../worker/protocol.js';
import { reportCorpus } from './corpus.js';
import { parseTrace } from '../../worker/engine/oracle/trace.js';

export interface LimitOutcome {
  /** True when the input was refused. */
  refused: boolean;
  /** The refusal as a user would read it (all messages joined). */
  message: string;
}

export interface LimitCase {
  name: string;
  /** Where the limit is enforced. */
  where: string;
  heavy?: boolean;
  /** Runs the entry point with an input just past the limit. */
  over(): LimitOutcome | Promise<LimitOutcome>;
  /** The refusal must match this. */
  expect: RegExp;
  /** Optionally, an input just inside the limit that must not be refused for this reason. */
  under?(): LimitOutcome | Promise<LimitOutcome>;
}

function iomem(text: string): LimitOutcome {
  const r = parseIomem(text, { source: 'dump.txt' });
  return r.ok ? { refused: false, message: '' } : { refused: true, message: r.error.message };
}

function scenario(text: string, opts: Parameters<typeof loadScenarioText>[1] = { source: 'big.json' }): LimitOutcome {
  const r = loadScenarioText(text, opts);
  return r.ok ? { refused: false, message: '' } : { refused: true, message: r.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join(' | ') };
}

function report(text: string): LimitOutcome {
  const r = parseReportJson(text);
  return r.ok ? { refused: false, message: '' } : { refused: true, message: r.errors.map((e) => `${e.path}: ${e.message}`).join(' | ') };
}

function args(command: string, a: unknown): LimitOutcome {
  const e = validateArgs(command, a);
  return e ? { refused: true, message: `${e.code} ${e.message}` } : { refused: false, message: '' };
}

function hostArgs(command: string, a: unknown): LimitOutcome {
  const e = validateHostArgs(command, a);
  return e ? { refused: true, message: `${e.code} ${e.message}` } : { refused: false, message: '' };
}

/** A minimal valid scenario with `patch` merged in at the top level. */
function scenarioJson(patch: Record<string, unknown>): string {
  return JSON.stringify({
    name: 'limits',
    machine: { boot: 'q35-2g', blockSize: '128M' },
    devices: [{ kind: 'virtio-mem', id: 'vm0', regionSize: '16G' }],
    timeline: [{ op: 'wait', duration: 1 }],
    ...patch,
  });
}

function waits(n: number): unknown[] {
  return Array.from({ length: n }, () => ({ op: 'wait', duration: 1 }));
}

function nestedRepeat(depth: number): unknown {
  let step: unknown = { op: 'wait', duration: 1 };
  for (let i = 0; i < depth; i++) step = { op: 'repeat', count: 2, steps: [step] };
  return step;
}

/** `n` valid, non-overlapping /proc/iomem lines. */
function iomemLines(n: number): string {
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = `${(i * 16).toString(16).padStart(8, '0')}-${(i * 16 + 15).toString(16).padStart(8, '0')} : r`;
  return `${out.join('\n')}\n`;
}

function goldenReport(): Record<string, unknown> {
  return JSON.parse(reportCorpus()[0]!) as Record<string, unknown>;
}

export const LIMIT_CASES: LimitCase[] = [
  // ---- /proc/iomem import -----------------------------------------------------------------------
  {
    name: `iomem: line longer than ${MAX_LINE_LENGTH} characters`,
    where: 'worker/engine/kernel/iomem.ts parseIomem (MAX_LINE_LENGTH)',
    over: () => iomem(`00000000-00000fff : ${'x'.repeat(MAX_LINE_LENGTH)}\n`),
    under: () => iomem(`00000000-00000fff : ${'x'.repeat(MAX_LINE_LENGTH - 20)}\n`),
    expect: /^dump\.txt:1: line is \d+ characters long; at most 4096 are accepted$/,
  },
  {
    name: `iomem: more than ${MAX_LINES} lines`,
    where: 'worker/engine/kernel/iomem.ts parseIomem (MAX_LINES)',
    heavy: true,
    over: () => iomem(iomemLines(MAX_LINES + 1)),
    expect: /^dump\.txt:2000001: more than 2000000 lines$/,
  },
  {
    name: 'iomem: address wider than 64 bits',
    where: 'worker/engine/kernel/iomem.ts parseLine',
    over: () => iomem('10000000000000000-10000000000000fff : r\n'),
    under: () => iomem('fffffffffffff000-ffffffffffffffff : r\n'),
    expect: /^dump\.txt:1: address does not fit in 64 bits$/,
  },
  {
    name: 'iomem: indentation deeper than the kernel prints',
    where: 'worker/engine/kernel/iomem.ts parseLine (MAX_IORES_LEVEL)',
    over: () => iomem(`00000000-0000ffff : a\n  00000000-00000fff : b\n    00000000-000000ff : c\n      00000000-0000000f : d\n        00000000-00000007 : e\n          00000000-00000003 : f\n            00000000-00000001 : g\n`),
    expect: /^dump\.txt:7: indentation of 12 spaces is deeper than the kernel prints \(at most 10\)$/,
  },
  {
    name: 'oracle trace: text over 64 Mi characters',
    where: 'worker/engine/oracle/trace.ts parseTrace (MAX_TRACE_CHARS)',
    heavy: true,
    over: () => {
      const r = parseTrace(' '.repeat(64 * 1024 * 1024 + 1), 't.txt');
      return r.ok ? { refused: false, message: '' } : { refused: true, message: r.error.message };
    },
    expect: /^trace larger than 67108864 characters$/,
  },
  // ---- scenario files ---------------------------------------------------------------------------
  {
    name: `scenario: text longer than ${TEXT_LIMITS.chars} characters`,
    where: 'common/scenario-io/scenario-io.ts load (TEXT_LIMITS.chars)',
    over: () => scenario(`${scenarioJson({})}${' '.repeat(TEXT_LIMITS.chars)}`),
    under: () => scenario(scenarioJson({ description: 'x'.repeat(4000) })),
    expect: /^the scenario is \d+ characters long; the limit is 1048576 \(1 MiB\)$/,
  },
  {
    name: `scenario: more than ${TEXT_LIMITS.aliases} YAML aliases (alias bomb)`,
    where: 'common/scenario-io/scenario-io.ts parseYaml (TEXT_LIMITS.aliases)',
    over: () => scenario(`a0: &a0 [lol, lol]\n${Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array.from({ length: 9 }, () => `*a${i}`).join(', ')}]`).join('\n')}\n`, { source: 'bomb.yaml' }),
    expect: /^the YAML uses 81 aliases; at most 50 are accepted \(alias bombs are refused, not expanded\)$/,
  },
  {
    name: `scenario: data nested deeper than ${TEXT_LIMITS.depth} levels`,
    where: 'common/scenario-io/scenario-io.ts checkShape (TEXT_LIMITS.depth)',
    over: () => scenario(scenarioJson({ description: undefined, x: JSON.parse(`${'['.repeat(70)}1${']'.repeat(70)}`) as unknown })),
    expect: /^the document nests deeper than 64 levels$/,
  },
  {
    name: 'scenario: nesting deep enough to exhaust a recursive parser',
    where: 'common/scenario-io/scenario-io.ts loadScenarioText (RangeError guard) and JSON.parse',
    over: () => scenario(`{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`),
    expect: /nests deeper than 64 levels|nested too deeply/,
  },
  {
    name: `scenario: more than ${TEXT_LIMITS.nodes} values`,
    where: 'common/scenario-io/scenario-io.ts checkShape (TEXT_LIMITS.nodes)',
    over: () => scenario(`{"x":[${new Array(TEXT_LIMITS.nodes + 1).fill('0').join(',')}]}`),
    expect: /^the document holds more than 200000 values$/,
  },
  {
    name: `scenario: more than ${SCENARIO_LIMITS.devices} devices`,
    where: 'schema/scenario.schema.json + worker/engine/scenario/normalize.ts (SCENARIO_LIMITS.devices)',
    over: () => scenario(scenarioJson({ devices: Array.from({ length: SCENARIO_LIMITS.devices + 1 }, (_, i) => ({ kind: 'acpi-dimm', id: `d${i}`, size: '128M' })) })),
    expect: /devices: must have at most 64 entries/,
  },
  {
    name: `scenario: more than ${SCENARIO_LIMITS.stepEntries} step entries`,
    where: 'schema (timeline maxItems) + normalize.ts (SCENARIO_LIMITS.stepEntries)',
    over: () => scenario(scenarioJson({ timeline: waits(SCENARIO_LIMITS.stepEntries + 1) })),
    under: () => scenario(scenarioJson({ timeline: waits(SCENARIO_LIMITS.stepEntries) })),
    expect: /timeline.*(at most 10000|10000)/,
  },
  {
    name: `scenario: repeat nested deeper than ${SCENARIO_LIMITS.repeatDepth}`,
    where: 'worker/engine/scenario/normalize.ts (SCENARIO_LIMITS.repeatDepth)',
    over: () => scenario(scenarioJson({ timeline: [nestedRepeat(SCENARIO_LIMITS.repeatDepth + 1)] })),
    under: () => scenario(scenarioJson({ timeline: [nestedRepeat(SCENARIO_LIMITS.repeatDepth)] })),
    expect: /timeline\[0\](\.steps\[0\])*.*(8|deep)/,
  },
  {
    name: `scenario: repeat count above ${SCENARIO_LIMITS.repeatCount}`,
    where: 'schema + normalize.ts (SCENARIO_LIMITS.repeatCount)',
    over: () => scenario(scenarioJson({ timeline: [{ op: 'repeat', count: SCENARIO_LIMITS.repeatCount + 1, steps: waits(1) }] })),
    under: () => scenario(scenarioJson({ timeline: [{ op: 'repeat', count: SCENARIO_LIMITS.repeatCount, steps: waits(1) }] })),
    expect: /timeline\[0\]\.count: must be at most 1000000/,
  },
  {
    name: `scenario: more than ${SCENARIO_LIMITS.expandedSteps} steps after expanding repeats`,
    where: 'worker/engine/scenario/normalize.ts (SCENARIO_LIMITS.expandedSteps)',
    over: () => scenario(scenarioJson({ timeline: [{ op: 'repeat', count: 1_000_000, steps: waits(11) }] })),
    under: () => scenario(scenarioJson({ timeline: [{ op: 'repeat', count: 1_000_000, steps: waits(10) }] })),
    expect: /11000000.*10000000|10000000/,
  },
  {
    name: 'scenario: one wait longer than 30 days',
    where: 'worker/engine/scenario/normalize.ts (SCENARIO_LIMITS.waitMs)',
    over: () => scenario(scenarioJson({ timeline: [{ op: 'wait', duration: SCENARIO_LIMITS.waitMs + 1 }] })),
    under: () => scenario(scenarioJson({ timeline: [{ op: 'wait', duration: SCENARIO_LIMITS.waitMs }] })),
    expect: /timeline\[0\]\.duration/,
  },
  {
    name: `scenario: one step naming more than ${SCENARIO_LIMITS.blocksPerStep} blocks`,
    where: 'worker/engine/scenario/normalize.ts parseBlocks (SCENARIO_LIMITS.blocksPerStep)',
    over: () => scenario(scenarioJson({ timeline: [{ op: 'offline', blocks: `0-${SCENARIO_LIMITS.blocksPerStep}` }] })),
    under: () => scenario(scenarioJson({ timeline: [{ op: 'offline', blocks: `0-${SCENARIO_LIMITS.blocksPerStep - 1}` }] })),
    expect: /timeline\[0\]\.blocks/,
  },
  {
    name: `scenario: name longer than ${SCENARIO_LIMITS.nameChars} characters`,
    where: 'schema + normalize.ts (SCENARIO_LIMITS.nameChars)',
    over: () => scenario(scenarioJson({ name: 'n'.repeat(SCENARIO_LIMITS.nameChars + 1) })),
    under: () => scenario(scenarioJson({ name: 'n'.repeat(SCENARIO_LIMITS.nameChars) })),
    expect: /^name: must be at most 128 characters$/,
  },
  {
    name: `scenario: description longer than ${SCENARIO_LIMITS.descriptionChars} characters`,
    where: 'schema + normalize.ts (SCENARIO_LIMITS.descriptionChars)',
    over: () => scenario(scenarioJson({ description: 'd'.repeat(SCENARIO_LIMITS.descriptionChars + 1) })),
    expect: /^description: must be at most 4096 characters$/,
  },
  {
    name: `scenario: imported boot /proc/iomem over ${SCENARIO_LIMITS.iomemChars} characters`,
    where: 'common/scenario-io/scenario-io.ts resolveBootFile (SCENARIO_LIMITS.iomemChars)',
    heavy: true,
    over: () => scenario(scenarioJson({ machine: { boot: { file: 'boot.txt' }, blockSize: '128M' } }), { source: 'a.json', readFile: () => ' '.repeat(SCENARIO_LIMITS.iomemChars + 1) }),
    expect: /^machine\.boot\.file: "boot\.txt" is larger than 67108864 characters$/,
  },
  // ---- JSON reports -------------------------------------------------------------------------------
  {
    name: `report: text longer than ${MAX_REPORT_JSON_BYTES} characters`,
    where: 'common/report/json.ts parseReportJson (MAX_REPORT_JSON_BYTES)',
    heavy: true,
    over: () => report(' '.repeat(MAX_REPORT_JSON_BYTES + 1)),
    expect: /^\(root\): report is 268435457 characters, more than the 268435456 limit$/,
  },
  {
    name: 'report: more than 6 lanes',
    where: 'schema/report.schema.json (lanes maxItems)',
    over: () => {
      const r = goldenReport();
      const lanes = r['lanes'] as Record<string, unknown>[];
      r['lanes'] = Array.from({ length: 7 }, (_, i) => ({ ...lanes[0]!, id: `lane${i}`, label: `lane ${i}` }));
      return report(JSON.stringify(r));
    },
    expect: /^lanes: must have at most 6 items$/,
  },
  {
    name: 'report: nesting deep enough to exhaust a recursive parser',
    where: 'common/report/json.ts (JSON.parse, jsonErrorOffset)',
    over: () => report(`${'['.repeat(500_000)}${']'.repeat(500_000)}`),
    expect: /^\(root\): /,
  },
  // ---- protocol payloads (Electron main and the worker validate every message) --------------------
  {
    name: `IPC: scenario text over ${MAX_SCENARIO_CHARS} characters`,
    where: 'worker/protocol.ts COMMANDS.loadScenario (MAX_SCENARIO_CHARS)',
    over: () => args('loadScenario', { text: 's'.repeat(MAX_SCENARIO_CHARS + 1) }),
    under: () => args('loadScenario', { text: 's'.repeat(MAX_SCENARIO_CHARS) }),
    expect: /^BAD_PAYLOAD loadScenario: args\.text: expected a scenario text of at most 4194304 characters, got 4194305 characters$/,
  },
  {
    name: `IPC: /proc/iomem text over ${MAX_IOMEM_CHARS} characters`,
    where: 'worker/protocol.ts COMMANDS.importIomem (MAX_IOMEM_CHARS)',
    heavy: true,
    over: () => args('importIomem', { text: 'i'.repeat(MAX_IOMEM_CHARS + 1) }),
    expect: /^BAD_PAYLOAD importIomem: args\.text: expected a \/proc\/iomem text of at most 100663296 characters/,
  },
  {
    name: `IPC: iomem window over ${MAX_WINDOW_LINES} lines`,
    where: 'worker/protocol.ts COMMANDS.iomemWindow (MAX_WINDOW_LINES)',
    over: () => args('iomemWindow', { from: 0, count: MAX_WINDOW_LINES + 1 }),
    under: () => args('iomemWindow', { from: 0, count: MAX_WINDOW_LINES }),
    expect: /^BAD_PAYLOAD iomemWindow: args\.count: expected an integer in \[0, 5000\], got 5001$/,
  },
  {
    name: 'IPC: step count over 10,000,000',
    where: 'worker/protocol.ts COMMANDS.step',
    over: () => args('step', { count: 10_000_001 }),
    under: () => args('step', { count: 10_000_000 }),
    expect: /^BAD_PAYLOAD step: args\.count: expected an integer in \[1, 10000000\], got 10000001$/,
  },
  {
    name: 'IPC: search query over 200 characters',
    where: 'worker/protocol.ts COMMANDS.iomemSearch',
    over: () => args('iomemSearch', { query: 'q'.repeat(201), from: 0 }),
    expect: /^BAD_PAYLOAD iomemSearch: args\.query: /,
  },
  {
    name: 'IPC: saved file name with a directory, or over 255 characters',
    where: 'worker/protocol.ts HOST_COMMANDS.saveFile',
    over: () => hostArgs('saveFile', { suggestedName: `${'f'.repeat(256)}`, text: '' }),
    expect: /^BAD_PAYLOAD saveFile: args\.suggestedName: expected a file name without a directory/,
  },
  {
    name: 'IPC: saved text over 256 MiB',
    where: 'worker/protocol.ts HOST_COMMANDS.saveFile',
    heavy: true,
    over: () => hostArgs('saveFile', { suggestedName: 'a.json', text: 't'.repeat(256 * 1024 * 1024 + 1) }),
    expect: /^BAD_PAYLOAD saveFile: args\.text: /,
  },
];

export interface LimitResult {
  ok: boolean;
  ms: number;
  detail: string;
}

/** Runs one case: the refusal must match, and an `under` input must not be refused for this limit. */
export async function runLimitCase(c: LimitCase, opts: { heavy: boolean }): Promise<LimitResult> {
  if (c.heavy && !opts.heavy) return { ok: true, ms: 0, detail: 'heavy: runs in npm run fuzz' };
  const t0 = performance.now();
  let over: LimitOutcome;
  try {
    over = await c.over();
  } catch (e) {
    return { ok: false, ms: performance.now() - t0, detail: `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` };
  }
  const ms = performance.now() - t0;
  if (!over.refused) return { ok: false, ms, detail: 'accepted an input past the limit' };
  if (!c.expect.test(over.message)) return { ok: false, ms, detail: `refused with an unexpected message: ${over.message.slice(0, 300)}` };
  if (c.under) {
    let under: LimitOutcome;
    try {
      under = await c.under();
    } catch (e) {
      return { ok: false, ms, detail: `the input inside the limit threw ${String(e)}` };
    }
    if (under.refused && c.expect.test(under.message)) return { ok: false, ms, detail: `the input inside the limit was refused too: ${under.message.slice(0, 300)}` };
  }
  return { ok: true, ms, detail: over.message.length > 110 ? `${over.message.slice(0, 110)}…` : over.message };
}
