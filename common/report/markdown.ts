/** The Markdown report: the scenario in one line and the final-figures table, best values in bold. */
import type { Report } from './model.js';
import { formatInt } from '../format.js';
import { buildReportView, type FinalRow, type ReportView } from './view.js';

/** Escapes a table cell: pipes, backslashes and line breaks would break the row. */
export function mdCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n|\r/g, ' ');
}

function mdInline(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ');
}

/** The Markdown summary (what `memhp compare` prints at the end and writes with --md). */
export function renderReportMarkdown(report: Report, view: ReportView = buildReportView(report)): string {
  const sc = report.scenario;
  const steps = Math.max(0, ...report.lanes.map((l) => l.steps.length));
  const out: string[] = [
    `# ${mdInline(report.title)}`,
    '',
    `Scenario \`${mdInline(sc.name)}\` (${mdInline(sc.source)}), seed ${sc.seed}, ${formatInt(steps)} step${steps === 1 ? '' : 's'}, ${report.lanes.length} lane${report.lanes.length === 1 ? '' : 's'}.`,
    '',
    `| Lane | Profile | Strategy | ${view.final.columns.map((c) => mdCell(c.title)).join(' | ')} |`,
    `| --- | --- | --- | ${view.final.columns.map((c) => (c.key === 'kdump' ? '---' : '---:')).join(' | ')} |`,
    ...view.final.rows.map((row) => tableRow(row, view)),
    '',
    'Best value per column in **bold**. kdump: crash ranges kexec-tools would load against its cap.',
  ];
  const failed = view.final.rows.filter((r) => r.status === 'error');
  if (failed.length) {
    out.push('', ...failed.map((r) => `- ${mdInline(r.label)}: ${mdInline(r.error ?? 'failed')}`));
  }
  return `${out.join('\n')}\n`;
}

function tableRow(row: FinalRow, view: ReportView): string {
  const cells = view.final.columns.map((c) => {
    const cell = row.cells[c.key];
    const text = c.key === 'kdump' && row.status === 'error' ? 'error' : cell.text;
    return cell.best ? `**${mdCell(text)}**` : mdCell(text);
  });
  return `| ${mdCell(row.label)} | ${mdCell(row.profile)} | ${mdCell(row.strategy)} | ${cells.join(' | ')} |`;
}
