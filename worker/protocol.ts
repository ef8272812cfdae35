/**
 * THE typed contract between the renderer, the Electron main process, the CLI and the lab worker.
 *
 * Everything that crosses a process or thread boundary is declared here once:
 * - `COMMANDS`: every request (name → argument schema + result type). The argument schemas are
 *   valibot schemas, so one declaration gives both the TypeScript type (`CommandArgs<K>`) and the
 *   check Electron main and the worker run on every payload (`validateArgs`).
 * - `HOST_COMMANDS`: requests only the desktop shell answers (native file dialogs).
 * - `LabEvent`: what the worker pushes unasked (snapshots, progress, step records, log, errors).
 * - The wire envelopes (`WorkerRequest`, `WorkerMessage`, `IpcReply`) and channel names (`lab:<command>`).
 *
 * Plain data only: sizes and addresses are decimal strings (exact 64-bit values, and JSON-safe),
 * never bigint or doubles. The snapshot never carries the whole /proc/iomem text: the renderer asks
 * for windows of lines. At run time this module imports only valibot (pure: no eval, no Node, no
 * DOM) and engine/names.ts (constant name lists that import nothing), so the worker, Electron main
 * and the renderer can all run it; the sandboxed preload, which may load nothing but `electron`,
 * imports its types only.
 */
import * as v from 'valibot';
import type { RunSummary } from './engine/runner/runner.js';
import type { StepPoint } from './engine/runner/step-record.js';
import type { KdumpVerdict as EngineKdumpVerdict } from './engine/userspace/kdump.js';
import type { LogEntry as MachineLogEntry, MachineStats } from './engine/machine/machine.js';
// The one runtime import from the engine: a constants-only module that imports nothing (see its header).
import { ONLINE_POLICIES, PROFILE_NAMES, STRATEGY_NAMES, type OnlinePolicy, type ProfileName, type StrategyName } from './engine/names.js';
import type { Scenario } from './engine/scenario/scenario.js';

export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Names shared with the engine (literal lists, so payloads can be checked against them at run time).
// Profiles, strategies and online policies are declared once in engine/names.ts and re-exported.
// ---------------------------------------------------------------------------------------------

export { ONLINE_POLICIES, PROFILE_NAMES, STRATEGY_NAMES, type OnlinePolicy, type ProfileName, type StrategyName };
/** Values a guest may write to /sys/devices/system/memory/memoryN/state. */
export const GUEST_STATES = ['online', 'offline', 'online_kernel', 'online_movable'] as const;
export const EXPORT_FORMATS = ['json', 'csv', 'iomem', 'lsmem', 'log', 'scenario'] as const;

/** A device kind's name (the engine's drivers list them; `HelloInfo.devices`). */
export type DeviceKind = string;
export type GuestState = (typeof GUEST_STATES)[number];
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

// ---------------------------------------------------------------------------------------------
// Errors: plain `{ code, message }` data wherever they cross a boundary.
// ---------------------------------------------------------------------------------------------

export const ERROR_CODES = [
  'BAD_PAYLOAD', // arguments failed validation (message names the field path)
  'UNKNOWN_COMMAND', // no such command
  'FORBIDDEN_SENDER', // an IPC message from something other than our window's main frame
  'NOT_LOADED', // the command needs a loaded scenario
  'NOT_FOUND', // unknown preset / device / block
  'SCENARIO_INVALID', // a scenario file failed validation (message lists every violation)
  'IOMEM_INVALID', // an imported /proc/iomem dump failed to parse (message names the line)
  'KERNEL_ERRNO', // the emulated kernel refused (message carries the errno name, e.g. -EBUSY)
  'ENGINE_UNAVAILABLE', // the engine module is not built into this worker
  'ENGINE_FAILED', // the engine threw (a broken invariant): a bug, reported, never swallowed
  'WORKER_DIED', // the worker thread died while the request was in flight
  'TIMEOUT', // no reply in time
  'IO_FAILED', // reading or writing a file failed (Electron main)
  'CANCELLED', // the user closed a dialog
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface LabError {
  code: ErrorCode;
  message: string;
}

export function labError(code: ErrorCode, message: string): LabError {
  return { code, message };
}

/** True for a value shaped like a `LabError` (what crosses the IPC and worker boundaries). */
export function isLabError(v: unknown): v is LabError {
  return (
    typeof v === 'object' && v !== null && typeof (v as LabError).message === 'string' &&
    (ERROR_CODES as readonly string[]).includes((v as LabError).code)
  );
}

// ---------------------------------------------------------------------------------------------
// Argument schemas, on valibot: each shape is written once and its type inferred from it. The
// builders below only attach our messages ("expected <what>, got <value>") to valibot's checks.
// ---------------------------------------------------------------------------------------------

/** A synchronous valibot schema whose output is T. */
type ArgSchema<T = unknown> = v.GenericSchema<unknown, T>;

function kindOf(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? 'an object' : `a ${typeof x}`;
}

/** A rejected number as itself, anything else as its kind. */
function numberShown(x: unknown): string {
  return typeof x === 'number' ? String(x) : kindOf(x);
}

/** A rejected string clipped to 40 characters and quoted, anything else as its kind. */
function textShown(x: unknown): string {
  return typeof x === 'string' ? JSON.stringify(x.slice(0, 40)) : kindOf(x);
}

/** A string of `min`–`max` characters, optionally matching `pattern`; `what` names it in messages. */
function text(opts: { min?: number; max: number; pattern?: RegExp; what?: string }): ArgSchema<string> {
  const min = opts.min ?? 0;
  const expected = `expected ${opts.what ?? `a string of ${min}–${opts.max} characters`}`;
  const length = (issue: v.BaseIssue<unknown>): string => `${expected}, got ${(issue.input as string).length} characters`;
  const base = v.pipe(
    v.string((issue) => `${expected}, got ${kindOf(issue.input)}`),
    v.minLength(min, length),
    v.maxLength(opts.max, length),
  );
  return opts.pattern ? v.pipe(base, v.regex(opts.pattern, (issue) => `${expected}, got ${textShown(issue.input)}`)) : base;
}

/** An integer in [min, max]. */
function int(min: number, max: number): ArgSchema<number> {
  const message = (issue: v.BaseIssue<unknown>): string => `expected an integer in [${min}, ${max}], got ${numberShown(issue.input)}`;
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
}

/** A finite number in [min, max]. */
function num(min: number, max: number): ArgSchema<number> {
  const message = (issue: v.BaseIssue<unknown>): string => `expected a number in [${min}, ${max}], got ${numberShown(issue.input)}`;
  return v.pipe(v.number(message), v.finite(message), v.minValue(min, message), v.maxValue(max, message));
}

function bool(): ArgSchema<boolean> {
  return v.boolean((issue) => `expected a boolean, got ${kindOf(issue.input)}`);
}

/** One of the listed strings. */
function oneOf<const T extends string>(values: readonly T[]): ArgSchema<T> {
  const expected = `expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
  return v.picklist(values, (issue) => `${expected}, got ${textShown(issue.input)}`);
}

/** The first message `schema` gives for `value` (what a missing field is told: "…, got a undefined"). */
function firstMessage(schema: ArgSchema | undefined, value: unknown): string {
  const issue = schema ? v.safeParse(schema, value, { abortEarly: true }).issues?.[0] : undefined;
  return issue?.message ?? 'unknown field';
}

/** The message valibot's object schemas give for a missing field: that field's own message. */
function missingField<I extends v.BaseIssue<unknown> = v.StrictObjectIssue>(entries: v.ObjectEntries): v.ErrorMessage<I> {
  return (issue) => firstMessage(entries[String(issue.path?.at(-1)?.key)] as ArgSchema | undefined, undefined);
}

/** A plain object (its prototype Object.prototype or null), so no inherited key is read as a field. */
function plainObject(): ArgSchema<Record<string, unknown>> {
  return v.pipe(
    v.custom<Record<string, unknown>>((x) => typeof x === 'object' && x !== null && !Array.isArray(x), (issue) => `expected an object, got ${kindOf(issue.input)}`),
    v.check((x) => [Object.prototype, null].includes(Object.getPrototypeOf(x) as object | null), 'expected a plain object'),
  );
}

/**
 * Refuses the first key `entriesOf` does not list, before any value is checked (so a typo is named
 * even when a required field is missing too). `entriesOf` returning null skips the check.
 */
function noUnknownKeys(entriesOf: (value: Record<string, unknown>) => v.ObjectEntries | null) {
  return v.rawCheck<Record<string, unknown>>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const input = dataset.value;
    const entries = entriesOf(input);
    const key = entries && Object.keys(input).find((k) => !Object.prototype.hasOwnProperty.call(entries, k));
    if (key === undefined || key === null) return;
    addIssue({ message: 'unknown field', path: [{ type: 'object', origin: 'key', input, key, value: input[key] }] });
  });
}

/** An object with exactly these keys (unknown keys are refused, so typos do not pass silently). */
function obj<const E extends v.ObjectEntries>(entries: E) {
  return v.pipe(plainObject(), noUnknownKeys(() => entries), v.strictObject(entries, missingField(entries)));
}

/** One object shape of a tagged union: its `Tag` field is the literal `Name`, beside its own fields. */
type Variant<Tag extends string, Name extends string> = v.StrictObjectSchema<
  { [T in Tag]: v.LiteralSchema<Name, undefined> } & v.ObjectEntries,
  v.ErrorMessage<v.StrictObjectIssue>
>;

/** One variant of a tagged union: `tag` set to `name`, plus `entries`. */
function variant<const Tag extends string, const Name extends string, const E extends v.ObjectEntries>(tag: Tag, name: Name, entries: E) {
  return v.strictObject({ [tag]: v.literal(name), ...entries } as { [T in Tag]: v.LiteralSchema<Name, undefined> } & E, missingField(entries));
}

/** One of several object shapes, picked by the string field `tag`. */
function tagged<const Tag extends string, const O extends Variant<Tag, string>[]>(tag: Tag, options: O) {
  const byName = new Map(options.map((o) => [o.entries[tag].literal, o.entries] as const));
  const expected = `expected one of ${[...byName.keys()].map((x) => JSON.stringify(x)).join(', ')}`;
  return v.pipe(
    plainObject(),
    noUnknownKeys((x) => byName.get(x[tag] as string) ?? null),
    v.variant(tag, options, expected),
  );
}

/** A size in bytes as text: decimal or 0x-hex with an optional binary suffix ("128M", "4G", "1073741824"). */
const size = text({ min: 1, max: 24, pattern: /^\s*(0x[0-9a-fA-F]{1,16}|\d{1,20})\s*([KMGTP](i?B)?|B)?\s*$/i, what: 'a size like "128M", "4G" or a byte count' });
const name = text({ min: 1, max: 128, pattern: /^[\w .:@+\-()/]+$/, what: 'a name of 1–128 letters, digits or " .:@+-()/_"' });
const deviceId = text({ min: 1, max: 64, pattern: /^[\w.\-]+$/, what: 'a device id of 1–64 letters, digits or "._-"' });
const runOptions = {
  profile: v.optional(oneOf(PROFILE_NAMES)),
  strategy: v.optional(oneOf(STRATEGY_NAMES)),
  seed: v.optional(int(0, 0xffffffff)),
};

/** Largest texts accepted over the wire (the engine applies its own, finer limits on top). */
export const MAX_SCENARIO_CHARS = 4 * 1024 * 1024;
export const MAX_IOMEM_CHARS = 96 * 1024 * 1024;
/** Largest iomem window one request may ask for. */
export const MAX_WINDOW_LINES = 5000;
/**
 * Compare lanes at most, declared once: the lane workers a shell runs, the lanes of the app's
 * Compare view and of `memhp compare`, and the lanes a report holds.
 */
export const MAX_LANES = 6;
/** Lanes a comparison needs at least (the app's Compare view and `memhp compare`). */
export const MIN_LANES = 2;

/** Largest number of parameters one device payload may carry, and the longest text value. */
export const MAX_DEVICE_PARAMS = 16;
const MAX_PARAM_CHARS = 64;
const DEVICE_KIND_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const PARAM_NAME = /^[A-Za-z][A-Za-z0-9]{0,31}$/;

/** A device to attach: any kind the worker's drivers know, with its parameters as scalars (text sizes such as "64G"). */

/** A parameter value: a boolean, a finite number or a short text (sizes as "64G"). */
const paramValue = v.custom<string | number | boolean>(
  (x) => typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x)) || (typeof x === 'string' && x.length <= MAX_PARAM_CHARS),
  (issue) => `expected a boolean, a finite number or a text of at most ${MAX_PARAM_CHARS} characters, got ${kindOf(issue.input)}`,
);

/**
 * The device payload's shape: a kind name, optional id and node, and at most MAX_DEVICE_PARAMS
 * scalar parameters. Which parameters a kind takes, and their values, the worker checks against
 * the kind's driver (its `params` table), so a new kind needs no edit here.
 */
const deviceHead = {
  kind: text({ min: 1, max: 32, pattern: DEVICE_KIND_NAME, what: 'a device kind name (1–32 lower-case letters, digits or "-")' }),
  id: v.optional(deviceId),
  node: v.optional(int(0, 63)),
};
const deviceShape = v.objectWithRest(deviceHead, paramValue, missingField<v.ObjectWithRestIssue>(deviceHead));
export const deviceSpecSchema = v.pipe(
  plainObject(),
  deviceShape,
  v.rawCheck<v.InferOutput<typeof deviceShape>>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const input = dataset.value;
    const params = Object.keys(input).filter((k) => k !== 'kind' && k !== 'id' && k !== 'node');
    if (params.length > MAX_DEVICE_PARAMS) addIssue({ message: `at most ${MAX_DEVICE_PARAMS} parameters, got ${params.length}` });
    const bad = params.find((k) => !PARAM_NAME.test(k));
    if (bad !== undefined) {
      addIssue({
        message: 'not a parameter name (1–32 letters or digits, starting with a letter)',
        path: [{ type: 'object', origin: 'key', input, key: bad.slice(0, 40), value: input[bad] }],
      });
    }
  }),
);
/** A device to attach: any kind the worker's drivers know, with its parameters as scalars (text sizes such as "64G"). */
export type DeviceSpecPayload = v.InferOutput<typeof deviceSpecSchema>;

/** One declaration field of a device kind, as the Devices panel and compare lanes see it (driver.ts `DeviceParam`). */
export interface DeviceParamInfo {
  key: string;
  type: 'size' | 'bool' | 'int' | 'enum';
  values?: string[];
  title: string;
  description: string;
  /** Offered when attaching a device ('required': must be filled in). */
  ui?: 'required' | 'optional';
  /** The Attach row's input that shows it (test id `device-<slot>`). */
  slot?: string;
  placeholder?: string;
  /** A compare lane may override it (`<kind>.<key>=<value>`). */
  lane?: boolean;
}

/** A device kind the worker's engine can attach, with its parameters. */
export interface DeviceKindInfo {
  kind: string;
  title: string;
  params: DeviceParamInfo[];
}


// ---------------------------------------------------------------------------------------------
// Data that comes back (plain types; produced by our own worker, so not validated at run time).
// ---------------------------------------------------------------------------------------------

export interface PresetInfo {
  name: string;
  description: string;
}

export interface HelloInfo {
  protocolVersion: number;
  presets: PresetInfo[];
  profiles: ProfileName[];
  strategies: StrategyName[];
  /** The device kinds the engine's drivers provide, with their parameters (empty without the engine). */
  devices: DeviceKindInfo[];
  /** false when the worker was built without the engine (nothing can be loaded then). */
  engine: boolean;
}

export interface DeviceSnapshot {
  id: string;
  kind: DeviceKind;
  /** Bytes the guest has plugged / the host requested (decimal strings). */
  plugged: string;
  requested: string;
  /** Other per-kind fields of the engine's device state, flattened to displayable values. */
  details: Record<string, string | number | boolean | null>;
}

/**
 * The engine's kdump verdict without kexec's messages. `missedBytes` and `headroomBlocks` are null
 * when a snapshot carries the last step's own verdict (whenever its `iomem.hash` is null).
 */
export type KdumpVerdict = Omit<EngineKdumpVerdict, 'messages' | 'missedBytes'> & { missedBytes: EngineKdumpVerdict['missedBytes'] | null };

export interface Timings {
  /** Wall time the worker measured around the last engine call (ms). */
  lastMs: number;
  /** Sum of measured engine wall time since load (ms). */
  totalMs: number;
  /** Per-step engine wall time percentiles over the run so far (ms). */
  p50Ms: number;
  p99Ms: number;
  steps: number;
}

export interface Snapshot {
  /** Increases with every snapshot the worker sends. */
  seq: number;
  loaded: boolean;
  scenario: { name: string; description: string; source: 'preset' | 'file' | 'iomem' } | null;
  profile: ProfileName | null;
  strategy: StrategyName | null;
  seed: number;
  step: { index: number; total: number; done: boolean; running: boolean; label: string };
  speed: number;
  simTimeMs: number;
  resources: MachineStats['resources'];
  /**
   * /proc/iomem size; `hash` is a 64-bit fingerprint of the whole text (16 hex digits: two FNV-1a 32
   * passes). null when it was not computed: always while a run is streaming, and after a `step` /
   * `runTo` reply on a file above the session's HASH_INLINE_LINES (20,000) lines unless the run is
   * over. Load, reset, pause, a manual change and the end of the run always carry it.
   */
  iomem: MachineStats['iomem'] & { hash: string | null };
  plugged: string;
  requested: string;
  blocks: MachineStats['blocks'] & { size: string };
  devices: DeviceSnapshot[];
  kdump: KdumpVerdict | null;
  visits: { total: number; lastStep: number };
  timings: Timings;
  /** /proc/iomem line ranges [from, to) touched by the last step, for highlighting. */
  changedLines: [number, number][];
}

/**
 * Steps cross the boundary as the engine's own types (`worker/engine/runner/step-record.ts`): the
 * `metrics` command and `steps` events carry `StepPoint`s, the counters the worker's step log keeps.
 */
export type { StepPoint, StepRecord } from './engine/runner/step-record.js';

export interface Progress {
  stepIndex: number;
  totalSteps: number;
  running: boolean;
  done: boolean;
  /** Steps per second measured over the last second of running, 0 when idle. */
  rate: number;
  /** Estimated wall time to the end (ms), null when unknown. */
  etaMs: number | null;
}

/** A machine log entry with its `seq`: its index in the machine's log since boot. */
export type LogEntry = MachineLogEntry & { seq: number };

export interface IomemWindow {
  /** First line index of the window (in the filtered view when `maxDepth` was given). */
  from: number;
  /** Lines in the (filtered) view. */
  total: number;
  lines: string[];
  /** Tree depth of each returned line (0 = top level). */
  depths: number[];
  /** Unfiltered /proc/iomem line number of each returned line. */
  lineNos: number[];
  /** Line ranges [from, to) (unfiltered numbering) changed by the last step. */
  changed: [number, number][];
}

export interface SearchResult {
  /** Matching line numbers (unfiltered), ascending, starting at `from`. */
  matches: number[];
  /** True when more matches exist after the last one returned. */
  more: boolean;
}

export interface ExportData {
  filename: string;
  mime: string;
  text: string;
}

/** The run's summary: exactly the runner's `RunSummary`, what `memhp run --json` writes. */
export type RunSummaryPayload = RunSummary;

// ---------------------------------------------------------------------------------------------
// Compare lanes (self-contained block): one lane's scenario loaded in its own worker, with the
// lane's device parameters applied there (common/lanes/lane-overrides.ts), so the shell never
// parses or rewrites a scenario itself.
// ---------------------------------------------------------------------------------------------

/** What a lane starts from: a built-in preset, or a scenario text (YAML/JSON). */
const laneBase = tagged('kind', [
  variant('kind', 'preset', { name }),
  variant('kind', 'text', {
    text: text({ max: MAX_SCENARIO_CHARS, what: `a scenario text of at most ${MAX_SCENARIO_CHARS} characters` }),
    source: v.optional(text({ max: 512 })),
    format: v.optional(oneOf(['yaml', 'json'] as const)),
  }),
]);
/** Most characters of a lane's device parameters ("vm0.blockSize=4M; vm0.regionSize=128G"). */
export const MAX_LANE_PARAMS_CHARS = 2048;
const laneParams = text({ max: MAX_LANE_PARAMS_CHARS, what: `device parameters of at most ${MAX_LANE_PARAMS_CHARS} characters, e.g. "vm0.blockSize=4M; vm0.regionSize=128G"` });

/** A loaded lane: its first snapshot and the scenario it runs (parameters applied, validated, normalized). */
export interface LaneLoaded {
  snapshot: Snapshot;
  scenario: Scenario;
}

// ---------------------------------------------------------------------------------------------
// Commands: name → argument schema and result type.
// ---------------------------------------------------------------------------------------------

/** Type carrier for a command's result. */
interface Returns<T> {
  readonly __result?: T;
}
function returns<T>(): Returns<T> {
  return {};
}
const none = obj({});

export const COMMANDS = {
  /** Handshake: protocol version, presets, profiles, strategies. */
  hello: { args: none, result: returns<HelloInfo>() },
  /** Load a built-in preset scenario. */
  loadPreset: { args: obj({ name, ...runOptions }), result: returns<Snapshot>() },
  /** Load a YAML/JSON scenario text (from a file the user picked). */
  loadScenario: {
    args: obj({
      text: text({ max: MAX_SCENARIO_CHARS, what: `a scenario text of at most ${MAX_SCENARIO_CHARS} characters` }),
      source: v.optional(text({ max: 512 })),
      format: v.optional(oneOf(['yaml', 'json'] as const)),
      ...runOptions,
    }),
    result: returns<Snapshot>(),
  },
  /** Load a compare lane: a preset or scenario text with the lane's device parameters applied (the lane grammar's bracket text). */
  loadLane: { args: obj({ scenario: laneBase, params: v.optional(laneParams), ...runOptions }), result: returns<LaneLoaded>() },
  /** Use a real /proc/iomem dump as the boot memory map of an empty machine. */
  importIomem: {
    args: obj({
      text: text({ min: 1, max: MAX_IOMEM_CHARS, what: `a /proc/iomem text of at most ${MAX_IOMEM_CHARS} characters` }),
      source: v.optional(text({ max: 512 })),
      blockSize: v.optional(size),
      onlinePolicy: v.optional(oneOf(ONLINE_POLICIES)),
      ...runOptions,
    }),
    result: returns<Snapshot>(),
  },
  /** Change profile / strategy / seed of the loaded scenario; resets the run. */
  configure: { args: obj(runOptions), result: returns<Snapshot>() },
  /** Run the timeline continuously (snapshots and progress are pushed as events). */
  start: { args: none, result: returns<Snapshot>() },
  pause: { args: none, result: returns<Snapshot>() },
  /** Run `count` steps (default 1) now. */
  step: { args: obj({ count: v.optional(int(1, 10_000_000)) }), result: returns<Snapshot>() },
  /** Run until `stepIndex` steps are done (used to resume after a worker restart). */
  runTo: { args: obj({ stepIndex: int(0, 100_000_000) }), result: returns<Snapshot>() },
  /** Back to step 0 of the loaded scenario. */
  reset: { args: none, result: returns<Snapshot>() },
  /** Steps per second while running; 0 = as fast as possible. */
  setSpeed: { args: obj({ stepsPerSecond: num(0, 1_000_000) }), result: returns<Snapshot>() },
  /** Attach a device to the machine. */
  addDevice: { args: obj({ spec: deviceSpecSchema }), result: returns<Snapshot>() },
  /** Host side: change the memory a device provides (virtio-mem requested size, Hyper-V hot-add total, Xen target, DIMM 0 = eject). */
  resizeDevice: { args: obj({ device: deviceId, size }), result: returns<Snapshot>() },
  /** Guest side: echo <state> > /sys/devices/system/memory/memory<block>/state. */
  guestAction: { args: obj({ block: int(0, 1 << 26), state: oneOf(GUEST_STATES) }), result: returns<Snapshot>() },
  /** A window of /proc/iomem lines; with `maxDepth`, only lines at that tree depth or above. */
  iomemWindow: {
    args: obj({
      from: int(0, 100_000_000),
      count: int(0, MAX_WINDOW_LINES),
      maxDepth: v.optional(int(0, 64)),
      user: v.optional(bool()),
    }),
    result: returns<IomemWindow>(),
  },
  /** Case-insensitive substring search over /proc/iomem lines, from line `from` on. */
  iomemSearch: {
    args: obj({ query: text({ min: 1, max: 200 }), from: int(0, 100_000_000), limit: v.optional(int(1, 10_000)) }),
    result: returns<SearchResult>(),
  },
  /** lsmem's default table (or --all). */
  lsmem: { args: obj({ all: v.optional(bool()) }), result: returns<{ text: string }>() },
  /** Step records from index `since` (for charts catching up, and for the CLI). */
  metrics: { args: obj({ since: int(0, 100_000_000), limit: v.optional(int(1, 1_000_000)) }), result: returns<StepPoint[]>() },
  /** Log entries from `since`. */
  log: { args: obj({ since: int(0, 100_000_000), limit: v.optional(int(1, 100_000)) }), result: returns<LogEntry[]>() },
  summary: { args: none, result: returns<RunSummaryPayload>() },
  /** The current data as a file's content. */
  exportData: { args: obj({ format: oneOf(EXPORT_FORMATS) }), result: returns<ExportData>() },
} as const;

export type CommandName = keyof typeof COMMANDS;
export type CommandArgs<K extends CommandName> = v.InferOutput<(typeof COMMANDS)[K]['args']>;
export type CommandResult<K extends CommandName> = (typeof COMMANDS)[K]['result'] extends Returns<infer T> ? T : never;
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** A command value as a message can show it: a string (clipped), else its kind; never throws. */
function describeCommand(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 60)) : `(${kindOf(v)})`;
}

export function isCommandName(v: unknown): v is CommandName {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(COMMANDS, v);
}

/**
 * `message` as shown for `command`: prefixed with `<command>: ` exactly once, however many layers
 * (validation, main, the renderer's notification) each make sure the command is named.
 */
export function commandMessage(command: string, message: string): string {
  return message.startsWith(`${command}: `) ? message : `${command}: ${message}`;
}

/** The first problem `schema` finds in `args` as `args.<field path>: <message>`, or null when valid. */
function argsProblem(schema: ArgSchema, args: unknown): string | null {
  const result = v.safeParse(schema, args, { abortEarly: true });
  const issue = result.issues?.[0];
  if (!issue) return null;
  const path = (issue.path ?? []).map((item) => `.${String(item.key)}`).join('');
  return `args${path}: ${issue.message}`;
}

/** Validates a command's arguments; a `LabError` (BAD_PAYLOAD / UNKNOWN_COMMAND) or null. */
export function validateArgs(command: unknown, args: unknown): LabError | null {
  if (!isCommandName(command)) return labError('UNKNOWN_COMMAND', `unknown command ${describeCommand(command)}`);
  const problem = argsProblem(COMMANDS[command].args, args);
  return problem === null ? null : labError('BAD_PAYLOAD', commandMessage(command, problem));
}

// ---------------------------------------------------------------------------------------------
// Host commands: answered by the desktop shell (Electron main), never by the worker.
// ---------------------------------------------------------------------------------------------

export interface OpenedFile {
  name: string;
  text: string;
}

export const HOST_COMMANDS = {
  /** Native open dialog for a scenario (YAML/JSON); null when cancelled. */
  openScenarioFile: { args: none, result: returns<OpenedFile | null>() },
  /** Native open dialog for a /proc/iomem dump; null when cancelled. */
  openIomemFile: { args: none, result: returns<OpenedFile | null>() },
  /** Native save dialog, then an atomic write; the path written, or null when cancelled. */
  saveFile: {
    args: obj({
      suggestedName: text({ min: 1, max: 255, pattern: /^[^/\\\0]+$/, what: 'a file name without a directory' }),
      text: text({ max: 256 * 1024 * 1024 }),
    }),
    result: returns<string | null>(),
  },
  /** Ask the shell to restart the worker (after a crash: the renderer then resumes). */
  restartWorker: { args: none, result: returns<{ restarts: number }>() },
  /**
   * A worker command for compare lane `lane`: a further lab worker the shell starts on first use.
   * `args` are validated against `command`'s schema by the shell before they reach the worker.
   */
  laneCall: { args: obj({ lane: int(0, MAX_LANES - 1), command: oneOf(COMMAND_NAMES), args: v.optional(v.unknown()) }), result: returns<unknown>() },
  /** Stops compare lane `lane`'s worker (a later laneCall starts a fresh one). */
  laneStop: { args: obj({ lane: int(0, MAX_LANES - 1) }), result: returns<null>() },
} as const;

export type HostCommandName = keyof typeof HOST_COMMANDS;
export type HostCommandArgs<K extends HostCommandName> = v.InferOutput<(typeof HOST_COMMANDS)[K]['args']>;
export type HostCommandResult<K extends HostCommandName> = (typeof HOST_COMMANDS)[K]['result'] extends Returns<infer T> ? T : never;
export const HOST_COMMAND_NAMES = Object.keys(HOST_COMMANDS) as HostCommandName[];

export function isHostCommandName(v: unknown): v is HostCommandName {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(HOST_COMMANDS, v);
}

export function validateHostArgs(command: unknown, args: unknown): LabError | null {
  if (!isHostCommandName(command)) return labError('UNKNOWN_COMMAND', `unknown host command ${describeCommand(command)}`);
  const problem = argsProblem(HOST_COMMANDS[command].args, args);
  return problem === null ? null : labError('BAD_PAYLOAD', commandMessage(command, problem));
}

// ---------------------------------------------------------------------------------------------
// Events: pushed by the worker (and, for `worker`, by the host that supervises it).
// ---------------------------------------------------------------------------------------------

/** Actions a native menu item (or its accelerator) asks the renderer to perform. */
export const MENU_ACTIONS = [
  'openScenario', 'importIomem', 'export:json', 'export:csv', 'export:iomem', 'export:lsmem', 'export:log',
  'start', 'pause', 'step', 'reset', 'toggleTheme', 'about',
] as const;
export type MenuAction = (typeof MENU_ACTIONS)[number];

export type LabEvent =
  | { type: 'ready'; protocolVersion: number; engine: boolean }
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'progress'; progress: Progress }
  | { type: 'steps'; steps: StepPoint[] }
  | { type: 'log'; entries: LogEntry[] }
  | { type: 'error'; error: LabError }
  /** The worker died and was restarted by its host; the new one has nothing loaded. */
  | { type: 'worker'; state: 'restarted'; restarts: number; reason: string }
  /** A native menu item was chosen (Electron only). */
  | { type: 'menu'; action: MenuAction };

// ---------------------------------------------------------------------------------------------
// Wire formats.
// ---------------------------------------------------------------------------------------------

/** Host → worker. */
export interface WorkerRequest<K extends CommandName = CommandName> {
  kind: 'call';
  id: number;
  command: K;
  args: CommandArgs<K>;
}

/** Worker → host: a reply to a request, or an event. */
export type WorkerMessage =
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; error: LabError }
  | { kind: 'event'; event: LabEvent };

/** What an Electron `ipcMain.handle` returns (rejections would lose the error's code). */
export type IpcReply<T> = { ok: true; value: T } | { ok: false; error: LabError };

/** The Electron channel of a command: `lab:<command>`. */
export function channelOf(command: CommandName | HostCommandName): `lab:${string}` {
  return `lab:${command}`;
}
/** The one channel main pushes `LabEvent`s on. */
export const EVENT_CHANNEL = 'lab:event';

/** The typed API the preload exposes as `window.lab` (one method per command, no generic send). */
export type LabApi = {
  readonly [K in CommandName]: (args: CommandArgs<K>) => Promise<IpcReply<CommandResult<K>>>;
} & {
  readonly [K in HostCommandName]: (args: HostCommandArgs<K>) => Promise<IpcReply<HostCommandResult<K>>>;
} & {
  /** Subscribe to worker events; returns the unsubscribe function. */
  readonly onEvent: (listener: (event: LabEvent) => void) => () => void;
  readonly platform: string;
};
