import { describe, expect, it } from 'vitest';
import { buildReport, buildReportView, excerptLines, finalRows, type ReportInput } from '../../../common/report/index.js';
import { FIXTURE_INPUT } from './fixtures/report-input.js';

type Outcome = ReportInput['lanes'][number]['outcome'];
const base = FIXTURE_INPUT.lanes[0]!.outcome as Extract<Outcome, { ok: true }>;
const baseSummary = base.summary as Record<string, unknown>;

/** A finished lane with the given final figures. */
function lane(systemRam: number, visits: number, wallMs: number, kdump: { ok: boolean; ranges: number }): ReportInput['lanes'][number] {
  return {
    spec: { profile: '6.12', strategy: 'none' },
    outcome: {
      ...base,
      summary: {
        ...baseSummary,
        resources: { total: 30, topLevel: 19, systemRam },
        visits: { total: visits },
        wallMs,
        kdump: { ranges: kdump.ranges, cap: 2050, ok: kdump.ok, missedBytes: kdump.ok ? 0n : 1024n, headroomBlocks: null },
      },
    },
  };
}
const failed: ReportInput['lanes'][number] = { spec: { profile: '5.9', strategy: 'none' }, outcome: { ok: false, error: { code: 'EINVAL', message: 'x' } } };

function best(lanes: ReportInput['lanes']): Record<string, number[]> {
  const rows = finalRows(buildReport({ ...FIXTURE_INPUT, lanes }).lanes);
  const out: Record<string, number[]> = {};
  for (const key of ['systemRam', 'visits', 'wallMs', 'kdump'] as const) out[key] = rows.flatMap((r, i) => (r.cells[key].best ? [i] : []));
  return out;
}

describe('best value per column', () => {
  // [case, lanes, expected best lane indices per column]
  const cases: [string, ReportInput['lanes'], Record<string, number[]>][] = [
    ['lowest wins, per column', [lane(800, 10, 3, { ok: true, ranges: 9 }), lane(3, 20, 2, { ok: true, ranges: 5 })], { systemRam: [1], visits: [0], wallMs: [1], kdump: [1] }],
    ['ties are all marked', [lane(3, 10, 2, { ok: true, ranges: 5 }), lane(3, 10, 2, { ok: true, ranges: 5 })], { systemRam: [0, 1], visits: [0, 1], wallMs: [0, 1], kdump: [0, 1] }],
    ['a failing kdump is never the best one', [lane(800, 10, 3, { ok: false, ranges: 2 }), lane(3, 20, 2, { ok: true, ranges: 5 })], { systemRam: [1], visits: [0], wallMs: [1], kdump: [1] }],
    ['no kdump marked when every lane fails', [lane(800, 10, 3, { ok: false, ranges: 9 }), lane(3, 20, 2, { ok: false, ranges: 9 })], { systemRam: [1], visits: [0], wallMs: [1], kdump: [] }],
    ['a failed lane is left out', [failed, lane(800, 10, 3, { ok: true, ranges: 9 }), lane(3, 20, 2, { ok: true, ranges: 5 })], { systemRam: [2], visits: [1], wallMs: [2], kdump: [2] }],
    ['nothing is marked with one finished lane', [failed, lane(3, 10, 2, { ok: true, ranges: 5 })], { systemRam: [], visits: [], wallMs: [], kdump: [] }],
  ];
  for (const [name, lanes, expected] of cases) it(name, () => expect(best(lanes)).toEqual(expected));
});

describe('report view', () => {
  it('has one chart per metric with one series per lane, named by the lane', () => {
    const view = buildReportView(buildReport(FIXTURE_INPUT));
    expect(view.charts.map((c) => c.id)).toEqual(['systemRam', 'iomemLines', 'visits', 'wallMs']);
    for (const c of view.charts) expect(c.series.map((s) => s.name)).toEqual(['6.12 / none', 'rfc-v1 / rfc-v1', '6.12 / mhp-merge']);
    expect(view.charts[0]!.series[0]!.points).toEqual([[0, 3], [1, 4], [2, 5], [3, 6]]);
  });

  it('diffs the first lane against each other lane', () => {
    const view = buildReportView(buildReport(FIXTURE_INPUT));
    expect(view.diffs.map((d) => [d.aLabel, d.bLabel, d.removed, d.added])).toEqual([
      ['6.12 / none', 'rfc-v1 / rfc-v1', 4, 1],
      ['6.12 / none', '6.12 / mhp-merge', 4, 1],
    ]);
  });

  it('marks the gaps of a head-and-tail excerpt', () => {
    expect(excerptLines({ view: 'root', totalLines: 10, bytes: 0, segments: [{ from: 0, lines: ['a', 'b'] }, { from: 8, lines: ['y', 'z'] }] })).toEqual(['a', 'b', '… 6 lines not in the excerpt …', 'y', 'z']);
    expect(excerptLines({ view: 'root', totalLines: 3, bytes: 0, segments: [{ from: 1, lines: ['b'] }] })).toEqual(['… 1 line not in the excerpt …', 'b', '… 1 line not in the excerpt …']);
  });
});
