/**
 * Determinism in Node: each case run to the end twice, in two fresh built workers (web-worker),
 * exports identical data (wall-clock fields aside); another seed gives another run. The browser
 * half (same cases, Chromium's Web Worker vs this one) is test/e2e/determinism.e2e.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WorkerHost } from '../../main/worker-host.js';
import { DETERMINISM_CASES, compareRuns, runCase, stripWallClock, type Call } from '../../bench/fuzz/determinism.js';

const url = pathToFileURL(path.resolve(__dirname, '../../out/main/lab.worker.js'));
const hosts: WorkerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.dispose();
});

function nodeWorker(): Call {
  const host = new WorkerHost({ url, onEvent: () => {} });
  host.start();
  hosts.push(host);
  return (command, args) => host.call(command as never, args as never);
}

describe('determinism of the built worker in Node', () => {
  it.each(DETERMINISM_CASES)('$preset seed $seed $strategy: two runs in two workers export the same data', async (c) => {
    const [a, b] = await Promise.all([runCase(nodeWorker(), c), runCase(nodeWorker(), c)]);
    expect(a.steps).toBeGreaterThan(5);
    expect(a.iomem.length).toBeGreaterThan(100);
    expect(compareRuns(a, b)).toEqual([]);
  });

  it('another seed gives another run (the comparison can fail)', async () => {
    const c = DETERMINISM_CASES[0]!;
    const [a, b] = await Promise.all([runCase(nodeWorker(), c), runCase(nodeWorker(), { ...c, seed: c.seed + 1 })]);
    expect(compareRuns(a, b).some((d) => d.startsWith('json differs'))).toBe(true);
  });

  it('strips only wall-clock fields', () => {
    expect(stripWallClock({ a: 1, wallMs: 3, steps: [{ wallMs: 1, visits: 2 }], timings: { lastMs: 1 } })).toEqual({ a: 1, steps: [{ visits: 2 }] });
  });
});
