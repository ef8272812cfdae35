/**
 * The steps of a run as CSV (the app's "steps CSV" export and `memhp run --csv`): one record per
 * sampled step, through the shared writer `common/csv.ts`.
 */
import { csvText, type CsvValue } from '../csv.js';
import { stepTitle, type StepPoint } from '../../worker/engine/runner/step-record.js';

export const STEPS_CSV_COLUMNS = [
  'index', 'label', 'simTimeMs', 'wallMs', 'visits', 'resources', 'topLevel', 'systemRam', 'iomemLines', 'iomemBytes',
  'plugged', 'blocksOnline', 'blocksOffline', 'kdumpRanges', 'kdumpCap', 'kdumpOk', 'stride',
] as const;

function row(r: StepPoint, stride: number): CsvValue[] {
  return [
    r.index, stepTitle(r), r.simTimeMs, r.wallMs.toFixed(4), r.visits, r.resources.total, r.resources.topLevel, r.resources.systemRam,
    r.iomem.lines, r.iomem.bytes, r.plugged, r.blocks.online, r.blocks.offline, r.kdump.ranges, r.kdump.cap, r.kdump.ok, stride,
  ];
}

/**
 * The steps as CSV. `label` is the step's label with its result unless "ok"; the last column,
 * `stride`, is the same on every row: 1 when every step is there, k when only every k-th step
 * (from the first) and the last one were kept.
 */
export function stepsCsv(steps: readonly StepPoint[], stride = 1): string {
  return csvText(STEPS_CSV_COLUMNS, steps.map((r) => row(r, stride)));
}
