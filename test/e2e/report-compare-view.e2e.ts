/**
 * The app's Compare view in Chromium (the browser build, served on 127.0.0.1): three lanes of the
 * seed preset run in their own Web Workers, the final table marks the best values, every chart
 * names every lane; the JSON export re-opens into the same view, and a broken one is refused
 * with its field path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parseReportJson } from '../../common/report/index.js';

const root = path.resolve(__dirname, '../../out/renderer');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'memhp-e2e-compare-'));

function chromePath(): string {
  const found = [process.env['CHROME_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && existsSync(p));
  if (!found) throw new Error('Chromium not found: install it (apt-get install chromium) or set CHROME_PATH');
  return found;
}

let server: Server;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let p = path.join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!p.startsWith(root)) p = root;
    if (existsSync(p) && statSync(p).isDirectory()) p = path.join(p, 'index.html');
    if (!existsSync(p)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(p)] ?? 'application/octet-stream' });
    res.end(readFileSync(p));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({ executablePath: chromePath(), args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  page = await browser.newPage({ viewport: { width: 1500, height: 1000 }, acceptDownloads: true });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.click('[data-testid="tab-compare"]');
  await page.waitForSelector('[data-testid="compare-view"]');
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

const rowsText = () => page.$$eval('[data-testid="compare-final-table"] tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));

describe('Compare view in Chromium', () => {
  let exported = '';

  it('runs three lanes of the seed preset and shows the table, the charts and the diff', async () => {
    await page.selectOption('[data-testid="compare-preset"]', 'seed-100g-virtio-mem');
    await page.click('[data-testid="compare-run"]');
    await page.waitForSelector('[data-testid="compare-final-table"] tbody tr >> nth=2', { timeout: 90_000 });
    const rows = await rowsText();
    expect(rows.map((r) => r.split(' ').slice(0, 3).join(' '))).toEqual(['6.18 / none', '6.18 / rfc-v1', '6.18 / mhp-merge']);
    expect(await page.$$eval('[data-testid="compare-final-table"] td[data-best="true"]', (tds) => tds.length)).toBeGreaterThanOrEqual(5);
    const legends = await page.$$eval('[data-testid^="compare-chart-"]', (charts) => charts.map((c) => (c as HTMLElement).innerText));
    expect(legends.length).toBe(4);
    for (const l of legends) for (const lane of ['6.18 / none', '6.18 / rfc-v1', '6.18 / mhp-merge']) expect(l).toContain(lane);
    expect(await page.textContent('[data-testid="compare-diff-stat"]')).toMatch(/^−\d+ \+\d+ lines$/);
    expect(pageErrors).toEqual([]);
  });

  it('exports the JSON report (a download in browser mode) that validates', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="compare-export-json"]')]);
    const file = path.join(tmp, download.suggestedFilename());
    await download.saveAs(file);
    expect(download.suggestedFilename()).toBe('seed-100g-virtio-mem-compare.json');
    exported = readFileSync(file, 'utf8');
    const parsed = parseReportJson(exported);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.report.lanes.map((l) => l.summary?.iomem.lines)).toEqual(parsed.view.final.rows.map((r) => Number(r.cells.iomemLines.text.replace(/,/g, ''))));
  });

  it('exports the HTML report from the browser too (ECharts SVG, loaded on demand under the app CSP)', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="compare-export-html"]')]);
    const file = path.join(tmp, download.suggestedFilename());
    await download.saveAs(file);
    const html = readFileSync(file, 'utf8');
    expect(download.suggestedFilename()).toBe('seed-100g-virtio-mem-compare.html');
    expect((html.match(/<svg/g) ?? []).length).toBe(4);
    expect(html).not.toMatch(/https?:\/\//);
    expect(pageErrors).toEqual([]);
  });

  it('prints the report to PDF from the page, styled, with the app hidden on paper and no CSP violation', async () => {
    // Headless Chromium has no print dialog: keep what the PDF button lays out, then print it ourselves.
    await page.evaluate(() => {
      window.print = () => {};
    });
    await page.click('[data-testid="compare-export-pdf"]');
    await page.waitForSelector('#memhp-print', { state: 'attached' });
    expect(await page.isVisible('#memhp-print')).toBe(false);
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('#memhp-print h1')).toBe(true);
    expect(await page.isVisible('[data-testid="compare-view"]')).toBe(false);
    expect(await page.$eval('#memhp-print h1', (h) => getComputedStyle(h).fontSize)).toBe('20px');
    expect(await page.$$eval('#memhp-print figure.chart svg', (s) => s.length)).toBe(4);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await page.emulateMedia({ media: 'screen' });
    await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
    expect(await page.$('#memhp-print')).toBeNull();
    expect(pageErrors).toEqual([]);
  });

  it('re-opens the exported JSON into the same view', async () => {
    const before = await rowsText();
    const file = path.join(tmp, 'again.json');
    writeFileSync(file, exported);
    // Change a lane first, so the re-open visibly restores the report's lanes.
    await page.selectOption('[data-testid="compare-lane-strategy"] >> nth=0', 'mhp-merge');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('[data-testid="compare-open-report"]')]);
    await chooser.setFiles(file);
    await page.waitForFunction(() => (document.querySelector('[data-testid="compare-lane-strategy"]') as HTMLSelectElement | null)?.value === 'none');
    expect(await rowsText()).toEqual(before);
    expect(await page.$$eval('[data-testid^="compare-chart-"]', (c) => c.length)).toBe(4);
  });

  it('refuses a broken report with the field path and keeps the view', async () => {
    const bad = JSON.parse(exported);
    bad.lanes[1].summary.iomem.lines = -5;
    const file = path.join(tmp, 'broken.json');
    writeFileSync(file, JSON.stringify(bad));
    const before = await rowsText();
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('[data-testid="compare-open-report"]')]);
    await chooser.setFiles(file);
    await page.waitForSelector('[data-testid="compare-errors"]');
    expect(await page.textContent('[data-testid="compare-errors"]')).toContain('lanes[1].summary.iomem.lines: must be ≥ 0');
    expect(await rowsText()).toEqual(before);
  });
});
