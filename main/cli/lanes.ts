/**
 * Running compare lanes from Node: each lane is one (profile, strategy) run of the same scenario in
 * its own lab worker (out/main/lab.worker.js, the app's worker module, started through `web-worker`
 * by `WorkerHost`), so lanes run in parallel on separate threads.
 *
 * The transport is the one swappable piece: `LaneTransport.run(job)` → the lane's outcome. The
 * default speaks worker/protocol.ts; tests and the bench may pass another.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WorkerHost, type WorkerLike } from '../worker-host.js';
import type { CommandArgs, CommandName, CommandResult, IpcReply, LabError, LogEntry, ProfileName, Snapshot, StepRecord, StrategyName } from '../../worker/protocol.js';
import { IOMEM_EXCERPT_LINES, type IomemExcerpt, type LaneOutcome, type LaneSpec } from '../../worker/report/index.js';

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

export interface LaneTransport {
  /** Shown in the report's environment ("worker_threads (web-worker)"). */
  readonly name: string;
  run(job: LaneJob, onProgress: (p: LaneProgress) => void): Promise<LaneResult>;
}

/** Runs every job through the transport, at most `concurrency` at once (default: all); results in job order. */
export async function runLanes(
  jobs: readonly LaneJob[],
  transport: LaneTransport,
  opts: { concurrency?: number; onProgress?: (p: LaneProgress) => void } = {},
): Promise<LaneResult[]> {
  const results: LaneResult[] = new Array(jobs.length);
  const limit = Math.max(1, Math.min(opts.concurrency ?? jobs.length, jobs.length));
  let next = 0;
  const onProgress = opts.onProgress ?? (() => {});
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i]!;
      try {
        results[i] = await transport.run(job, onProgress);
      } catch (e) {
        // A transport must not throw; if one does, the lane fails and the others go on.
        results[i] = failed(job, { code: 'ENGINE_FAILED', message: e instanceof Error ? e.message : String(e) });
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

function failed(job: LaneJob, error: { code: string; message: string }, steps: StepRecord[] = []): LaneResult {
  return {
    spec: { profile: job.profile ?? '6.12', strategy: job.strategy ?? 'mhp-merge' },
    outcome: { ok: false, error, steps },
  };
}

/** The built worker: out/main/lab.worker.js at the project root (the CLI bundle and its source are both two levels down). */
export function defaultWorkerUrl(): URL {
  const env = process.env['MEMHP_WORKER'];
  if (env) return new URL(`file://${env.startsWith('/') ? '' : `${process.cwd()}/`}${env}`);
  return new URL('../../out/main/lab.worker.js', import.meta.url);
}

/** Steps per `step` request: about 200 progress updates per lane, never fewer than one step. */
function chunkOf(total: number): number {
  return Math.max(1, Math.ceil(total / 200));
}

const METRICS_PAGE = 100_000;
const LOG_LIMIT = 100_000;
/** Lines of /proc/iomem per `iomemWindow` request (the protocol allows 5000). */
const WINDOW = 4096;

/**
 * The default transport: one lab worker per lane, driven over worker/protocol.ts —
 * load (preset or text) → `step` in chunks (progress) → `metrics`, `summary`, `iomemWindow`, `log`.
 */
export class WorkerLaneTransport implements LaneTransport {
  readonly name = 'worker_threads (web-worker), one worker per lane';

  constructor(private readonly opts: { url?: URL; create?: (url: URL | string) => WorkerLike } = {}) {}

  async run(job: LaneJob, onProgress: (p: LaneProgress) => void): Promise<LaneResult> {
    const url = this.opts.url ?? defaultWorkerUrl();
    if (!this.opts.create && url.protocol === 'file:' && !existsSync(fileURLToPath(url))) {
      return failed(job, { code: 'ENGINE_UNAVAILABLE', message: `the lab worker is not built (${fileURLToPath(url)}): run \`node scripts/build.mjs node\`` });
    }
    const host = new WorkerHost({ url, onEvent: () => {}, maxRestarts: 0, ...(this.opts.create ? { create: this.opts.create } : {}) });
    host.start();
    try {
      return await this.drive(host, job, onProgress);
    } finally {
      host.dispose();
    }
  }

  private async drive(host: WorkerHost, job: LaneJob, onProgress: (p: LaneProgress) => void): Promise<LaneResult> {
    const call = async <K extends CommandName>(command: K, args: CommandArgs<K>): Promise<CommandResult<K>> => {
      const reply: IpcReply<CommandResult<K>> = await host.call(command, args);
      if (!reply.ok) throw new LaneError(reply.error);
      return reply.value;
    };
    let records: StepRecord[] = [];
    try {
      const hello = await call('hello', {});
      if (!hello.engine) throw new LaneError({ code: 'ENGINE_UNAVAILABLE', message: 'the lab worker was built without the engine' });
      const runOpts = { ...(job.profile ? { profile: job.profile } : {}), ...(job.strategy ? { strategy: job.strategy } : {}), ...(job.seed !== undefined ? { seed: job.seed } : {}) };
      let snap: Snapshot =
        job.scenario.kind === 'preset'
          ? await call('loadPreset', { name: job.scenario.name, ...runOpts })
          : await call('loadScenario', { text: job.scenario.text, source: job.scenario.source, ...(job.scenario.format ? { format: job.scenario.format } : {}), ...runOpts });
      const spec: LaneSpec = { profile: snap.profile ?? job.profile ?? '6.12', strategy: snap.strategy ?? job.strategy ?? 'mhp-merge' };
      const total = snap.step.total;
      const chunk = chunkOf(total);
      onProgress({ lane: job.lane, done: snap.step.index, total });
      while (!snap.step.done) {
        snap = await call('step', { count: chunk });
        onProgress({ lane: job.lane, done: snap.step.index, total });
      }
      records = await fetchAll((since) => call('metrics', { since, limit: METRICS_PAGE }), METRICS_PAGE);
      const summary = await call('summary', {});
      const iomem = await fetchExcerpt((from, count) => call('iomemWindow', { from, count }).then((w) => ({ total: w.total, lines: w.lines })), snap.iomem.bytes);
      const log: LogEntry[] = await call('log', { since: 0, limit: LOG_LIMIT });
      const events = log.length < LOG_LIMIT ? log.map(({ t, source, level, message }) => ({ t, source, level, message })) : undefined;
      return {
        spec,
        outcome: { ok: true, summary: fillSummary(summary), steps: records, iomem, ...(events ? { events } : {}) },
      };
    } catch (e) {
      const error = e instanceof LaneError ? e.error : { code: 'ENGINE_FAILED', message: e instanceof Error ? e.message : String(e) };
      return failed(job, error, records);
    }
  }
}

class LaneError extends Error {
  constructor(readonly error: LabError | { code: string; message: string }) {
    super(error.message);
  }
}

async function fetchAll<T>(page: (since: number) => Promise<T[]>, size: number): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const got = await page(out.length);
    out.push(...got);
    if (got.length < size) return out;
  }
}

/** The excerpt of the final /proc/iomem, fetched in protocol-sized windows (whole, or head and tail). */
export async function fetchExcerpt(
  window: (from: number, count: number) => Promise<{ total: number; lines: string[] }>,
  bytes: number,
  max = IOMEM_EXCERPT_LINES,
): Promise<IomemExcerpt> {
  const first = await window(0, 0);
  const totalLines = first.total;
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

/** The worker's summary with the kdump verdict's optional parts filled (the report needs every field). */
function fillSummary(s: CommandResult<'summary'>): Record<string, unknown> {
  const k = s.kdump;
  return {
    ...s,
    kdump: k
      ? { ...k, missedBytes: k.missedBytes ?? '0', headroomBlocks: k.headroomBlocks }
      : { ranges: 0, cap: 0, ok: false, missedBytes: '0', headroomBlocks: null },
  };
}
