import { describe, expect, it } from 'vitest';
import { buildReport, excerptFromText, renderReportHtml, STEP_METRICS, type ReportInput } from '../../../common/report/index.js';
import { BOOT_IOMEM, FIXTURE_INPUT, fixtureReport } from './fixtures/report-input.js';

/** Every way an HTML file can make the browser fetch something. */
const RESOURCE_REFERENCE = /(?:src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?\/\/|url\(\s*["']?\s*(?:https?:)?\/\/|@import/i;

describe('HTML report (structure)', () => {
  const report = fixtureReport();
  const html = renderReportHtml(report);

  it('is one self-contained document: no http(s) URL at all, no script, no external reference', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(RESOURCE_REFERENCE);
    expect(html).not.toMatch(/<script|<link|<img|<iframe/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('keeps all CSS in the one head <style>: no style attribute, no <style> inside the charts', () => {
    expect((html.match(/<style/g) ?? []).length).toBe(1);
    expect(html).not.toMatch(/\sstyle="/);
    expect(html).toMatch(/<text [^>]*font-size="12px" font-family="sans-serif"/);
  });

  it('has one <svg> chart per metric, each naming every lane', () => {
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).toBe(STEP_METRICS.length);
    STEP_METRICS.forEach((m, i) => {
      expect(svgs[i]).toContain(`data-metric="${m.id}"`);
      for (const lane of report.lanes) expect(svgs[i]).toMatch(new RegExp(`<text[^>]*>${lane.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</text>`));
    });
  });

  it('names every lane in the tables and the lane sections', () => {
    for (const lane of report.lanes) {
      expect(html).toContain(`<tr data-lane="${lane.id}">`);
      expect(html).toMatch(new RegExp(`<article class="lane l\\d" id="lane-${lane.id}">`));
    }
  });

  it('marks the best value per column of the final-figures table', () => {
    const table = html.slice(html.indexOf('<table class="final">'), html.indexOf('</table>', html.indexOf('<table class="final">')));
    const rows = table.split('<tr data-lane=').slice(1);
    const bestIn = (row: string) => (row.match(/data-best="true"/g) ?? []).length;
    // lane1 (none) wins nothing; lane2 (rfc-v1) ties on lines, bytes and kdump; lane3 (mhp-merge) wins all six.
    expect(rows.map(bestIn)).toEqual([0, 4, 6]);
  });

  it('prints on A4 and holds the scenario, the environment, /proc/iomem excerpts and the lane diff', () => {
    expect(html).toContain('@page { size: A4;');
    expect(html).toContain('<section id="scenario">');
    expect(html).toContain('Fixture CPU @ 2.0GHz');
    expect(html).toContain('  100000000-107ffffff : System RAM (virtio_mem)');
    expect(html).toContain('<span class="del">-  100000000-107ffffff : System RAM (virtio_mem)</span>');
    expect(html).toContain('<span class="add">+  100000000-11fffffff : System RAM (virtio_mem)</span>');
    expect(html).toContain('6.12 / none → rfc-v1 / rfc-v1');
  });

  it('escapes hostile text from the scenario and lanes', () => {
    const input: ReportInput = {
      ...FIXTURE_INPUT,
      title: '<script>alert(1)</script>',
      scenario: { ...FIXTURE_INPUT.scenario, name: '"><img src=x onerror=alert(1)>', description: 'see <a href="https://example.com">x</a>' },
      lanes: FIXTURE_INPUT.lanes.map((l, i) => (i === 0 ? { ...l, spec: { ...l.spec, params: { '<b>': '</pre><script>' } } } : l)),
    };
    const out = renderReportHtml(buildReport(input));
    expect(out).not.toMatch(/<script|<img|<a (?!href="#[a-z]+">)/i);
    expect(out).not.toMatch(RESOURCE_REFERENCE);
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('shows a failed lane with its error and leaves it out of the ranking', () => {
    const input: ReportInput = {
      ...FIXTURE_INPUT,
      lanes: [...FIXTURE_INPUT.lanes, { spec: { profile: '5.9', strategy: 'none' }, outcome: { ok: false, error: { code: 'EINVAL', message: 'bad device for 5.9' } } }],
    };
    const out = renderReportHtml(buildReport(input));
    expect(out).toContain('EINVAL: bad device for 5.9');
    const row = out.slice(out.indexOf('<tr data-lane="lane4">'), out.indexOf('</tr>', out.indexOf('<tr data-lane="lane4">')));
    expect(row).not.toContain('data-best');
    expect((out.match(/<svg/g) ?? []).length).toBe(STEP_METRICS.length);
  });

  it('keeps long runs printable: step tables and excerpts are cut with a note', () => {
    const many = FIXTURE_INPUT.lanes.map((l) => ({
      ...l,
      outcome: { ...l.outcome, steps: Array.from({ length: 1000 }, (_, i) => ({ ...(l.outcome.steps![0] as object), index: i })) },
    }));
    const out = renderReportHtml(buildReport({ ...FIXTURE_INPUT, lanes: many as ReportInput['lanes'] }));
    expect(out).toContain('940 steps not shown');
    expect((out.match(/<svg/g) ?? []).length).toBe(STEP_METRICS.length);
  });

  it('shows head and tail of a long /proc/iomem and folds long runs of the diff', () => {
    const blocks = Array.from({ length: 800 }, (_, i) => `  ${(0x100000000 + i * 0x8000000).toString(16)}-${(0x100000000 + (i + 1) * 0x8000000 - 1).toString(16)} : System RAM (virtio_mem)`);
    const text = `${BOOT_IOMEM.replace('100000000-10ffffffff : virtio0\n', `100000000-10ffffffff : virtio0\n${blocks.join('\n')}\n`)}`;
    const none = { ...FIXTURE_INPUT.lanes[0]!, outcome: { ...(FIXTURE_INPUT.lanes[0]!.outcome as object), iomem: excerptFromText(text) } } as ReportInput['lanes'][number];
    const out = renderReportHtml(buildReport({ ...FIXTURE_INPUT, lanes: [none, FIXTURE_INPUT.lanes[2]!] }));
    expect(out).toContain('665 lines not shown here');
    expect(out).toContain(`  ${blocks[0]!.trim()}`);
    expect(out).toContain(`  ${blocks[799]!.trim()}`);
    expect(out).toMatch(/… 778 more lines only in 6\.12 \/ none …/);
    expect(out).not.toContain(blocks[400]!.trim());
  });
});
