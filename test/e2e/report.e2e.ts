/**
 * The HTML report in a real browser (Debian Chromium through playwright-core) with the network
 * blocked: every request but the report itself is aborted and recorded. The page must need none
 * (no failed request), log no console error, and show one SVG chart per metric naming every lane.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { buildReport, renderReportHtml, STEP_METRICS, type ReportInput } from '../../common/report/index.js';
import { FIXTURE_INPUT } from '../common/report/fixtures/report-input.js';

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
/** Served pages by path: the fixture report, and one written by the built CLI in a test. */
const pages = new Map<string, string>([['/report.html', renderReportHtml(report)]]);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'memhp-e2e-report-'));

let browser: Browser;
let server: Server;
let origin = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const page = pages.get(req.url ?? '');
    if (page !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: chromePath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

/** Opens a served report with every other request aborted; returns what the page showed and did. */
async function openBlocked(pagePath: string) {
  const url = `${origin}${pagePath}`;
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
  const charts = await page.$$eval('figure.chart > svg', (svgs) =>
    svgs.map((svg) => ({
      metric: svg.getAttribute('data-metric'),
      texts: Array.from(svg.querySelectorAll('text')).map((t) => t.textContent ?? ''),
      width: svg.getBoundingClientRect().width,
    })),
  );
  return { page, status: res?.status(), blocked, failed, consoleErrors, charts };
}

describe('HTML report in Chromium, network blocked', () => {
  it('loads with no request besides itself, no console error, one chart per metric naming every lane', async () => {
    const { page, status, blocked, failed, consoleErrors, charts } = await openBlocked('/report.html');
    expect(status).toBe(200);
    expect(charts.map((c) => c.metric)).toEqual(STEP_METRICS.map((m) => m.id));
    for (const c of charts) {
      expect(c.width).toBeGreaterThan(300);
      for (const lane of report.lanes) expect(c.texts).toContain(lane.label);
    }
    const best = await page.$$eval('table.final td.best', (tds) => tds.length);
    expect(best).toBeGreaterThanOrEqual(6);
    expect(await page.title()).toBe(report.title);
    expect(blocked).toEqual([]);
    expect(failed).toEqual([]);
    expect(consoleErrors).toEqual([]);

    // Printing works too (what --pdf relies on): an A4 PDF comes out.
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await page.close();
  });

  it('the report `memhp compare --report` writes for the seed preset passes the same checks', async () => {
    const out = path.join(tmp, 'seed.html');
    execFileSync(process.execPath, ['out/cli/memhp.js', 'compare', 'seed-100g-virtio-mem', '--strategies', 'none,rfc-v1,mhp-merge', '--report', out], {
      cwd: path.resolve(__dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    pages.set('/seed.html', readFileSync(out, 'utf8'));
    const { page, status, blocked, failed, consoleErrors, charts } = await openBlocked('/seed.html');
    expect(status).toBe(200);
    expect(charts.map((c) => c.metric)).toEqual(STEP_METRICS.map((m) => m.id));
    for (const c of charts) for (const label of ['6.18 / none', '6.18 / rfc-v1', '6.18 / mhp-merge']) expect(c.texts).toContain(label);
    expect(await page.$$eval('article.lane', (a) => a.length)).toBe(3);
    expect(await page.$eval('pre.diff', (p) => p.textContent ?? '')).toContain('System RAM (virtio_mem)');
    expect(blocked).toEqual([]);
    expect(failed).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
