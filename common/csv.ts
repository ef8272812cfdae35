/**
 * The one CSV writer (RFC 4180: CRLF record ends, quoted fields), used by the run export's steps CSV
 * and the compare report's CSV.
 *
 * A text cell that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a tab
 * or CR) gets a leading apostrophe, so opening an export never runs what a scenario label held.
 * Plain numbers are left alone, negative ones included.
 */

export type CsvValue = string | number | boolean;

/** A number as a spreadsheet reads it: an optional minus, digits, an optional fraction and exponent. */
const PLAIN_NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field: formula-like text defused with a leading `'`, then quoted (quotes doubled) when it holds `,` `"` CR or LF. */
export function csvField(value: CsvValue): string {
  let s = String(value);
  if (FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record: the fields joined by commas (no line end). */
export function csvRecord(values: readonly CsvValue[]): string {
  return values.map(csvField).join(',');
}

/** A whole CSV text: the header, then one record per row, every record ended by CRLF. */
export function csvText(header: readonly string[], rows: Iterable<readonly CsvValue[]>): string {
  const records = [csvRecord(header)];
  for (const row of rows) records.push(csvRecord(row));
  return `${records.join('\r\n')}\r\n`;
}
