/**
 * The Compare view's state: 2–6 lanes (profile, strategy, optional device parameters in the lane
 * grammar) over one scenario; per-lane run states; live per-lane step series for the charts (kept
 * out of reactivity); the resulting report (a shallowRef, replaced whole) and its view; and
 * re-opening a JSON report into the same view. The lanes run in their own workers
 * (bridge/lanes.ts), which also apply each lane's device parameters; exports and printing live in
 * composables/useReportExport.ts. Nothing here parses or rewrites a scenario.
 */
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import { getBridge } from '../bridge/index.js';
import { LanePool } from '../bridge/lanes.js';
import { MAX_LANES, MIN_LANES, type ProfileName, type StepPoint, type StrategyName } from '../../../worker/protocol.js';
import type { LaneJob, LaneResult, LaneScenario } from '../../../common/lanes/lane-driver.js';
import { parseLaneParams, type LaneParam } from '../../../common/lanes/lane-grammar.js';
import { buildReport } from '../../../common/report/build.js';
import { buildReportView, type ReportView } from '../../../common/report/view.js';
import { parseReportJson } from '../../../common/report/json.js';
import type { ReportError } from '../../../common/report/validate.js';
import { STEP_METRICS, type Report, type ReportStep } from '../../../common/report/model.js';
import { useUiStore } from './ui.js';
import pkg from '../../../package.json';

export { MAX_LANES, MIN_LANES };

export interface LaneConfig {
  key: number;
  profile: ProfileName | '';
  strategy: StrategyName | '';
  /** Device parameters in the lane grammar: "vm0.blockSize=4M; virtio-mem.regionSize=64G" (";" or ","). */
  params: string;
}

export interface LaneState {
  status: 'idle' | 'running' | 'done' | 'error';
  done: number;
  total: number;
  label: string;
  error?: string;
}

/** Per-lane step series for the charts: step index and one array per charted metric. */
export interface LaneSeries {
  index: number[];
  values: Record<(typeof STEP_METRICS)[number]['id'], number[]>;
}

/** Every lane's parameters, or the first bad one's message ("lane 3: …"). */
function laneParams(configs: readonly LaneConfig[]): { ok: true; params: LaneParam[][] } | { ok: false; error: string } {
  const params: LaneParam[][] = [];
  for (const [i, l] of configs.entries()) {
    const p = parseLaneParams(l.params);
    if (!p.ok) return { ok: false, error: `lane ${i + 1}: ${p.error}` };
    params.push(p.value);
  }
  return { ok: true, params };
}

/** The seed field: undefined when empty; an error for anything but an integer 0 … 2^32-1. */
function seedOf(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`seed: expected an integer from 0 to 4294967295, got "${text}"`);
  return n;
}

function environment(): Report['environment'] {
  return {
    date: new Date().toISOString(),
    userAgent: globalThis.navigator?.userAgent ?? 'unknown',
    cpus: globalThis.navigator?.hardwareConcurrency ?? 0,
    transport: getBridge().mode === 'electron' ? 'electron app, one lab worker per lane in main' : 'browser app, one Web Worker per lane',
  };
}

export const useCompareStore = defineStore('compare', () => {
  const ui = useUiStore();
  let nextKey = 1;
  const newLane = (strategy: StrategyName | '', profile: ProfileName | '' = ''): LaneConfig => ({ key: nextKey++, profile, strategy, params: '' });

  const scenarioKind = ref<'preset' | 'file'>('preset');
  const preset = ref('seed-100g-virtio-mem');
  const file = shallowRef<{ name: string; text: string } | null>(null);
  const seed = ref('');
  const lanes = ref<LaneConfig[]>([newLane('none'), newLane('rfc-v1'), newLane('mhp-merge')]);
  const laneStates = shallowRef<LaneState[]>([]);
  const running = ref(false);
  const report = shallowRef<Report | null>(null);
  const reportErrors = shallowRef<{ source: string; errors: ReportError[] } | null>(null);
  const version = ref(0);
  const series = markRaw<LaneSeries[]>([]);
  const pool = new LanePool();
  let stopRequested = false;

  const view = computed<ReportView | null>(() => (report.value ? buildReportView(report.value) : null));
  const canRun = computed(() => !running.value && lanes.value.length >= MIN_LANES && lanes.value.length <= MAX_LANES && (scenarioKind.value === 'preset' ? !!preset.value : !!file.value));

  function addLane(): void {
    if (lanes.value.length < MAX_LANES) lanes.value = [...lanes.value, newLane('mhp-merge')];
  }
  function removeLane(key: number): void {
    if (lanes.value.length > MIN_LANES) lanes.value = lanes.value.filter((l) => l.key !== key);
  }

  function resetSeries(n: number): void {
    series.length = 0;
    for (let i = 0; i < n; i++) series.push({ index: [], values: Object.fromEntries(STEP_METRICS.map((m) => [m.id, []])) as unknown as LaneSeries['values'] });
    version.value++;
  }

  function pushSteps(lane: number, steps: readonly (StepPoint | ReportStep)[]): void {
    const s = series[lane];
    if (!s) return;
    for (const r of steps) {
      s.index.push(r.index);
      for (const m of STEP_METRICS) s.values[m.id].push(m.get(r as ReportStep));
    }
    version.value++;
  }

  function setLaneState(i: number, patch: Partial<LaneState>): void {
    laneStates.value = laneStates.value.map((s, k) => (k === i ? { ...s, ...patch } : s));
  }

  /** How lanes load the scenario, and its name for the report. */
  function baseLane(): { lane: LaneScenario; source: string } {
    if (scenarioKind.value === 'file') {
      const f = file.value!;
      return { lane: { kind: 'text', text: f.text, source: f.name, format: /\.json$/i.test(f.name) ? 'json' : 'yaml' }, source: f.name };
    }
    return { lane: { kind: 'preset', name: preset.value }, source: `preset:${preset.value}` };
  }

  /** Runs lane i in its worker, its progress and steps shown as they come. */
  async function runLane(job: LaneJob): Promise<LaneResult> {
    const i = job.lane;
    const r = await pool.run(job, { progress: (p) => setLaneState(i, { done: p.done, total: p.total }), onSteps: (steps) => pushSteps(i, steps), cancelled: () => stopRequested });
    setLaneState(i, r.outcome.ok ? { status: 'done', label: `${r.spec.profile} / ${r.spec.strategy}` } : { status: 'error', error: `${r.outcome.error.code}: ${r.outcome.error.message}` });
    return r;
  }

  /** Runs every lane in its own worker, in parallel; the report replaces the previous one at the end. */
  async function run(): Promise<void> {
    if (!canRun.value) return;
    const configs = lanes.value.map((l) => ({ ...l }));
    const params = laneParams(configs);
    if (!params.ok) {
      ui.notify('error', params.error);
      return;
    }
    running.value = true;
    stopRequested = false;
    reportErrors.value = null;
    laneStates.value = configs.map((l) => ({ status: 'running', done: 0, total: 0, label: `${l.profile || 'scenario profile'} / ${l.strategy || 'profile default'}` }));
    resetSeries(configs.length);
    try {
      const seedNum = seedOf(seed.value);
      const base = baseLane();
      const definition = await pool.baseScenario(base.lane);
      const results = await Promise.all(
        configs.map((l, i) =>
          runLane({
            lane: i,
            scenario: base.lane,
            ...(l.profile ? { profile: l.profile } : {}),
            ...(l.strategy ? { strategy: l.strategy } : {}),
            ...(seedNum !== undefined ? { seed: seedNum } : {}),
            ...(params.params[i]!.length ? { params: params.params[i]! } : {}),
          }),
        ),
      );
      const now = new Date();
      report.value = buildReport({
        createdAt: now.toISOString(),
        generator: { name: 'memhp-lab', version: pkg.version },
        scenario: {
          name: definition.name,
          ...(definition.description ? { description: definition.description } : {}),
          seed: seedNum ?? definition.seed,
          source: base.source,
          definition,
        },
        environment: { ...environment(), date: now.toISOString() },
        lanes: results,
      });
      const built = report.value.lanes;
      laneStates.value = laneStates.value.map((st, i) => ({ ...st, label: built[i]?.label ?? st.label }));
    } catch (e) {
      ui.notify('error', `compare: ${e instanceof Error ? e.message : String(e)}`);
      laneStates.value = laneStates.value.map((s) => (s.status === 'running' ? { ...s, status: 'error', error: 'not run' } : s));
    } finally {
      running.value = false;
    }
  }

  function stop(): void {
    stopRequested = true;
  }

  /** Shows a (loaded) report: lanes, states and chart series come from it. */
  function show(r: Report): void {
    report.value = r;
    lanes.value = r.lanes.map((l) => ({ key: nextKey++, profile: l.profile, strategy: l.strategy, params: l.params ? Object.entries(l.params).map(([k, v]) => `${k}=${String(v)}`).join('; ') : '' }));
    laneStates.value = r.lanes.map((l) => ({
      status: l.status === 'ok' ? 'done' : 'error',
      done: l.steps.length,
      total: l.summary?.steps ?? l.steps.length,
      label: l.label,
      ...(l.error ? { error: `${l.error.code}: ${l.error.message}` } : {}),
    }));
    resetSeries(r.lanes.length);
    r.lanes.forEach((l, i) => pushSteps(i, l.steps));
  }

  /** Re-opens a JSON report; a bad one is refused with its field paths and the current view stays. */
  function loadReportText(source: string, text: string): boolean {
    const parsed = parseReportJson(text);
    if (!parsed.ok) {
      reportErrors.value = { source, errors: parsed.errors };
      const first = parsed.errors[0]!;
      ui.notify('error', `${source}: ${first.path}: ${first.message}${parsed.errors.length > 1 ? ` (+${parsed.errors.length - 1} more)` : ''}`);
      return false;
    }
    reportErrors.value = null;
    show(parsed.report);
    ui.notify('info', `opened ${source}`);
    return true;
  }

  async function openReport(): Promise<void> {
    try {
      const f = await getBridge().openFile('scenario');
      if (f) loadReportText(f.name, f.text);
    } catch (e) {
      ui.notify('error', `open report: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async function openScenarioFile(): Promise<void> {
    try {
      const f = await getBridge().openFile('scenario');
      if (f) {
        file.value = f;
        scenarioKind.value = 'file';
      }
    } catch (e) {
      ui.notify('error', `open scenario: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  return {
    scenarioKind, preset, file, seed, lanes, laneStates, running, report, reportErrors, version, series, view, canRun,
    addLane, removeLane, run, stop, show, loadReportText, openReport, openScenarioFile,
  };
});
