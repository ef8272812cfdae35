/**
 * The lane grammar shared by `memhp compare --lanes` and the app's Compare view.
 *
 *     lanes    := lane ("," lane)*                 commas inside [...] do not split lanes
 *     lane     := "real:" FILE | "trace:" FILE | run
 *     run      := profile "/" strategy [ "[" params "]" ]
 *     profile  := "default" | one of PROFILE_NAMES
 *     strategy := "default" | one of STRATEGY_NAMES
 *     params   := param ((";" | ",") param)*
 *     param    := target "." field "=" value       target: a device id, or a device kind (every device of it)
 *
 * `6.12/none[vm0.blockSize=4M;vm0.regionSize=128G]` is one lane. `real:` and `trace:` lanes are
 * parsed so that later lane kinds plug in here; nothing runs them yet (see `unsupportedLane`).
 * Every error names the lane (its number and text) and the character or field that is wrong.
 */
import { PROFILE_NAMES, STRATEGY_NAMES, type ProfileName, type StrategyName } from '../../worker/protocol.js';

/** One device parameter: `<target>.<field>=<value>`; the value stays text until it is applied. */
export interface LaneParam {
  /** A device id, or a device kind meaning every device of that kind. */
  target: string;
  field: string;
  value: string;
}

/** A lane the emulator runs: undefined profile/strategy means the scenario's own. */
export interface EmulatedLane {
  kind: 'emulated';
  profile?: ProfileName;
  strategy?: StrategyName;
  params: LaneParam[];
}

/** A lane that would boot a real kernel (modules from `--modules`): parsed, not run yet. */
export interface RealLane {
  kind: 'real';
  kernel: string;
}

/** A lane that would replay a recorded trace: parsed, not run yet. */
export interface TraceLane {
  kind: 'trace';
  trace: string;
}

export type LaneDef = EmulatedLane | RealLane | TraceLane;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** The word that keeps a lane's profile or strategy at the scenario's own. */
export const DEFAULT_WORD = 'default';
/** A value is 1 to this many characters. */
export const MAX_VALUE_CHARS = 64;

const TARGET = /^[\w.-]+$/;
const FIELD = /^[A-Za-z][A-Za-z0-9]*$/;
const FORBIDDEN_FIELDS = new Set(['id', 'kind']);

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** Splits on any of `seps` outside brackets. */
function splitOutsideBrackets(text: string, seps: string): { piece: string }[] {
  const out: { piece: string }[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    if (i === text.length || (depth === 0 && seps.includes(c!))) {
      out.push({ piece: text.slice(start, i) });
      start = i + 1;
    }
  }
  return out;
}

/** One `<target>.<field>=<value>` pair; an error names the pair and what is wrong with it. */
function parseParam(raw: string): Parsed<LaneParam> {
  const pair = raw.trim();
  const eq = pair.indexOf('=');
  const key = (eq < 0 ? pair : pair.slice(0, eq)).trim();
  const value = eq < 0 ? '' : pair.slice(eq + 1).trim();
  const dot = key.lastIndexOf('.');
  const target = dot < 0 ? '' : key.slice(0, dot);
  const field = dot < 0 ? '' : key.slice(dot + 1);
  const quoted = JSON.stringify(pair);
  if (!TARGET.test(target) || !FIELD.test(field)) return bad(`${quoted}: expected <device>.<field>=<value>, e.g. vm0.blockSize=4M`);
  if (FORBIDDEN_FIELDS.has(field)) return bad(`${quoted}: a device's "${field}" cannot be changed by a lane`);
  if (!value || value.length > MAX_VALUE_CHARS) return bad(`${quoted}: the value must be 1 to ${MAX_VALUE_CHARS} characters`);
  if (/[[\];,]/.test(value)) return bad(`${quoted}: the value may not hold "[", "]", ";" or ","`);
  return ok({ target, field, value });
}

/**
 * Device parameters as written inside a lane's brackets (or in the app's parameter box):
 * `vm0.blockSize=4M; vm0.regionSize=128G` (";" or "," between pairs). Empty text gives none.
 */
export function parseLaneParams(text: string): Parsed<LaneParam[]> {
  const params: LaneParam[] = [];
  for (const { piece } of splitOutsideBrackets(text, ';,')) {
    if (!piece.trim()) continue;
    const p = parseParam(piece);
    if (!p.ok) return p;
    const same = params.findIndex((q) => q.target === p.value.target && q.field === p.value.field);
    if (same >= 0) params.splice(same, 1);
    params.push(p.value);
  }
  return ok(params);
}

/** `profile` or `strategy` at 1-based character `at`: a known name or `default`. */
function nameAt<T extends string>(word: string, at: number, what: string, names: readonly T[]): Parsed<T | undefined> {
  if (word === DEFAULT_WORD) return ok(undefined);
  if ((names as readonly string[]).includes(word)) return ok(word as T);
  const shown = word === '' ? 'nothing' : JSON.stringify(word);
  return bad(`character ${at}: the ${what} is ${shown}, expected one of ${[DEFAULT_WORD, ...names].join(', ')}`);
}

/** One emulated lane `<profile>/<strategy>[params]` (errors without the lane prefix). */
function parseEmulated(text: string): Parsed<EmulatedLane> {
  const open = text.indexOf('[');
  const head = open < 0 ? text : text.slice(0, open);
  if (open >= 0) {
    const close = text.indexOf(']', open);
    if (close < 0) return bad(`character ${open + 1}: "[" is never closed`);
    if (close !== text.length - 1) return bad(`character ${close + 2}: nothing may follow the "]"`);
  } else if (text.includes(']')) return bad(`character ${text.indexOf(']') + 1}: "]" without "["`);
  const slash = head.indexOf('/');
  if (slash < 0) return bad(`expected <profile>/<strategy> (either may be "${DEFAULT_WORD}"), e.g. 6.12/none`);
  const profile = nameAt(head.slice(0, slash), 1, 'profile', PROFILE_NAMES);
  if (!profile.ok) return profile;
  const strategy = nameAt(head.slice(slash + 1), slash + 2, 'strategy', STRATEGY_NAMES);
  if (!strategy.ok) return strategy;
  const params = open < 0 ? ok<LaneParam[]>([]) : parseLaneParams(text.slice(open + 1, -1));
  if (!params.ok) return bad(`device parameter ${params.error}`);
  const lane: EmulatedLane = { kind: 'emulated', params: params.value };
  if (profile.value) lane.profile = profile.value;
  if (strategy.value) lane.strategy = strategy.value;
  return ok(lane);
}

/** One lane's text (no surrounding blanks); errors say what is wrong, the caller names the lane. */
export function parseLane(text: string): Parsed<LaneDef> {
  for (const [prefix, kind] of [['real:', 'real'], ['trace:', 'trace']] as const) {
    if (!text.startsWith(prefix)) continue;
    const file = text.slice(prefix.length).trim();
    if (!file) return bad(`character ${prefix.length + 1}: a file name must follow "${prefix}"`);
    return ok(kind === 'real' ? { kind, kernel: file } : { kind, trace: file });
  }
  return parseEmulated(text);
}

/** A lane list's lanes as written (commas inside brackets kept), blanks trimmed. */
export function splitLanes(text: string): string[] {
  return splitOutsideBrackets(text, ',').map(({ piece }) => piece.trim());
}

/** A comma-separated lane list (`--lanes`); the error names the lane by number and text. */
export function parseLanes(text: string): Parsed<LaneDef[]> {
  const lanes: LaneDef[] = [];
  for (const [i, lane] of splitLanes(text).entries()) {
    const name = `lane ${i + 1} ${JSON.stringify(lane)}`;
    if (!lane) return bad(`${name}: empty (two commas, or a comma at an end)`);
    const p = parseLane(lane);
    if (!p.ok) return bad(`${name}: ${p.error}`);
    lanes.push(p.value);
  }
  return ok(lanes);
}

/** The one line for a lane kind nothing runs yet, or null for a lane that runs. */
export function unsupportedLane(lane: LaneDef): string | null {
  if (lane.kind === 'real') return `not supported yet: real-kernel lanes (real:${lane.kernel})`;
  if (lane.kind === 'trace') return `not supported yet: trace lanes (trace:${lane.trace})`;
  return null;
}

/** Parameters as the report keeps them: `{ "<target>.<field>": value }`. */
export function paramsRecord(params: readonly LaneParam[]): Record<string, string> {
  return Object.fromEntries(params.map((p) => [`${p.target}.${p.field}`, p.value]));
}

/** Parameters written back as text (`a.b=1; c.d=2`), as `parseLaneParams` reads them. */
export function formatLaneParams(params: readonly LaneParam[]): string {
  return params.map((p) => `${p.target}.${p.field}=${p.value}`).join('; ');
}
