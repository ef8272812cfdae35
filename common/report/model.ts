/**
 * The report data model: one scenario run in 1–6 lanes, each a (kernel profile, merge strategy)
 * pair. Plain JSON data only (bigints are decimal strings), so the same object is written as the
 * JSON report, validated by `schema/report.schema.json`, and rebuilt into the same view on re-open.
 *
 * The per-step and summary shapes follow the engine's `StepRecord` / `RunSummary`
 * (worker/engine/runner/step-record.ts, runner.ts) after `toPlainJson`.
 */

import type { ProfileName, StrategyName } from '../../worker/engine/names.js';
import { MAX_LANES } from '../../worker/protocol.js';

/** Bump when a change to the model would make an old reader misread a new file. */
export const REPORT_SCHEMA_VERSION = 1;
export const REPORT_KIND = 'memhp-lab/compare-report';
/** A report holds 1 to MAX_LANES lanes (one: an export of a single run; `memhp compare` runs 2 or more). */
export { MAX_LANES };

/** A lane's kernel profile and merge strategy: the engine's names (worker/engine/names.ts). */
export type ProfileId = ProfileName;
export type StrategyId = StrategyName;

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

// Type aliases (not interfaces) so they fit the summary's JSON index signature.
export type ResourceCounts = {
  total: number;
  topLevel: number;
  systemRam: number;
};

export type IomemStats = {
  lines: number;
  bytes: number;
};

/** One timeline step of one lane (the engine's step record as plain data; the label shows a non-ok result). */
export interface ReportStep {
  index: number;
  label: string;
  simTimeMs: number;
  wallMs: number;
  visits: number;
  resources: ResourceCounts;
  iomem: IomemStats;
  /** Plugged bytes, decimal. */
  plugged: string;
  blocks: { online: number; offline: number };
  kdump: { ranges: number; cap: number; ok: boolean };
  devices?: JsonObject[];
  changedLines?: [number, number][];
}

/** A lane's end-of-run figures: the same fields as `memhp run --json`'s summary (extra fields kept). */
export interface ReportSummary {
  resources: ResourceCounts;
  iomem: IomemStats;
  kdump: { ranges: number; cap: number; ok: boolean; missedBytes: string; headroomBlocks: number | null; [k: string]: JsonValue };
  visits: { total: number; [k: string]: JsonValue };
  wallMs: number;
  steps: number;
  [k: string]: JsonValue;
}

/** The lane's final /proc/iomem: one segment when short, its head and tail otherwise. */
export interface IomemExcerpt {
  view: 'root' | 'user';
  totalLines: number;
  bytes: number;
  segments: { from: number; lines: string[] }[];
}

export interface ReportEvent {
  t: number;
  source: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface ReportLane {
  id: string;
  /** Shown in legends and tables, unique in the report ("6.12 / mhp-merge"). */
  label: string;
  profile: ProfileId;
  strategy: StrategyId;
  params?: Record<string, string | number | boolean>;
  status: 'ok' | 'error';
  error?: { code: string; message: string };
  summary: ReportSummary | null;
  steps: ReportStep[];
  iomem: IomemExcerpt | null;
  events?: ReportEvent[];
}

export interface ReportScenario {
  name: string;
  description?: string;
  seed: number;
  /** "preset:<name>" or the scenario file's base name. */
  source: string;
  definition: JsonObject;
}

export interface ReportEnvironment {
  date: string;
  node?: string;
  platform?: string;
  arch?: string;
  cpu?: string;
  cpus?: number;
  userAgent?: string;
  transport?: string;
  [k: string]: string | number | boolean | undefined;
}

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  kind: typeof REPORT_KIND;
  title: string;
  createdAt: string;
  generator: { name: string; version: string };
  scenario: ReportScenario;
  environment: ReportEnvironment;
  lanes: ReportLane[];
}

/** A metric charted per step, one chart each, every lane a series. */
export interface StepMetricDef {
  id: 'systemRam' | 'iomemLines' | 'visits' | 'wallMs';
  title: string;
  unit: string;
  get(step: ReportStep): number;
}

export const STEP_METRICS: readonly StepMetricDef[] = [
  { id: 'systemRam', title: '"System RAM" resources', unit: 'resources', get: (s) => s.resources.systemRam },
  { id: 'iomemLines', title: '/proc/iomem lines', unit: 'lines', get: (s) => s.iomem.lines },
  { id: 'visits', title: 'Kernel visits per step', unit: 'nodes visited', get: (s) => s.visits },
  { id: 'wallMs', title: 'Wall time per step', unit: 'ms', get: (s) => s.wallMs },
];

/** One colour per lane (Okabe–Ito: readable by colour-blind readers and in grey print), shared by every view. */
export const LANE_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'] as const;
