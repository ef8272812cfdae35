/**
 * `memhp compare <scenario-file | preset> [--lanes L1,L2,…] [--strategies none,rfc-v1,mhp-merge]
 *   [--profiles …] [--cross] [--report out.html] [--json out.json] [--csv out.csv] [--md out.md] [--pdf out.pdf]`
 *
 * Runs 2–6 lanes of one scenario in parallel, each in its own lab worker. A lane is
 * `<profile>/<strategy>` with optional device parameters (`6.12/none[vm0.blockSize=4M]`, the lane
 * grammar of common/lanes/lane-grammar.ts); `--strategies`/`--profiles` are shorthands that expand
 * to lanes. Device parameters are applied and validated before any lane starts. Shows a progress
 * bar per lane (plain lines when stderr is not a TTY); writes the requested reports atomically;
 * prints the Markdown summary on stdout.
 */
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { rename, readFile, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError } from '../errors.js';
import { writeFileAtomic } from '../../atomic-write.js';
import { runLanes, WorkerLaneTransport, type LaneJob, type LaneScenario, type LaneTransport } from '../lanes.js';
import { checkProfile, checkStrategy, LaneProgressView, parseList, parseSeed, resolveScenario, type ProgressSink } from '../shared/index.js';
import type { Scenario } from '../../../worker/engine/scenario/scenario.js';
import { formatLaneParams, parseLanes, splitLanes, unsupportedLane, type LaneParam } from '../../../common/lanes/lane-grammar.js';
import { laneScenario } from '../../../common/lanes/lane-overrides.js';
import { formatIssues } from '../../../common/scenario-io/scenario-io.js';
import { MAX_LANES, MIN_LANES, PROFILE_NAMES, STRATEGY_NAMES, type ProfileName, type StrategyName } from '../../../worker/protocol.js';
import {
  buildReport,
  buildReportView,
  renderReportCsv,
  renderReportHtml,
  renderReportJson,
  renderReportMarkdown,
  type Report,
} from '../../../common/report/index.js';
import pkg from '../../../package.json';

export const DEFAULT_STRATEGIES: readonly StrategyName[] = ['none', 'rfc-v1', 'mhp-merge'];

export interface CompareOptions {
  /** Lanes in the lane grammar (common/lanes/lane-grammar.ts): `6.12/none[vm0.blockSize=4M],5.10/default`. */
  lanes?: string;
  strategies?: string;
  profiles?: string;
  /** Lanes = every profile × every strategy, even when both lists have the same length. */
  cross?: boolean;
  seed?: string;
  report?: string;
  json?: string;
  csv?: string;
  md?: string;
  pdf?: string;
}

export interface CompareDeps {
  transport?: LaneTransport;
  /** Where the summary goes (stdout) and where progress goes (stderr). */
  out?: { write(s: string): unknown };
  err?: ProgressSink;
  now?: () => Date;
  /** Finds a Chromium for --pdf (default: CHROME_PATH, then the usual paths). */
  findChrome?: () => string | null;
}

export interface PlannedLane {
  profile?: ProfileName;
  strategy?: StrategyName;
  /** Device parameters (from `--lanes`); absent when none. */
  params?: LaneParam[];
  /** The lane as written in `--lanes`, for messages. */
  text?: string;
}

function checkLaneCount(lanes: readonly PlannedLane[], plan: string): void {
  if (lanes.length < MIN_LANES || lanes.length > MAX_LANES) throw new CliError(`compare runs ${MIN_LANES} to ${MAX_LANES} lanes; ${plan} gives ${lanes.length}`);
}

/** `--lanes`: every lane in the lane grammar; kinds nothing runs yet are refused with one line. */
function planFromLanes(text: string): PlannedLane[] {
  const parsed = parseLanes(text);
  if (!parsed.ok) throw new CliError(`--lanes: ${parsed.error}`);
  const texts = splitLanes(text);
  const lanes = parsed.value.map((def, i): PlannedLane => {
    const unsupported = unsupportedLane(def);
    if (unsupported || def.kind !== 'emulated') throw new CliError(`--lanes: lane ${i + 1} ${JSON.stringify(texts[i])}: ${unsupported}`);
    return { ...(def.profile ? { profile: def.profile } : {}), ...(def.strategy ? { strategy: def.strategy } : {}), ...(def.params.length ? { params: def.params } : {}), text: texts[i]! };
  });
  checkLaneCount(lanes, `--lanes ${text}`);
  return lanes;
}

/**
 * The lanes asked for: `--lanes` as written, or the shorthands: one lane per strategy; `--profiles` gives one profile for every lane, one per
 * strategy (paired in order when the lists have the same length), or, with `--cross` or lists of
 * different lengths, every profile × every strategy. 2 to 6 lanes.
 */
export function planLanes(opts: Pick<CompareOptions, 'lanes' | 'strategies' | 'profiles' | 'cross'>): PlannedLane[] {
  if (opts.lanes !== undefined) {
    const other = (['strategies', 'profiles', 'cross'] as const).find((k) => opts[k] !== undefined);
    if (other) throw new CliError(`--lanes already names every lane; leave out --${other}`);
    return planFromLanes(opts.lanes);
  }
  const strategies = parseList('--strategies', opts.strategies, STRATEGY_NAMES, checkStrategy) ?? [...DEFAULT_STRATEGIES];
  const profiles = parseList('--profiles', opts.profiles, PROFILE_NAMES, checkProfile);
  let lanes: PlannedLane[];
  if (!profiles) lanes = strategies.map((strategy) => ({ strategy }));
  else if (profiles.length === 1) lanes = strategies.map((strategy) => ({ profile: profiles[0]!, strategy }));
  else if (strategies.length === 1) lanes = profiles.map((profile) => ({ profile, strategy: strategies[0]! }));
  else if (profiles.length === strategies.length && !opts.cross) lanes = profiles.map((profile, i) => ({ profile, strategy: strategies[i]! }));
  else lanes = profiles.flatMap((profile) => strategies.map((strategy) => ({ profile, strategy })));
  checkLaneCount(lanes, describePlan(profiles, strategies));
  return lanes;
}

function describePlan(profiles: string[] | undefined, strategies: string[]): string {
  return profiles ? `--profiles ${profiles.join(',')} with --strategies ${strategies.join(',')}` : `--strategies ${strategies.join(',')}`;
}

export interface LaneTarget {
  scenario: Scenario;
  lane: LaneScenario;
  /** "preset:<name>" or the file's base name. */
  source: string;
}

/**
 * The scenario every lane runs (a file is validated here, so errors show before any lane starts)
 * and how lanes load it: a preset by name, a file as its validated scenario (referenced files
 * already read in), as JSON.
 */
export function laneTarget(target: string): LaneTarget {
  const { scenario, origin } = resolveScenario(target);
  if (origin.kind === 'preset') return { scenario, lane: { kind: 'preset', name: origin.name }, source: `preset:${origin.name}` };
  const source = path.basename(origin.path);
  return { scenario, lane: { kind: 'text', text: JSON.stringify(scenario), source, format: 'json' }, source };
}

/** Every output path must be writable-looking and distinct before hours of lanes run. */
function checkOutputs(opts: CompareOptions): void {
  const outs = (['report', 'json', 'csv', 'md', 'pdf'] as const).filter((k) => opts[k] !== undefined).map((k) => [k, path.resolve(opts[k]!)] as const);
  const seen = new Map<string, string>();
  for (const [k, p] of outs) {
    const dir = path.dirname(p);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`--${k}: directory ${dir} does not exist`);
    if (existsSync(p) && statSync(p).isDirectory()) throw new CliError(`--${k}: ${p} is a directory`);
    const other = seen.get(p);
    if (other) throw new CliError(`--${k} and --${other} name the same file ${p}`);
    seen.set(p, k);
  }
}

function laneName(l: PlannedLane, scenario: Scenario): string {
  const params = l.params ? ` [${formatLaneParams(l.params)}]` : '';
  return `${l.profile ?? scenario.profile ?? 'default profile'} / ${l.strategy ?? scenario.strategy ?? 'profile default'}${params}`;
}

/**
 * Every lane's device parameters applied to the scenario and validated again here (the worker
 * applies them once more, the same way), so a bad lane stops the comparison before any lane runs.
 */
function checkLaneScenarios(planned: readonly PlannedLane[], scenario: Scenario, source: string): void {
  planned.forEach((l, i) => {
    if (!l.params) return;
    const r = laneScenario(scenario, l.params);
    if (r.ok) return;
    const lane = `lane ${i + 1} ${JSON.stringify(l.text ?? formatLaneParams(l.params))}`;
    throw new CliError(`--lanes: ${lane}: the lane's scenario is invalid (${r.errors.length} problem${r.errors.length === 1 ? '' : 's'}); nothing was run:\n${formatIssues(r.errors, `${source} ${lane}`)}`);
  });
}

/** Runs the comparison and writes the outputs; returns the report and the printed Markdown. */
export async function runCompare(target: string, opts: CompareOptions, deps: CompareDeps = {}): Promise<{ report: Report; markdown: string; failedLanes: number }> {
  const out = deps.out ?? process.stdout;
  const err = deps.err ?? process.stderr;
  const planned = planLanes(opts);
  const seed = parseSeed(opts.seed);
  const resolved = laneTarget(target);
  checkLaneScenarios(planned, resolved.scenario, resolved.source);
  checkOutputs(opts);
  const transport = deps.transport ?? new WorkerLaneTransport();
  const jobs: LaneJob[] = planned.map(({ profile, strategy, params }, lane) => ({
    lane,
    scenario: resolved.lane,
    ...(profile ? { profile } : {}),
    ...(strategy ? { strategy } : {}),
    ...(params ? { params } : {}),
    ...(seed !== undefined ? { seed } : {}),
  }));
  const progress = new LaneProgressView(planned.map((l) => laneName(l, resolved.scenario)), err);
  const results = await runLanes(jobs, transport, { onProgress: (p) => progress.update(p) });
  progress.finish();

  const now = (deps.now ?? (() => new Date()))();
  const sc = resolved.scenario;
  const report = buildReport({
    createdAt: now.toISOString(),
    generator: { name: 'memhp-lab', version: pkg.version },
    scenario: { name: sc.name, ...(sc.description ? { description: sc.description } : {}), seed: seed ?? sc.seed, source: resolved.source, definition: sc },
    environment: environment(now, transport.name),
    lanes: results,
  });
  const view = buildReportView(report);
  const markdown = renderReportMarkdown(report, view);
  if (opts.report) await writeOutput('report', opts.report, () => renderReportHtml(report, view));
  if (opts.json) await writeOutput('json', opts.json, () => renderReportJson(report));
  if (opts.csv) await writeOutput('csv', opts.csv, () => renderReportCsv(report));
  if (opts.md) await writeOutput('md', opts.md, () => markdown);
  out.write(markdown);
  const failedLanes = report.lanes.filter((l) => l.status === 'error');
  for (const l of failedLanes) err.write(`memhp: lane ${l.id} (${l.label}) failed: ${l.error?.code}: ${l.error?.message}\n`);
  if (opts.pdf) await writePdf(opts.pdf, opts.report ? null : renderReportHtml(report, view), opts.report, deps.findChrome ?? findChrome);
  return { report, markdown, failedLanes: failedLanes.length };
}

/** Writes one output atomically; a failure names the option and the file. */
async function writeOutput(option: string, file: string, text: () => string): Promise<void> {
  try {
    await writeFileAtomic(file, text());
  } catch (e) {
    throw new CliError(`--${option}: cannot write ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function environment(now: Date, transport: string): Report['environment'] {
  const cpus = os.cpus();
  return {
    date: now.toISOString(),
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    ...(cpus[0] ? { cpu: cpus[0].model.trim() } : {}),
    cpus: cpus.length,
    transport,
  };
}

/** CHROME_PATH, then the usual Chromium / Chrome locations; null when none is installed. */
export function findChrome(): string | null {
  const env = process.env['CHROME_PATH'];
  const candidates = [...(env ? [env] : []), '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((p) => existsSync(p)) ?? null;
}

export const CHROME_MISSING =
  '--pdf needs headless Chromium or Chrome, and none was found (CHROME_PATH, /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome). ' +
  'Install it (Debian/Ubuntu: apt-get install chromium) or set CHROME_PATH; the other reports were written.';

/** Prints the HTML report to PDF with headless Chromium (a fresh profile, no network), written atomically. */
async function writePdf(target: string, html: string | null, htmlPath: string | undefined, find: () => string | null): Promise<void> {
  const chrome = find();
  if (!chrome) throw new CliError(CHROME_MISSING);
  const work = mkdtempSync(path.join(os.tmpdir(), 'memhp-pdf-'));
  try {
    let source = htmlPath ? path.resolve(htmlPath) : path.join(work, 'report.html');
    if (html !== null) {
      source = path.join(work, 'report.html');
      await writeFileAtomic(source, html);
    }
    const tmpPdf = path.join(path.dirname(path.resolve(target)), `.${path.basename(target)}.${process.pid}.tmp.pdf`);
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--no-pdf-header-footer',
      `--user-data-dir=${path.join(work, 'profile')}`,
      `--print-to-pdf=${tmpPdf}`,
      pathToFileURL(source).href,
    ];
    const { code, stderr } = await run(chrome, args, 120_000);
    let head = '';
    try {
      head = (await readFile(tmpPdf)).subarray(0, 5).toString('latin1');
    } catch {
      // no file: reported below
    }
    if (head !== '%PDF-') {
      await unlink(tmpPdf).catch(() => {});
      throw new CliError(`--pdf: ${chrome} did not write a PDF (exit ${code}): ${stderr.trim().split('\n').slice(-2).join(' ') || 'no output'}`);
    }
    await rename(tmpPdf, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 64_000) stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, stderr: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('Run one scenario in 2–6 lanes (profile / strategy, optional device parameters), each in its own worker, and report side by side.')
    .argument('<scenario>', 'a scenario file (YAML or JSON) or a preset name')
    .option('--lanes <list>', 'comma-separated lanes <profile>/<strategy>[<device>.<field>=<value>;…] (either name may be "default"), e.g. 6.12/none[vm0.blockSize=4M],6.12/mhp-merge')
    .option('--strategies <list>', `comma-separated merge strategies (${STRATEGY_NAMES.join(', ')}; default ${DEFAULT_STRATEGIES.join(',')})`)
    .option('--profiles <list>', `comma-separated kernel profiles (${PROFILE_NAMES.join(', ')}): one for all lanes, one per strategy, or with --cross every pair`)
    .option('--cross', 'lanes = every profile × every strategy')
    .option('--seed <n>', 'seed for every lane (default: the scenario\'s)')
    .option('--report <file.html>', 'write the HTML report (self-contained, inline SVG charts)')
    .option('--json <file.json>', 'write the full data as JSON (schema/report.schema.json)')
    .option('--csv <file.csv>', 'write per-step metrics as CSV')
    .option('--md <file.md>', 'write the Markdown summary')
    .option('--pdf <file.pdf>', 'print the HTML report to PDF with headless Chromium')
    .action(async (target: string, opts: CompareOptions) => {
      const r = await runCompare(target, opts);
      if (r.failedLanes > 0) process.exitCode = 1;
    });
}
