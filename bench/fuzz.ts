/**
 * `npm run fuzz` (node --expose-gc out/bench/fuzz.js): the long reliability runs.
 *   1. every input parser fuzzed with FUZZ_RUNS (100,000) generated inputs: /proc/iomem import,
 *      scenario files, JSON reports, the protocol validators, Electron main's IPC handlers (the
 *      built main with electron faked), the built worker entry;
 *   2. model-based testing of the resource tree: FUZZ_MODEL_OPS (1,000,000) random operations
 *      against the list model;
 *   3. a soak of FUZZ_SOAK_OPS (1,000,000) plug/unplug operations with the heap ratio
 *      (after 10^6) / (after 10^5), which must stay ≤ 1.2;
 *   4. the input limits, each hit once with an input just past it.
 * Prints one table; exits 1 on any crash, violation, model disagreement, limit miss or heap growth.
 *   3b. the same soak through the scenario runner: FUZZ_RUNNER_STEPS (1,000,000) seeded random
 *      virtio-mem resizes on the Machine, same heap rule;
 * FUZZ_RUNNER_CLEAR_LOG=1 empties the machine log during the runner soak (to see what else grows).
 * FUZZ_SEED changes the seed; FUZZ_ONLY=parsers,ipc,worker,model,soak,runner,limits picks sections.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import Worker from 'web-worker';
import { fuzzTarget, fuzzTargetAsync, formatCounts, formatFindings, type FuzzCounts, type FuzzTarget } from './fuzz/harness.js';
import { hostProtocolTarget, iomemTarget, protocolTarget, replayTarget, reportTarget, runnerTarget, scenarioTarget, traceTarget } from './fuzz/targets.js';
import { installFakes } from './fuzz/electron-fake.js';
import { registerFakeModules } from './fuzz/hooks.js';
import { ipcTarget } from './fuzz/ipc.js';
import { WorkerDriver, workerTarget } from './fuzz/worker-entry.js';
import { OP_NAMES, prng, runModel } from './fuzz/model-run.js';
import { heapNow, soakResourceTree } from './fuzz/soak.js';
import { soakRunner } from './fuzz/runner-soak.js';
import { LIMIT_CASES, runLimitCase } from './fuzz/limits.js';
import { repoRoot } from './fuzz/corpus.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 100_000);
const MODEL_OPS = Number(process.env['FUZZ_MODEL_OPS'] ?? 1_000_000);
const SOAK_OPS = Number(process.env['FUZZ_SOAK_OPS'] ?? 1_000_000);
const RUNNER_STEPS = Number(process.env['FUZZ_RUNNER_STEPS'] ?? 1_000_000);
const SEED = Number(process.env['FUZZ_SEED'] ?? 20260726);
const ONLY = new Set((process.env['FUZZ_ONLY'] ?? 'parsers,ipc,worker,model,soak,runner,limits').split(','));
const HEAP_RATIO_LIMIT = 1.2;

const failures: string[] = [];
const table: FuzzCounts[] = [];

function progress(name: string): (n: number) => void {
  return (n) => {
    if (process.stderr.isTTY) process.stderr.write(`\r  ${name}: ${n} inputs…`);
  };
}

function record(c: FuzzCounts): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  table.push(c);
  console.log(formatCounts(c));
  if (c.crashed + c.violations > 0) {
    console.log(formatFindings(c));
    failures.push(`${c.name}: ${c.crashed} crashed, ${c.violations} violations`);
  }
}

/** YAML's loader warns through process.emitWarning for odd keys; keep the table readable, count them. */
function quietWarnings<T>(fn: () => T): [T, number] {
  const orig = process.emitWarning;
  let n = 0;
  process.emitWarning = (() => void n++) as typeof process.emitWarning;
  try {
    return [fn(), n];
  } finally {
    process.emitWarning = orig;
  }
}

function parsers(): void {
  console.log(`\n== parsers: ${RUNS} generated inputs each (seed ${SEED})`);
  const targets: [FuzzTarget<never>, number][] = [
    [iomemTarget() as FuzzTarget<never>, RUNS],
    [traceTarget() as FuzzTarget<never>, RUNS],
    // A replay runs a whole machine: a fifth of the inputs keeps the section near half a minute.
    [replayTarget() as FuzzTarget<never>, Math.ceil(RUNS / 5)],
    [scenarioTarget({ strict: true }) as FuzzTarget<never>, RUNS],
    // Each accepted scenario boots a machine and runs 40 steps: a twentieth of the inputs.
    [runnerTarget() as FuzzTarget<never>, Math.ceil(RUNS / 20)],
    [reportTarget() as FuzzTarget<never>, RUNS],
    [protocolTarget('structured') as FuzzTarget<never>, RUNS],
    [hostProtocolTarget('structured') as FuzzTarget<never>, RUNS],
    [protocolTarget('any') as FuzzTarget<never>, RUNS],
    [hostProtocolTarget('any') as FuzzTarget<never>, RUNS],
  ];
  for (const [t, runs] of targets) {
    const [c, warnings] = quietWarnings(() => fuzzTarget(t, runs, SEED, progress(t.name)));
    record(c);
    if (warnings > 0) console.log(`  (${warnings} process warnings from the YAML loader were silenced)`);
  }
}

async function ipc(): Promise<void> {
  console.log(`\n== Electron main's IPC handlers (out/main/index.js, electron and web-worker faked): ${RUNS} messages`);
  const mainFile = path.join(repoRoot(), 'out/main/index.js');
  if (!existsSync(mainFile)) {
    failures.push('ipc: out/main/index.js is not built');
    return;
  }
  const mainUrl = pathToFileURL(mainFile).href;
  const state = installFakes();
  registerFakeModules(mainUrl);
  const mod = (await import(/* @vite-ignore */ mainUrl)) as { startMain(url: string): Promise<unknown> };
  await mod.startMain(mainUrl);
  const win = state.windows[0];
  if (!win) {
    failures.push('ipc: startMain created no window');
    return;
  }
  record(await fuzzTargetAsync(ipcTarget(state, win), RUNS, SEED, progress('ipc')));
}

async function workerEntry(): Promise<void> {
  console.log(`\n== worker entry (out/main/lab.worker.js through web-worker): ${RUNS} raw messages`);
  const file = path.join(repoRoot(), 'out/main/lab.worker.js');
  if (!existsSync(file)) {
    failures.push('worker: out/main/lab.worker.js is not built');
    return;
  }
  const driver = new WorkerDriver(Worker as never, pathToFileURL(file));
  await driver.ready;
  try {
    record(await fuzzTargetAsync(workerTarget(driver), RUNS, SEED, progress('worker')));
  } finally {
    driver.terminate();
  }
}

function model(): void {
  console.log(`\n== model-based: ResourceTree vs the list model, ${MODEL_OPS} random operations`);
  const t0 = performance.now();
  const r = runModel(prng(SEED), MODEL_OPS);
  const s = (performance.now() - t0) / 1000;
  console.log(`  ${r.ops} operations (${r.succeeded} changed the tree), largest tree ${r.maxNodes} nodes, ${s.toFixed(1)} s, ${Math.round(r.ops / s)}/s`);
  console.log(`  ${OP_NAMES.map((n, i) => `${n} ${r.opCounts[i]}`).join(', ')}`);
  if (r.failure) {
    console.log(`  DISAGREEMENT after ${r.ops} operations: ${r.failure}`);
    failures.push(`model: disagreement after ${r.ops} operations`);
  } else console.log('  engine and model agreed after every operation');
}

function soak(): void {
  console.log(`\n== soak: ${SOAK_OPS} plug/unplug operations on one tree`);
  const first = Math.min(100_000, Math.floor(SOAK_OPS / 10));
  const sampleAt = [first, Math.floor(SOAK_OPS / 2), SOAK_OPS];
  const base = heapNow();
  const t0 = performance.now();
  const r = soakResourceTree(prng(SEED ^ 0x5a5a), SOAK_OPS, sampleAt);
  const s = (performance.now() - t0) / 1000;
  for (const x of r.samples) console.log(`  after ${String(x.ops).padStart(8)} ops: heap ${(x.heapBytes / 1048576).toFixed(2)} MiB (+${((x.heapBytes - base) / 1048576).toFixed(2)} over the start), tree ${x.nodes} nodes, storage ${(x.storageBytes / 1024).toFixed(0)} KiB`);
  const ratio = r.samples.at(-1)!.heapBytes / r.samples[0]!.heapBytes;
  console.log(`  ${r.plugs} plugs, ${r.unplugs} unplugs, largest tree ${r.maxNodes} nodes, ${s.toFixed(1)} s`);
  console.log(`  heap ratio (after ${SOAK_OPS}) / (after ${first}) = ${ratio.toFixed(3)} (limit ${HEAP_RATIO_LIMIT})${(globalThis as { gc?: unknown }).gc ? '' : ' — run with --expose-gc for exact figures'}`);
  if (ratio > HEAP_RATIO_LIMIT) failures.push(`soak: heap grew ${ratio.toFixed(3)}×`);
  summary.heapRatio = ratio;
}

function runnerSoak(): void {
  console.log(`\n== soak through the runner: ${RUNNER_STEPS} seeded random virtio-mem resizes (0–2 GiB, 128 MiB steps) on one Machine`);
  const first = Math.min(100_000, Math.floor(RUNNER_STEPS / 10));
  const sampleAt = [first, Math.floor(RUNNER_STEPS / 2), RUNNER_STEPS];
  const clearLog = process.env['FUZZ_RUNNER_CLEAR_LOG'] === '1';
  if (clearLog) console.log('  (diagnosis: the machine log is emptied whenever it passes 10,000 entries)');
  const r = soakRunner(RUNNER_STEPS, sampleAt, SEED, clearLog);
  for (const x of r.samples) console.log(`  after ${String(x.ops).padStart(8)} steps: heap ${(x.heapBytes / 1048576).toFixed(2)} MiB, tree ${x.nodes} nodes, machine log ${x.logEntries} entries`);
  console.log(`  ${r.steps} steps in ${r.seconds.toFixed(1)} s (${Math.round(r.steps / Math.max(r.seconds, 1e-9))}/s)`);
  if (r.error || r.samples.length < 2) {
    failures.push(`runner soak: ${r.error ?? 'too few samples'}`);
    console.log(`  FAILED: ${r.error ?? 'too few samples'}`);
    return;
  }
  const ratio = r.samples.at(-1)!.heapBytes / r.samples[0]!.heapBytes;
  console.log(`  heap ratio (after ${r.samples.at(-1)!.ops}) / (after ${r.samples[0]!.ops}) = ${ratio.toFixed(3)} (limit ${HEAP_RATIO_LIMIT})`);
  if (ratio > HEAP_RATIO_LIMIT) failures.push(`runner soak: heap grew ${ratio.toFixed(3)}× (machine log ${r.samples[0]!.logEntries} → ${r.samples.at(-1)!.logEntries} entries)`);
  summary.runnerHeapRatio = ratio;
}

async function limits(): Promise<void> {
  console.log('\n== input limits: each hit once, just past the limit');
  for (const c of LIMIT_CASES) {
    const r = await runLimitCase(c, { heavy: true });
    const line = `  ${r.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(48)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${r.detail}`;
    console.log(line);
    if (!r.ok) failures.push(`limit: ${c.name}: ${r.detail}`);
  }
}

const summary: { heapRatio?: number; runnerHeapRatio?: number } = {};

async function main(): Promise<void> {
  const t0 = performance.now();
  if (ONLY.has('parsers')) parsers();
  if (ONLY.has('ipc')) await ipc();
  if (ONLY.has('worker')) await workerEntry();
  if (ONLY.has('model')) model();
  if (ONLY.has('soak')) soak();
  if (ONLY.has('runner')) runnerSoak();
  if (ONLY.has('limits')) await limits();
  const inputs = table.reduce((a, c) => a + c.runs, 0);
  const crashed = table.reduce((a, c) => a + c.crashed, 0);
  const violations = table.reduce((a, c) => a + c.violations, 0);
  console.log(`\n== summary (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  for (const c of table) console.log(formatCounts(c));
  console.log(
    `fuzz: inputs=${inputs} crashed=${crashed} violations=${violations} model-ops=${ONLY.has('model') ? MODEL_OPS : 0} heap-ratio=${summary.heapRatio?.toFixed(3) ?? 'n/a'} runner-heap-ratio=${summary.runnerHeapRatio?.toFixed(3) ?? 'n/a'} failures=${failures.length}`,
  );
  for (const f of failures) console.log(`  FAILED ${f}`);
  process.exit(failures.length > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(`fuzz: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(2);
});
