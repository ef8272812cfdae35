/**
 * THE typed contract between the renderer, the Electron main process, the CLI and the lab worker.
 *
 * Everything that crosses a process or thread boundary is declared here once:
 * - `COMMANDS`: every request (name → argument schema + result type). The argument schemas are
 *   small runtime validators, so one declaration gives both the TypeScript type (`CommandArgs<K>`)
 *   and the check Electron main and the worker run on every payload (`validateArgs`).
 * - `HOST_COMMANDS`: requests only the desktop shell answers (native file dialogs).
 * - `LabEvent`: what the worker pushes unasked (snapshots, progress, step records, log, errors).
 * - The wire envelopes (`WorkerRequest`, `WorkerMessage`, `IpcReply`) and channel names (`lab:<command>`).
 *
 * Plain data only: sizes and addresses are decimal strings (exact 64-bit values, and JSON-safe),
 * never bigint or doubles. The snapshot never carries the whole /proc/iomem text: the renderer asks
 * for windows of lines. This module imports nothing at run time, so the sandboxed preload, the
 * engine-side worker and the renderer can all use it.
 */
import type { RunSummary, StepMetrics } from './engine/runner/runner.js';
import type { KdumpVerdict as EngineKdumpVerdict } from './engine/userspace/kdump.js';
import type { LogEntry as MachineLogEntry, MachineStats } from './engine/machine/machine.js';
import type { Scenario } from './engine/scenario/scenario.js';

export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Names shared with the engine (kept as literal lists so they can be validated at run time).
// ---------------------------------------------------------------------------------------------

export const PROFILE_NAMES = ['5.9', 'rfc-v1', '5.10', '6.1', '6.12'] as const;
export const STRATEGY_NAMES = ['none', 'rfc-v1', 'mhp-merge'] as const;
export const DEVICE_KINDS = ['virtio-mem', 'acpi-dimm', 'hv-balloon', 'xen-balloon'] as const;
export const ONLINE_POLICIES = ['offline', 'online', 'online_kernel', 'online_movable'] as const;
/** Values a guest may write to /sys/devices/system/memory/memoryN/state. */
export const GUEST_STATES = ['online', 'offline', 'online_kernel', 'online_movable'] as const;
export const EXPORT_FORMATS = ['json', 'csv', 'iomem', 'lsmem', 'log', 'scenario'] as const;
/** Hyper-V Dynamic Memory protocol versions a host may accept (hv-balloon's `protocol`). */
export const HV_PROTOCOLS = ['win10', 'win8', 'win7', 'none'] as const;

export type ProfileName = (typeof PROFILE_NAMES)[number];
export type StrategyName = (typeof STRATEGY_NAMES)[number];
export type DeviceKind = (typeof DEVICE_KINDS)[number];
export type OnlinePolicy = (typeof ONLINE_POLICIES)[number];
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
// A tiny runtime schema: each argument shape is written once, its type is inferred from it.
// ---------------------------------------------------------------------------------------------

/** A validator for values of type T. `check` returns null when valid, else a message naming the path. */
export interface Schema<T> {
  readonly describe: string;
  check(value: unknown, path: string): string | null;
  /** Type carrier only; never set. */
  readonly __type?: T;
}
interface OptionalSchema<T> extends Schema<T | undefined> {
  readonly optional: true;
}
export type Infer<S> = S extends Schema<infer T> ? T : never;

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalSchema<unknown> ? K : never }[keyof S];
type Flat<T> = { [K in keyof T]: T[K] } & {};
export type InferShape<S extends Shape> = Flat<
  { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> }
>;

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export const s = {
  str(opts: { min?: number; max: number; pattern?: RegExp; what?: string }): Schema<string> {
    const min = opts.min ?? 0;
    const describe = opts.what ?? `a string of ${min}–${opts.max} characters`;
    return {
      describe,
      check(v, path) {
        if (typeof v !== 'string') return `${path}: expected ${describe}, got ${kindOf(v)}`;
        if (v.length < min || v.length > opts.max) return `${path}: expected ${describe}, got ${v.length} characters`;
        if (opts.pattern && !opts.pattern.test(v)) return `${path}: expected ${describe}, got ${JSON.stringify(v.slice(0, 40))}`;
        return null;
      },
    };
  },
  int(min: number, max: number): Schema<number> {
    const describe = `an integer in [${min}, ${max}]`;
    return {
      describe,
      check(v, path) {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
          return `${path}: expected ${describe}, got ${typeof v === 'number' ? String(v) : kindOf(v)}`;
        }
        return null;
      },
    };
  },
  num(min: number, max: number): Schema<number> {
    const describe = `a number in [${min}, ${max}]`;
    return {
      describe,
      check(v, path) {
        if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
          return `${path}: expected ${describe}, got ${typeof v === 'number' ? String(v) : kindOf(v)}`;
        }
        return null;
      },
    };
  },
  bool(): Schema<boolean> {
    return { describe: 'a boolean', check: (v, path) => (typeof v === 'boolean' ? null : `${path}: expected a boolean, got ${kindOf(v)}`) };
  },
  oneOf<const T extends string>(values: readonly T[]): Schema<T> {
    const describe = `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
    return {
      describe,
      check(v, path) {
        return typeof v === 'string' && (values as readonly string[]).includes(v)
          ? null
          : `${path}: expected ${describe}, got ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : kindOf(v)}`;
      },
    };
  },
  /** Any value: for a payload another validator checks (a lane's command arguments). */
  unknown(): Schema<unknown> {
    return { describe: 'any value', check: () => null };
  },
  optional<T>(inner: Schema<T>): OptionalSchema<T> {
    return { describe: `${inner.describe} (optional)`, optional: true, check: (v, path) => (v === undefined ? null : inner.check(v, path)) };
  },
  /** An object with exactly these keys (unknown keys are rejected, so typos do not pass silently). */
  obj<S extends Shape>(shape: S): Schema<InferShape<S>> {
    return {
      describe: 'an object',
      check(v, path) {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${path}: expected an object, got ${kindOf(v)}`;
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) return `${path}: expected a plain object`;
        for (const key of Object.keys(v)) {
          if (!Object.prototype.hasOwnProperty.call(shape, key)) return `${path}.${key}: unknown field`;
        }
        for (const [key, sub] of Object.entries(shape)) {
          const err = sub.check((v as Record<string, unknown>)[key], `${path}.${key}`);
          if (err) return err;
        }
        return null;
      },
    };
  },
  /** One of several object shapes, picked by a string tag field. */
  tagged<const Tag extends string, M extends Record<string, Shape>>(
    tag: Tag,
    variants: M,
  ): Schema<{ [K in keyof M]: Flat<{ [T in Tag]: K } & InferShape<M[K]>> }[keyof M]> {
    const names = Object.keys(variants);
    return {
      describe: `an object whose "${tag}" is one of ${names.join(', ')}`,
      check(v, path) {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${path}: expected an object, got ${kindOf(v)}`;
        const t = (v as Record<string, unknown>)[tag];
        if (typeof t !== 'string' || !Object.prototype.hasOwnProperty.call(variants, t)) {
          return `${path}.${tag}: expected one of ${names.map((x) => JSON.stringify(x)).join(', ')}`;
        }
        const rest = { ...(v as Record<string, unknown>) };
        delete rest[tag];
        return s.obj(variants[t]!).check(rest, path);
      },
    };
  },
};

/** A size in bytes as text: decimal or 0x-hex with an optional binary suffix ("128M", "4G", "1073741824"). */
const size = s.str({ min: 1, max: 24, pattern: /^\s*(0x[0-9a-fA-F]{1,16}|\d{1,20})\s*([KMGTP](i?B)?|B)?\s*$/i, what: 'a size like "128M", "4G" or a byte count' });
const name = s.str({ min: 1, max: 128, pattern: /^[\w .:@+\-()/]+$/, what: 'a name of 1–128 letters, digits or " .:@+-()/_"' });
const deviceId = s.str({ min: 1, max: 64, pattern: /^[\w.\-]+$/, what: 'a device id of 1–64 letters, digits or "._-"' });
const runOptions = {
  profile: s.optional(s.oneOf(PROFILE_NAMES)),
  strategy: s.optional(s.oneOf(STRATEGY_NAMES)),
  seed: s.optional(s.int(0, 0xffffffff)),
};

/** Largest texts accepted over the wire (the engine applies its own, finer limits on top). */
export const MAX_SCENARIO_CHARS = 4 * 1024 * 1024;
export const MAX_IOMEM_CHARS = 96 * 1024 * 1024;
/** Largest iomem window one request may ask for. */
export const MAX_WINDOW_LINES = 5000;
/** Compare lanes a shell runs at most (a report holds at most 6). */
export const MAX_LANES = 6;

/** A device to attach, as plain data (the worker maps it onto the engine's DeviceSpec). */
export const deviceSpecSchema = s.tagged('kind', {
  'virtio-mem': {
    id: s.optional(deviceId),
    node: s.optional(s.int(0, 63)),
    /** Size of the device's region (QEMU's `size` upper bound, e.g. "64G"). */
    regionSize: size,
    blockSize: s.optional(size),
    requested: s.optional(size),
  },
  'acpi-dimm': { id: s.optional(deviceId), node: s.optional(s.int(0, 63)), size },
  'hv-balloon': {
    id: s.optional(deviceId),
    node: s.optional(s.int(0, 63)),
    /** Newest Dynamic Memory protocol the host accepts ("none": it refuses every version). */
    protocol: s.optional(s.oneOf(HV_PROTOCOLS)),
    capabilitiesAccepted: s.optional(s.bool()),
    /** hv_balloon's hibernation mode: hot-add and balloon requests are ignored. */
    allowHibernation: s.optional(s.bool()),
    /** The host's maximum dynamic memory (its DM_INFO_MESSAGE), e.g. "16G". */
    maxDynamicMemory: s.optional(size),
    /** Memory the guest's workload uses (never ballooned out). */
    guestUsed: s.optional(size),
  },
  'xen-balloon': {
    id: s.optional(deviceId),
    node: s.optional(s.int(0, 63)),
    /** CONFIG_XEN_BALLOON_MEMORY_HOTPLUG. */
    memoryHotplug: s.optional(s.bool()),
    /** The domain's maximum (xl mem-max), e.g. "8G". */
    maxmem: s.optional(size),
    guestUsed: s.optional(size),
  },
});
export type DeviceSpecPayload = Infer<typeof deviceSpecSchema>;

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
 * One executed step, as the charts and exports need it: the runner's StepMetrics reduced to its
 * counters. `wallMs` is the wall time of the engine call as the worker measured it.
 */
export type StepRecord = Pick<StepMetrics, 'index' | 'label' | 'result' | 'simTimeMs' | 'wallMs' | 'visits' | 'resources' | 'iomem' | 'plugged' | 'blocks'> & {
  kdump: Pick<StepMetrics['kdump'], 'ranges' | 'cap' | 'ok'>;
};

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
const laneBase = s.tagged('kind', {
  preset: { name },
  text: {
    text: s.str({ max: MAX_SCENARIO_CHARS, what: `a scenario text of at most ${MAX_SCENARIO_CHARS} characters` }),
    source: s.optional(s.str({ max: 512 })),
    format: s.optional(s.oneOf(['yaml', 'json'] as const)),
  },
});
/** Most characters of a lane's device parameters ("vm0.blockSize=4M; vm0.regionSize=128G"). */
export const MAX_LANE_PARAMS_CHARS = 2048;
const laneParams = s.str({ max: MAX_LANE_PARAMS_CHARS, what: `device parameters of at most ${MAX_LANE_PARAMS_CHARS} characters, e.g. "vm0.blockSize=4M; vm0.regionSize=128G"` });

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
const none = s.obj({});

export const COMMANDS = {
  /** Handshake: protocol version, presets, profiles, strategies. */
  hello: { args: none, result: returns<HelloInfo>() },
  /** Load a built-in preset scenario. */
  loadPreset: { args: s.obj({ name, ...runOptions }), result: returns<Snapshot>() },
  /** Load a YAML/JSON scenario text (from a file the user picked). */
  loadScenario: {
    args: s.obj({
      text: s.str({ max: MAX_SCENARIO_CHARS, what: `a scenario text of at most ${MAX_SCENARIO_CHARS} characters` }),
      source: s.optional(s.str({ max: 512 })),
      format: s.optional(s.oneOf(['yaml', 'json'] as const)),
      ...runOptions,
    }),
    result: returns<Snapshot>(),
  },
  /** Load a compare lane: a preset or scenario text with the lane's device parameters applied (the lane grammar's bracket text). */
  loadLane: { args: s.obj({ scenario: laneBase, params: s.optional(laneParams), ...runOptions }), result: returns<LaneLoaded>() },
  /** Use a real /proc/iomem dump as the boot memory map of an empty machine. */
  importIomem: {
    args: s.obj({
      text: s.str({ min: 1, max: MAX_IOMEM_CHARS, what: `a /proc/iomem text of at most ${MAX_IOMEM_CHARS} characters` }),
      source: s.optional(s.str({ max: 512 })),
      blockSize: s.optional(size),
      onlinePolicy: s.optional(s.oneOf(ONLINE_POLICIES)),
      ...runOptions,
    }),
    result: returns<Snapshot>(),
  },
  /** Change profile / strategy / seed of the loaded scenario; resets the run. */
  configure: { args: s.obj(runOptions), result: returns<Snapshot>() },
  /** Run the timeline continuously (snapshots and progress are pushed as events). */
  start: { args: none, result: returns<Snapshot>() },
  pause: { args: none, result: returns<Snapshot>() },
  /** Run `count` steps (default 1) now. */
  step: { args: s.obj({ count: s.optional(s.int(1, 10_000_000)) }), result: returns<Snapshot>() },
  /** Run until `stepIndex` steps are done (used to resume after a worker restart). */
  runTo: { args: s.obj({ stepIndex: s.int(0, 100_000_000) }), result: returns<Snapshot>() },
  /** Back to step 0 of the loaded scenario. */
  reset: { args: none, result: returns<Snapshot>() },
  /** Steps per second while running; 0 = as fast as possible. */
  setSpeed: { args: s.obj({ stepsPerSecond: s.num(0, 1_000_000) }), result: returns<Snapshot>() },
  /** Attach a device to the machine. */
  addDevice: { args: s.obj({ spec: deviceSpecSchema }), result: returns<Snapshot>() },
  /** Host side: change the memory a device provides (virtio-mem requested size, Hyper-V hot-add total, Xen target, DIMM 0 = eject). */
  resizeDevice: { args: s.obj({ device: deviceId, size }), result: returns<Snapshot>() },
  /** Guest side: echo <state> > /sys/devices/system/memory/memory<block>/state. */
  guestAction: { args: s.obj({ block: s.int(0, 1 << 26), state: s.oneOf(GUEST_STATES) }), result: returns<Snapshot>() },
  /** A window of /proc/iomem lines; with `maxDepth`, only lines at that tree depth or above. */
  iomemWindow: {
    args: s.obj({
      from: s.int(0, 100_000_000),
      count: s.int(0, MAX_WINDOW_LINES),
      maxDepth: s.optional(s.int(0, 64)),
      user: s.optional(s.bool()),
    }),
    result: returns<IomemWindow>(),
  },
  /** Case-insensitive substring search over /proc/iomem lines, from line `from` on. */
  iomemSearch: {
    args: s.obj({ query: s.str({ min: 1, max: 200 }), from: s.int(0, 100_000_000), limit: s.optional(s.int(1, 10_000)) }),
    result: returns<SearchResult>(),
  },
  /** lsmem's default table (or --all). */
  lsmem: { args: s.obj({ all: s.optional(s.bool()) }), result: returns<{ text: string }>() },
  /** Step records from index `since` (for charts catching up, and for the CLI). */
  metrics: { args: s.obj({ since: s.int(0, 100_000_000), limit: s.optional(s.int(1, 1_000_000)) }), result: returns<StepRecord[]>() },
  /** Log entries from `since`. */
  log: { args: s.obj({ since: s.int(0, 100_000_000), limit: s.optional(s.int(1, 100_000)) }), result: returns<LogEntry[]>() },
  summary: { args: none, result: returns<RunSummaryPayload>() },
  /** The current data as a file's content. */
  exportData: { args: s.obj({ format: s.oneOf(EXPORT_FORMATS) }), result: returns<ExportData>() },
} as const;

export type CommandName = keyof typeof COMMANDS;
export type CommandArgs<K extends CommandName> = Infer<(typeof COMMANDS)[K]['args']>;
export type CommandResult<K extends CommandName> = (typeof COMMANDS)[K]['result'] extends Returns<infer T> ? T : never;
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** A command value as a message can show it: a string (clipped), else its kind; never throws. */
function describeCommand(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 60)) : `(${kindOf(v)})`;
}

export function isCommandName(v: unknown): v is CommandName {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(COMMANDS, v);
}

/** Validates a command's arguments; a `LabError` (BAD_PAYLOAD / UNKNOWN_COMMAND) or null. */
export function validateArgs(command: unknown, args: unknown): LabError | null {
  if (!isCommandName(command)) return labError('UNKNOWN_COMMAND', `unknown command ${describeCommand(command)}`);
  const err = COMMANDS[command].args.check(args, 'args');
  return err ? labError('BAD_PAYLOAD', `${command}: ${err}`) : null;
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
    args: s.obj({
      suggestedName: s.str({ min: 1, max: 255, pattern: /^[^/\\\0]+$/, what: 'a file name without a directory' }),
      text: s.str({ max: 256 * 1024 * 1024 }),
    }),
    result: returns<string | null>(),
  },
  /** Ask the shell to restart the worker (after a crash: the renderer then resumes). */
  restartWorker: { args: none, result: returns<{ restarts: number }>() },
  /**
   * A worker command for compare lane `lane`: a further lab worker the shell starts on first use.
   * `args` are validated against `command`'s schema by the shell before they reach the worker.
   */
  laneCall: { args: s.obj({ lane: s.int(0, MAX_LANES - 1), command: s.oneOf(COMMAND_NAMES), args: s.unknown() }), result: returns<unknown>() },
  /** Stops compare lane `lane`'s worker (a later laneCall starts a fresh one). */
  laneStop: { args: s.obj({ lane: s.int(0, MAX_LANES - 1) }), result: returns<null>() },
} as const;

export type HostCommandName = keyof typeof HOST_COMMANDS;
export type HostCommandArgs<K extends HostCommandName> = Infer<(typeof HOST_COMMANDS)[K]['args']>;
export type HostCommandResult<K extends HostCommandName> = (typeof HOST_COMMANDS)[K]['result'] extends Returns<infer T> ? T : never;
export const HOST_COMMAND_NAMES = Object.keys(HOST_COMMANDS) as HostCommandName[];

export function isHostCommandName(v: unknown): v is HostCommandName {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(HOST_COMMANDS, v);
}

export function validateHostArgs(command: unknown, args: unknown): LabError | null {
  if (!isHostCommandName(command)) return labError('UNKNOWN_COMMAND', `unknown host command ${describeCommand(command)}`);
  const err = HOST_COMMANDS[command].args.check(args, 'args');
  return err ? labError('BAD_PAYLOAD', `${command}: ${err}`) : null;
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
  | { type: 'steps'; steps: StepRecord[] }
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
