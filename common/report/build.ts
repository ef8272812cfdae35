/**
 * Assembles a `Report` from what each lane's run produced (the engine's step records and RunSummary,
 * the final /proc/iomem excerpt), converting engine values (bigints) to plain JSON.
 */
import {
  MAX_LANES,
  REPORT_KIND,
  REPORT_SCHEMA_VERSION,
  type IomemExcerpt,
  type JsonObject,
  type ProfileId,
  type Report,
  type ReportEnvironment,
  type ReportEvent,
  type ReportLane,
  type ReportStep,
  type ReportSummary,
  type StrategyId,
} from './model.js';
import { toPlainObject } from './plain.js';
import { stepTitle } from '../../worker/engine/runner/step-record.js';

/** /proc/iomem excerpts keep the whole file up to this many lines, else its first and last half. */
export const IOMEM_EXCERPT_LINES = 2048;
/** Event-log lines kept per lane (the last ones). */
export const REPORT_EVENTS = 200;

export interface LaneSpec {
  profile: ProfileId;
  strategy: StrategyId;
  params?: Record<string, string | number | boolean>;
}

export type LaneOutcome =
  | { ok: true; summary: unknown; steps: readonly unknown[]; iomem: IomemExcerpt | null; events?: readonly unknown[] }
  | { ok: false; error: { code: string; message: string }; steps?: readonly unknown[]; iomem?: IomemExcerpt | null; events?: readonly unknown[] };

export interface ReportInput {
  title?: string;
  createdAt: string;
  generator?: { name: string; version: string };
  scenario: { name: string; description?: string; seed: number; source: string; definition: unknown };
  environment: ReportEnvironment;
  lanes: { spec: LaneSpec; outcome: LaneOutcome }[];
}

/** Builds the report; lane ids are lane1…laneN and labels "profile / strategy" (made unique). */
export function buildReport(input: ReportInput): Report {
  if (input.lanes.length < 1 || input.lanes.length > MAX_LANES) throw new RangeError(`a report holds 1 to ${MAX_LANES} lanes, not ${input.lanes.length}`);
  const labels = laneLabels(input.lanes.map((l) => l.spec));
  const lanes = input.lanes.map(({ spec, outcome }, i): ReportLane => {
    const base = { id: `lane${i + 1}`, label: labels[i]!, profile: spec.profile, strategy: spec.strategy, ...(spec.params ? { params: { ...spec.params } } : {}) };
    const steps = (outcome.steps ?? []).map(toReportStep);
    const events = outcome.events ? { events: outcome.events.slice(-REPORT_EVENTS).map(toReportEvent) } : {};
    if (outcome.ok) return { ...base, status: 'ok', summary: toReportSummary(outcome.summary), steps, iomem: outcome.iomem, ...events };
    return { ...base, status: 'error', error: { ...outcome.error }, summary: null, steps, iomem: outcome.iomem ?? null, ...events };
  });
  const sc = input.scenario;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind: REPORT_KIND,
    title: input.title ?? `memhp-lab compare: ${sc.name}`,
    createdAt: input.createdAt,
    generator: input.generator ?? { name: 'memhp-lab', version: '0.0.0' },
    scenario: {
      name: sc.name,
      ...(sc.description ? { description: sc.description } : {}),
      seed: sc.seed,
      source: sc.source,
      definition: toPlainObject(sc.definition),
    },
    environment: Object.fromEntries(Object.entries(input.environment).filter(([, v]) => v !== undefined)) as ReportEnvironment,
    lanes,
  };
}

/** "6.12 / mhp-merge", with the lane's device parameters when it has any, and "#2" on a repeat. */
export function laneLabels(specs: readonly LaneSpec[]): string[] {
  const seen = new Map<string, number>();
  return specs.map((s) => {
    const params = s.params && Object.keys(s.params).length ? ` (${Object.entries(s.params).map(([k, v]) => `${k}=${String(v)}`).join(', ')})` : '';
    const label = `${s.profile} / ${s.strategy}${params}`;
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    return n === 1 ? label : `${label} #${n}`;
  });
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'bigint' ? Number(v) : 0;
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

/** A step's label as shown: with its result in brackets when the record carries one that is not "ok". */
function stepLabel(s: Record<string, unknown>): string {
  const label = String(s['label'] ?? '');
  return typeof s['result'] === 'string' ? stepTitle({ label, result: s['result'] }) : label;
}

/** A step record (the engine's `StepRecord` or its `StepPoint`) as a report step (only the fields the schema knows). */
export function toReportStep(m: unknown): ReportStep {
  const s = obj(m);
  const res = obj(s['resources']);
  const io = obj(s['iomem']);
  const blocks = obj(s['blocks']);
  const kd = obj(s['kdump']);
  const step: ReportStep = {
    index: num(s['index']),
    label: stepLabel(s),
    simTimeMs: num(s['simTimeMs']),
    wallMs: num(s['wallMs']),
    visits: num(s['visits']),
    resources: { total: num(res['total']), topLevel: num(res['topLevel']), systemRam: num(res['systemRam']) },
    iomem: { lines: num(io['lines']), bytes: num(io['bytes']) },
    plugged: String(s['plugged'] ?? '0'),
    blocks: { online: num(blocks['online']), offline: num(blocks['offline']) },
    kdump: { ranges: num(kd['ranges']), cap: num(kd['cap']), ok: kd['ok'] === true },
  };
  if (Array.isArray(s['devices'])) step.devices = (s['devices'] as unknown[]).map(toPlainObject);
  if (Array.isArray(s['changedLines'])) step.changedLines = (s['changedLines'] as unknown[]).map((r) => [num(obj(r)[0]), num(obj(r)[1])]);
  return step;
}

/** The runner's RunSummary as plain JSON: every field kept, bigints as decimal strings. */
export function toReportSummary(summary: unknown): ReportSummary {
  const plain = toPlainObject(summary);
  const kd = obj(plain['kdump']);
  const headroom = kd['headroomBlocks'];
  plain['kdump'] = {
    ...(kd as JsonObject),
    missedBytes: String(kd['missedBytes'] ?? '0'),
    headroomBlocks: typeof headroom === 'number' ? headroom : null,
  };
  return plain as ReportSummary;
}

function toReportEvent(e: unknown): ReportEvent {
  const o = obj(e);
  const level = o['level'] === 'warn' || o['level'] === 'error' ? o['level'] : 'info';
  return { t: num(o['t']), source: String(o['source'] ?? ''), level, message: String(o['message'] ?? '') };
}

/**
 * An excerpt of a /proc/iomem of `totalLines` lines read through `lines(from, count)`: the whole
 * file when it has at most `max` lines, else its first and last `max / 2` lines.
 */
export function makeIomemExcerpt(
  totalLines: number,
  bytes: number,
  lines: (from: number, count: number) => string[],
  opts: { view?: 'root' | 'user'; max?: number } = {},
): IomemExcerpt {
  const max = opts.max ?? IOMEM_EXCERPT_LINES;
  const view = opts.view ?? 'root';
  if (totalLines <= max) return { view, totalLines, bytes, segments: totalLines ? [{ from: 0, lines: lines(0, totalLines) }] : [] };
  const half = Math.floor(max / 2);
  return {
    view,
    totalLines,
    bytes,
    segments: [
      { from: 0, lines: lines(0, half) },
      { from: totalLines - half, lines: lines(totalLines - half, half) },
    ],
  };
}

/** An excerpt of a whole /proc/iomem text (for small machines and tests). */
export function excerptFromText(text: string, opts: { view?: 'root' | 'user'; max?: number } = {}): IomemExcerpt {
  const all = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text ? text.split('\n') : [];
  return makeIomemExcerpt(all.length, text.length, (from, count) => all.slice(from, from + count), opts);
}

