/**
 * One fuzz target per input parser: what inputs to generate, and what "sane" and "clear" mean for
 * that parser's results and errors.
 */
import fc from 'fast-check';
import { parseIomem, renderIomem, iomemEntries } from '../../worker/engine/kernel/iomem.js';
import { IORESOURCE_MEM, ResourceTree } from '../../worker/engine/kernel/resource.js';
import { loadScenarioText } from '../../common/scenario-io/scenario-io.js';
import { parseReportJson, renderReportJson } from '../../common/report/json.js';
import {
  COMMAND_NAMES,
  HOST_COMMAND_NAMES,
  validateArgs,
  validateHostArgs,
  type CommandArgs,
  type CommandName,
  type DeviceSpecPayload,
  type HostCommandArgs,
  type HostCommandName,
} from '../../worker/protocol.js';
import type { FuzzTarget, Verdict } from './harness.js';
import { garbageText, hostileYaml, mutatedJson, mutatedText, oddValue, toJsonText } from './gen.js';
import { iomemCorpus, oracleTraces, reportCorpus, scenarioTexts } from './corpus.js';
import { parseTrace } from '../../worker/engine/oracle/trace.js';
import { replayTrace } from '../../worker/engine/oracle/replay.js';
import { Runner } from '../../worker/engine/runner/runner.js';
import { DRIVERS } from '../../worker/engine/drivers/index.js';
import type { AnyDriver } from '../../worker/engine/drivers/driver.js';
import { checkTree } from './tree-check.js';

const ACCEPTED: Verdict = { kind: 'accepted' };
const REJECTED: Verdict = { kind: 'rejected' };
const violation = (problem: string): Verdict => ({ kind: 'violation', problem });

/** Lines the parsers count: a final newline does not start another line. */
export function lineCount(text: string): number {
  if (text.length === 0) return 0;
  const n = text.split('\n').length;
  return text.endsWith('\n') ? n - 1 : n;
}

// =================================================================================================
// /proc/iomem
// =================================================================================================

const IOMEM_NAMES = [
  'System RAM', 'System RAM (virtio_mem)', 'System RAM (kmem)', 'virtio0', 'virtio12', 'Reserved', 'reserved', 'Kernel code',
  'PCI Bus 0000:00', '0000:00:01.0', 'ACPI Tables', 'Crash kernel', '<BAD>', '', ' ', 'a : b', ' : ', 'é', '日本語', '\u{1F4A5}', 'x'.repeat(300),
];

/** A random valid dump: random ranges inserted into a tree by the engine, then rendered. */
export const randomIomemDoc: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(
      fc.tuple(fc.bigInt({ min: 0n, max: (1n << 44n) - 1n }), fc.bigInt({ min: 1n, max: 1n << 36n }), fc.constantFrom(...IOMEM_NAMES)),
      { maxLength: 60 },
    ),
    fc.constantFrom((1n << 64n) - 1n, (1n << 46n) - 1n, 0xffffn),
  )
  .map(([ranges, rootEnd]) => {
    const tree = new ResourceTree({ rootEnd });
    for (const [start, size, name] of ranges) {
      const end = start + size - 1n;
      if (end > rootEnd) continue;
      const r = tree.alloc(tree.internName(name), start, end, IORESOURCE_MEM);
      if (tree.insertResource(tree.root, r).err !== 0) tree.free(r);
    }
    return renderIomem(tree);
  });

export function iomemTarget(): FuzzTarget<string> {
  const corpus = iomemCorpus();
  return {
    name: 'iomem (parseIomem)',
    inputs: 'garbage, dumps with 1–3 line mutations, random valid dumps (mutated or not)',
    arbitrary: fc.oneof(
      { weight: 2, arbitrary: garbageText('0123456789abcdefABCDEF-: \n()SystemRAMvirtio') },
      { weight: 4, arbitrary: mutatedText(corpus) },
      { weight: 1, arbitrary: randomIomemDoc },
      { weight: 1, arbitrary: mutatedText(['00000000-00000fff : Reserved\n', '0-ffff : PCI IO\n  0-1f : dma1\n']) },
      { weight: 2, arbitrary: randomIomemDoc.chain((d) => mutatedText([d.length > 0 ? d : '0-0 : x\n'])) },
    ),
    check: checkIomem,
  };
}

/** parseIomem's contract: a clear error with a line number, or a tree that renders and re-parses to itself. */
export function checkIomem(text: string): Verdict {
  const source = 'dump.txt';
  const r = parseIomem(text, { source });
  if (!r.ok) {
    const { line, message } = r.error;
    const n = lineCount(text);
    if (!Number.isInteger(line) || line < 1 || line > Math.max(1, n)) return violation(`error line ${line} is outside 1..${n}: ${message}`);
    const prefix = `${source}:${line}: `;
    if (!message.startsWith(prefix) || message.length <= prefix.length + 3) return violation(`error message does not name the file and line: ${JSON.stringify(message)}`);
    return REJECTED;
  }
  const tree = r.tree;
  const errs = checkTree(tree);
  if (errs.length > 0) return violation(`parsed tree is inconsistent: ${errs.join('; ')}`);
  const inputNames = text.split('\n').filter((l, i, a) => !(i === a.length - 1 && l === '')).map((l) => l.replace(/\r$/, '').replace(/^ *[0-9a-fA-F]+-[0-9a-fA-F]+ : /, ''));
  const names = [...iomemEntries(tree)].map((e) => e.name ?? '<BAD>');
  if (names.length !== inputNames.length) return violation(`accepted ${inputNames.length} lines but the tree has ${names.length} nodes`);
  for (let i = 0; i < names.length; i++) if (names[i] !== inputNames[i]) return violation(`line ${i + 1}: name ${JSON.stringify(inputNames[i])} became ${JSON.stringify(names[i])}`);
  const out = renderIomem(tree);
  const again = parseIomem(out);
  if (!again.ok) return violation(`the rendered text does not parse back: ${again.error.message}`);
  const out2 = renderIomem(again.tree);
  if (out2 !== out) return violation('render → parse → render is not stable');
  return ACCEPTED;
}

// =================================================================================================
// Oracle traces
// =================================================================================================

/** Lines a hand-edited or damaged trace might contain. */
const TRACE_LINES = [
  '=== step 1: size 1G', '=== step 1: size 99999999G', '=== step 1: size 0', '=== step 1: size -1M', '=== step 1: size 3M', '=== step 2: dimm-add d9 512M',
  '=== step 2: dimm-del d1', '=== step 3: guest echo offline > /sys/devices/system/memory/memory40/state', '=== step 3: guest echo online_movable > /sys/devices/system/memory/memory9999999/state',
  '=== step 1: sleep 1', '=== step 1: dump', '=== step 1: unknown-command x', '=== step 99: boot', '=== step 0: boot',
  'dimm: d1 addr=0xffffffffffffffff size=0x20000000', 'dimm: d1 addr=0x0 size=0x0', 'hint: unmovable memory99999999999 128M', 'hint: unmovable memory40 99999999999999G',
  '--- iomem', '--- memory-blocks', '--- meminfo', '--- guest-output rc=-1', 'requested-size: 0x', 'plugged-size: 0xffffffffffffffffffff (1)', 'result: timeout',
  '# device: virtio-mem-pci id=vm0 block-size=0 memdev size=0 memaddr=0x0', '# device: virtio-mem-pci id=vm0 block-size=3M memdev size=64G memaddr=0xfffffffffff00000',
  '# device: none', '# device: pc-dimm', '# kernel cmdline: memhp_default_state=online_kernel movable_node virtio_mem.force_bbm=1', 'block_size_bytes 0x0', 'memory99999999 online Movable',
];

export function traceArbitrary(): fc.Arbitrary<string> {
  const corpus = oracleTraces().map((t) => t.text);
  const inserted = fc
    .tuple(fc.constantFrom(...corpus), fc.array(fc.tuple(fc.nat({ max: 1_000_000 }), fc.constantFrom(...TRACE_LINES)), { minLength: 1, maxLength: 3 }))
    .map(([doc, ins]) => {
      const lines = doc.split('\n');
      for (const [at, line] of ins) lines.splice(at % (lines.length + 1), 0, line);
      return lines.join('\n');
    });
  return fc.oneof(
    { weight: 1, arbitrary: garbageText('=-# :\nstepbootsize0123456789abcdefxGM') },
    { weight: 4, arbitrary: mutatedText(corpus) },
    { weight: 4, arbitrary: inserted },
  );
}

export function traceTarget(): FuzzTarget<string> {
  return {
    name: 'oracle trace (parseTrace)',
    inputs: 'garbage, golden traces with line mutations and inserted step/dimm/hint/device lines',
    arbitrary: traceArbitrary(),
    check: checkTrace,
  };
}

export function checkTrace(text: string): Verdict {
  const r = parseTrace(text, 't.txt');
  const rows = text.split('\n').length;
  if (!r.ok) {
    const { line, message } = r.error;
    if (!Number.isInteger(line) || line < 1 || line > rows) return violation(`error line ${line} is outside 1..${rows}: ${message}`);
    if (typeof message !== 'string' || message.trim().length < 4) return violation(`unclear error: ${JSON.stringify(message)}`);
    return REJECTED;
  }
  const steps = r.trace.steps;
  for (let i = 0; i < steps.length; i++) {
    const st = steps[i]!;
    if (st.input.index !== i) return violation(`step ${i} is numbered ${st.input.index}`);
    if (st.input.line < 1 || st.input.line > rows) return violation(`step ${i} has line ${st.input.line}`);
    for (const sec of [st.expected.iomem, st.expected.blocks]) {
      if (sec && (sec.line < 1 || sec.line > rows || (sec.text !== '' && !sec.text.endsWith('\n')))) return violation(`step ${i}: malformed section at line ${sec.line}`);
    }
  }
  if (steps[0]?.input.command !== 'boot') return violation('accepted a trace whose step 0 is not boot');
  return ACCEPTED;
}

/** replayTrace on damaged traces: never throws, and a stopped replay says where and why. */
export function replayTarget(): FuzzTarget<string> {
  return {
    name: 'oracle replay (replayTrace)',
    inputs: 'golden traces with line mutations and inserted step/dimm/hint/device lines',
    arbitrary: traceArbitrary(),
    check(text) {
      const rep = replayTrace(text, 't.txt');
      if (rep.error) {
        if (typeof rep.error.message !== 'string' || rep.error.message.trim().length < 4) return violation(`unclear replay error: ${JSON.stringify(rep.error)}`);
        const rows = text.split('\n').length;
        if (!Number.isInteger(rep.error.line) || rep.error.line < 0 || rep.error.line > rows) return violation(`replay error line ${rep.error.line} outside 0..${rows}`);
        return REJECTED;
      }
      for (const st of rep.steps) for (const m of st.mismatches) if (typeof m !== 'object' || m === null) return violation('a mismatch is not an object');
      return rep.ok ? ACCEPTED : REJECTED;
    },
  };
}

// =================================================================================================
// Scenario files
// =================================================================================================

export interface ScenarioInput {
  text: string;
  source?: string;
}

/** Messages that are about the whole document (no path to name). */
const DOCUMENT_LEVEL = /^(the scenario|the YAML|the document|refused|cannot be read|a scenario must|must be a mapping)/;

/**
 * `strict` (the default) also requires every error to name a line (syntax errors) or a field path;
 * the fixed-seed test and `npm run fuzz` both run strict.
 */
export function scenarioTarget(opts: { strict?: boolean } = {}): FuzzTarget<ScenarioInput> {
  const strict = opts.strict !== false;
  const corpus = scenarioTexts();
  const texts = corpus.map((c) => c.text);
  const data = corpus.filter((c) => c.source.endsWith('.json')).map((c) => JSON.parse(c.text) as unknown);
  const source = fc.constantFrom<string | undefined>(undefined, 'x.yaml', 'x.json', 'x.yml', 'x.txt');
  return {
    name: 'scenario (loadScenarioText)',
    inputs: 'garbage, YAML/JSON with line mutations, JSON with field mutations, alias bombs, deep nesting',
    arbitrary: fc.oneof(
      { weight: 2, arbitrary: fc.record({ text: garbageText('{}[]:,- \n"\'&*!#|>abc0123456789'), source }) },
      { weight: 4, arbitrary: fc.record({ text: mutatedText(texts), source }) },
      { weight: 4, arbitrary: fc.record({ text: fc.tuple(mutatedJson(data), fc.boolean()).map(([d, p]) => toJsonText(d, p)), source: fc.constantFrom<string | undefined>(undefined, 'x.json') }) },
      { weight: 1, arbitrary: fc.record({ text: hostileYaml, source: fc.constantFrom<string | undefined>(undefined, 'x.yaml') }) },
      { weight: 1, arbitrary: fc.record({ text: fc.constantFrom(...texts), source }) },
    ),
    check: (x) => checkScenario(x, strict),
    show: (x) => `${JSON.stringify(x.source)} ${JSON.stringify(x.text.length > 800 ? `${x.text.slice(0, 800)}…` : x.text)}`,
  };
}

export function checkScenario(input: ScenarioInput, strict = true): Verdict {
  const r = loadScenarioText(input.text, input.source === undefined ? {} : { source: input.source });
  if (!r.ok) {
    if (!Array.isArray(r.errors) || r.errors.length === 0) return violation('refused without any error');
    for (const e of r.errors) {
      if (typeof e.message !== 'string' || e.message.trim().length === 0) return violation(`an error has no message (path ${JSON.stringify(e.path)})`);
      if (typeof e.path !== 'string') return violation('an error has no path');
      if (!strict) continue;
      if (e.path === '' && !DOCUMENT_LEVEL.test(e.message)) return violation(`error names neither a line nor a field: ${JSON.stringify(e.message)}`);
      if (/^invalid (YAML|JSON)/.test(e.message) && !/^line \d+, column \d+$/.test(e.path)) return violation(`syntax error without a line: ${JSON.stringify(e.path)} ${JSON.stringify(e.message)}`);
    }
    return REJECTED;
  }
  // A loaded scenario is plain data that loads again (as JSON) to itself.
  const json = JSON.stringify(r.scenario);
  const again = loadScenarioText(json, { source: 'normalized.json' });
  if (!again.ok) return violation(`the normalized scenario does not load again: ${again.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  if (JSON.stringify(again.scenario) !== json) return violation('loading the normalized scenario again changes it');
  return ACCEPTED;
}

// =================================================================================================
// The runner on whatever the loader accepts
// =================================================================================================

const SIZE_POOL = ['0', '1', '4K', '2M', '3M', '4M', '64M', '127M', '128M', '129M', '256M', '1G', '2G', '16G', '64G', '1T', '0x8000000', '+128M', '-128M', '+1G', '-2G'];
const INT_POOL = [0, 1, 2, 3, 7, 63, 64, 100, 1000, 4096, 65535];

/** Keeps a scenario's shape and changes 1–4 of its values (sizes to other sizes, numbers to other numbers, enums swapped). */
export function leafMutated(corpus: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.constantFrom(...corpus), fc.array(fc.tuple(fc.nat({ max: 1_000_000 }), fc.nat({ max: 1_000_000 })), { minLength: 1, maxLength: 4 }))
    .map(([doc, edits]) => {
      const copy = structuredClone(doc);
      const leaves: { parent: Record<string, unknown> | unknown[]; key: string | number; value: unknown }[] = [];
      const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach((c, i) => (typeof c === 'object' && c !== null ? walk(c) : leaves.push({ parent: v, key: i, value: c })));
        else if (typeof v === 'object' && v !== null) {
          for (const [k, c] of Object.entries(v)) {
            if (typeof c === 'object' && c !== null) walk(c);
            else leaves.push({ parent: v as Record<string, unknown>, key: k, value: c });
          }
        }
      };
      walk(copy);
      for (const [at, pick] of edits) {
        const leaf = leaves[at % leaves.length];
        if (!leaf) break;
        let next: unknown = leaf.value;
        if (typeof leaf.value === 'number') next = INT_POOL[pick % INT_POOL.length];
        else if (typeof leaf.value === 'string' && /^[+-]?(0x[0-9a-f]+|\d+)[KMGTP]?$/i.test(leaf.value)) next = SIZE_POOL[pick % SIZE_POOL.length];
        else if (leaf.key === 'profile') next = ['5.9', 'rfc-v1', '5.10', '6.1', '6.12'][pick % 5];
        else if (leaf.key === 'onlinePolicy') next = ['offline', 'online', 'online_kernel', 'online_movable'][pick % 4];
        else if (leaf.key === 'strategy') next = ['none', 'rfc-v1', 'mhp-merge'][pick % 3];
        (leaf.parent as Record<string | number, unknown>)[leaf.key] = next;
      }
      return copy;
    });
}

/** Steps run per accepted scenario (enough to reach devices, faults and soaks, short enough to fuzz). */
export const RUNNER_FUZZ_STEPS = 40;

/**
 * Scenarios the loader accepts, mutated from the presets (sizes, counts, devices, steps), run on
 * the engine: starting may be refused with a message, but no step may make the engine throw
 * (a step record's `error` means an exception escaped the engine: a broken invariant).
 */
export function runnerTarget(): FuzzTarget<string> {
  // scale-64t takes seconds per 40 steps (64 TiB); the other presets take milliseconds.
  const corpus = scenarioTexts()
    .filter((c) => c.source.endsWith('.json') && !c.source.startsWith('scale-'))
    .map((c) => JSON.parse(c.text) as unknown);
  return {
    name: 'runner (accepted scenarios)',
    inputs: 'preset scenarios with values or fields changed; the accepted ones run for up to 40 steps',
    arbitrary: fc.oneof({ weight: 1, arbitrary: mutatedJson(corpus) }, { weight: 3, arbitrary: leafMutated(corpus) }).map((d) => toJsonText(d, false)),
    check(text) {
      const loaded = loadScenarioText(text, { source: 'x.json' });
      if (!loaded.ok) return REJECTED;
      const created = Runner.create(loaded.scenario, { now: () => 0 });
      if (!created.ok) {
        if (typeof created.error !== 'string' || created.error.trim().length < 4) return violation(`Runner.create refused without a message: ${JSON.stringify(created.error)}`);
        if (/engine error while starting/.test(created.error)) return violation(`the engine threw while starting an accepted scenario: ${created.error}`);
        return REJECTED;
      }
      const r = created.runner;
      for (let i = 0; i < RUNNER_FUZZ_STEPS; i++) {
        const m = r.step();
        if (!m) break;
        if (m.error !== undefined) return violation(`step ${m.index} (${m.label}) made the engine throw: ${m.error}`);
      }
      return ACCEPTED;
    },
  };
}

// =================================================================================================
// JSON reports
// =================================================================================================

export function reportTarget(): FuzzTarget<string> {
  const texts = reportCorpus();
  const data = texts.map((t) => JSON.parse(t) as unknown);
  return {
    name: 'report (parseReportJson)',
    inputs: 'garbage, report JSON with line mutations, reports with field mutations',
    arbitrary: fc.oneof(
      { weight: 1, arbitrary: garbageText('{}[]:," \n0123456789.eE-truefalsn') },
      { weight: 3, arbitrary: mutatedText(texts) },
      { weight: 5, arbitrary: fc.tuple(mutatedJson(data), fc.boolean()).map(([d, p]) => toJsonText(d, p)) },
    ),
    check: checkReport,
  };
}

export function checkReport(text: string): Verdict {
  const r = parseReportJson(text);
  if (!r.ok) {
    if (!Array.isArray(r.errors) || r.errors.length === 0) return violation('refused without any error');
    for (const e of r.errors) {
      if (typeof e.path !== 'string' || e.path.length === 0) return violation(`an error has no field path: ${JSON.stringify(e)}`);
      if (typeof e.message !== 'string' || e.message.trim().length === 0) return violation(`an error has no message: ${JSON.stringify(e)}`);
      if (/JSON/.test(e.message) && e.path === '(root)' && !/line \d+, column \d+/.test(e.message) && !/^(must|report|is missing)/.test(e.message)) {
        return violation(`syntax error without a line and column: ${JSON.stringify(e.message)}`);
      }
    }
    return REJECTED;
  }
  const out = renderReportJson(r.report);
  const again = parseReportJson(out);
  if (!again.ok) return violation(`the re-rendered report does not parse: ${again.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  if (renderReportJson(again.report) !== out) return violation('render → parse → render is not stable');
  if (JSON.stringify(again.view) !== JSON.stringify(r.view)) return violation('the view changes after a round trip');
  return ACCEPTED;
}

// =================================================================================================
// Protocol payloads (the runtime validation main and the worker run on every message)
// =================================================================================================

/**
 * A device payload a kind's driver accepts, from its `params` table: every field (`full`, with an
 * id and node) or only the required ones.
 */
function examplePayload(d: AnyDriver, full: boolean): DeviceSpecPayload {
  const spec: DeviceSpecPayload = { kind: d.kind, ...(full ? { id: `${d.kind}-0`, node: 0 } : {}) };
  for (const p of d.params) {
    if (!full && p.ui !== 'required') continue;
    spec[p.key] = p.type === 'size' ? (p.placeholder && /^\d/.test(p.placeholder) ? p.placeholder : '1G') : p.type === 'bool' ? true : p.type === 'int' ? (p.min ?? 0) : (p.values?.[0] ?? '');
  }
  return spec;
}

/** One valid payload per command (the starting points of near-valid mutations). */
export const VALID_ARGS: { [K in CommandName]: CommandArgs<K>[] } = {
  hello: [{}],
  loadPreset: [{ name: 'seed-100g-virtio-mem' }, { name: 'kdump-limit', profile: '5.9', strategy: 'none', seed: 3 }],
  loadScenario: [{ text: 'name: x\n', source: 'x.yaml', format: 'yaml', seed: 0 }],
  loadLane: [{ scenario: { kind: 'preset', name: 'unplug-fragmentation' }, params: 'vm0.blockSize=4M', strategy: 'none' }, { scenario: { kind: 'text', text: 'name: x\n', source: 'x.yaml', format: 'yaml' } }],
  importIomem: [{ text: '00000000-00000fff : Reserved\n', source: 'iomem.txt', blockSize: '128M', onlinePolicy: 'online_movable' }],
  configure: [{ profile: '6.12', strategy: 'mhp-merge', seed: 4294967295 }, {}],
  start: [{}],
  pause: [{}],
  step: [{ count: 1 }, {}],
  runTo: [{ stepIndex: 10 }],
  reset: [{}],
  setSpeed: [{ stepsPerSecond: 10.5 }],
  addDevice: [
    ...DRIVERS.map((d) => ({ spec: examplePayload(d, true) })),
    ...DRIVERS.map((d) => ({ spec: examplePayload(d, false) })),
  ],
  resizeDevice: [{ device: 'vm0', size: '0x8000000' }],
  guestAction: [{ block: 33, state: 'offline' }],
  iomemWindow: [{ from: 0, count: 100, maxDepth: 1, user: true }],
  iomemSearch: [{ query: 'System RAM', from: 0, limit: 10 }],
  lsmem: [{ all: true }, {}],
  metrics: [{ since: 0, limit: 100 }],
  log: [{ since: 0 }],
  summary: [{}],
  exportData: [{ format: 'json' }],
};

export const VALID_HOST_ARGS: { [K in HostCommandName]: HostCommandArgs<K>[] } = {
  openScenarioFile: [{}],
  openIomemFile: [{}],
  saveFile: [{ suggestedName: 'report.json', text: '{}' }],
  restartWorker: [{}],
  laneCall: [{ lane: 0, command: 'hello', args: {} }, { lane: 5, command: 'metrics', args: { since: 0 } }],
  laneStop: [{ lane: 0 }],
};

export interface PayloadInput {
  command: unknown;
  args: unknown;
}

/** Arbitrary values of every JavaScript shape, including the ones structured clone cannot carry. */
export const anyValue: fc.Arbitrary<unknown> = fc.anything({
  maxDepth: 4,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
});

/** Near-valid and random payloads for `names`, starting from `valid`. */
export function payloadArbitrary(names: readonly string[], valid: Record<string, unknown[]>, cloneable: boolean): fc.Arbitrary<PayloadInput> {
  const validPairs = names.flatMap((n) => (valid[n] ?? []).map((a) => ({ command: n, args: a })));
  const value = cloneable ? fc.jsonValue({ maxDepth: 4 }) : anyValue;
  return fc.oneof(
    { weight: 2, arbitrary: fc.record({ command: fc.constantFrom(...names), args: value }) },
    { weight: 1, arbitrary: fc.record({ command: cloneable ? fc.oneof(fc.constantFrom(...names), fc.string()) : fc.oneof(fc.constantFrom(...names), anyValue), args: value }) },
    {
      weight: 6,
      arbitrary: fc.constantFrom(...validPairs).chain((pair) => mutatedJson([pair.args]).map((args) => ({ command: pair.command, args }))),
    },
    { weight: 1, arbitrary: fc.constantFrom(...validPairs) },
    { weight: 1, arbitrary: fc.record({ command: fc.constantFrom(...names), args: oddValue }) },
  );
}

function checkPayload(kind: 'command' | 'host command', input: PayloadInput, known: readonly string[], validate: (c: unknown, a: unknown) => { code: string; message: string } | null): Verdict {
  const err = validate(input.command, input.args);
  if (err === null) {
    if (typeof input.command !== 'string' || !known.includes(input.command)) return violation(`accepted an unknown ${kind} ${String(input.command)}`);
    if (typeof input.args !== 'object' || input.args === null || Array.isArray(input.args)) return violation('accepted arguments that are not an object');
    let copy: unknown;
    try {
      copy = structuredClone(input.args);
    } catch {
      return violation('accepted arguments that cannot cross a thread or process boundary (not structured-cloneable)');
    }
    if (validate(input.command, copy) !== null) return violation('accepted arguments whose structured clone is refused');
    return ACCEPTED;
  }
  if (err.code !== 'BAD_PAYLOAD' && err.code !== 'UNKNOWN_COMMAND') return violation(`unexpected error code ${err.code}`);
  if (typeof err.message !== 'string' || err.message.length === 0) return violation('error without a message');
  if (err.code === 'BAD_PAYLOAD' && !new RegExp(`^${String(input.command)}: args(\\.|:|\\[)`).test(err.message)) {
    return violation(`BAD_PAYLOAD message does not name the command and the field path: ${JSON.stringify(err.message)}`);
  }
  if (err.code === 'UNKNOWN_COMMAND' && typeof input.command === 'string' && known.includes(input.command)) return violation(`known ${kind} refused as unknown`);
  return REJECTED;
}

/** What the receiving side sees: the payload after a structured clone (as IPC and postMessage do). */
function delivered(x: PayloadInput): PayloadInput {
  return { command: structuredClone(x.command), args: structuredClone(x.args) };
}

/**
 * `structured`: only values that can arrive over IPC or postMessage (JSON-like data after a
 * structured clone); otherwise any JavaScript value, as a direct caller could pass.
 */
export function protocolTarget(mode: 'structured' | 'any' = 'structured'): FuzzTarget<PayloadInput> {
  return {
    name: mode === 'structured' ? 'protocol (validateArgs)' : 'protocol, any JS value',
    inputs: 'valid payloads with field mutations, arbitrary values, unknown commands',
    arbitrary: payloadArbitrary(COMMAND_NAMES, VALID_ARGS as Record<string, unknown[]>, mode === 'structured'),
    check: (x) => checkPayload('command', mode === 'structured' ? delivered(x) : x, COMMAND_NAMES, validateArgs),
  };
}

export function hostProtocolTarget(mode: 'structured' | 'any' = 'structured'): FuzzTarget<PayloadInput> {
  return {
    name: mode === 'structured' ? 'host (validateHostArgs)' : 'host, any JS value',
    inputs: 'valid payloads with field mutations, arbitrary values, unknown commands',
    arbitrary: payloadArbitrary(HOST_COMMAND_NAMES, VALID_HOST_ARGS as Record<string, unknown[]>, mode === 'structured'),
    check: (x) => checkPayload('host command', mode === 'structured' ? delivered(x) : x, HOST_COMMAND_NAMES, validateHostArgs),
  };
}
