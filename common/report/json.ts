/** The JSON report: written with stable formatting, read back with validation into the same view. */
import type { Report } from './model.js';
import { validateReport, type ReportError } from './validate.js';
import { buildReportView, type ReportView } from './view.js';
import { jsonErrorOffset, lineColumnOf } from '../json-error.js';

export { jsonErrorOffset };

/** A report larger than this is refused before parsing (a 6-lane soak run stays far below it). */
export const MAX_REPORT_JSON_BYTES = 256 * 1024 * 1024;

/** The JSON report text: 2-space indented, one trailing newline. */
export function renderReportJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export type ParseReportResult = { ok: true; report: Report; view: ReportView } | { ok: false; errors: ReportError[] };

/**
 * Loads a JSON report back: parses, validates against the schema and the cross-field rules, and
 * rebuilds the view. Never throws on bad input; every error names its field path (or line and column).
 */
export function parseReportJson(text: string): ParseReportResult {
  if (typeof text !== 'string') return { ok: false, errors: [{ path: '(root)', message: 'report text must be a string' }] };
  if (text.length > MAX_REPORT_JSON_BYTES) {
    return { ok: false, errors: [{ path: '(root)', message: `report is ${text.length} characters, more than the ${MAX_REPORT_JSON_BYTES} limit` }] };
  }
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    return { ok: false, errors: [{ path: '(root)', message: jsonSyntaxMessage(text, e) }] };
  }
  const checked = validateReport(data);
  if (!checked.ok) return checked;
  return { ok: true, report: checked.report, view: buildReportView(checked.report) };
}

/** "not valid JSON at line 3, column 7: …": V8 does not always say where, so find the spot ourselves. */
function jsonSyntaxMessage(text: string, e: unknown): string {
  const msg = (e instanceof Error ? e.message : String(e)).replace(/ in JSON at position \d+.*$/, '');
  const pos = jsonErrorOffset(text);
  if (pos < 0) return `not valid JSON: ${msg}`;
  const { line, column } = lineColumnOf(text, pos);
  const what = pos >= text.length ? 'unexpected end of text' : `unexpected ${JSON.stringify(text.slice(pos, pos + 12))}`;
  return `not valid JSON at line ${line}, column ${column}: ${what}`;
}

/** One line per error, prefixed with the file name: "out.json: lanes[0].id: is required". */
export function formatReportErrors(errors: readonly ReportError[], source = 'report'): string {
  return errors.map((e) => `${source}: ${e.path}: ${e.message}`).join('\n');
}
