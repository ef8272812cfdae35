/**
 * The run document: one JSON format for a scenario run, written by the app's export
 * (`exportData json` in the worker's session) and by `memhp run --json`.
 *
 * Two runs of one scenario and seed give the same document except for the fields that measure or
 * name the run itself: everything under `environment` (host, runtime, date) and every `wallMs`
 * (wall-clock milliseconds). `RUN_VARYING_KEYS` names them and `withoutVaryingFields` drops them.
 */
import type { LabDeviceState, RunSummary } from '../../worker/engine/runner/runner.js';
import type { StepPoint, StepRecord } from '../../worker/engine/runner/step-record.js';
import type { Scenario } from '../../worker/engine/scenario/scenario.js';

/** The document's format name and version; bump the version when an old reader would misread a new file. */
export const RUN_FORMAT = 'memhp-run';
export const RUN_FORMAT_VERSION = 2;

/**
 * Where and when the run happened (differs from run to run). `memhp run` writes Node's version,
 * the platform, the CPU and the date; the app's worker writes only what it knows of itself.
 */
export type RunEnvironment = Record<string, string | number>;

/** How the steps were sampled: every `stride`-th step from the first (ordinal 0), plus the last. */
export interface RunSampling {
  /** Steps executed. */
  recorded: number;
  /** Steps in the document. */
  kept: number;
  stride: number;
  /** True when some steps were left out (stride above 1). */
  thinned: boolean;
}

/** The whole document (`format: 'memhp-run'`, `version: 2`). */
export interface RunDocument {
  format: typeof RUN_FORMAT;
  version: typeof RUN_FORMAT_VERSION;
  /** The scenario as run (normalized: sizes as decimal strings). */
  scenario: Scenario;
  environment: RunEnvironment;
  /** The profile, strategy and seed the run used (scenario, options and defaults resolved). */
  options: { profile: string; strategy: string; seed: number };
  summary: RunSummary;
  /** The booted machine, before step 1. */
  boot: StepRecord;
  /** The devices' states at the end. */
  devices: LabDeviceState[];
  /** Same as `stepSampling.stride` (kept from version 1). */
  stepStride: number;
  stepSampling: RunSampling;
  /**
   * The sampled steps. `memhp run` writes whole step records (device states and changed lines
   * included); the app writes the counters its bounded step log keeps (`StepPoint`).
   */
  steps: readonly StepPoint[];
}

/** What a writer hands in; the rest of the document is derived from it. */
export interface RunDocumentInput {
  scenario: Scenario;
  environment: RunEnvironment;
  summary: RunSummary;
  boot: StepRecord;
  devices: readonly LabDeviceState[];
  stride: number;
  steps: readonly StepPoint[];
}

/** The document of a run (finished or not: the summary says how far it got). */
export function runDocument(input: RunDocumentInput): RunDocument {
  const { summary, stride, steps } = input;
  return {
    format: RUN_FORMAT,
    version: RUN_FORMAT_VERSION,
    scenario: input.scenario,
    environment: input.environment,
    options: { profile: summary.profile, strategy: summary.strategy, seed: summary.seed },
    summary,
    boot: input.boot,
    devices: [...input.devices],
    stepStride: stride,
    stepSampling: { recorded: summary.steps, kept: steps.length, stride, thinned: stride > 1 },
    steps,
  };
}

/** The document as the file's text (one-space indent, a final newline). */
export function runJsonText(doc: RunDocument): string {
  return `${JSON.stringify(doc, null, 1)}\n`;
}

/** Keys whose values differ between two runs of one scenario and seed, wherever they occur. */
export const RUN_VARYING_KEYS: ReadonlySet<string> = new Set(['environment', 'wallMs']);

/** A deep copy without the `RUN_VARYING_KEYS` fields: equal for two runs of one scenario and seed. */
export function withoutVaryingFields(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutVaryingFields);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!RUN_VARYING_KEYS.has(k)) out[k] = withoutVaryingFields(x);
  return out;
}

/** Keep every n-th step so that about `max` of `total` steps are written. */
export function strideFor(total: number, max: number): number {
  return Math.max(1, Math.ceil(total / max));
}
