/**
 * Drives one compare lane through a lab worker over worker/protocol.ts, whatever carries the
 * messages: `WorkerHost` from Node (the CLI), a `LabBridge` Web Worker in the app. Load (preset or
 * scenario text; `loadLane` when the lane has device parameters, applied in the worker) → `step` in chunks (progress, new step records fetched as they come) → `summary`,
 * the final /proc/iomem excerpt (`iomemWindow`) and the event log. Never throws: a coded error
 * from any call ends the lane as failed, with the steps recorded so far.
 */
import type { CommandArgs, CommandName, CommandResult, IpcReply, LabError, ProfileName, Snapshot, StepPoint, StrategyName } from '../../worker/protocol.js';
import { DEFAULT_PROFILE } from '../../worker/engine/names.js';
import { IOMEM_EXCERPT_LINES, type LaneOutcome, type LaneSpec } from '../report/build.js';
import type { IomemExcerpt } from '../report/model.js';
import { formatLaneParams, paramsRecord, type LaneParam } from './lane-grammar.js';

/** The scenario every lane runs: a preset by name, or a scenario text (JSON or YAML). */
export type LaneScenario = { kind: 'preset'; name: string } | { kind: 'text'; text: string; source: string; format?: 'yaml' | 'json' };

export interface LaneJob {
  /** 0-based lane number (for progress). */
  lane: number;
  scenario: LaneScenario;
  /** Undefined profile/strategy: the scenario's own. */
  profile?: ProfileName;
  strategy?: StrategyName;
  seed?: number;
  /** Device parameters (lane grammar): the worker applies them to the scenario before loading it. */
  params?: readonly LaneParam[];
}

export interface LaneProgress {
  lane: number;
  done: number;
  total: number;
}

/** What a lane produced: the resolved (profile, strategy) and its outcome, ready for `buildReport`. */
export interface LaneResult {
  spec: LaneSpec;
  outcome: LaneOutcome;
}

/** One protocol request; resolves with the worker's reply, never rejects. */
export type LaneCall = <K extends CommandName>(command: K, args: CommandArgs<K>) => Promise<IpcReply<CommandResult<K>>>;

export interface DriveOptions {
  /** New step records as they arrive (for live charts). */
  onSteps?: (records: readonly StepPoint[]) => void;
  /** Stop between chunks when this returns true (the lane then fails with CANCELLED). */
  cancelled?: () => boolean;
}

const METRICS_PAGE = 100_000;
const LOG_LIMIT = 100_000;
/** Lines of /proc/iomem per `iomemWindow` request (the protocol allows 5000). */
const WINDOW = 4096;

/** Steps per `step` request: about 200 progress updates per lane, never fewer than one step. */
export function chunkOf(total: number): number {
  return Math.max(1, Math.ceil(total / 200));
}

class LaneError extends Error {
  constructor(readonly error: LabError | { code: string; message: string }) {
    super(error.message);
  }
}

/** The lane as failed, with whatever steps were recorded. */
export function failedLane(job: LaneJob, error: { code: string; message: string }, steps: readonly StepPoint[] = []): LaneResult {
  return { spec: withParams({ profile: job.profile ?? DEFAULT_PROFILE, strategy: job.strategy ?? 'mhp-merge' }, job), outcome: { ok: false, error, steps } };
}

/** The lane's spec with its device parameters, as the report keeps them. */
function withParams(spec: LaneSpec, job: LaneJob): LaneSpec {
  return job.params?.length ? { ...spec, params: paramsRecord(job.params) } : spec;
}

/** Loads the lane's scenario in its worker: by preset or text, or through `loadLane` with parameters. */
async function loadJob(must: <K extends CommandName>(command: K, args: CommandArgs<K>) => Promise<CommandResult<K>>, job: LaneJob): Promise<Snapshot> {
  const runOpts = { ...(job.profile ? { profile: job.profile } : {}), ...(job.strategy ? { strategy: job.strategy } : {}), ...(job.seed !== undefined ? { seed: job.seed } : {}) };
  if (job.params?.length) return (await must('loadLane', { scenario: job.scenario, params: formatLaneParams(job.params), ...runOpts })).snapshot;
  if (job.scenario.kind === 'preset') return must('loadPreset', { name: job.scenario.name, ...runOpts });
  const { text, source, format } = job.scenario;
  return must('loadScenario', { text, source, ...(format ? { format } : {}), ...runOpts });
}

/** Runs one lane to the end over `call`. */
export async function driveLane(call: LaneCall, job: LaneJob, onProgress: (p: LaneProgress) => void, opts: DriveOptions = {}): Promise<LaneResult> {
  const must = async <K extends CommandName>(command: K, args: CommandArgs<K>): Promise<CommandResult<K>> => {
    const reply = await call(command, args);
    if (!reply.ok) throw new LaneError(reply.error);
    return reply.value;
  };
  const records: StepPoint[] = [];
  // The worker's `since` is an ordinal: steps recorded since the load, thinned ones included, so
  // once its step log thins, `records.length` falls behind it. One record per step, consecutive
  // step indices: a record's ordinal is its index minus the first record's (ordinal 0 is always
  // kept). Records at or below the last index held are dropped all the same.
  let since = 0;
  const fetchNew = async (): Promise<void> => {
    for (;;) {
      const got = await must('metrics', { since, limit: METRICS_PAGE });
      const last = records.length ? records[records.length - 1]!.index : -Infinity;
      const fresh = got.filter((r) => r.index > last);
      if (fresh.length) {
        records.push(...fresh);
        since = Math.max(since, fresh[fresh.length - 1]!.index - records[0]!.index + 1);
        opts.onSteps?.(fresh);
      }
      if (got.length < METRICS_PAGE || fresh.length === 0) return;
    }
  };
  try {
    const hello = await must('hello', {});
    if (!hello.engine) throw new LaneError({ code: 'ENGINE_UNAVAILABLE', message: 'the lab worker was built without the engine' });
    let snap = await loadJob(must, job);
    const spec = withParams({ profile: snap.profile ?? job.profile ?? DEFAULT_PROFILE, strategy: snap.strategy ?? job.strategy ?? 'mhp-merge' }, job);
    const total = snap.step.total;
    const chunk = chunkOf(total);
    onProgress({ lane: job.lane, done: snap.step.index, total });
    while (!snap.step.done) {
      if (opts.cancelled?.()) throw new LaneError({ code: 'CANCELLED', message: 'stopped by the user' });
      snap = await must('step', { count: chunk });
      if (opts.onSteps) await fetchNew();
      onProgress({ lane: job.lane, done: snap.step.index, total });
    }
    await fetchNew();
    const summary = await must('summary', {});
    const iomem = await fetchExcerpt((from, count) => must('iomemWindow', { from, count }).then((w) => ({ total: w.total, lines: w.lines })), snap.iomem.bytes);
    const log = await must('log', { since: 0, limit: LOG_LIMIT });
    const events = log.length < LOG_LIMIT ? log.map(({ t, source, level, message }) => ({ t, source, level, message })) : undefined;
    return { spec, outcome: { ok: true, summary: laneSummary(summary), steps: records, iomem, ...(events ? { events } : {}) } };
  } catch (e) {
    const error = e instanceof LaneError ? e.error : { code: 'ENGINE_FAILED', message: e instanceof Error ? e.message : String(e) };
    return failedLane(job, error, records);
  }
}

/** The excerpt of the final /proc/iomem, fetched in protocol-sized windows (whole, or head and tail). */
export async function fetchExcerpt(
  window: (from: number, count: number) => Promise<{ total: number; lines: string[] }>,
  bytes: number,
  max = IOMEM_EXCERPT_LINES,
): Promise<IomemExcerpt> {
  const totalLines = (await window(0, 0)).total;
  const read = async (from: number, count: number): Promise<string[]> => {
    const out: string[] = [];
    while (out.length < count) {
      const w = await window(from + out.length, Math.min(WINDOW, count - out.length));
      if (w.lines.length === 0) break;
      out.push(...w.lines);
    }
    return out;
  };
  if (totalLines <= max) return { view: 'root', totalLines, bytes, segments: totalLines ? [{ from: 0, lines: await read(0, totalLines) }] : [] };
  const half = Math.floor(max / 2);
  return {
    view: 'root',
    totalLines,
    bytes,
    segments: [
      { from: 0, lines: await read(0, half) },
      { from: totalLines - half, lines: await read(totalLines - half, half) },
    ],
  };
}

/**
 * The lane's summary: the worker's `summary`, which is the runner's own `RunSummary` (the same
 * object `memhp run --json` writes), so nothing is rebuilt from step records here.
 */
export function laneSummary(s: CommandResult<'summary'>): Record<string, unknown> {
  return { ...s };
}
