/**
 * One lab session: the protocol's commands applied to one loaded scenario and its run.
 *
 * The session owns what the protocol promises and the engine does not: snapshots, step records with
 * the worker's own wall-time measurements, iomem windows and search, pacing of continuous runs,
 * exports. It never renders the whole /proc/iomem while a run is streaming. Every failure leaves
 * as a `LabFailure` carrying a coded `LabError`; the worker entry turns it into a reply.
 */
import type { EngineDeviceState, EngineRun, LabEngine, LoadedScenario } from './engine-port.js';
import { fingerprint, LatencyHistogram, StepLog } from './step-log.js';
import { stepTitle, type LabDeviceState } from './engine/runner/step-record.js';
import { runDocument, runJsonText, stepsCsv, type RunDocument } from '../common/run-export/index.js';
import {
  PROFILE_NAMES,
  PROTOCOL_VERSION,
  STRATEGY_NAMES,
  labError,
  type CommandArgs,
  type CommandName,
  type CommandResult,
  type ErrorCode,
  type ExportData,
  type IomemWindow,
  type LabError,
  type LabEvent,
  type LogEntry,
  type ProfileName,
  type Progress,
  type RunSummaryPayload,
  type SearchResult,
  type Snapshot,
  type StepRecord,
  type StrategyName,
} from './protocol.js';

export class LabFailure extends Error {
  constructor(readonly error: LabError) {
    super(error.message);
  }
}

function fail(code: ErrorCode, message: string): never {
  throw new LabFailure(labError(code, message));
}

/** A scenario that failed validation: every problem with its path, after where it came from. */
function failInvalid(where: string, errors: readonly { path: string; message: string }[]): never {
  fail('SCENARIO_INVALID', `${where ? `${where}: ` : ''}${errors.length} problem(s):\n` + errors.map((e) => `  ${e.path}: ${e.message}`).join('\n'));
}

export interface SessionHooks {
  /** Wall clock in ms (performance.now in the worker). */
  now(): number;
  /** Pushes an event to whoever drives the worker. */
  emit(event: LabEvent): void;
  /** Up to this many /proc/iomem lines every idle snapshot carries the hash (default HASH_INLINE_LINES). */
  hashInlineLines?: number;
  /** Step records kept before the log thins itself (default STEP_LOG_CAP; an even number). */
  stepLogCap?: number;
}

/** How long one slice of a continuous run may hold the worker before it yields (ms). */
export const SLICE_MS = 40;
/** Minimum interval between pushed snapshots while running (ms): 10 Hz. */
export const SNAPSHOT_INTERVAL_MS = 100;
const SEARCH_CHUNK = 4096;
/**
 * Up to this many /proc/iomem lines an idle snapshot always carries the whole-text hash and the full
 * kdump verdict (a few ms at most). Above it they are computed only for snapshots that settle the
 * view (load, reset, pause, a manual change, the end of the run), never after each `step` command,
 * so a lane stepping through a 500k-line file does not re-read 28 MB per reply.
 */
export const HASH_INLINE_LINES = 20_000;

type Handlers = { [K in CommandName]: (args: CommandArgs<K>) => CommandResult<K> };
type RunOpts = { profile?: ProfileName; strategy?: StrategyName; seed?: number };

export class LabSession {
  private scenario: LoadedScenario | null = null;
  private sourceKind: 'preset' | 'file' | 'iomem' = 'preset';
  private opts: RunOpts = {};
  private run: EngineRun | null = null;
  private readonly records: StepLog;
  private readonly latency = new LatencyHistogram();
  private lastStep: StepRecord | null = null;
  private lastWallMs = 0;
  private totalWallMs = 0;
  private lastStepVisits = 0;
  private seq = 0;
  /** Bumps on every change of the machine (cache key for hash / depth index / kdump). */
  private version = 0;
  private running = false;
  private speed = 0;
  private credit = 0;
  private lastTickAt = 0;
  private lastSnapshotAt = -Infinity;
  private stepsSent = 0;
  private logSent = 0;
  private rateWindow: { t: number; step: number }[] = [];
  /** True from a load, reset, pause or manual change until the next step: snapshots then carry the hash. */
  private settled = true;
  private hashCache: { version: number; hash: string } | null = null;
  private kdumpCache: { version: number; verdict: Snapshot['kdump'] } | null = null;
  private depthCache: { version: number; maxDepth: number; lines: Int32Array } | null = null;

  constructor(
    private readonly engine: LabEngine | null,
    private readonly hooks: SessionHooks,
  ) {
    this.records = new StepLog(1024, hooks.stepLogCap);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Runs one command. Throws `LabFailure` for every expected failure. */
  handle<K extends CommandName>(command: K, args: CommandArgs<K>): CommandResult<K> {
    const fn = this.handlers[command] as (a: CommandArgs<K>) => CommandResult<K>;
    return fn(args);
  }

  private readonly handlers: Handlers = {
    hello: () => ({
      protocolVersion: PROTOCOL_VERSION,
      presets: this.engine ? this.engine.presets() : [],
      profiles: [...PROFILE_NAMES],
      strategies: [...STRATEGY_NAMES],
      devices: this.engine ? this.engine.deviceKinds() : [],
      engine: this.engine !== null,
    }),
    loadPreset: (a) => {
      const sc = this.needEngine().loadPreset(a.name);
      if (!sc) fail('NOT_FOUND', `no preset named ${JSON.stringify(a.name)}`);
      return this.load(sc, 'preset', a);
    },
    loadScenario: (a) => {
      const r = this.needEngine().loadScenarioText(a.text, { source: a.source, format: a.format });
      if (!r.ok) failInvalid(a.source ?? '', r.errors);
      return this.load(r.scenario, 'file', a);
    },
    loadLane: (a) => {
      const r = this.needEngine().loadLane(a.scenario, a.params ?? '');
      if (!r.ok) return r.code === 'SCENARIO_INVALID' ? failInvalid(r.where, r.errors) : fail(r.code, r.message);
      const snapshot = this.load(r.scenario, a.scenario.kind === 'preset' ? 'preset' : 'file', a);
      return { snapshot, scenario: r.definition };
    },
    importIomem: (a) => {
      const engine = this.needEngine();
      let blockSize: bigint | undefined;
      if (a.blockSize !== undefined) {
        const b = engine.parseSize(a.blockSize);
        if (b === null) fail('BAD_PAYLOAD', `importIomem: args.blockSize: not a size: ${JSON.stringify(a.blockSize)}`);
        blockSize = b;
      }
      const r = engine.loadIomem(a.text, { source: a.source, blockSize, onlinePolicy: a.onlinePolicy });
      if (!r.ok) fail('IOMEM_INVALID', r.error);
      return this.load(r.scenario, 'iomem', a);
    },
    configure: (a) => {
      const sc = this.needScenario();
      this.opts = { ...this.opts, ...definedOnly(a) };
      return this.load(sc, this.sourceKind, this.opts);
    },
    start: () => {
      const run = this.needRun();
      if (!run.done) {
        this.running = true;
        this.credit = 0;
        this.lastTickAt = this.hooks.now();
      }
      return this.snapshot();
    },
    pause: () => {
      this.needRun();
      this.running = false;
      this.settled = true;
      this.flush(true);
      return this.snapshot();
    },
    step: (a) => {
      this.needRun();
      this.running = false;
      this.advance(a.count ?? 1, Infinity);
      this.flush(true);
      return this.snapshot();
    },
    runTo: (a) => {
      const run = this.needRun();
      this.running = false;
      if (a.stepIndex < run.stepIndex) this.resetRun();
      this.advance(a.stepIndex - this.needRun().stepIndex, Infinity);
      this.flush(true);
      return this.snapshot();
    },
    reset: () => {
      this.needRun();
      this.resetRun();
      this.flush(true);
      return this.snapshot();
    },
    setSpeed: (a) => {
      this.speed = a.stepsPerSecond;
      this.credit = 0;
      return this.snapshot();
    },
    addDevice: (a) => {
      const r = this.timed(() => this.needRun().addDevice(a.spec));
      if (!r.ok) fail(r.payload ? 'BAD_PAYLOAD' : 'KERNEL_ERRNO', `addDevice: ${r.error}`);
      this.afterManualChange();
      return this.snapshot();
    },
    resizeDevice: (a) => {
      const run = this.needRun();
      const size = this.needEngine().parseSize(a.size);
      if (size === null) fail('BAD_PAYLOAD', `resizeDevice: args.size: not a size: ${JSON.stringify(a.size)}`);
      const err = this.timed(() => run.resizeDevice(a.device, size));
      if (err === null) fail('NOT_FOUND', `no device ${JSON.stringify(a.device)}`);
      this.afterManualChange();
      if (err !== 0) fail('KERNEL_ERRNO', `resize ${a.device} to ${a.size}: ${this.needEngine().errnoName(err)}`);
      return this.snapshot();
    },
    guestAction: (a) => {
      const run = this.needRun();
      const err = this.timed(() => run.guestWriteState(a.block, a.state));
      this.afterManualChange();
      if (err !== 0) {
        fail('KERNEL_ERRNO', `echo ${a.state} > /sys/devices/system/memory/memory${a.block}/state: ${this.needEngine().errnoName(err)}`);
      }
      return this.snapshot();
    },
    iomemWindow: (a) => this.window(a.from, a.count, a.maxDepth, a.user ?? false),
    iomemSearch: (a) => this.search(a.query, a.from, a.limit ?? 200),
    lsmem: (a) => ({ text: this.timed(() => this.needRun().lsmem(a.all ?? false)) }),
    // `since` counts step records from the run's start (thinned ones included), as before thinning.
    metrics: (a) => this.records.from(a.since, a.limit ?? 100_000),
    log: (a) => this.logEntries(a.since, a.limit ?? 10_000),
    summary: () => this.summary(),
    exportData: (a) => this.exportData(a.format),
  };

  // -------------------------------------------------------------------------------------------
  // Loading and running
  // -------------------------------------------------------------------------------------------

  private needEngine(): LabEngine {
    if (!this.engine) fail('ENGINE_UNAVAILABLE', 'this worker was built without the engine');
    return this.engine;
  }

  private needScenario(): LoadedScenario {
    if (!this.scenario) fail('NOT_LOADED', 'load a preset, a scenario file or a /proc/iomem dump first');
    return this.scenario;
  }

  private needRun(): EngineRun {
    if (!this.run) fail('NOT_LOADED', 'load a preset, a scenario file or a /proc/iomem dump first');
    return this.run;
  }

  private load(sc: LoadedScenario, kind: 'preset' | 'file' | 'iomem', opts: RunOpts): Snapshot {
    const next: RunOpts = definedOnly({ profile: opts.profile, strategy: opts.strategy, seed: opts.seed });
    const r = this.timed(() => sc.create({ ...next, now: this.hooks.now }));
    if (!r.ok) fail('SCENARIO_INVALID', r.error);
    this.scenario = sc;
    this.sourceKind = kind;
    this.opts = next;
    this.installRun(r.run);
    this.flush(true);
    return this.snapshot();
  }

  private resetRun(): void {
    const sc = this.needScenario();
    const r = this.timed(() => sc.create({ ...this.opts, now: this.hooks.now }));
    if (!r.ok) fail('SCENARIO_INVALID', r.error);
    this.installRun(r.run);
  }

  private installRun(run: EngineRun): void {
    this.run = run;
    this.running = false;
    this.records.clear();
    this.latency.clear();
    this.lastStep = null;
    this.lastWallMs = 0;
    this.totalWallMs = 0;
    this.lastStepVisits = 0;
    this.stepsSent = 0;
    this.logSent = 0;
    this.rateWindow = [];
    this.settled = true;
    this.version++;
  }

  /** Measures wall time around an engine call; an exception from the engine is a bug, reported as such. */
  private timed<T>(fn: () => T): T {
    const t0 = this.hooks.now();
    try {
      return fn();
    } catch (e) {
      if (e instanceof LabFailure) throw e;
      this.running = false;
      fail('ENGINE_FAILED', `engine failure: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    } finally {
      this.lastWallMs = this.hooks.now() - t0;
      this.totalWallMs += this.lastWallMs;
    }
  }

  /** Runs up to `count` steps, stopping early when the wall-time budget is spent. Returns steps run. */
  private advance(count: number, budgetMs: number): number {
    const run = this.needRun();
    const t0 = this.hooks.now();
    let n = 0;
    while (n < count && !run.done) {
      const m = this.timed(() => run.step());
      if (!m) break;
      n++;
      this.record(m);
      if (m.error) {
        this.running = false;
        this.version++;
        fail('ENGINE_FAILED', `step ${m.index} (${stepTitle(m)}): the engine stopped the run: ${m.error}`);
      }
      if (this.hooks.now() - t0 >= budgetMs) break;
    }
    if (run.done) this.running = false;
    if (n > 0) {
      this.version++;
      this.settled = false;
    }
    return n;
  }

  /** Keeps the engine's record of a step: whole as the last step, its counters in the step log. */
  private record(m: StepRecord): void {
    this.lastStep = m;
    this.lastStepVisits = m.visits;
    this.latency.add(m.wallMs);
    this.records.push(m);
  }

  private afterManualChange(): void {
    this.timed(() => this.needRun().settle());
    this.lastStep = null;
    this.settled = true;
    this.version++;
    this.flush(true);
  }

  /**
   * One slice of a continuous run (called by the worker's loop while `isRunning`): runs steps for
   * at most SLICE_MS (paced by the speed setting), pushes step records, log, progress, and a
   * snapshot at most every SNAPSHOT_INTERVAL_MS. Returns the delay before the next slice, or null
   * when the run stopped.
   */
  tick(): number | null {
    if (!this.running || !this.run) return null;
    const now = this.hooks.now();
    let allowed = Infinity;
    if (this.speed > 0) {
      this.credit = Math.min(this.credit + ((now - this.lastTickAt) * this.speed) / 1000, Math.max(1, this.speed));
      allowed = Math.floor(this.credit);
    }
    this.lastTickAt = now;
    try {
      const n = allowed > 0 ? this.advance(allowed, SLICE_MS) : 0;
      this.credit -= n;
    } catch (e) {
      this.running = false;
      this.flush(true);
      if (e instanceof LabFailure) this.hooks.emit({ type: 'error', error: e.error });
      return null;
    }
    this.flush(!this.running);
    if (!this.running) return null;
    if (this.speed <= 0) return 0;
    return Math.max(0, Math.min(SNAPSHOT_INTERVAL_MS, ((1 - this.credit) * 1000) / this.speed));
  }

  /** Pushes step records and log entries not sent yet, progress, and a snapshot when due (or forced). */
  private flush(force: boolean): void {
    // stepsSent is an ordinal: records thinned away before they were pushed are simply not sent.
    if (this.records.recorded > this.stepsSent) {
      this.hooks.emit({ type: 'steps', steps: this.records.from(this.stepsSent, this.records.cap) });
      this.stepsSent = this.records.recorded;
    }
    if (this.run && this.run.logLength() > this.logSent) {
      const entries = this.logEntries(this.logSent, 5000);
      this.logSent = entries.length > 0 ? entries[entries.length - 1]!.seq + 1 : this.run.logLength();
      if (entries.length > 0) this.hooks.emit({ type: 'log', entries });
    }
    const now = this.hooks.now();
    if (force || now - this.lastSnapshotAt >= SNAPSHOT_INTERVAL_MS) {
      this.lastSnapshotAt = now;
      this.hooks.emit({ type: 'progress', progress: this.progress() });
      this.hooks.emit({ type: 'snapshot', snapshot: this.snapshot() });
    }
  }

  private progress(): Progress {
    const run = this.run;
    const now = this.hooks.now();
    if (!run) return { stepIndex: 0, totalSteps: 0, running: false, done: false, rate: 0, etaMs: null };
    this.rateWindow.push({ t: now, step: run.stepIndex });
    while (this.rateWindow.length > 2 && now - this.rateWindow[0]!.t > 1000) this.rateWindow.shift();
    const first = this.rateWindow[0]!;
    const dt = now - first.t;
    const rate = this.running && dt > 0 ? ((run.stepIndex - first.step) * 1000) / dt : 0;
    const left = run.totalSteps - run.stepIndex;
    return {
      stepIndex: run.stepIndex,
      totalSteps: run.totalSteps,
      running: this.running,
      done: run.done,
      rate,
      etaMs: run.done ? 0 : rate > 0 ? (left / rate) * 1000 : null,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Views
  // -------------------------------------------------------------------------------------------

  snapshot(): Snapshot {
    const run = this.run;
    const sc = this.scenario;
    const seq = ++this.seq;
    const timings = {
      lastMs: this.lastWallMs,
      totalMs: this.totalWallMs,
      p50Ms: this.latency.quantile(0.5),
      p99Ms: this.latency.quantile(0.99),
      steps: this.latency.count,
    };
    if (!run || !sc) {
      return {
        seq, loaded: false, scenario: null, profile: null, strategy: null, seed: 0,
        step: { index: 0, total: 0, done: false, running: false, label: '' }, speed: this.speed, simTimeMs: 0,
        resources: { total: 0, topLevel: 0, systemRam: 0 }, iomem: { lines: 0, bytes: 0, hash: null },
        plugged: '0', requested: '0', blocks: { online: 0, offline: 0, size: '0' }, devices: [], kdump: null,
        visits: { total: 0, lastStep: 0 }, timings, changedLines: [],
      };
    }
    const stats = run.stats();
    const devices = run.devices();
    const requested = devices.reduce((acc, d) => acc + d.requested, 0n);
    return {
      seq,
      loaded: true,
      scenario: { name: sc.info.name, description: sc.info.description, source: this.sourceKind },
      profile: run.profile,
      strategy: run.strategy,
      seed: this.opts.seed ?? sc.seed,
      step: { index: run.stepIndex, total: run.totalSteps, done: run.done, running: this.running, label: this.lastStep ? stepTitle(this.lastStep) : '' },
      speed: this.speed,
      simTimeMs: run.simTimeMs(),
      resources: { ...stats.resources },
      iomem: { ...stats.iomem, hash: this.fullView(stats.iomem.lines) ? this.iomemHash() : null },
      plugged: stats.plugged.toString(),
      requested: requested.toString(),
      blocks: { ...stats.blocks, size: run.blockSize().toString() },
      devices: devices.map(plainDevice),
      kdump: this.kdump(stats.iomem.lines),
      visits: { total: stats.visits.total, lastStep: this.lastStepVisits },
      timings,
      changedLines: this.lastStep?.changedLines ?? [],
    };
  }

  /**
   * Whether this snapshot reads the whole /proc/iomem (hash, full kdump verdict): never while a run
   * streams; when idle, if the file is small, the view was settled (load, reset, pause, manual
   * change) or the run is over.
   */
  private fullView(lines: number): boolean {
    if (this.running || !this.run) return false;
    return this.settled || this.run.done || lines <= (this.hooks.hashInlineLines ?? HASH_INLINE_LINES);
  }

  private iomemHash(): string {
    if (this.hashCache?.version !== this.version) {
      this.hashCache = { version: this.version, hash: fingerprint(this.needRun().iomemText(false)) };
    }
    return this.hashCache.hash;
  }

  /** The full verdict (cached per machine version) when `fullView`, else the last step's own. */
  private kdump(lines: number): Snapshot['kdump'] {
    if (!this.fullView(lines) && this.lastStep) {
      const { ranges, cap, ok } = this.lastStep.kdump;
      return { ranges, cap, ok, missedBytes: null, headroomBlocks: null };
    }
    if (this.kdumpCache?.version !== this.version) this.kdumpCache = { version: this.version, verdict: this.needRun().kdump() };
    return this.kdumpCache.verdict;
  }

  /** Line numbers of /proc/iomem lines at depth ≤ maxDepth (depth from the indentation, capped at 10 as the kernel's). */
  private depthIndex(maxDepth: number): Int32Array {
    const c = this.depthCache;
    if (c && c.version === this.version && c.maxDepth === maxDepth) return c.lines;
    const run = this.needRun();
    const total = run.stats().iomem.lines;
    let out = new Int32Array(Math.min(total, 1024));
    let n = 0;
    for (let from = 0; from < total; from += SEARCH_CHUNK) {
      const lines = run.iomemLines(from, SEARCH_CHUNK, false);
      for (let i = 0; i < lines.length; i++) {
        if (depthOf(lines[i]!) > maxDepth) continue;
        if (n === out.length) {
          const next = new Int32Array(out.length * 2);
          next.set(out);
          out = next;
        }
        out[n++] = from + i;
      }
    }
    const lines = out.slice(0, n);
    this.depthCache = { version: this.version, maxDepth, lines };
    return lines;
  }

  private window(from: number, count: number, maxDepth: number | undefined, user: boolean): IomemWindow {
    const run = this.needRun();
    const changed = this.lastStep?.changedLines ?? [];
    if (maxDepth === undefined) {
      const total = run.stats().iomem.lines;
      const start = Math.min(from, total);
      const lines = count > 0 ? run.iomemLines(start, Math.min(count, total - start), user) : [];
      return { from: start, total, lines, depths: lines.map(depthOf), lineNos: lines.map((_, i) => start + i), changed };
    }
    const idx = this.depthIndex(maxDepth);
    const start = Math.min(from, idx.length);
    const end = Math.min(idx.length, start + count);
    const lines: string[] = [];
    const lineNos: number[] = [];
    // Neighbouring kept lines are usually consecutive in the file: fetch them in runs.
    for (let i = start; i < end; ) {
      let j = i + 1;
      while (j < end && idx[j] === idx[j - 1]! + 1) j++;
      const got = run.iomemLines(idx[i]!, j - i, user);
      for (let k = 0; k < got.length; k++) {
        lines.push(got[k]!);
        lineNos.push(idx[i]! + k);
      }
      i = j;
    }
    return { from: start, total: idx.length, lines, depths: lines.map(depthOf), lineNos, changed };
  }

  private search(query: string, from: number, limit: number): SearchResult {
    const run = this.needRun();
    const total = run.stats().iomem.lines;
    const needle = query.toLowerCase();
    const matches: number[] = [];
    for (let at = from; at < total; at += SEARCH_CHUNK) {
      const lines = run.iomemLines(at, SEARCH_CHUNK, false);
      for (let i = 0; i < lines.length; i++) {
        if (!lines[i]!.toLowerCase().includes(needle)) continue;
        if (matches.length === limit) return { matches, more: true };
        matches.push(at + i);
      }
    }
    return { matches, more: false };
  }

  /** Log entries from `since` on, each with its seq (entries the machine dropped are skipped). */
  private logEntries(since: number, limit: number): LogEntry[] {
    const run = this.needRun();
    const first = Math.max(since, run.logDropped());
    return run.log(since, limit).map((e, i) => ({ seq: first + i, t: e.t, source: e.source, level: e.level, message: e.message }));
  }

  /** The runner's own summary (one source of truth with `memhp run --json`). */
  private summary(): RunSummaryPayload {
    return this.needRun().summary();
  }

  /** The run document (`common/run-export`) of the run so far, with the step log's sampled steps. */
  private runDocument(run: EngineRun): RunDocument {
    return runDocument({
      scenario: run.scenario,
      environment: { runtime: 'lab worker', protocolVersion: PROTOCOL_VERSION },
      summary: this.summary(),
      boot: run.boot,
      devices: run.devices().map(plainDevice),
      stride: this.records.stride,
      steps: this.records.all(),
    });
  }

  private exportData(format: 'json' | 'csv' | 'iomem' | 'lsmem' | 'log' | 'scenario'): ExportData {
    const run = this.needRun();
    const sc = this.needScenario();
    const base = slug(sc.info.name) + (this.opts.strategy ? `-${this.opts.strategy}` : '');
    switch (format) {
      case 'iomem':
        return { filename: `${base}-iomem.txt`, mime: 'text/plain', text: run.iomemText(false) };
      case 'lsmem':
        return { filename: `${base}-lsmem.txt`, mime: 'text/plain', text: run.lsmem(false) };
      case 'log': {
        // The machine keeps only its last entries (a ring, like printk's): say so when some went.
        const dropped = run.logDropped();
        const head = dropped > 0 ? `# ${dropped} earlier entries were dropped (the machine keeps the last ones only)\n` : '';
        return {
          filename: `${base}-log.txt`,
          mime: 'text/plain',
          text: head + run.log(0).map((e) => `[${(e.t / 1000).toFixed(6).padStart(12)}] ${e.level.padEnd(5)} ${e.source}: ${e.message}\n`).join(''),
        };
      }
      case 'scenario':
        return { filename: `${slug(sc.info.name)}.yaml`, mime: 'text/yaml', text: sc.text };
      case 'csv':
        return { filename: `${base}-steps.csv`, mime: 'text/csv', text: stepsCsv(this.records.all(), this.records.stride) };
      case 'json':
        return { filename: `${base}.json`, mime: 'application/json', text: runJsonText(this.runDocument(run)) };
    }
  }
}

/** Tree depth of a rendered /proc/iomem line: two spaces per level. */
export function depthOf(line: string): number {
  let i = 0;
  while (line.charCodeAt(i) === 32) i++;
  return i >> 1;
}

/** A device's state with its sizes as decimal strings (as snapshots and exports carry it). */
function plainDevice(d: EngineDeviceState): LabDeviceState {
  return { id: d.id, kind: d.kind, plugged: d.plugged.toString(), requested: d.requested.toString(), details: d.details };
}

function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '') || 'lab';
}
