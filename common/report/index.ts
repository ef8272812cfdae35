/**
 * Reports: compare lanes of one scenario and export them as HTML (inline SVG charts), JSON
 * (versioned, schema/report.schema.json), CSV and Markdown. `parseReportJson` loads a JSON report
 * back into the same view. Everything here is plain data in, text out; charts.ts (via html.ts) is
 * the only part that needs ECharts.
 */
export * from './model.js';
export { buildReport, laneLabels, makeIomemExcerpt, excerptFromText, toReportStep, toReportSummary, IOMEM_EXCERPT_LINES } from './build.js';
export type { LaneSpec, LaneOutcome, ReportInput } from './build.js';
export { buildReportView, finalRows, iomemDiffView, excerptLines, FINAL_COLUMNS } from './view.js';
export type { ReportView, FinalRow, FinalCell, FinalColumn, ChartView, ChartSeries, IomemDiffView } from './view.js';
export { renderReportJson, parseReportJson, formatReportErrors, MAX_REPORT_JSON_BYTES } from './json.js';
export type { ParseReportResult } from './json.js';
export { validateReport } from './validate.js';
export type { ReportError } from './validate.js';
export { renderReportCsv, CSV_COLUMNS } from './csv.js';
export { renderReportMarkdown } from './markdown.js';
export { renderReportHtml } from './html.js';
export { diffLines, diffHunks } from '../../worker/engine/oracle/diff.js';
export { toPlainJson } from './plain.js';
