/** The CSV report: per-step metrics, one row per lane and step (RFC 4180 through `common/csv.ts`). */
import type { Report } from './model.js';
import { csvField } from '../csv.js';

export const CSV_COLUMNS = [
  'lane_id',
  'lane',
  'profile',
  'strategy',
  'step',
  'step_label',
  'sim_time_ms',
  'wall_ms',
  'visits',
  'resources_total',
  'resources_top_level',
  'system_ram',
  'iomem_lines',
  'iomem_bytes',
  'plugged_bytes',
  'blocks_online',
  'blocks_offline',
  'kdump_ranges',
  'kdump_cap',
  'kdump_ok',
] as const;

/** The whole CSV text: a header record, then one record per lane and step, each ended by CRLF. */
export function renderReportCsv(report: Report): string {
  const records: string[] = [CSV_COLUMNS.join(',')];
  for (const lane of report.lanes) {
    for (const s of lane.steps) {
      const row: (string | number | boolean)[] = [
        lane.id,
        lane.label,
        lane.profile,
        lane.strategy,
        s.index,
        s.label,
        s.simTimeMs,
        s.wallMs,
        s.visits,
        s.resources.total,
        s.resources.topLevel,
        s.resources.systemRam,
        s.iomem.lines,
        s.iomem.bytes,
        s.plugged,
        s.blocks.online,
        s.blocks.offline,
        s.kdump.ranges,
        s.kdump.cap,
        s.kdump.ok,
      ];
      records.push(row.map(csvField).join(','));
    }
  }
  return `${records.join('\r\n')}\r\n`;
}
