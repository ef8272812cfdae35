/**
 * The Compare view's state: 2–6 lanes (profile, strategy, optional device parameters) over one
 * scenario, each run in its own lab worker; live per-lane step series for the charts (kept out of
 * reactivity); the resulting report (a shallowRef, replaced whole) and its view; exports; and
 * re-opening a JSON report into the same view. The report model and generators live in
 * common/report; nothing here computes engine figures.
 */
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import { parse as parseYaml } from 'yaml';
import { BridgeError, createLaneBridge, getBridge, type LabBridge } from '../bridge/index.js';
import { labError, MAX_LANES, MIN_LANES, type ProfileName, type StepPoint, type StrategyName } from '../../../worker/protocol.js';
import { driveLane, type LaneCall, type LaneJob, type LaneResult, type LaneScenario } from '../../../common/lanes/lane-driver.js';
import { buildReport } from '../../../common/report/build.js';
import { buildReportView, type ReportView } from '../../../common/report/view.js';
import { parseReportJson, renderReportJson } from '../../../common/report/json.js';
import { renderReportCsv } from '../../../common/report/csv.js';
import { renderReportMarkdown } from '../../../common/report/markdown.js';
import type { ReportError } from '../../../common/report/validate.js';
import { STEP_METRICS, type Report, type ReportStep } from '../../../common/report/model.js';
import { useUiStore } from './ui.js';
import pkg from '../../../package.json';

export { MAX_LANES, MIN_LANES };
export const EXPORT_KINDS = ['html', 'json', 'csv', 'md', 'pdf'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export interface LaneConfig {
  key: number;
  profile: ProfileName | '';
  strategy: StrategyName | '';
  /** Device parameters as "kind.field=value" pairs, comma-separated ("virtio-mem.blockSize=2M"). */
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

let laneBridgeFactory: () => LabBridge = () => createLaneBridge();
/** Tests (and a shell that hosts lanes elsewhere) replace how a lane's worker is started. */
export function setLaneBridgeFactory(f: () => LabBridge): void {
  laneBridgeFactory = f;
}

const PARAM_KEY = /^(virtio-mem|acpi-dimm|hv-balloon|xen-balloon)\.([A-Za-z][A-Za-z0-9]*)$/;

/** "virtio-mem.blockSize=2M, virtio-mem.regionSize=64G" → entries; an error names the bad pair. */
export function parseParams(text: string): { ok: true; params: Record<string, string> } | { ok: false; error: string } {
  const params: Record<string, string> = {};
  for (const raw of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    const eq = raw.indexOf('=');
    const key = eq < 0 ? raw : raw.slice(0, eq).trim();
    const value = eq < 0 ? '' : raw.slice(eq + 1).trim();
    if (!PARAM_KEY.test(key)) return { ok: false, error: `"${raw}": expected <device kind>.<field>=<value>, e.g. virtio-mem.blockSize=2M` };
    if (!value || value.length > 64) return { ok: false, error: `"${raw}": the value must be 1 to 64 characters` };
    params[key] = value;
  }
  return { ok: true, params };
}

/** The scenario with every device of a kind given the parameter's value (a plain-data copy). */
export function applyParams(definition: Record<string, unknown>, params: Record<string, string>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(definition)) as Record<string, unknown>;
  const devices = Array.isArray(copy['devices']) ? (copy['devices'] as Record<string, unknown>[]) : [];
  for (const [key, value] of Object.entries(params)) {
    const [, kind, field] = PARAM_KEY.exec(key)!;
    for (const d of devices) if (d['kind'] === kind) d[field!] = value;
  }
  return copy;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'report';
}

/** A LabBridge call as the lane driver wants it: a reply, never a rejection. */
function asCall(bridge: LabBridge): LaneCall {
  return async (command, args) => {
    try {
      return { ok: true, value: await bridge.call(command, args) };
    } catch (e) {
      return { ok: false, error: e instanceof BridgeError ? e.error : labError('ENGINE_FAILED', e instanceof Error ? e.message : String(e)) };
    }
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
  const pool: LabBridge[] = [];
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

  function laneBridge(i: number): LabBridge {
    while (pool.length <= i) pool.push(laneBridgeFactory());
    return pool[i]!;
  }

  /** The scenario as plain data (for the report and for device parameters) and how lanes load it. */
  async function baseScenario(): Promise<{ definition: Record<string, unknown>; lane: LaneScenario; source: string }> {
    if (scenarioKind.value === 'file') {
      const f = file.value!;
      const format = /\.json$/i.test(f.name) ? 'json' : 'yaml';
      return { definition: toObject(parseYaml(f.text)), lane: { kind: 'text', text: f.text, source: f.name, format }, source: f.name };
    }
    const b = laneBridge(0);
    await b.call('loadPreset', { name: preset.value });
    const text = (await b.call('exportData', { format: 'scenario' })).text;
    return { definition: toObject(parseYaml(text)), lane: { kind: 'preset', name: preset.value }, source: `preset:${preset.value}` };
  }

  /** Runs every lane in its own worker, in parallel; the report replaces the previous one at the end. */
  async function run(): Promise<void> {
    if (!canRun.value) return;
    const configs = lanes.value.map((l) => ({ ...l }));
    const parsed = configs.map((l) => parseParams(l.params));
    const bad = parsed.findIndex((p) => !p.ok);
    if (bad >= 0) {
      ui.notify('error', `lane ${bad + 1}: ${(parsed[bad] as { error: string }).error}`);
      return;
    }
    running.value = true;
    stopRequested = false;
    reportErrors.value = null;
    laneStates.value = configs.map((l) => ({ status: 'running', done: 0, total: 0, label: `${l.profile || 'scenario profile'} / ${l.strategy || 'profile default'}` }));
    resetSeries(configs.length);
    try {
      const base = await baseScenario();
      const seedNum = seed.value.trim() === '' ? undefined : Number(seed.value);
      if (seedNum !== undefined && (!Number.isInteger(seedNum) || seedNum < 0 || seedNum > 0xffffffff)) throw new Error(`seed: expected an integer from 0 to 4294967295, got "${seed.value}"`);
      const results = await Promise.all(
        configs.map(async (l, i): Promise<LaneResult> => {
          const params = (parsed[i] as { ok: true; params: Record<string, string> }).params;
          const scenario: LaneScenario = Object.keys(params).length
            ? { kind: 'text', text: JSON.stringify(applyParams(base.definition, params)), source: `${base.source} (${l.params})`, format: 'json' }
            : base.lane;
          const job: LaneJob = { lane: i, scenario, ...(l.profile ? { profile: l.profile } : {}), ...(l.strategy ? { strategy: l.strategy } : {}), ...(seedNum !== undefined ? { seed: seedNum } : {}) };
          const r = await driveLane(asCall(laneBridge(i)), job, (p) => setLaneState(i, { done: p.done, total: p.total }), {
            onSteps: (steps) => pushSteps(i, steps),
            cancelled: () => stopRequested,
          });
          setLaneState(i, r.outcome.ok ? { status: 'done', label: `${r.spec.profile} / ${r.spec.strategy}` } : { status: 'error', error: `${r.outcome.error.code}: ${r.outcome.error.message}` });
          return Object.keys(params).length ? { spec: { ...r.spec, params }, outcome: r.outcome } : r;
        }),
      );
      const def = base.definition;
      const now = new Date();
      report.value = buildReport({
        createdAt: now.toISOString(),
        generator: { name: 'memhp-lab', version: pkg.version },
        scenario: {
          name: String(def['name'] ?? 'scenario'),
          ...(typeof def['description'] === 'string' && def['description'] ? { description: def['description'] } : {}),
          seed: seedNum ?? (typeof def['seed'] === 'number' ? def['seed'] : 0),
          source: base.source,
          definition: def,
        },
        environment: {
          date: now.toISOString(),
          userAgent: globalThis.navigator?.userAgent ?? 'unknown',
          cpus: globalThis.navigator?.hardwareConcurrency ?? 0,
          transport: getBridge().mode === 'electron' ? 'electron app, one lab worker per lane in main' : 'browser app, one Web Worker per lane',
        },
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
    lanes.value = r.lanes.map((l) => ({ key: nextKey++, profile: l.profile, strategy: l.strategy, params: l.params ? Object.entries(l.params).map(([k, v]) => `${k}=${String(v)}`).join(', ') : '' }));
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

  /** The report as a file's text (HTML loads the ECharts renderer on first use). */
  async function exportText(kind: Exclude<ExportKind, 'pdf'>): Promise<{ name: string; text: string; mime: string } | null> {
    const r = report.value;
    if (!r) return null;
    const base = `${slug(r.scenario.name)}-compare`;
    switch (kind) {
      case 'json':
        return { name: `${base}.json`, text: renderReportJson(r), mime: 'application/json' };
      case 'csv':
        return { name: `${base}.csv`, text: renderReportCsv(r), mime: 'text/csv' };
      case 'md':
        return { name: `${base}.md`, text: renderReportMarkdown(r, view.value ?? undefined), mime: 'text/markdown' };
      case 'html': {
        const { renderReportHtml } = await import('../../../common/report/html.js');
        return { name: `${base}.html`, text: renderReportHtml(r, view.value ?? undefined), mime: 'text/html' };
      }
    }
  }

  async function exportAs(kind: ExportKind): Promise<void> {
    try {
      if (kind === 'pdf') return await printPdf();
      const file = await exportText(kind);
      if (!file) return;
      const where = await getBridge().saveFile(file.name, file.text, file.mime);
      if (where) ui.notify('info', `saved ${where}`);
    } catch (e) {
      ui.notify('error', `export ${kind}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /**
   * PDF through the print dialog ("Save as PDF"): the report is laid into this page for printing
   * only, styled by an adopted stylesheet (the app's CSP forbids inline styles, and a blob: window
   * would inherit that policy), then removed after printing. Works in the browser and in Electron.
   */
  async function printPdf(): Promise<void> {
    const r = report.value;
    if (!r) return;
    const { renderReportBody, REPORT_CSS } = await import('../../../common/report/html.js');
    document.getElementById(PRINT_ID)?.remove();
    const host = document.createElement('div');
    host.id = PRINT_ID;
    host.setAttribute('data-testid', 'compare-print');
    host.innerHTML = renderReportBody(r, view.value ?? undefined);
    document.body.appendChild(host);
    const detach = adoptCss(printCss(REPORT_CSS));
    const cleanup = (): void => {
      host.remove();
      detach();
    };
    window.addEventListener('afterprint', cleanup, { once: true });
    window.print();
  }

  return {
    scenarioKind, preset, file, seed, lanes, laneStates, running, report, reportErrors, version, series, view, canRun,
    addLane, removeLane, run, stop, show, loadReportText, openReport, openScenarioFile, exportText, exportAs,
  };
});

const PRINT_ID = 'memhp-print';

/** The report's CSS for printing inside the app: only the report is shown on paper, never on screen. */
export function printCss(reportCss: string): string {
  const scoped = reportCss.replace(/:root\b/g, `#${PRINT_ID}`).replace(/(^|[\s,}])body\b/g, `$1#${PRINT_ID}`);
  return [
    `@media screen { #${PRINT_ID} { display: none !important; } }`,
    '@media print {',
    `  body > :not(#${PRINT_ID}) { display: none !important; }`,
    `  html, body { height: auto !important; overflow: visible !important; background: #fff !important; }`,
    scoped,
    '}',
  ].join('\n');
}

/** Adds a stylesheet through the CSSOM (allowed under a CSP without 'unsafe-inline'); returns its remover. */
function adoptCss(css: string): () => void {
  if (typeof CSSStyleSheet !== 'undefined' && 'adoptedStyleSheets' in document && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    return () => {
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((x) => x !== sheet);
    };
  }
  const el = document.createElement('style');
  el.textContent = css;
  document.head.appendChild(el);
  return () => el.remove();
}

function toObject(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

