/**
 * Running compare lanes from Node: each lane is one (profile, strategy) run of the same scenario in
 * its own lab worker (out/main/lab.worker.js, the app's worker module, started through `web-worker`
 * by `WorkerHost`), so lanes run in parallel on separate threads.
 *
 * The transport is the one swappable piece: `LaneTransport.run(job)` → the lane's outcome. The
 * default speaks worker/protocol.ts; tests and the bench may pass another.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WorkerHost, type WorkerLike } from '../worker-host.js';
import { driveLane, failedLane, type LaneJob, type LaneProgress, type LaneResult } from '../../common/lanes/lane-driver.js';

export type { LaneJob, LaneProgress, LaneResult, LaneScenario } from '../../common/lanes/lane-driver.js';
export { fetchExcerpt } from '../../common/lanes/lane-driver.js';

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
        results[i] = failedLane(job, { code: 'ENGINE_FAILED', message: e instanceof Error ? e.message : String(e) });
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

/**
 * The built worker: out/main/lab.worker.js at the project root (the CLI bundle and its source are
 * both two levels down), or the file named by MEMHP_WORKER.
 */
export function defaultWorkerUrl(): URL {
  const env = process.env['MEMHP_WORKER'];
  if (env) return pathToFileURL(path.resolve(env));
  return new URL('../../out/main/lab.worker.js', import.meta.url);
}

/** The default transport: one lab worker per lane (WorkerHost, no restarts), driven by `driveLane`. */
export class WorkerLaneTransport implements LaneTransport {
  readonly name = 'worker_threads (web-worker), one worker per lane';

  constructor(private readonly opts: { url?: URL; create?: (url: URL | string) => WorkerLike } = {}) {}

  async run(job: LaneJob, onProgress: (p: LaneProgress) => void): Promise<LaneResult> {
    const url = this.opts.url ?? defaultWorkerUrl();
    if (!this.opts.create && url.protocol === 'file:' && !existsSync(fileURLToPath(url))) {
      return failedLane(job, { code: 'ENGINE_UNAVAILABLE', message: `the lab worker is not built (${fileURLToPath(url)}): run \`node scripts/build.mjs node\`` });
    }
    const host = new WorkerHost({ url, onEvent: () => {}, maxRestarts: 0, ...(this.opts.create ? { create: this.opts.create } : {}) });
    host.start();
    try {
      return await driveLane((command, args) => host.call(command, args), job, onProgress);
    } finally {
      host.dispose();
    }
  }
}
