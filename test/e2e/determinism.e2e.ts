/**
 * Determinism across runtimes: the renderer's bundled worker running in Chromium (a Web Worker,
 * started from the built out/renderer assets) and the built Node worker (out/main/lab.worker.js via
 * web-worker) export the same data for the same scenario and seed, wall-clock fields aside.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { launch, root, serve } from './browser.js';
import { WorkerHost } from '../../main/worker-host.js';
import { DETERMINISM_CASES, compareRuns, runCase, type Call } from '../../bench/fuzz/determinism.js';
import type { IpcReply } from '../../worker/protocol.js';

let browser: Browser;
let server: Server;
let page: Page;
let host: WorkerHost;
const problems: string[] = [];

/** The renderer's worker bundle: the asset holding the worker entry's envelope check. */
function workerAsset(): string {
  const dir = path.join(root, 'out/renderer/assets');
  const hits = readdirSync(dir).filter((f) => f.endsWith('.js') && readFileSync(path.join(dir, f), 'utf8').includes('expected { kind: "call", id: <integer>, command, args }'));
  if (hits.length !== 1) throw new Error(`expected one worker bundle in out/renderer/assets, found ${hits.length}: ${hits.join(', ')}`);
  return `assets/${hits[0]}`;
}

const browserCall: Call = (command, args) =>
  page.evaluate(([c, a]) => (window as unknown as { __labCall(c: string, a: unknown): Promise<IpcReply<unknown>> }).__labCall(c, a), [command, args] as const);

beforeAll(async () => {
  browser = await launch();
  let url: string;
  ({ server, url } = await serve());
  page = await browser.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.evaluate(async (asset) => {
    const w = new Worker(asset, { type: 'module', name: 'determinism' });
    const pending = new Map<number, (r: unknown) => void>();
    let next = 0;
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    w.onmessage = (e: MessageEvent) => {
      const m = e.data as { kind: string; id: number; ok: boolean; result?: unknown; error?: unknown; event?: { type: string } };
      if (m.kind === 'event' && m.event?.type === 'ready') ready();
      if (m.kind !== 'reply') return;
      pending.get(m.id)?.(m.ok ? { ok: true, value: m.result } : { ok: false, error: m.error });
      pending.delete(m.id);
    };
    (window as unknown as { __labCall: unknown }).__labCall = (command: string, args: unknown) =>
      new Promise((resolve) => {
        const id = ++next;
        pending.set(id, resolve);
        w.postMessage({ kind: 'call', id, command, args });
      });
    await isReady;
  }, workerAsset());
  host = new WorkerHost({ url: pathToFileURL(path.join(root, 'out/main/lab.worker.js')), onEvent: () => {} });
  host.start();
});

afterAll(async () => {
  host?.dispose();
  await browser?.close();
  server?.close();
});

describe('the same run in Chromium and in Node', () => {
  it.each(DETERMINISM_CASES)('$preset seed $seed $strategy: the browser worker exports what the Node worker exports', async (c) => {
    const nodeCall: Call = (command, args) => host.call(command as never, args as never);
    const [inBrowser, inNode] = await Promise.all([runCase(browserCall, c), runCase(nodeCall, c)]);
    expect(inBrowser.steps).toBeGreaterThan(5);
    expect(compareRuns(inBrowser, inNode)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
