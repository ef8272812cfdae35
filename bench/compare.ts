/**
 * Bench section: `memhp compare` parallelism. Runs a 3-lane compare of one seed preset with every
 * lane in its own lab worker at once, then the same three lanes one after another, and reports
 * both wall times and their ratio. A figure to print, not a timed test.
 */
import os from 'node:os';
import { runLanes, WorkerLaneTransport, type LaneJob, type LaneTransport } from '../main/cli/lanes.js';
import type { StrategyName } from '../worker/protocol.js';

export interface CompareBenchOptions {
  preset?: string;
  strategies?: readonly StrategyName[];
  transport?: LaneTransport;
  log?: (line: string) => void;
  now?: () => number;
  /** Timed rounds (parallel then sequential each); the fastest of each kind is reported. Default 3. */
  rounds?: number;
}

export interface CompareBenchResult {
  preset: string;
  lanes: number;
  parallelMs: number;
  sequentialMs: number;
  /** sequentialMs / parallelMs: how much faster the parallel workers were. */
  speedup: number;
  /** Lanes that failed in any run (their times are not meaningful then). */
  failedLanes: number;
  cores: number;
  rounds: number;
  /** 1-minute load average when the section ended: a busy machine makes both figures noisy. */
  load: number;
}

/** Runs the section and prints one line; returns the figures. */
export async function benchCompare(opts: CompareBenchOptions = {}): Promise<CompareBenchResult> {
  const preset = opts.preset ?? 'seed-100g-virtio-mem';
  const strategies = opts.strategies ?? ['none', 'rfc-v1', 'mhp-merge'];
  const transport = opts.transport ?? new WorkerLaneTransport();
  const now = opts.now ?? (() => performance.now());
  const log = opts.log ?? ((line: string) => console.log(line));
  const jobs: LaneJob[] = strategies.map((strategy, lane) => ({ lane, scenario: { kind: 'preset', name: preset }, strategy }));

  const rounds = Math.max(1, opts.rounds ?? 3);
  // One untimed lane first, so neither kind pays for cold caches and the first JIT.
  let failedLanes = (await runLanes(jobs.slice(0, 1), transport)).filter((r) => !r.outcome.ok).length;
  let parallelMs = Infinity;
  let sequentialMs = Infinity;
  for (let round = 0; round < rounds; round++) {
    let t = now();
    const parallel = await runLanes(jobs, transport, { concurrency: jobs.length });
    parallelMs = Math.min(parallelMs, now() - t);
    t = now();
    const sequential = await runLanes(jobs, transport, { concurrency: 1 });
    sequentialMs = Math.min(sequentialMs, now() - t);
    failedLanes += [...parallel, ...sequential].filter((r) => !r.outcome.ok).length;
  }

  const result: CompareBenchResult = {
    preset,
    lanes: jobs.length,
    parallelMs,
    sequentialMs,
    speedup: parallelMs > 0 ? sequentialMs / parallelMs : 0,
    failedLanes,
    cores: os.cpus().length,
    rounds,
    load: os.loadavg()[0] ?? 0,
  };
  log(
    `compare: ${preset}, ${result.lanes} lanes (${strategies.join(', ')}): parallel workers ${parallelMs.toFixed(0)} ms, ` +
      `one after another ${sequentialMs.toFixed(0)} ms (best of ${rounds}), speed-up ${result.speedup.toFixed(2)}x on ${result.cores} cores, load ${result.load.toFixed(1)}` +
      (failedLanes ? ` (${failedLanes} lane runs FAILED: figures not meaningful)` : ''),
  );
  return result;
}
