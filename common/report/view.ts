/**
 * The view data every report format and the Compare view are drawn from: the final-figures table
 * with the best value per column marked, one chart per step metric (one series per lane), and the
 * /proc/iomem line diffs between lanes. Pure: the same report always gives the same view.
 */
import { diffHunks, diffLines, type DiffHunk } from '../../worker/engine/oracle/diff.js';
import { formatInt, formatMs } from '../format.js';
import { kdumpVerdict } from './format.js';
import { STEP_METRICS, type IomemExcerpt, type Report, type ReportLane, type StepMetricDef } from './model.js';

export type FinalColumnKey = 'systemRam' | 'iomemLines' | 'iomemBytes' | 'visits' | 'wallMs' | 'kdump';

export interface FinalColumn {
  key: FinalColumnKey;
  title: string;
}

export interface FinalCell {
  text: string;
  /** The ranking key (lower is better); null when the lane has no figure. */
  rank: number | null;
  best: boolean;
}

export interface FinalRow {
  laneId: string;
  label: string;
  profile: string;
  strategy: string;
  status: 'ok' | 'error';
  error?: string;
  cells: Record<FinalColumnKey, FinalCell>;
}

export const FINAL_COLUMNS: readonly FinalColumn[] = [
  { key: 'systemRam', title: '"System RAM" lines' },
  { key: 'iomemLines', title: '/proc/iomem lines' },
  { key: 'iomemBytes', title: '/proc/iomem bytes' },
  { key: 'visits', title: 'Kernel visits' },
  { key: 'wallMs', title: 'Wall time' },
  { key: 'kdump', title: 'kdump' },
];

export interface ChartSeries {
  laneId: string;
  name: string;
  /** [step index, value] pairs. */
  points: [number, number][];
}

export interface ChartView {
  id: StepMetricDef['id'];
  title: string;
  unit: string;
  series: ChartSeries[];
}

export interface IomemDiffView {
  aLaneId: string;
  bLaneId: string;
  aLabel: string;
  bLabel: string;
  added: number;
  removed: number;
  minimal: boolean;
  hunks: DiffHunk[];
}

export interface ReportView {
  title: string;
  final: { columns: readonly FinalColumn[]; rows: FinalRow[] };
  charts: ChartView[];
  /** The first lane against each other lane that has a /proc/iomem excerpt. */
  diffs: IomemDiffView[];
}

/** Builds the whole view of a (valid) report. */
export function buildReportView(report: Report): ReportView {
  const withIomem = report.lanes.filter((l) => l.iomem !== null);
  const base = withIomem[0];
  return {
    title: report.title,
    final: { columns: FINAL_COLUMNS, rows: finalRows(report.lanes) },
    charts: STEP_METRICS.map((m) => chartView(report.lanes, m)),
    diffs: base ? withIomem.slice(1).map((other) => iomemDiffView(base, other)) : [],
  };
}

/** Ranking rules per column: every figure is better lower; for kdump, among lanes whose kdump loads, fewer ranges. */
function laneCells(lane: ReportLane): Record<FinalColumnKey, FinalCell> {
  const s = lane.summary;
  const cell = (text: string, rank: number | null): FinalCell => ({ text, rank, best: false });
  if (!s || lane.status !== 'ok') {
    const none = (): FinalCell => cell('—', null);
    return { systemRam: none(), iomemLines: none(), iomemBytes: none(), visits: none(), wallMs: none(), kdump: none() };
  }
  return {
    systemRam: cell(formatInt(s.resources.systemRam), s.resources.systemRam),
    iomemLines: cell(formatInt(s.iomem.lines), s.iomem.lines),
    iomemBytes: cell(formatInt(s.iomem.bytes), s.iomem.bytes),
    visits: cell(formatInt(s.visits.total), s.visits.total),
    wallMs: cell(formatMs(s.wallMs), s.wallMs),
    // Only a kdump that loads can be the best one: failures are never marked.
    kdump: cell(kdumpVerdict(s.kdump), s.kdump.ok ? s.kdump.ranges : null),
  };
}

/** The final-figures rows with the best value of each column marked (ties all marked; needs 2+ finished lanes). */
export function finalRows(lanes: readonly ReportLane[]): FinalRow[] {
  const rows: FinalRow[] = lanes.map((lane) => ({
    laneId: lane.id,
    label: lane.label,
    profile: lane.profile,
    strategy: lane.strategy,
    status: lane.status,
    ...(lane.error ? { error: `${lane.error.code}: ${lane.error.message}` } : {}),
    cells: laneCells(lane),
  }));
  const finished = lanes.filter((l) => l.status === 'ok' && l.summary).length;
  if (finished < 2) return rows;
  for (const { key } of FINAL_COLUMNS) {
    const ranks = rows.map((r) => r.cells[key].rank).filter((x): x is number => x !== null);
    if (ranks.length === 0) continue;
    const best = Math.min(...ranks);
    for (const r of rows) if (r.cells[key].rank === best) r.cells[key].best = true;
  }
  return rows;
}

function chartView(lanes: readonly ReportLane[], metric: StepMetricDef): ChartView {
  return {
    id: metric.id,
    title: metric.title,
    unit: metric.unit,
    series: lanes.map((lane) => ({
      laneId: lane.id,
      name: lane.label,
      points: lane.steps.map((s) => [s.index, metric.get(s)] as [number, number]),
    })),
  };
}

/** The excerpt as a flat list of lines, with one marker line standing for each gap. */
export function excerptLines(x: IomemExcerpt): string[] {
  const out: string[] = [];
  let next = 0;
  for (const seg of x.segments) {
    if (seg.from > next) out.push(gapMarker(seg.from - next));
    out.push(...seg.lines);
    next = seg.from + seg.lines.length;
  }
  if (x.totalLines > next) out.push(gapMarker(x.totalLines - next));
  return out;
}

function gapMarker(n: number): string {
  return `… ${formatInt(n)} line${n === 1 ? '' : 's'} not in the excerpt …`;
}

/** The line diff of two lanes' final /proc/iomem (excerpts). */
export function iomemDiffView(a: ReportLane, b: ReportLane, context = 3): IomemDiffView {
  const diff = diffLines(a.iomem ? excerptLines(a.iomem) : [], b.iomem ? excerptLines(b.iomem) : []);
  return {
    aLaneId: a.id,
    bLaneId: b.id,
    aLabel: a.label,
    bLabel: b.label,
    added: diff.added,
    removed: diff.removed,
    minimal: diff.minimal,
    hunks: diffHunks(diff, context),
  };
}

/** "ok" / "error: <code>: <message>" as shown beside a lane's name. */
export function laneStatusText(lane: ReportLane): string {
  return lane.status === 'ok' ? 'ok' : `error: ${lane.error ? `${lane.error.code}: ${lane.error.message}` : 'unknown'}`;
}

