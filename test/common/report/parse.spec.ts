import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildReportView, formatReportErrors, parseReportJson, renderReportJson } from '../../../common/report/index.js';
import { jsonErrorOffset } from '../../../common/report/json.js';
import { fixtureReport, type BrokenReport } from './fixtures/report-input.js';

function broken(edit: (r: BrokenReport) => void): string {
  const r = JSON.parse(renderReportJson(fixtureReport()));
  edit(r);
  return JSON.stringify(r, null, 2);
}

describe('parseReportJson', () => {
  it('loads a written report back into the same report and the same view', () => {
    const report = fixtureReport();
    const parsed = parseReportJson(renderReportJson(report));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.report).toEqual(report);
    expect(parsed.view).toEqual(buildReportView(report));
    expect(renderReportJson(parsed.report)).toBe(renderReportJson(report));
  });

  it('accepts a byte-order mark in front of the JSON', () => {
    expect(parseReportJson(`\ufeff${renderReportJson(fixtureReport())}`).ok).toBe(true);
  });

  // [what is wrong, the text, expected path, expected message fragment]
  const cases: [string, string, string, string][] = [
    ['not JSON', '{"schemaVersion": 1,\n  "lanes": [}', '(root)', 'not valid JSON at line 2, column'],
    ['an array', '[]', '(root)', 'must be a JSON object'],
    ['no schemaVersion', '{"lanes": []}', 'schemaVersion', 'not a memhp-lab report'],
    ['a newer schemaVersion', broken((r) => (r.schemaVersion = 2)), 'schemaVersion', 'newer than this memhp-lab reads (1)'],
    ['a wrong kind', broken((r) => (r.kind = 'other')), 'kind', 'must be "memhp-lab/compare-report"'],
    ['a negative count', broken((r) => (r.lanes[0].summary.iomem.lines = -1)), 'lanes[0].summary.iomem.lines', 'must be ≥ 0'],
    ['a fractional count', broken((r) => (r.lanes[2].steps[1].visits = 1.5)), 'lanes[2].steps[1].visits', 'must be an integer'],
    ['plugged as a number', broken((r) => (r.lanes[1].steps[2].plugged = 12)), 'lanes[1].steps[2].plugged', 'must be a string'],
    ['plugged not decimal', broken((r) => (r.lanes[1].steps[2].plugged = '0x100')), 'lanes[1].steps[2].plugged', 'decimal string'],
    ['an unknown strategy', broken((r) => (r.lanes[1].strategy = 'fast')), 'lanes[1].strategy', 'must be one of "none", "rfc-v1", "mhp-merge"'],
    ['no lanes', broken((r) => (r.lanes = [])), 'lanes', 'at least 1 item'],
    ['seven lanes', broken((r) => (r.lanes = [...r.lanes, ...r.lanes, r.lanes[0]])), 'lanes', 'at most 6 items'],
    ['an unknown field', broken((r) => (r.lanes[0].colour = 'red')), 'lanes[0].colour', 'is not a known field'],
    ['a missing label', broken((r) => delete r.lanes[2].label), 'lanes[2].label', 'is required'],
    ['a missing kdump verdict', broken((r) => delete r.lanes[0].summary.kdump.ok), 'lanes[0].summary.kdump.ok', 'is required'],
    ['a bad lane id', broken((r) => (r.lanes[0].id = 'lane 1')), 'lanes[0].id', 'letters, digits'],
    ['a bad date', broken((r) => (r.createdAt = 'yesterday')), 'createdAt', 'ISO 8601'],
    ['summary of the wrong type', broken((r) => (r.lanes[1].summary = 'fine')), 'lanes[1].summary', 'must be object or null'],
    ['a duplicate lane id', broken((r) => (r.lanes[1].id = 'lane1')), 'lanes[1].id', 'already used by lanes[0]'],
    ['a duplicate label', broken((r) => (r.lanes[2].label = r.lanes[0].label)), 'lanes[2].label', 'already used by lanes[0]'],
    ['steps out of order', broken((r) => (r.lanes[0].steps[2].index = 0)), 'lanes[0].steps[2].index', 'greater than the previous'],
    ['an error lane without its error', broken((r) => { r.lanes[1].status = 'error'; r.lanes[1].summary = null; }), 'lanes[1].error', 'is required when status is "error"'],
    ['an ok lane without summary', broken((r) => (r.lanes[1].summary = null)), 'lanes[1].summary', 'must not be null'],
    ['overlapping iomem segments', broken((r) => r.lanes[0].iomem.segments.push({ from: 3, lines: ['x'] })), 'lanes[0].iomem.segments[1].from', 'must be ≥'],
    ['an iomem excerpt longer than the file', broken((r) => (r.lanes[0].iomem.totalLines = 3)), 'lanes[0].iomem.totalLines', 'must be ≥'],
    ['an environment value that is an object', broken((r) => (r.environment.gpu = { x: 1 })), 'environment.gpu', 'must be string or number or boolean'],
    ['a key with odd characters', broken((r) => (r.lanes[0].params = { 'virtio-mem.bs': [1] })), 'lanes[0].params["virtio-mem.bs"]', 'must be string or number or boolean'],
  ];
  for (const [what, text, path, fragment] of cases) {
    it(`rejects ${what} with the field path ${path}`, () => {
      const r = parseReportJson(text);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      const hit = r.errors.find((e) => e.path === path);
      expect(hit, JSON.stringify(r.errors)).toBeDefined();
      expect(hit!.message).toContain(fragment);
    });
  }

  it('reports every violation at once, not just the first', () => {
    const r = parseReportJson(broken((x) => { x.lanes[0].summary.iomem.lines = -1; x.lanes[2].strategy = 'x'; delete x.title; }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.path).sort()).toEqual(['lanes[0].summary.iomem.lines', 'lanes[2].strategy', 'title']);
  });

  it('caps a flood of errors at 50 and says how many more', () => {
    const r = parseReportJson(broken((x) => { for (const lane of x.lanes) for (const s of lane.steps) { s.visits = -1; s.wallMs = -1; s.plugged = 1; s.index = -1; s.label = 5; } x.lanes = [...x.lanes, ...x.lanes]; }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.length).toBe(51);
    expect(r.errors[50]!.message).toMatch(/^… and \d+ more errors$/);
  });

  it('never throws on hostile input', () => {
    for (const text of ['', 'null', '1', '"x"', '{"schemaVersion":"1"}', '{"schemaVersion":1,"lanes":{}}', '{'.repeat(10000), `{"schemaVersion":1,"title":"${'x'.repeat(1000)}"}`]) {
      const r = parseReportJson(text);
      expect(r.ok).toBe(false);
    }
    expect(parseReportJson(undefined as unknown as string).ok).toBe(false);
  });

  it('formats errors one per line with the source name', () => {
    expect(formatReportErrors([{ path: 'lanes[0].id', message: 'is required' }], 'out.json')).toBe('out.json: lanes[0].id: is required');
  });
});

describe('jsonErrorOffset (where a JSON syntax error is)', () => {
  const cases: [string, number][] = [
    ['{"a": 1}', -1],
    ['[1, 2, {"b": [true, false, null, -0.5e3, "x\\"y"]}]', -1],
    ['  "str"  ', -1],
    ['{"a": 1,}', 8],
    ['[1 2]', 3],
    ['{"a" 1}', 5],
    ['{"a": tru}', 6],
    ['[1, 2', 5],
    ['', 0],
    ['{} x', 3],
    ['"tab\there"', 0],
    ['[01]', 2],
  ];
  for (const [text, offset] of cases) {
    it(`${JSON.stringify(text)} -> ${offset}`, () => expect(jsonErrorOffset(text)).toBe(offset));
  }

  it('agrees with JSON.parse on random texts built from JSON pieces', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('{', '}', '[', ']', ',', ':', '"k"', '1', '-2.5', 'true', 'null', ' ', '\n'), { maxLength: 14 }), (parts) => {
        const text = parts.join('');
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        expect(jsonErrorOffset(text) === -1).toBe(valid);
      }),
      { numRuns: 3000 },
    );
  });
});
