/**
 * The HTML report in a real browser (Debian Chromium through playwright-core) with the network
 * blocked: every request but the report itself is aborted and recorded. The page must need none
 * (no failed request), log no console error, and show one SVG chart per metric naming every lane.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { buildReport, renderReportHtml, STEP_METRICS, type ReportInput } from '../../worker/report/index.js';
import { FIXTURE_INPUT } from '../reports/fixtures/report-input.js';

function chromePath(): string {
  const found = [process.env['CHROME_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && existsSync(p));
  if (!found) throw new Error('Chromium not found: install it (apt-get install chromium) or set CHROME_PATH');
  return found;
}

// Six lanes, one with a hostile name, so legends must hold them all and escape them.
const INPUT: ReportInput = {
  ...FIXTURE_INPUT,
  lanes: [
    ...FIXTURE_INPUT.lanes,
    { spec: { profile: '5.9', strategy: 'none' }, outcome: FIXTURE_INPUT.lanes[0]!.outcome },
    { spec: { profile: '5.10', strategy: 'mhp-merge', params: { 'virtio-mem.note': '<b>&"x"' } }, outcome: FIXTURE_INPUT.lanes[2]!.outcome },
    { spec: { profile: '6.1', strategy: 'rfc-v1' }, outcome: { ok: false, error: { code: 'KERNEL_ERRNO', message: 'add_memory: -EBUSY' } } },
  ],
};
const report = buildReport(INPUT);
const html = renderReportHtml(report);

let browser: Browser;
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/report.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/report.html`;
  browser = await chromium.launch({
    executablePath: chromePath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe('HTML report in Chromium, network blocked', () => {
  it('loads with no request besides itself, no console error, one chart per metric naming every lane', async () => {
    const page = await browser.newPage();
    const blocked: string[] = [];
    const failed: string[] = [];
    const consoleErrors: string[] = [];
    await page.route('**/*', (route) => {
      if (route.request().url() === url) return route.continue();
      blocked.push(route.request().url());
      return route.abort();
    });
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    const res = await page.goto(url, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);

    const charts = await page.$$eval('figure.chart > svg', (svgs) =>
      svgs.map((svg) => ({
        metric: svg.getAttribute('data-metric'),
        texts: Array.from(svg.querySelectorAll('text')).map((t) => t.textContent ?? ''),
        width: svg.getBoundingClientRect().width,
      })),
    );
    expect(charts.map((c) => c.metric)).toEqual(STEP_METRICS.map((m) => m.id));
    for (const c of charts) {
      expect(c.width).toBeGreaterThan(300);
      for (const lane of report.lanes) expect(c.texts).toContain(lane.label);
    }
    const best = await page.$$eval('table.final td.best', (tds) => tds.length);
    expect(best).toBeGreaterThanOrEqual(6);
    const title = await page.title();
    expect(title).toBe(report.title);
    expect(blocked).toEqual([]);
    expect(failed).toEqual([]);
    expect(consoleErrors).toEqual([]);

    // Printing works too (what --pdf relies on): an A4 PDF comes out.
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await page.close();
  });
});
