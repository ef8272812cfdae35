/**
 * Loading scenario files: YAML or JSON text → parsed data → JSON-Schema validation (the
 * standalone validator generated from schema/scenario.schema.json, so nothing is compiled or
 * eval'd at run time) → `normalizeScenario` (the checks a schema cannot express). Every problem is
 * reported with its path and a human message, and nothing is returned unless there are none.
 * Hostile inputs (alias bombs, huge or deeply nested files) are refused before they are expanded;
 * the limits are in ./README.md. Runs in Node and in a browser worker (no fs: files referenced by
 * a scenario are read through the caller's `readFile`).
 */
import { parseDocument, visit, LineCounter } from 'yaml';
import { validate } from './scenario.validate.generated.js';
import type { AjvError } from './scenario.validate.generated.js';
import { normalizeScenario, formatIssue } from '../../worker/engine/scenario/normalize.js';
import { DEVICE_KINDS, type DriverRegistry } from '../../worker/engine/drivers/index.js';
import type { ScenarioIssue } from '../../worker/engine/scenario/normalize.js';
import { SCENARIO_LIMITS } from '../../worker/engine/scenario/scenario.js';
import { jsonErrorOffset, lineColumnOf } from '../json-error.js';
import type { Scenario } from '../../worker/engine/scenario/scenario.js';

export type { ScenarioIssue };

/** Text-level limits (the engine's own limits are SCENARIO_LIMITS). */
export const TEXT_LIMITS = {
  /** Characters of scenario text. */
  chars: 1024 * 1024,
  /** YAML aliases (*name) in one document. */
  aliases: 50,
  /** Nesting depth of the parsed data. */
  depth: 64,
  /** Values (scalars, lists, mappings) in the parsed data. */
  nodes: 200_000,
} as const;

export type LoadResult = { ok: true; scenario: Scenario } | { ok: false; errors: ScenarioIssue[] };

export interface LoadOptions {
  /** File name, for messages and to pick the format by extension. */
  source?: string;
  format?: 'yaml' | 'json';
  /**
   * Reads a file a scenario refers to (machine.boot.file), relative to the scenario; returns its
   * text, or an Error / null when it cannot. Without it, such references are reported as errors.
   */
  readFile?: (relPath: string) => string | Error | null;
  /**
   * The device kinds a scenario may declare; default the built-in ones. The published JSON schema
   * knows only the built-in kinds, so a device of another kind is checked by normalization alone
   * (its driver's `params` table), and schema findings under it are left out.
   */
  drivers?: DriverRegistry;
}

/** Parses, validates and normalizes a scenario text. Never throws. */
export function loadScenarioText(text: string, opts: LoadOptions = {}): LoadResult {
  try {
    return load(text, opts);
  } catch (e) {
    // The parsers recurse; a pathological input can still exhaust the stack.
    const msg = e instanceof RangeError ? 'the document is nested too deeply to parse' : `cannot be read: ${e instanceof Error ? e.message : String(e)}`;
    return { ok: false, errors: [{ path: '', message: msg }] };
  }
}

function load(text: string, opts: LoadOptions): LoadResult {
  if (typeof text !== 'string') return fail('', 'the scenario must be text');
  if (text.length > TEXT_LIMITS.chars) {
    return fail('', `the scenario is ${text.length} characters long; the limit is ${TEXT_LIMITS.chars} (1 MiB)`);
  }
  const format = opts.format ?? guessFormat(text, opts.source);
  const parsed = format === 'json' ? parseJson(text) : parseYaml(text);
  if (!parsed.ok) return parsed;
  const shape = checkShape(parsed.value);
  if (shape) return fail('', shape);
  const data = parsed.value;
  const fileErr = resolveBootFile(data, opts);
  if (fileErr) return { ok: false, errors: [fileErr] };
  const schemaErrors = validate(data) ? [] : schemaIssues(validate.errors ?? []).filter((e) => !underOtherKind(data, e.path, opts.drivers));
  const norm = normalizeScenario(data, opts.drivers);
  if (norm.ok && schemaErrors.length === 0) return norm;
  const extra = norm.ok ? [] : norm.errors.filter((e) => !schemaErrors.some((s) => overlaps(s.path, e.path)));
  return { ok: false, errors: dedupe([...schemaErrors, ...extra]) };
}

/** True for a path under `devices[i]` whose kind `drivers` has but the built-in list lacks (see LoadOptions.drivers). */
function underOtherKind(data: unknown, path: string, drivers: DriverRegistry | undefined): boolean {
  const m = drivers ? /^devices\[(\d+)\]/.exec(path) : null;
  const devices = (data as { devices?: unknown } | null)?.devices;
  if (!m || !Array.isArray(devices)) return false;
  const kind = (devices[Number(m[1])] as { kind?: unknown } | undefined)?.kind;
  return typeof kind === 'string' && drivers!.get(kind) !== undefined && !(DEVICE_KINDS as readonly string[]).includes(kind);
}

function fail(path: string, message: string): { ok: false; errors: ScenarioIssue[] } {
  return { ok: false, errors: [{ path, message }] };
}

function guessFormat(text: string, source?: string): 'yaml' | 'json' {
  if (source && /\.json$/i.test(source)) return 'json';
  if (source && /\.ya?ml$/i.test(source)) return 'yaml';
  return /^\s*[{[]/.test(text) && !/^\s*\[/.test(text) ? 'json' : 'yaml';
}

type Parsed = { ok: true; value: unknown } | { ok: false; errors: ScenarioIssue[] };

function lineCol(text: string, offset: number): string {
  const { line, column } = lineColumnOf(text, offset);
  return `line ${line}, column ${column}`;
}

/** JSON text → data; a syntax error is placed by our own scanner (V8's messages often carry no position). */
function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).replace(/ in JSON at position \d+.*$/, '');
    const at = jsonErrorOffset(text);
    return { ok: false, errors: [{ path: lineCol(text, at < 0 ? text.length : at), message: `invalid JSON: ${msg}` }] };
  }
}

function parseYaml(text: string): Parsed {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, schema: 'core', merge: false });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    return {
      ok: false,
      errors: problems.slice(0, 20).map((p) => {
        const lp = lineCounter.linePos(p.pos[0]);
        return { path: `line ${lp.line}, column ${lp.col}`, message: `invalid YAML: ${p.message.split('\n')[0]}` };
      }),
    };
  }
  let aliases = 0;
  visit(doc, { Alias: () => void aliases++ });
  if (aliases > TEXT_LIMITS.aliases) {
    return { ok: false, errors: [{ path: '', message: `the YAML uses ${aliases} aliases; at most ${TEXT_LIMITS.aliases} are accepted (alias bombs are refused, not expanded)` }] };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: TEXT_LIMITS.aliases }) as unknown };
  } catch (e) {
    return { ok: false, errors: [{ path: '', message: `refused: ${e instanceof Error ? e.message : String(e)}` }] };
  }
}

/** Depth and size of the parsed data, walked without recursion. */
function checkShape(value: unknown): string | null {
  const stack: [unknown, number][] = [[value, 1]];
  let nodes = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (++nodes > TEXT_LIMITS.nodes) return `the document holds more than ${TEXT_LIMITS.nodes} values`;
    if (depth > TEXT_LIMITS.depth) return `the document nests deeper than ${TEXT_LIMITS.depth} levels`;
    if (typeof v === 'object' && v !== null) for (const c of Object.values(v)) stack.push([c, depth + 1]);
  }
  return null;
}

/** Replaces `machine.boot: { file }` by the file's text, read through `opts.readFile`. */
function resolveBootFile(data: unknown, opts: LoadOptions): ScenarioIssue | null {
  const machine = (data as { machine?: unknown } | null)?.machine;
  const boot = (machine as { boot?: unknown } | null | undefined)?.boot;
  if (typeof boot !== 'object' || boot === null || Array.isArray(boot)) return null;
  const keys = Object.keys(boot);
  const file = (boot as { file?: unknown }).file;
  if (keys.length !== 1 || typeof file !== 'string' || file.length === 0 || file.length > 1024) return null;
  if (!opts.readFile) return { path: 'machine.boot.file', message: 'files can only be imported when the scenario is loaded from a file (use iomem: for inline text)' };
  let text: string | Error | null;
  try {
    text = opts.readFile(file);
  } catch (e) {
    text = e instanceof Error ? e : new Error(String(e));
  }
  if (text === null || text instanceof Error) return { path: 'machine.boot.file', message: `cannot read ${JSON.stringify(file)}${text ? `: ${text.message}` : ''}` };
  if (text.length > SCENARIO_LIMITS.iomemChars) return { path: 'machine.boot.file', message: `${JSON.stringify(file)} is larger than ${SCENARIO_LIMITS.iomemChars} characters` };
  (machine as { boot: unknown }).boot = { iomem: text, source: file };
  return null;
}

/** "/devices/1/blockSize" → "devices[1].blockSize" */
export function pointerToPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : seg === '' ? '[""]' : out ? `.${seg}` : seg;
  }
  return out;
}

/** `path` + `.key`; an empty key (JSON `""`, a YAML `?` with no key) is written `[""]` so it can be found. */
function join(path: string, key: string): string {
  if (key === '') return `${path}[""]`;
  return path ? `${path}.${key}` : key;
}

const DEFINITION_MESSAGES: Record<string, string> = {
  size: 'must be a size: a number of bytes, or text such as "128M", "1G" or "0x8000000"',
  delta: 'must be a signed size such as "+128M", "-1G" or a number of bytes',
  duration: 'must be a duration such as 1500 (ms), "300ms", "5s", "2m" or "1h"',
  blocks: 'must be a block number, a range "33-40", a strided range "33-95/2", or a list of those',
};

const PATTERN_MESSAGES: Record<string, string> = {
  '#/definitions/deviceId/pattern': 'must be 1–64 letters, digits or "._-", starting with a letter, digit or "_"',
  '#/properties/machine/properties/kdump/properties/kexecTools/pattern': 'must be a kexec-tools release such as "2.0.20"',
};

const TYPE_WORDS: Record<string, string> = {
  string: 'a string', integer: 'an integer', number: 'a number', object: 'a mapping (an object)', array: 'a list', boolean: 'true or false',
};

/** Ajv errors → one human issue per problem, with dotted paths. */
export function schemaIssues(errors: readonly AjvError[]): ScenarioIssue[] {
  const collapsed: { path: string; def: string }[] = [];
  for (const e of errors) {
    const m = /^#\/definitions\/(\w+)\/anyOf$/.exec(e.schemaPath);
    if (e.keyword === 'anyOf' && m && DEFINITION_MESSAGES[m[1]!]) collapsed.push({ path: e.instancePath, def: m[1]! });
  }
  const out: ScenarioIssue[] = [];
  for (const e of errors) {
    const path = pointerToPath(e.instancePath);
    const c = collapsed.find((x) => (e.instancePath === x.path || e.instancePath.startsWith(`${x.path}/`)) && e.schemaPath.startsWith(`#/definitions/${x.def}/`));
    if (c) {
      if (e.keyword === 'anyOf' && e.instancePath === c.path && e.schemaPath === `#/definitions/${c.def}/anyOf`) out.push({ path, message: DEFINITION_MESSAGES[c.def]! });
      continue;
    }
    const issue = issueFor(e, path);
    if (issue) out.push(issue);
  }
  return dedupe(out);
}

function issueFor(e: AjvError, path: string): ScenarioIssue | null {
  const p = e.params;
  switch (e.keyword) {
    case 'if':
      return null;
    case 'required':
      return { path: join(path, String(p.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return { path: join(path, String(p.additionalProperty)), message: 'is not a known field here' };
    case 'discriminator': {
      const tag = String(p.tag);
      if (p.error === 'tag') return { path: join(path, tag), message: 'is required' };
      const what = tag === 'op' ? 'step' : 'device kind';
      return { path: join(path, tag), message: `unknown ${what} ${JSON.stringify(p.tagValue)}` };
    }
    case 'enum':
      return { path, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'type':
      return { path, message: `must be ${TYPE_WORDS[String(p.type)] ?? String(p.type)}` };
    case 'minimum':
      return { path, message: `must be at least ${String(p.limit)}` };
    case 'maximum':
      return { path, message: `must be at most ${String(p.limit)}` };
    case 'minItems':
      return { path, message: `must have at least ${String(p.limit)} entries` };
    case 'maxItems':
      return { path, message: `must have at most ${String(p.limit)} entries` };
    case 'minLength':
      return { path, message: Number(p.limit) === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters` };
    case 'maxLength':
      return { path, message: `must be at most ${String(p.limit)} characters` };
    case 'pattern':
      return { path, message: PATTERN_MESSAGES[e.schemaPath] ?? 'has the wrong format' };
    default:
      return { path, message: e.message ?? `fails ${e.keyword}` };
  }
}

function overlaps(a: string, b: string): boolean {
  const under = (x: string, y: string): boolean => x === y || y === '' || x.startsWith(`${y}.`) || x.startsWith(`${y}[`);
  return under(a, b) || under(b, a);
}

function dedupe(list: ScenarioIssue[]): ScenarioIssue[] {
  const seen = new Set<string>();
  return list.filter((e) => {
    const k = `${e.path}\u0000${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** One line per issue, prefixed with the source: "a.yaml: devices[1].blockSize: must be …". */
export function formatIssues(errors: readonly ScenarioIssue[], source?: string): string {
  return errors.map((e) => (source ? `${source}: ${formatIssue(e)}` : formatIssue(e))).join('\n');
}
