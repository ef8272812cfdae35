/**
 * Exporting the Compare view's report: a file's text per format (JSON, CSV, Markdown, HTML),
 * saved through the bridge, or PDF through the print dialog (./usePrint.ts).
 */
import { getBridge } from '../bridge/index.js';
import { renderReportJson } from '../../../common/report/json.js';
import { renderReportCsv } from '../../../common/report/csv.js';
import { renderReportMarkdown } from '../../../common/report/markdown.js';
import type { Report } from '../../../common/report/model.js';
import type { ReportView } from '../../../common/report/view.js';
import { printReport } from './usePrint.js';

export const EXPORT_KINDS = ['html', 'json', 'csv', 'md', 'pdf'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** Where an export's outcome is told ("saved …", or the error). */
export type Notify = (level: 'info' | 'error', text: string) => void;

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'report';
}

/** The report as a file's text (HTML loads the report renderer on first use). */
export async function exportText(r: Report, view: ReportView | undefined, kind: Exclude<ExportKind, 'pdf'>): Promise<{ name: string; text: string; mime: string }> {
  const base = `${slug(r.scenario.name)}-compare`;
  switch (kind) {
    case 'json':
      return { name: `${base}.json`, text: renderReportJson(r), mime: 'application/json' };
    case 'csv':
      return { name: `${base}.csv`, text: renderReportCsv(r), mime: 'text/csv' };
    case 'md':
      return { name: `${base}.md`, text: renderReportMarkdown(r, view), mime: 'text/markdown' };
    case 'html': {
      const { renderReportHtml } = await import('../../../common/report/html.js');
      return { name: `${base}.html`, text: renderReportHtml(r, view), mime: 'text/html' };
    }
  }
}

/** Saves (or prints) the report; the outcome goes to `notify`. Nothing happens without a report. */
export async function exportReport(r: Report | null, view: ReportView | undefined, kind: ExportKind, notify: Notify): Promise<void> {
  if (!r) return;
  try {
    if (kind === 'pdf') return await printReport(r, view);
    const file = await exportText(r, view, kind);
    const where = await getBridge().saveFile(file.name, file.text, file.mime);
    if (where) notify('info', `saved ${where}`);
  } catch (e) {
    notify('error', `export ${kind}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The export action for a component. */
export function useReportExport(): { exportReport: typeof exportReport } {
  return { exportReport };
}
