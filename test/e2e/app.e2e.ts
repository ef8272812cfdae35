import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { Server } from 'node:http';
import { launch, root, serve } from './browser.js';
import { WorkerHost } from '../../main/worker-host.js';
import type { Snapshot } from '../../worker/protocol.js';

// The browser build of the app in Debian Chromium: load the seed preset, run it, watch the counters
// and /proc/iomem, switch strategy, import a dump, and measure responsiveness at 64 TiB.

let browser: Browser;
let server: Server;
let url: string;
let page: Page;
const problems: string[] = [];

/** What the engine says the final state is (the same worker module, run in Node). */
async function expectedFinal(preset: string, strategy?: 'none'): Promise<Snapshot> {
  const host = new WorkerHost({ url: pathToFileURL(path.join(root, 'out/main/lab.worker.js')), onEvent: () => {} });
  host.start();
  try {
    const l = await host.call('loadPreset', { name: preset, ...(strategy ? { strategy } : {}) });
    if (!l.ok) throw new Error(l.error.message);
    const s = await host.call('step', { count: l.value.step.total });
    if (!s.ok) throw new Error(s.error.message);
    return s.value;
  } finally {
    host.dispose();
  }
}

async function text(testId: string): Promise<string> {
  return (await page.getByTestId(testId).textContent())?.trim() ?? '';
}

async function runToEnd(): Promise<void> {
  await page.getByTestId('run-button').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.trim() === 'done', null, { timeout: 60_000 });
}

beforeAll(async () => {
  browser = await launch();
  ({ server, url } = await serve());
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => ((document.querySelector('[data-testid="preset-select"]') as HTMLSelectElement | null)?.options.length ?? 0) > 1);
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe('memhp-lab in Chromium (browser build)', () => {
  it('lists the presets as option values', async () => {
    const values = await page.getByTestId('preset-select').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(values).toContain('seed-100g-virtio-mem');
    expect(values).toContain('scale-64t');
  });

  it('runs seed-100g-virtio-mem to the end: final counters and the merged "System RAM (virtio_mem)" line', async () => {
    const want = await expectedFinal('seed-100g-virtio-mem');
    await page.getByTestId('preset-select').selectOption('seed-100g-virtio-mem');
    await page.waitForFunction(() => document.querySelector('[data-testid="loaded-scenario"]')?.textContent?.includes('seed-100g-virtio-mem'));
    await runToEnd();
    expect(await text('counter-system-ram')).toBe(want.resources.systemRam.toLocaleString('en-US'));
    expect(await text('counter-resources')).toBe(want.resources.total.toLocaleString('en-US'));
    expect(await text('counter-iomem-lines')).toBe(want.iomem.lines.toLocaleString('en-US'));
    expect(await text('counter-plugged')).toBe('100 GiB');
    expect(await text('counter-iomem-hash')).toBe(want.iomem.hash);
    await expect.poll(() => page.getByTestId('iomem-view').innerText(), { timeout: 10_000 }).toContain('100000000-19ffffffff : System RAM (virtio_mem)');
    expect(await text('progress-label')).toContain('step 800 / 800');
  });

  it('with strategy none shows one "System RAM (virtio_mem)" line per block', async () => {
    const want = await expectedFinal('seed-100g-virtio-mem', 'none');
    await page.getByTestId('strategy-select').selectOption('none');
    await page.waitForFunction(() => document.querySelector('[data-testid="loaded-scenario"]')?.textContent?.includes('· none ·'));
    await runToEnd();
    expect(await text('counter-system-ram')).toBe(want.resources.systemRam.toLocaleString('en-US'));
    const view = page.getByTestId('iomem-view');
    await expect.poll(() => view.innerText(), { timeout: 10_000 }).toContain('100000000-107ffffff : System RAM (virtio_mem)');
    expect(await view.innerText()).toContain('108000000-10fffffff : System RAM (virtio_mem)');
    await page.getByTestId('iomem-search').fill('System RAM (virtio_mem)');
    await page.getByTestId('iomem-search').press('Enter');
    await expect.poll(() => text('iomem-matches')).toBe('1/800');
  });

  it('saves a screenshot of the finished run', async () => {
    mkdirSync(path.join(root, 'test-artifacts'), { recursive: true });
    const file = path.join(root, 'test-artifacts', 'lab-seed-100g-none.png');
    await page.screenshot({ path: file });
    expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
  });

  it('imports a real /proc/iomem dump through the file input', async () => {
    const dump = path.join(root, 'test/fixtures/dumps/iomem-virtio-mem-2g-unmerged.txt');
    const lines = readFileSync(dump, 'utf8').split('\n').filter(Boolean);
    await page.getByTestId('iomem-import').setInputFiles(dump);
    await page.waitForFunction(() => document.querySelector('[data-testid="loaded-scenario"]')?.textContent?.includes('iomem-virtio-mem-2g-unmerged'));
    expect(await text('counter-iomem-lines')).toBe(String(lines.length));
    await expect.poll(() => page.getByTestId('iomem-view').innerText(), { timeout: 10_000 }).toContain(lines[0]!.trim());
    await expect.poll(() => page.getByTestId('iomem-view').innerText()).toContain('140000000-147ffffff : System RAM (virtio_mem)');
    await page.getByTestId('theme-toggle').click();
    await page.screenshot({ path: path.join(root, 'test-artifacts', 'lab-imported-light.png') });
    await page.getByTestId('theme-toggle').click();
  });

  it('stays responsive during scale-64t with strategy none (prints frame-time p95 and update rate)', async () => {
    await page.getByTestId('preset-select').selectOption('scale-64t');
    await page.waitForFunction(() => document.querySelector('[data-testid="loaded-scenario"]')?.textContent?.includes('scale-64t · ') && document.querySelector('[data-testid="loaded-scenario"]')?.textContent?.includes('· none ·'));
    await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __updates: number[] };
      w.__frames = [];
      w.__updates = [];
      let last = performance.now();
      const tick = (t: number): void => {
        w.__frames.push(t - last);
        last = t;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      const el = document.querySelector('[data-testid="counter-resources"]')!;
      new MutationObserver(() => w.__updates.push(performance.now())).observe(el, { characterData: true, childList: true, subtree: true });
      const label = document.querySelector('[data-testid="progress-label"]')!;
      new MutationObserver(() => w.__updates.push(performance.now())).observe(label, { characterData: true, childList: true, subtree: true });
    });
    const t0 = Date.now();
    await runToEnd();
    const wall = Date.now() - t0;
    const m = await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __updates: number[] };
      const f = w.__frames.slice(1).sort((a, b) => a - b);
      const u = w.__updates;
      const span = u.length > 1 ? (u[u.length - 1]! - u[0]!) / 1000 : 0;
      return { p95: f[Math.floor(f.length * 0.95)] ?? 0, p50: f[Math.floor(f.length * 0.5)] ?? 0, frames: f.length, updates: u.length, hz: span > 0 ? (u.length - 1) / span : 0 };
    });
    console.log(`scale-64t (strategy none, 524,318 /proc/iomem lines): frame-time p50 ${m.p50.toFixed(1)} ms, p95 ${m.p95.toFixed(1)} ms over ${m.frames} frames; view updates ${m.hz.toFixed(1)} Hz; run ${wall} ms`);
    expect(await text('counter-iomem-lines')).toBe('524,318');
    await page.getByTestId('iomem-view').locator('.scroller').evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
    await expect.poll(() => page.getByTestId('iomem-view').innerText(), { timeout: 10_000 }).toMatch(/\n26\d,\d{3}|System RAM \(virtio_mem\)/);
    await page.screenshot({ path: path.join(root, 'test-artifacts', 'lab-scale-64t.png') });
    expect(m.frames).toBeGreaterThan(0);
  });

  it('had no console errors and no CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
