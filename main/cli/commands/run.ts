/**
 * `memhp run <scenario-file | preset> [--strategy none|rfc-v1|mhp-merge] [--profile p] [--seed n] [--json out.json] [--csv out.csv]`
 *
 * Runs a scenario to the end in this process: a progress bar on a TTY (plain lines otherwise) on
 * stderr, a summary table on stdout; with --json the run document (`common/run-export`: the
 * scenario, the environment, the summary and every step's record) and with --csv the steps CSV,
 * each written atomically. Only wall-clock figures (`wallMs`) and `environment` differ between two
 * runs of the same scenario and seed.
 */
import type { Command } from 'commander';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { CliError } from '../errors.js';
import { writeFileAtomic } from '../../atomic-write.js';
import { checkOverrides, originLabel, parseSeed, resolveScenario, StepProgress, type ProgressSink } from '../shared/index.js';
import { presetNames } from '../../../worker/engine/scenario/presets.js';
import { Runner, plainState, type RunSummary } from '../../../worker/engine/runner/runner.js';
import type { StepRecord } from '../../../worker/engine/runner/step-record.js';
import { runDocument, runJsonText, stepsCsv, strideFor, type RunDocument, type RunEnvironment } from '../../../common/run-export/index.js';
import { formatBytes, formatMs, formatSimTime } from '../../../common/format.js';

export interface RunCliOptions {
  strategy?: string;
  profile?: string;
  seed?: string;
  json?: string;
  csv?: string;
}

/** Where output goes (process.stdout / process.stderr in the CLI; buffers in tests). */
export interface RunIo {
  out: { write(s: string): unknown };
  err: ProgressSink;
  /** Wall clock for the runner (default performance.now). */
  now?: () => number;
  /** The date written into `environment` (default now). */
  date?: () => Date;
  /**
   * When the user's command began, on the `now` clock. The CLI passes 0: `performance.now()` counts
   * from the start of the process, so the printed wall time includes Node's start, loading the
   * modules and reading the scenario. Default: when `runRun` is called.
   */
  startedAt?: number;
}

/** At most about this many steps go into --json. */
export const JSON_STEPS = 100_000;

/** Keep every n-th step so that about `max` of `total` steps are written. */
export function jsonStride(total: number, max = JSON_STEPS): number {
  return strideFor(total, max);
}

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd() + '\n';
}

/**
 * The summary table printed at the end. `wallMs` is the wall time of the whole run as the user
 * waited for it (default: the engine's own time, when nothing else was measured); the engine's
 * share (`s.wallMs`, the sum of the steps' engine calls) is printed beside it and labelled so.
 */
export function summaryTable(s: RunSummary, boot: StepRecord, wallMs = s.wallMs): string {
  const k = s.kdump;
  const rows: [string, string, string][] = [
    ['resources (total)', String(boot.resources.total), String(s.resources.total)],
    ['resources (top level)', String(boot.resources.topLevel), String(s.resources.topLevel)],
    ['"System RAM" lines', String(boot.resources.systemRam), String(s.resources.systemRam)],
    ['/proc/iomem lines', String(boot.iomem.lines), String(s.iomem.lines)],
    ['/proc/iomem bytes', String(boot.iomem.bytes), String(s.iomem.bytes)],
    ['blocks online', String(boot.blocks.online), String(s.blocks.online)],
    ['blocks offline', String(boot.blocks.offline), String(s.blocks.offline)],
    ['plugged', formatBytes(boot.plugged), formatBytes(s.plugged)],
    ['kdump ranges / cap', `${boot.kdump.ranges} / ${boot.kdump.cap || '-'}`, `${k.ranges} / ${k.cap || '-'}`],
    ['kdump ok', boot.kdump.ok ? 'yes' : 'no', k.ok ? 'yes' : 'no'],
  ];
  const w = [24, 10, 10];
  let t = `${s.scenario}: profile ${s.profile}, strategy ${s.strategy}, seed ${s.seed}; ${s.steps}/${s.totalSteps} steps, ${formatSimTime(s.simTimeMs)} simulated\n`;
  t += row(['', 'boot', 'end'], w);
  for (const r of rows) t += row(r, w);
  t += `peak: ${s.peak.resources} resources, ${s.peak.systemRam} "System RAM" lines, ${s.peak.iomemLines} /proc/iomem lines\n`;
  t += `kernel list-walk visits: ${s.visits.total}; wall time: ${formatMs(wallMs)} (engine time: ${formatMs(s.wallMs)})\n`;
  if (k.missedBytes !== '0') t += `kdump would miss ${formatBytes(k.missedBytes)} of RAM\n`;
  for (const msg of k.messages) t += `kexec: ${msg}\n`;
  if (k.headroomBlocks !== null) t += `kdump headroom: ${k.headroomBlocks} more blocks\n`;
  if (s.timeouts) t += `steps that timed out: ${s.timeouts}\n`;
  if (s.rejected) t += `steps refused in whole or part: ${s.rejected}\n`;
  if (s.error) t += `the run stopped: ${s.error}\n`;
  return t;
}

/** Runs a scenario to the end; returns the exit code (0, or 1 when the engine stopped the run). */
export async function runRun(arg: string, opts: RunCliOptions, io: RunIo): Promise<number> {
  const over = checkOverrides(opts);
  const seed = parseSeed(opts.seed);
  const { scenario, origin } = resolveScenario(arg);
  const source = originLabel(origin);
  const now = io.now ?? (() => performance.now());
  const startedAt = io.startedAt ?? now();
  const created = Runner.create(scenario, { ...over, seed, now });
  if (!created.ok) throw new CliError(`${source}: ${created.error}`);
  const runner = created.runner;
  const progress = new StepProgress(io.err, runner.totalSteps, now);
  io.err.write(`running ${scenario.name} (${source}): ${runner.totalSteps} steps, profile ${runner.profile}, strategy ${runner.strategy}, seed ${runner.seed}\n`);
  const steps: StepRecord[] = [];
  const stride = jsonStride(runner.totalSteps);
  let sinceYield = now();
  for (let m = runner.step(); m; m = runner.step()) {
    if ((m.index - 1) % stride === 0 || runner.done) steps.push(m);
    progress.update(m, runner.done);
    if (now() - sinceYield > 250) {
      await new Promise((r) => setImmediate(r));
      sinceYield = now();
    }
  }
  const summary = runner.summary();
  io.out.write(summaryTable(summary, runner.initial, now() - startedAt));
  if (opts.json !== undefined) await writeOutput('--json', opts.json, runJsonText(runJson(runner, steps, io.date?.() ?? new Date(), stride)), io);
  if (opts.csv !== undefined) await writeOutput('--csv', opts.csv, stepsCsv(steps, stride), io);
  return summary.error ? 1 : 0;
}

/** Writes one output file atomically and says so on stderr. */
async function writeOutput(flag: string, file: string, text: string, io: RunIo): Promise<void> {
  try {
    await writeFileAtomic(file, text);
  } catch (e) {
    throw new CliError(`${flag} ${file}: cannot write: ${(e as Error).message}`);
  }
  io.err.write(`wrote ${file}\n`);
}

/** Where this CLI process runs: Node, the platform and CPU, and the date (differs run to run). */
function cliEnvironment(date: Date): RunEnvironment {
  const cpus = os.cpus();
  return { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus[0]?.model.trim() ?? 'unknown', cpus: cpus.length, date: date.toISOString() };
}

/** The --json document of a finished run: the shared run document (`common/run-export`). */
export function runJson(runner: Runner, steps: StepRecord[], date: Date, stepStride = 1): RunDocument {
  return runDocument({
    scenario: runner.scenario,
    environment: cliEnvironment(date),
    summary: runner.summary(),
    boot: runner.initial,
    devices: runner.machine.devices().map(plainState),
    stride: stepStride,
    steps,
  });
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a scenario (a YAML/JSON file or a preset) to the end and print a summary')
    .argument('<scenario>', `a scenario file, or a preset: ${presetNames().join(', ')}`)
    .option('--strategy <strategy>', 'override the merge strategy: none, rfc-v1, mhp-merge')
    .option('--profile <profile>', 'override the kernel profile: 5.9, rfc-v1, 5.10, 6.1, 6.12')
    .option('--seed <n>', 'override the scenario seed (0 … 4294967295)')
    .option('--json <file>', 'write the run document (scenario, environment, summary, per-step records) as JSON')
    .option('--csv <file>', 'write the per-step counters as CSV (the app\'s steps CSV)')
    .action(async (arg: string, opts: RunCliOptions) => {
      const code = await runRun(arg, opts, { out: process.stdout, err: process.stderr, startedAt: 0 });
      if (code !== 0) process.exitCode = code;
    });
}
