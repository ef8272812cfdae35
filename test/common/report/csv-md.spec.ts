import { describe, expect, it } from 'vitest';
import { buildReport, CSV_COLUMNS, renderReportCsv, renderReportMarkdown, type ReportInput } from '../../../common/report/index.js';
import { mdCell } from '../../../common/report/markdown.js';
import { FIXTURE_INPUT, fixtureReport } from './fixtures/report-input.js';

describe('CSV (RFC 4180)', () => {
  // The field cases (quoting, the formula guard) are in test/common/csv.spec.ts with the shared writer.
  it('has a header and one CRLF-ended record per lane and step, every record with every column', () => {
    const csv = renderReportCsv(fixtureReport());
    expect(csv.endsWith('\r\n')).toBe(true);
    const records = csv.slice(0, -2).split('\r\n');
    expect(records[0]).toBe(CSV_COLUMNS.join(','));
    expect(records.length).toBe(1 + 3 * 4);
    // The quoted label holds a comma: count fields with a tiny RFC 4180 reader.
    const split = (r: string) => r.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.filter((x, i, a) => i < a.length - 1 || x !== '');
    for (const r of records) expect(split(r).length).toBe(CSV_COLUMNS.length);
  });

  it('writes no record for a lane that ran no step', () => {
    const input: ReportInput = { ...FIXTURE_INPUT, lanes: [...FIXTURE_INPUT.lanes, { spec: { profile: '5.9', strategy: 'none' }, outcome: { ok: false, error: { code: 'X', message: 'y' } } }] };
    expect(renderReportCsv(buildReport(input)).split('\r\n').length).toBe(1 + 3 * 4 + 1);
  });
});

describe('Markdown summary', () => {
  const cells: [string, string][] = [
    ['a | b', 'a \\| b'],
    ['back\\slash', 'back\\\\slash'],
    ['line\nbreak', 'line break'],
  ];
  for (const [text, cell] of cells) it(`escapes ${JSON.stringify(text)}`, () => expect(mdCell(text)).toBe(cell));

  it('lists a failed lane in the table and below it with its error', () => {
    const input: ReportInput = { ...FIXTURE_INPUT, lanes: [...FIXTURE_INPUT.lanes, { spec: { profile: '5.9', strategy: 'none' }, outcome: { ok: false, error: { code: 'KERNEL_ERRNO', message: 'add_memory: -EBUSY' } } }] };
    const md = renderReportMarkdown(buildReport(input));
    expect(md).toContain('| 5.9 / none | 5.9 | none | — | — | — | — | — | error |');
    expect(md).toContain('- 5.9 / none: KERNEL_ERRNO: add_memory: -EBUSY');
  });
});
