/**
 * The seeded scenario runner: builds a `Machine` from a scenario, then runs its timeline one step
 * at a time (repeats and soaks expanded lazily). Pausing, resuming and running to the end are
 * the caller's: it calls `step()` until `done`. Time is the machine's SimClock; randomness (soak
 * steps) is a SeededRng seeded from the scenario, so a scenario and its seed reproduce a run
 * exactly. Wall time is measured only through the `now` function the caller injects (the worker
 * passes `performance.now`); without it every wall figure is 0.
 *
 * After a host request or guest action the runner lets the machine settle and, like the oracle's
 * recorder, lets simulated time pass (firing the drivers' timers) until every device has what the
 * host asked for or `stepTimeout` (default 60 s) has passed; a step that does not converge is
 * recorded as `timeout …`, not as a failure of the run. Steps start `stepInterval` (default 1 s)
 * of simulated time apart, so the log's timestamps and the drivers' timers move on between them.
 *
 * Per step it records counts that are O(1) or O(log n) to get from the tree (resources, /proc/iomem
 * lines and bytes, blocks, plugged bytes, visits, and the "System RAM" line count), the devices' states, the kdump verdict (O(lines); past
 * KDUMP_LINES_PER_STEP lines it is computed only at the last step, see `kdump`) and, while the
 * file is small, the lines the step changed.
 */
import { Machine, type LogEntry } from '../machine/machine.js';
import type { Device } from '../drivers/device.js';
import { BUILTIN_DRIVERS, type DriverRegistry } from '../drivers/index.js';
import type { AnyDriver, HostEnv, HostOutcome } from '../drivers/driver.js';
import { iomemEntries, iomemStats, type IomemEntry } from '../kernel/iomem.js';
import { E2BIG, EBUSY, EEXIST, EINVAL, ENOMEM, ENOSPC, errnoName } from '../errno.js';
import { formatSize } from '../sizes.js';
import { SeededRng } from '../rng.js';
import { bootMapIomem } from '../machine/boot-maps.js';
import { DEFAULT_PROFILE } from '../names.js';
import { formatIssue, normalizeScenario, parseBlocks } from '../scenario/normalize.js';
import { TimelineCursor, describeStep } from '../scenario/timeline.js';
import type { TimelineLeaf } from '../scenario/timeline.js';
import { kdumpSettings, kdumpVerdict } from '../userspace/kdump.js';
import type { KdumpVerdict } from '../userspace/kdump.js';
import type { LabDeviceState, StepRecord } from './step-record.js';
import type { KdumpSettings } from '../userspace/kexec.js';
import { DEFAULT_STEP_INTERVAL_MS, DEFAULT_STEP_TIMEOUT_MS } from '../scenario/scenario.js';
import type { AddMemoryErrno, DeviceDecl, FaultHostStep, ProfileName, Scenario, Step, StepOp, StrategyName } from '../scenario/scenario.js';

/** Above this many /proc/iomem lines the kdump verdict is computed at the last step only. */
export const KDUMP_LINES_PER_STEP = 100_000;
/** Up to this many /proc/iomem lines each step reports the lines it changed (`changedLines`). */
export const CHANGED_LINES_LIMIT = 20_000;

/** Declared with the step record it is part of; re-exported for the runner's other readers. */
export type { LabDeviceState };

export interface RunSummary {
  scenario: string;
  profile: ProfileName;
  strategy: StrategyName;
  seed: number;
  steps: number;
  totalSteps: number;
  done: boolean;
  simTimeMs: number;
  /** The last step's counters (the same fields as its StepRecord). */
  resources: StepRecord['resources'];
  iomem: StepRecord['iomem'];
  kdump: { ranges: number; cap: number; ok: boolean; missedBytes: string; headroomBlocks: number | null; messages: string[] };
  /** Visits of all steps (boot and device probing excluded). */
  visits: { total: number };
  /** Wall time of all steps, from the injected timer: differs from run to run. */
  wallMs: number;
  plugged: StepRecord['plugged'];
  requested: StepRecord['requested'];
  blocks: StepRecord['blocks'];
  /** Largest values seen at the end of any step. */
  peak: { resources: number; systemRam: number; iomemLines: number };
  /** Steps that did not converge within stepTimeout, or that the host/guest refused in part. */
  timeouts: number;
  rejected: number;
  /** The engine error that stopped the run, if any. */
  error?: string;
}

export interface RunnerOptions {
  strategy?: StrategyName;
  profile?: ProfileName;
  seed?: number;
  /** Wall-clock milliseconds (e.g. performance.now); the engine never reads a clock itself. */
  now?: () => number;
  /** The device kinds the scenario may declare; default the built-in ones (BUILTIN_DRIVERS). */
  drivers?: DriverRegistry;
}

export type RunnerCreateResult = { ok: true; runner: Runner } | { ok: false; error: string };

const ERRNO: Record<AddMemoryErrno, number> = { ENOMEM, EBUSY, EEXIST, EINVAL, E2BIG, ENOSPC };

export class Runner {
  readonly machine: Machine;
  readonly scenario: Scenario;
  readonly profile: ProfileName;
  readonly strategy: StrategyName;
  readonly seed: number;
  readonly totalSteps: number;
  /** The machine after boot and device probing, before step 1. */
  readonly initial: StepRecord;
  private readonly cursor: TimelineCursor;
  private readonly rng: SeededRng;
  private readonly now: () => number;
  private readonly stepTimeout: number;
  private readonly stepInterval: number;
  /** Simulated time the previous step started at (boot: 0). */
  private prevStart = 0;
  private readonly decls: Map<string, DeviceDecl>;
  private readonly kdumpCfg: KdumpSettings;
  private readonly keptOffline = new Set<number>();
  private readonly hostFaulted = new Set<string>();
  /** Each device's host-side state (its driver's `host.init`), by id, made on first use. */
  private readonly hostStates = new Map<string, unknown>();
  private lastKdump: KdumpVerdict;
  /** /proc/iomem lines after the previous step, while few enough to compare (see CHANGED_LINES_LIMIT). */
  private prevLines: IomemEntry[] | null = null;
  private last: StepRecord;
  private executed = 0;
  private halted: string | undefined;
  private wallTotal = 0;
  private visitTotal = 0;
  private timeouts = 0;
  private rejected = 0;
  private peak = { resources: 0, systemRam: 0, iomemLines: 0 };

  private constructor(machine: Machine, scenario: Scenario, profile: ProfileName, seed: number, opts: RunnerOptions, total: number) {
    this.machine = machine;
    this.scenario = scenario;
    this.profile = profile;
    this.strategy = machine.strategy;
    this.seed = seed;
    this.totalSteps = total;
    this.cursor = new TimelineCursor(scenario.timeline);
    this.rng = new SeededRng(seed);
    this.now = opts.now ?? (() => 0);
    this.stepTimeout = scenario.stepTimeout ?? DEFAULT_STEP_TIMEOUT_MS;
    this.stepInterval = scenario.stepInterval ?? DEFAULT_STEP_INTERVAL_MS;
    this.prevStart = machine.clock.now;
    this.decls = new Map(scenario.devices.map((d) => [d.id, d]));
    this.kdumpCfg = kdumpSettings(scenario.machine.kdump, machine.tree, machine.profile.resource.walkScope, machine.blocks.blockSize);
    this.lastKdump = kdumpVerdict(machine.tree, this.kdumpCfg);
    this.initial = this.measure(0, 'boot', 'boot', 'ok', 0, 0, true);
    this.last = this.initial;
  }

  /**
   * Validates the scenario, boots its machine, attaches its devices and lets them probe. Bad input
   * gives `{ ok: false, error }` naming what is wrong; never throws.
   */
  static create(scenario: Scenario, opts: RunnerOptions = {}): RunnerCreateResult {
    try {
      return Runner.build(scenario, opts);
    } catch (e) {
      return { ok: false, error: `engine error while starting the scenario: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  private static build(input: Scenario, opts: RunnerOptions): RunnerCreateResult {
    const drivers = opts.drivers ?? BUILTIN_DRIVERS;
    const norm = normalizeScenario(input, drivers);
    if (!norm.ok) return { ok: false, error: norm.errors.map(formatIssue).join('\n') };
    const s = norm.scenario;
    const profile = opts.profile ?? s.profile ?? DEFAULT_PROFILE;
    const seed = opts.seed ?? s.seed;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) return { ok: false, error: `seed: must be an integer from 0 to 4294967295, got ${seed}` };
    const boot = s.machine.boot;
    const bootIomem = 'map' in boot
      ? bootMapIomem(boot.map, { maxmem: boot.maxmem !== undefined ? BigInt(boot.maxmem) : undefined, slots: boot.slots })
      : boot.iomem;
    const mc = Machine.create({
      bootIomem,
      physBits: s.machine.physBits,
      blockSize: BigInt(s.machine.blockSize),
      onlinePolicy: s.machine.onlinePolicy,
      profile,
      strategy: opts.strategy ?? s.strategy,
      bootBlocks: s.machine.bootBlocks,
      drivers,
    });
    if (!mc.ok) return { ok: false, error: `machine: ${mc.error}` };
    const machine = mc.machine;
    for (const [i, d] of s.devices.entries()) {
      const driver = drivers.get(d.kind)!;
      if (driver.present && !driver.present(d)) continue;
      const r = machine.addDevice(driver.toSpec(d));
      if (!r.ok) return { ok: false, error: `devices[${i}] (${d.id}): ${r.error}` };
    }
    const total = countSteps(s.timeline);
    const runner = new Runner(machine, s, profile, seed, opts, total);
    return { ok: true, runner };
  }

  /** Steps executed so far. */
  get stepIndex(): number {
    return this.executed;
  }

  get done(): boolean {
    return this.halted !== undefined || this.executed >= this.totalSteps;
  }

  /** Runs the next timeline step and returns its metrics; null when the run is over. */
  step(): StepRecord | null {
    if (this.done) return null;
    const leaf = this.cursor.next();
    if (!leaf) {
      this.halted = this.halted ?? '';
      return null;
    }
    const t0 = this.now();
    const v0 = this.machine.tree.totalVisits;
    let outcome: Outcome;
    let error: string | undefined;
    try {
      this.pace();
      this.machine.addLog('lab', 'info', `step ${this.executed + 1}: ${describeStep(leaf.step, leaf.iteration)}`);
      outcome = this.exec(leaf);
    } catch (e) {
      error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      outcome = { result: `error: ${error}` };
      this.halted = error;
      this.machine.addLog('lab', 'error', `the engine stopped the run: ${error}`);
    }
    const wall = this.now() - t0;
    this.executed++;
    if (outcome.result.startsWith('timeout')) this.timeouts++;
    if (outcome.result.startsWith('rejected') || outcome.result.startsWith('partial')) this.rejected++;
    const label = describeStep(leaf.step, leaf.iteration, outcome.drawn);
    const m = this.measure(this.executed, label, leaf.step.op, outcome.result, wall, this.machine.tree.totalVisits - v0, this.done);
    if (error !== undefined) m.error = error;
    this.wallTotal += wall;
    this.visitTotal += m.visits;
    this.last = m;
    return m;
  }

  /**
   * Lets simulated time pass until this step is due: `stepInterval` after the previous step
   * started (after boot for the first). The machine's clock moves and the drivers' timers fire on
   * the way; a step that already took longer than the interval starts the next one at once.
   */
  private pace(): void {
    const due = this.prevStart + this.stepInterval;
    const now = this.machine.clock.now;
    if (due > now) this.machine.advance(due - now);
    this.prevStart = this.machine.clock.now;
  }

  /**
   * The dmesg-like log from entry `sinceIndex` (numbered from boot) on; entries the machine already
   * dropped are skipped (the first returned is then `machine.log.dropped`).
   */
  events(sinceIndex = 0): LogEntry[] {
    return this.machine.log.since(Math.max(0, sinceIndex));
  }

  summary(): RunSummary {
    const l = this.last;
    const k = this.lastKdump;
    const sum: RunSummary = {
      scenario: this.scenario.name,
      profile: this.profile,
      strategy: this.strategy,
      seed: this.seed,
      steps: this.executed,
      totalSteps: this.totalSteps,
      done: this.done,
      simTimeMs: this.machine.clock.now,
      resources: { ...l.resources },
      iomem: { ...l.iomem },
      kdump: { ranges: k.ranges, cap: k.cap, ok: k.ok, missedBytes: k.missedBytes, headroomBlocks: k.headroomBlocks, messages: [...k.messages] },
      visits: { total: this.visitTotal },
      wallMs: this.wallTotal,
      plugged: l.plugged,
      requested: l.requested,
      blocks: { ...l.blocks },
      peak: { ...this.peak },
      timeouts: this.timeouts,
      rejected: this.rejected,
    };
    if (this.halted) sum.error = this.halted;
    return sum;
  }

  // ------------------------------------------------------------------------------- steps

  private exec(leaf: TimelineLeaf): Outcome {
    const s = leaf.step;
    switch (s.op) {
      case 'resize':
      case 'hv-hot-add':
      case 'xen-target':
      case 'dimm-add':
      case 'dimm-remove':
        return this.hostOp(s);
      case 'online':
      case 'offline':
        return this.guestWrite(s.blocks, s.op === 'online' ? s.type : 'offline');
      case 'fault-unmovable': {
        const bytes = s.size !== undefined ? BigInt(s.size) : this.machine.blocks.blockSize;
        this.forBlocks(s.blocks, (b) => this.machine.faults.setUnmovable(b, bytes));
        return this.converge();
      }
      case 'fault-add-memory':
        this.machine.faults.failAddMemory({ err: ERRNO[s.error], count: s.count });
        return { result: 'ok' };
      case 'fault-host':
        return this.hostFault(s);
      case 'fault-keep-offline':
        this.forBlocks(s.blocks, (b) => {
          this.machine.faults.setKeepOffline(b, true);
          this.keptOffline.add(b);
        });
        return this.converge();
      case 'fault-clear':
        this.clearFaults(s.fault);
        return this.converge();
      case 'wait':
        this.machine.advance(s.duration);
        return { result: 'ok' };
      case 'mark':
        this.machine.settle();
        return { result: 'ok' };
      case 'soak':
        return this.soak(s, leaf.iteration ?? 0);
    }
  }

  private device(id: string): Device | undefined {
    return this.machine.device(id);
  }

  /** The driver of device `id`: its declaration's kind, else the attached device's (one added from the UI). */
  private driverOf(id: string): AnyDriver | undefined {
    const kind = this.decls.get(id)?.kind ?? this.device(id)?.kind;
    return kind === undefined ? undefined : this.machine.drivers.get(kind);
  }

  /** What the host side of device `id`'s driver gets: the device, its declaration, its host state. */
  private hostEnv(id: string, driver: AnyDriver): HostEnv<DeviceDecl, Device, unknown> {
    const decl = this.decls.get(id);
    if (!this.hostStates.has(id)) this.hostStates.set(id, driver.host.init(decl));
    const device = this.device(id);
    return {
      id,
      device: device?.kind === driver.kind ? device : undefined,
      decl,
      state: this.hostStates.get(id),
      faults: this.machine.faults,
      converge: () => this.converge(),
      attach: () => {
        if (!decl) return `no declaration of ${id}`;
        const r = this.machine.addDevice(driver.toSpec(decl));
        return r.ok ? null : r.error;
      },
    };
  }

  /** A host step of the timeline (resize, hv-hot-add, xen-target, dimm-add, …), played by the device's driver. */
  private hostOp(s: Extract<Step, { device: string }>): Outcome {
    const driver = this.driverOf(s.device);
    const play = driver?.host.ops[s.op];
    if (!driver || !play) return { result: `rejected: no device ${s.device}` };
    return play(this.hostEnv(s.device, driver), s);
  }

  /**
   * A host request from outside the timeline (the app's resize control): device `id` should now
   * provide `size` bytes, counted as its `requested` figure. Its driver's host plays it (virtio-mem
   * a new requested-size, a DIMM an eject at 0, the Xen target by the difference, Hyper-V balloon /
   * unballoon / hot-add). 0, -errno, or null for no such device.
   */
  hostResize(id: string, size: bigint): number | null {
    const d = this.device(id);
    if (!d) return null;
    if (typeof size !== 'bigint' || size < 0n) return EINVAL;
    const driver = this.machine.drivers.get(d.kind);
    return driver ? driver.host.resize(this.hostEnv(id, driver), size) : EINVAL;
  }

  /** Guest: echo <value> > memoryN/state for every named block. */
  private guestWrite(blocks: readonly string[], value: string): Outcome {
    const failed = new Map<number, number>();
    let total = 0;
    this.forBlocks(blocks, (b) => {
      total++;
      const rc = this.machine.guestWriteState(b, value);
      if (rc < 0) failed.set(rc, (failed.get(rc) ?? 0) + 1);
    });
    const out = this.converge();
    if (failed.size === 0) return out;
    const n = [...failed.values()].reduce((a, b) => a + b, 0);
    const why = [...failed.entries()].map(([rc, c]) => `${errnoName(rc)} ×${c}`).join(', ');
    return { result: `partial: ${n} of ${total} writes failed (${why})${out.result === 'ok' ? '' : `; ${out.result}`}` };
  }

  /** A host fault, in the way the device's host protocol can go wrong (its driver's `host.faults`). */
  private hostFault(s: FaultHostStep): Outcome {
    const id = s.device;
    const d = this.device(id);
    if (!d) return { result: `rejected: no device ${id}` };
    const driver = this.machine.drivers.get(d.kind);
    const rc = driver?.host.fault ? driver.host.fault(this.hostEnv(id, driver), s) : EINVAL;
    if (rc < 0) return { result: `rejected: ${d.kind} ${id} has no host fault ${s.response} (${errnoName(rc)})` };
    this.hostFaulted.add(id);
    return this.converge();
  }

  /** Puts the host of a faulted device back to normal. */
  private clearHostFault(id: string): void {
    const driver = this.driverOf(id);
    if (driver?.host.clearFault) driver.host.clearFault(this.hostEnv(id, driver));
  }

  private clearFaults(kind: 'all' | 'unmovable' | 'add-memory' | 'host' | 'keep-offline'): void {
    const f = this.machine.faults;
    if (kind === 'all' || kind === 'unmovable') for (const { block } of f.unmovableBlocks()) f.setUnmovable(block, 0n);
    if (kind === 'all' || kind === 'keep-offline') {
      for (const b of this.keptOffline) f.setKeepOffline(b, false);
      this.keptOffline.clear();
    }
    if (kind === 'all' || kind === 'add-memory') f.clearAddMemoryFailures();
    if (kind === 'all' || kind === 'host') {
      for (const id of this.hostFaulted) this.clearHostFault(id);
      this.hostFaulted.clear();
    }
  }

  /** One random soak request: a size in [min, max], a multiple of granularity. */
  private soak(s: Extract<Step, { op: 'soak' }>, _iteration: number): Outcome {
    const min = BigInt(s.min);
    const gran = BigInt(s.granularity);
    const choices = Number((BigInt(s.max) - min) / gran);
    const size = min + gran * BigInt(this.rng.int(0, choices));
    const drawn = formatSize(size);
    const driver = this.driverOf(s.device);
    if (!driver?.host.soak) return { result: `rejected: no device ${s.device}`, drawn };
    return { ...driver.host.soak(this.hostEnv(s.device, driver), size), drawn };
  }

  private forBlocks(blocks: readonly string[], fn: (b: number) => void): void {
    const ranges = parseBlocks(blocks);
    if (typeof ranges === 'string') return;
    for (const r of ranges) for (let b = r.first; b <= r.last; b += r.stride) fn(b);
  }

  /**
   * Settles the machine and lets simulated time pass, timer by timer, until every device has what
   * the host asked for, or stepTimeout has passed (then the clock stands at the deadline).
   */
  private converge(): Outcome {
    const m = this.machine;
    const deadline = m.clock.now + this.stepTimeout;
    m.settle();
    for (;;) {
      const pending = m.devices().map((d) => d.state()).filter((st) => st.plugged !== st.requested);
      if (pending.length === 0) return { result: 'ok' };
      const next = m.clock.nextDue();
      if (next === null || next > deadline) {
        if (m.clock.now < deadline) m.advance(deadline - m.clock.now);
        const still = m.devices().map((d) => d.state()).filter((st) => st.plugged !== st.requested);
        if (still.length === 0) return { result: 'ok' };
        return { result: `timeout: ${still.map((st) => `${st.id} plugged ${formatSize(st.plugged)} of ${formatSize(st.requested)}`).join('; ')}` };
      }
      m.settle(next - m.clock.now);
    }
  }

  // ------------------------------------------------------------------------------- metrics

  private measure(index: number, label: string, op: StepOp | 'boot', result: string, wallMs: number, visits: number, final: boolean): StepRecord {
    const m = this.machine;
    const iomem = iomemStats(m.tree);
    const counts = m.blocks.counts();
    const devices = m.devices().map(plainState);
    let requested = 0n;
    let plugged = 0n;
    for (const d of devices) {
      requested += BigInt(d.requested);
      plugged += BigInt(d.plugged);
    }
    // Kept up to date by every tree operation (names containing "System RAM", nested ones too): O(1).
    const systemRam = m.tree.systemRamLines();
    let kdump: StepRecord['kdump'];
    if (final || index === 0 || iomem.lines <= KDUMP_LINES_PER_STEP) {
      this.lastKdump = kdumpVerdict(m.tree, this.kdumpCfg);
      kdump = { ranges: this.lastKdump.ranges, cap: this.lastKdump.cap, ok: this.lastKdump.ok };
    } else {
      kdump = { ranges: this.lastKdump.ranges, cap: this.lastKdump.cap, ok: this.lastKdump.ok, stale: true };
    }
    const changedLines = this.changedLines(iomem.lines);
    const resources = { total: m.tree.count(), topLevel: m.tree.topLevelCount(), systemRam };
    this.peak.resources = Math.max(this.peak.resources, resources.total);
    this.peak.systemRam = Math.max(this.peak.systemRam, systemRam);
    this.peak.iomemLines = Math.max(this.peak.iomemLines, iomem.lines);
    return {
      index,
      label,
      op,
      result,
      simTimeMs: m.clock.now,
      wallMs,
      visits,
      resources,
      iomem: { lines: iomem.lines, bytes: iomem.bytes },
      plugged: String(plugged),
      requested: String(requested),
      blocks: { online: counts.online, offline: counts.offline },
      kdump,
      devices,
      ...(changedLines ? { changedLines } : {}),
    };
  }

  /**
   * The /proc/iomem lines [from, to) that differ from the previous step's: everything between the
   * common first and last lines (one range; empty when lines were only removed). A line is the
   * same when it shows the same node with the same range, name and depth. Only while the file is
   * at most CHANGED_LINES_LIMIT lines, since it compares whole files.
   */
  private changedLines(lines: number): [number, number][] | undefined {
    if (lines > CHANGED_LINES_LIMIT) {
      this.prevLines = null;
      return undefined;
    }
    const now: IomemEntry[] = [...iomemEntries(this.machine.tree)];
    const before = this.prevLines;
    this.prevLines = now;
    if (!before) return undefined;
    const same = (a: IomemEntry, b: IomemEntry): boolean => a.res === b.res && a.start === b.start && a.end === b.end && a.depth === b.depth && a.name === b.name;
    let head = 0;
    while (head < now.length && head < before.length && same(now[head]!, before[head]!)) head++;
    let tail = 0;
    while (tail < now.length - head && tail < before.length - head && same(now[now.length - 1 - tail]!, before[before.length - 1 - tail]!)) tail++;
    const to = now.length - tail;
    return to > head ? [[head, to]] : [];
  }
}

type Outcome = HostOutcome;

/** Runner steps of a timeline, repeats and soaks expanded. */
function countSteps(timeline: readonly Step[]): number {
  let n = 0;
  for (const s of timeline) n += s.op === 'repeat' ? s.count * countSteps(s.steps) : s.op === 'soak' ? s.count : 1;
  return n;
}

/** A DeviceState with bigints turned into decimal strings. */
export function plainState(d: Device): LabDeviceState {
  const st = d.state();
  const details: LabDeviceState['details'] = {};
  for (const [k, v] of Object.entries(st.details)) details[k] = typeof v === 'bigint' ? String(v) : v;
  return { id: st.id, kind: st.kind, plugged: String(st.plugged), requested: String(st.requested), details };
}
