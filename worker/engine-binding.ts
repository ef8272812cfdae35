/**
 * Binds the worker's engine port to the real engine: presets and scenario files become a `Runner`
 * over a `Machine`; iomem windows, lsmem and the kdump verdict come from the engine's own views.
 * Host requests and guest actions made from the UI go straight to the runner's machine.
 */
import type { EngineDeviceState, EngineRun, EngineStep, LabEngine, LaneBase, LaneLoad, LoadedScenario, RunOptions } from './engine-port.js';
import type { DeviceSpecPayload, KdumpVerdict, OnlinePolicy } from './protocol.js';
import { Runner, plainState, type StepMetrics } from './engine/runner/runner.js';
import { getPreset, presetInfo, presetInput } from './engine/scenario/presets.js';
import { formatIssue, normalizeScenario } from './engine/scenario/normalize.js';
import type { Scenario } from './engine/scenario/scenario.js';
import { kdumpSettings, kdumpVerdict } from './engine/userspace/kdump.js';
import { renderIomem, renderIomemLines } from './engine/kernel/iomem.js';
import { lsmem, lsmemInput } from './engine/userspace/lsmem.js';
import type { DeviceSpec } from './engine/drivers/device.js';
import { errnoName } from './engine/errno.js';
import { parseSize } from './engine/sizes.js';
import { loadScenarioText } from '../common/scenario-io/scenario-io.js';
import { formatLaneParams, parseLaneParams } from '../common/lanes/lane-grammar.js';
import { laneScenario } from '../common/lanes/lane-overrides.js';
import { stringify } from 'yaml';

function toStep(m: StepMetrics): EngineStep {
  return {
    index: m.index,
    label: m.result === 'ok' ? m.label : `${m.label} (${m.result})`,
    result: m.result,
    simTimeMs: m.simTimeMs,
    visits: m.visits,
    resources: m.resources,
    iomem: m.iomem,
    plugged: m.plugged,
    blocks: m.blocks,
    kdump: { ranges: m.kdump.ranges, cap: m.kdump.cap, ok: m.kdump.ok },
    ...(m.changedLines ? { changedLines: m.changedLines } : {}),
    ...(m.error ? { error: m.error } : {}),
  };
}

/** The engine's DeviceSpec for a device attached from the UI (sizes parsed; the payload schema checked their form). */
export function deviceSpec(p: DeviceSpecPayload): DeviceSpec | string {
  const size = (text: string | undefined, field: string): bigint | string | undefined => {
    if (text === undefined) return undefined;
    const v = parseSize(text);
    return v === null ? `${field}: not a size: ${JSON.stringify(text)}` : v;
  };
  const base = { ...(p.id ? { id: p.id } : {}), ...(p.node !== undefined ? { node: p.node } : {}) };
  switch (p.kind) {
    case 'virtio-mem': {
      const regionSize = size(p.regionSize, 'regionSize');
      const blockSize = size(p.blockSize, 'blockSize');
      const requested = size(p.requested, 'requested');
      for (const v of [regionSize, blockSize, requested]) if (typeof v === 'string') return v;
      return { kind: 'virtio-mem', ...base, regionSize: regionSize as bigint, ...(blockSize !== undefined ? { blockSize: blockSize as bigint } : {}), ...(requested !== undefined ? { requested: requested as bigint } : {}) };
    }
    case 'acpi-dimm': {
      const s = size(p.size, 'size');
      if (typeof s === 'string') return s;
      return { kind: 'acpi-dimm', ...base, size: s as bigint };
    }
    case 'hv-balloon': {
      const maxDynamicMemory = size(p.maxDynamicMemory, 'maxDynamicMemory');
      const guestUsed = size(p.guestUsed, 'guestUsed');
      for (const v of [maxDynamicMemory, guestUsed]) if (typeof v === 'string') return v;
      return {
        kind: 'hv-balloon',
        ...base,
        ...(p.protocol !== undefined ? { protocol: p.protocol } : {}),
        ...(p.capabilitiesAccepted !== undefined ? { capabilitiesAccepted: p.capabilitiesAccepted } : {}),
        ...(p.allowHibernation !== undefined ? { allowHibernation: p.allowHibernation } : {}),
        ...(maxDynamicMemory !== undefined ? { maxDynamicMemory } : {}),
        ...(guestUsed !== undefined ? { guestUsed } : {}),
      };
    }
    case 'xen-balloon': {
      const maxmem = size(p.maxmem, 'maxmem');
      const guestUsed = size(p.guestUsed, 'guestUsed');
      for (const v of [maxmem, guestUsed]) if (typeof v === 'string') return v;
      return {
        kind: 'xen-balloon',
        ...base,
        ...(p.memoryHotplug !== undefined ? { memoryHotplug: p.memoryHotplug } : {}),
        ...(maxmem !== undefined ? { maxmem } : {}),
        ...(guestUsed !== undefined ? { guestUsed } : {}),
      };
    }
  }
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
  step(): EngineStep | null {
    const m = this.runner.step();
    return m ? toStep(m) : null;
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
  addDevice(spec: DeviceSpecPayload): { ok: true } | { ok: false; error: string } {
    const s = deviceSpec(spec);
    if (typeof s === 'string') return { ok: false, error: s };
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
