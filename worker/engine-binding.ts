/**
 * Binds the worker's engine port to the real engine: presets and scenario files become a `Runner`
 * over a `Machine`; iomem windows, lsmem and the kdump verdict come from the engine's own views.
 * Host requests and guest actions made from the UI go straight to the runner's machine.
 */
import type { EngineDeviceState, EngineRun, LabEngine, LaneBase, LaneLoad, LoadedScenario, RunOptions } from './engine-port.js';
import type { DeviceKindInfo, DeviceSpecPayload, KdumpVerdict, OnlinePolicy } from './protocol.js';
import { Runner, plainState } from './engine/runner/runner.js';
import type { StepRecord } from './engine/runner/step-record.js';
import { getPreset, presetInfo, presetInput } from './engine/scenario/presets.js';
import { formatIssue, normalizeScenario } from './engine/scenario/normalize.js';
import type { Scenario } from './engine/scenario/scenario.js';
import { kdumpSettings, kdumpVerdict } from './engine/userspace/kdump.js';
import { renderIomem, renderIomemLines } from './engine/kernel/iomem.js';
import { lsmem, lsmemInput } from './engine/userspace/lsmem.js';
import { BUILTIN_DRIVERS, type DriverRegistry } from './engine/drivers/index.js';
import { readParams } from './engine/drivers/driver.js';
import { errnoName } from './engine/errno.js';
import { parseSize } from './engine/sizes.js';
import { loadScenarioText } from '../common/scenario-io/scenario-io.js';
import { formatLaneParams, parseLaneParams } from '../common/lanes/lane-grammar.js';
import { laneScenario } from '../common/lanes/lane-overrides.js';
import { stringify } from 'yaml';

/**
 * The engine spec for a device attached from the UI: the payload's parameters are read through the
 * kind's driver table (the same reader scenario files go through, without the file defaults, so
 * the driver picks an address and the like), then mapped by the driver's `toSpec`. A string names
 * the refused field.
 */
export function deviceSpec(p: DeviceSpecPayload, drivers: DriverRegistry = BUILTIN_DRIVERS): { kind: string } | string {
  const driver = drivers.get(p.kind);
  if (!driver) return `kind: unknown device kind ${JSON.stringify(p.kind)} (one of ${drivers.kinds.join(', ')})`;
  const { kind, id, node, ...raw } = p;
  const keys = new Set(driver.params.map((f) => f.key));
  const unknown = Object.keys(raw).find((k) => !keys.has(k));
  if (unknown !== undefined) return `${unknown}: is not a parameter of ${kind} (${[...keys].join(', ') || 'none'})`;
  const { values, issues } = readParams(driver.params, raw, false);
  if (issues.length > 0) return issues.map((i) => `${i.key}: ${i.message}`).join('; ');
  return driver.toSpec({ kind, ...(id !== undefined ? { id } : {}), ...(node !== undefined ? { node } : {}), ...values });
}

/** The kinds a registry provides, with the parameters the UI and compare lanes read (plain data). */
export function deviceKinds(drivers: DriverRegistry = BUILTIN_DRIVERS): DeviceKindInfo[] {
  return drivers.drivers.map((d) => ({
    kind: d.kind,
    title: d.title,
    params: d.params.map((f) => ({
      key: f.key,
      type: f.type,
      title: f.title,
      description: f.description,
      ...(f.values ? { values: [...f.values] } : {}),
      ...(f.ui ? { ui: f.ui } : {}),
      ...(f.slot ? { slot: f.slot } : {}),
      ...(f.placeholder ? { placeholder: f.placeholder } : {}),
      ...(f.lane ? { lane: true } : {}),
    })),
  }));
}

class RunnerRun implements EngineRun {
  private readonly kdumpCfg;

  constructor(private readonly runner: Runner) {
    const m = runner.machine;
    this.kdumpCfg = kdumpSettings(runner.scenario.machine.kdump, m.tree, m.profile.resource.walkScope, m.blocks.blockSize);
  }

  get profile() {
    return this.runner.profile;
  }
  get strategy() {
    return this.runner.strategy;
  }
  get totalSteps(): number {
    return this.runner.totalSteps;
  }
  get stepIndex(): number {
    return this.runner.stepIndex;
  }
  get done(): boolean {
    return this.runner.done;
  }
  get scenario(): Scenario {
    return this.runner.scenario;
  }
  get boot(): StepRecord {
    return this.runner.initial;
  }
  step(): StepRecord | null {
    return this.runner.step();
  }
  stats() {
    return this.runner.machine.stats();
  }
  summary() {
    return this.runner.summary();
  }
  simTimeMs(): number {
    return this.runner.machine.clock.now;
  }
  blockSize(): bigint {
    return this.runner.machine.blocks.blockSize;
  }
  devices(): EngineDeviceState[] {
    return this.runner.machine.devices().map((d) => {
      const st = plainState(d);
      return { id: st.id, kind: st.kind, plugged: BigInt(st.plugged), requested: BigInt(st.requested), details: st.details };
    });
  }
  log(since: number, limit?: number) {
    return this.runner.machine.log.since(since, limit);
  }
  logLength(): number {
    return this.runner.machine.log.total;
  }
  logDropped(): number {
    return this.runner.machine.log.dropped;
  }
  kdump(): KdumpVerdict {
    const v = kdumpVerdict(this.runner.machine.tree, this.kdumpCfg);
    return { ranges: v.ranges, cap: v.cap, ok: v.ok, missedBytes: v.missedBytes, headroomBlocks: v.headroomBlocks };
  }
  iomemLines(from: number, count: number, user: boolean): string[] {
    return renderIomemLines(this.runner.machine.tree, from, count, { user });
  }
  iomemText(user: boolean): string {
    return renderIomem(this.runner.machine.tree, { user });
  }
  lsmem(all: boolean): string {
    const r = lsmem(lsmemInput(this.runner.machine.blocks), { all });
    return r.ok ? r.text : `lsmem: ${r.error}\n`;
  }
  guestWriteState(block: number, state: string): number {
    return this.runner.machine.guestWriteState(block, state);
  }
  addDevice(spec: DeviceSpecPayload): { ok: true } | { ok: false; error: string; payload?: true } {
    const s = deviceSpec(spec, this.runner.machine.drivers);
    if (typeof s === 'string') return { ok: false, error: `args.spec.${s}`, payload: true };
    const r = this.runner.machine.addDevice(s);
    return r.ok ? { ok: true } : { ok: false, error: r.error };
  }
  resizeDevice(id: string, size: bigint): number | null {
    // The runner plays the host for every device kind (and keeps where Hyper-V hot-adds next).
    return this.runner.hostResize(id, size);
  }
  settle(): void {
    this.runner.machine.settle(60_000);
  }
}

function loaded(scenario: Scenario, text: string): LoadedScenario {
  return {
    info: { name: scenario.name, description: scenario.description ?? '' },
    seed: scenario.seed,
    profile: scenario.profile ?? null,
    strategy: scenario.strategy ?? null,
    text,
    create(opts: RunOptions) {
      const r = Runner.create(scenario, opts);
      return r.ok ? { ok: true, run: new RunnerRun(r.runner) } : { ok: false, error: r.error };
    },
  };
}

/** The highest physical address bits a dump needs (46 unless it reaches beyond 2^46). */
function physBitsFor(text: string): number {
  let max = 0n;
  for (const m of text.matchAll(/^\s*[0-9a-fA-F]+-([0-9a-fA-F]{1,16})\s:/gm)) {
    const end = BigInt('0x' + m[1]!);
    if (end > max) max = end;
  }
  let bits = 46;
  while (bits < 52 && max >= 1n << BigInt(bits)) bits++;
  return bits;
}

/** The base scenario of a lane and the text it exports as when no parameter changes it. */
function laneBase(base: LaneBase): { ok: true; scenario: Scenario; text: string } | Exclude<LaneLoad, { ok: true }> {
  if (base.kind === 'preset') {
    const preset = getPreset(base.name);
    if (!preset) return { ok: false, code: 'NOT_FOUND', message: `no preset named ${JSON.stringify(base.name)}` };
    return { ok: true, scenario: preset, text: stringify(presetInput(base.name)) };
  }
  const r = loadScenarioText(base.text, { source: base.source, format: base.format });
  return r.ok ? { ok: true, scenario: r.scenario, text: base.text } : { ok: false, code: 'SCENARIO_INVALID', where: base.source ?? '', errors: r.errors };
}

/** A compare lane's scenario: the base with the lane's device parameters applied (common/lanes). */
function loadLane(base: LaneBase, paramsText: string): LaneLoad {
  const params = parseLaneParams(paramsText);
  if (!params.ok) return { ok: false, code: 'BAD_PAYLOAD', message: `loadLane: args.params: ${params.error}` };
  const start = laneBase(base);
  if (!start.ok) return start;
  if (params.value.length === 0) return { ok: true, scenario: loaded(start.scenario, start.text), definition: start.scenario };
  const lane = laneScenario(start.scenario, params.value);
  const where = `${base.kind === 'preset' ? `preset:${base.name}` : (base.source ?? 'scenario')} [${formatLaneParams(params.value)}]`;
  if (!lane.ok) return { ok: false, code: 'SCENARIO_INVALID', where, errors: lane.errors };
  return { ok: true, scenario: loaded(lane.scenario, stringify(lane.scenario)), definition: lane.scenario };
}

export function createEngine(): LabEngine {
  return {
    presets: () => presetInfo(),
    deviceKinds: () => deviceKinds(),
    loadPreset(name) {
      const s = getPreset(name);
      return s ? loaded(s, stringify(presetInput(name))) : undefined;
    },
    loadScenarioText(text, opts) {
      const r = loadScenarioText(text, opts);
      return r.ok ? { ok: true, scenario: loaded(r.scenario, text) } : { ok: false, errors: r.errors };
    },
    loadLane,
    loadIomem(text, opts: { source?: string; blockSize?: bigint; onlinePolicy?: OnlinePolicy }) {
      const source = opts.source ?? 'imported /proc/iomem';
      const input = {
        name: source.replace(/^.*[\\/]/, '').slice(0, 128) || 'imported',
        description: `Boot memory map imported from ${source}`,
        machine: {
          boot: { iomem: text, source },
          blockSize: String(opts.blockSize ?? 128n << 20n),
          physBits: physBitsFor(text),
          onlinePolicy: opts.onlinePolicy ?? 'online',
        },
        devices: [],
        timeline: [],
      };
      const r = normalizeScenario(input);
      if (!r.ok) return { ok: false, error: `${source}: ${r.errors.map(formatIssue).join('; ')}` };
      const sc = loaded(r.scenario, stringify(input));
      // Boot it once now so a malformed dump is reported at import, with its line number.
      const probe = sc.create({ now: () => 0 });
      if (!probe.ok) return { ok: false, error: `${source}: ${probe.error}` };
      return { ok: true, scenario: sc };
    },
    parseSize,
    errnoName,
  };
}
