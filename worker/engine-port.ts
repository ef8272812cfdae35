/**
 * The slice of the engine the lab session drives, as plain structural types.
 *
 * `worker/session.ts` speaks only to this port; `worker/engine-binding.ts` implements it with the
 * real engine (Runner, Machine, kernel/iomem, userspace/lsmem, presets, scenario loading). Tests use
 * a small fake. Keeping the port narrow means the protocol side compiles and is tested even while
 * the engine below it is still moving.
 */
import type { CommandArgs, DeviceKindInfo, DeviceSpecPayload, KdumpVerdict, OnlinePolicy, ProfileName, StrategyName } from './protocol.js';
import type { RunSummary } from './engine/runner/runner.js';
import type { StepRecord } from './engine/runner/step-record.js';
import type { Scenario } from './engine/scenario/scenario.js';
import type { LogEntry, MachineStats } from './engine/machine/machine.js';
import type { DeviceState } from './engine/drivers/device.js';

/** One entry of the machine's dmesg-like log. */
export type EngineLogEntry = LogEntry;

/** The machine's O(1) statistics (machine.ts `MachineStats`). */
export type EngineStats = MachineStats;

/** A device's state (drivers/device.ts `DeviceState`) with its details flattened to displayable values. */
export type EngineDeviceState = Omit<DeviceState, 'details'> & { details: Record<string, string | number | boolean | null> };

/** One loaded run: a Runner over a Machine. Every method may throw only on a broken invariant. */
export interface EngineRun {
  /** The profile and strategy the run actually uses (scenario, options and defaults resolved). */
  readonly profile: ProfileName;
  readonly strategy: StrategyName;
  readonly totalSteps: number;
  readonly stepIndex: number;
  readonly done: boolean;
  /** The scenario as run (normalized), for exports. */
  readonly scenario: Scenario;
  /** The booted machine before step 1 (the runner's `initial` record). */
  readonly boot: StepRecord;
  /**
   * Runs the next step and returns the engine's record of it (with `error` set when the engine
   * hit a broken invariant: the run stops there); null when the run is over.
   */
  step(): StepRecord | null;
  stats(): EngineStats;
  /** The runner's own summary of the run so far (the one source of `memhp run --json`'s summary). */
  summary(): RunSummary;
  simTimeMs(): number;
  blockSize(): bigint;
  devices(): EngineDeviceState[];
  /**
   * Log entries from sequence number `since` on. The machine keeps only its last entries: when
   * `since` was dropped, the first returned is entry number `logDropped()`.
   */
  log(since: number, limit?: number): EngineLogEntry[];
  /** Entries logged since boot (the seq the next one gets). */
  logLength(): number;
  /** Entries the machine dropped (the seq of the oldest one kept). */
  logDropped(): number;
  kdump(): KdumpVerdict | null;
  /** /proc/iomem lines [from, from+count), without '\n'. */
  iomemLines(from: number, count: number, user: boolean): string[];
  iomemText(user: boolean): string;
  lsmem(all: boolean): string;
  /** 0 or -errno. */
  guestWriteState(block: number, state: string): number;
  /** Adds a device; an error message when it is refused (`payload`: its parameters are wrong for the kind). */
  addDevice(spec: DeviceSpecPayload): { ok: true } | { ok: false; error: string; payload?: true };
  /** Host request changing the memory a device provides: 0, -errno, or null for an unknown device. */
  resizeDevice(id: string, size: bigint): number | null;
  /** Let device workers and due timers run (after a host request or guest action outside the timeline). */
  settle(): void;
}

export interface ScenarioInfo {
  name: string;
  description: string;
}

export interface RunOptions {
  profile?: ProfileName;
  strategy?: StrategyName;
  seed?: number;
  /** Wall-clock reader for the runner's own timings (the worker passes performance.now). */
  now: () => number;
}

/** An opaque, validated scenario plus what the UI shows of it. */
export interface LoadedScenario {
  info: ScenarioInfo;
  seed: number;
  profile: ProfileName | null;
  strategy: StrategyName | null;
  /** The scenario as a text file (for export). */
  text: string;
  /** Creates a fresh run of this scenario. */
  create(opts: RunOptions): { ok: true; run: EngineRun } | { ok: false; error: string };
}

export interface LabEngine {
  presets(): ScenarioInfo[];
  /** The device kinds the engine can attach, with their parameters. */
  deviceKinds(): DeviceKindInfo[];
  loadPreset(name: string): LoadedScenario | undefined;
  loadScenarioText(text: string, opts: { source?: string; format?: 'yaml' | 'json' }):
    | { ok: true; scenario: LoadedScenario }
    | { ok: false; errors: { path: string; message: string }[] };
  /**
   * A compare lane's scenario: the base (a preset or a scenario text) with the lane's device
   * parameters (lane-grammar text, "" for none) applied and the result validated again.
   */
  loadLane(base: LaneBase, params: string): LaneLoad;
  /** An empty machine whose boot memory map is a real /proc/iomem dump. */
  loadIomem(text: string, opts: { source?: string; blockSize?: bigint; onlinePolicy?: OnlinePolicy }):
    | { ok: true; scenario: LoadedScenario }
    | { ok: false; error: string };
  parseSize(text: string): bigint | null;
  errnoName(code: number): string;
}

/** What a compare lane starts from (the `loadLane` command's `scenario`). */
export type LaneBase = CommandArgs<'loadLane'>['scenario'];

/** A lane's scenario, or why there is none (the error code the session answers with). */
export type LaneLoad =
  | { ok: true; scenario: LoadedScenario; definition: Scenario }
  | { ok: false; code: 'NOT_FOUND' | 'BAD_PAYLOAD'; message: string }
  | { ok: false; code: 'SCENARIO_INVALID'; where: string; errors: { path: string; message: string }[] };
