/** Fuzzing the built worker entry (out/main/lab.worker.js through web-worker) with raw messages. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Worker from 'web-worker';
import { fuzzTargetAsync, formatFindings } from '../../bench/fuzz/harness.js';
import { WorkerDriver, workerTarget } from '../../bench/fuzz/worker-entry.js';

const url = pathToFileURL(path.resolve(__dirname, '../../out/main/lab.worker.js'));
let driver: WorkerDriver;

beforeAll(async () => {
  driver = new WorkerDriver(Worker as never, url);
  await driver.ready;
});
afterAll(() => driver.terminate());

describe('the built worker under fuzzing', () => {
  it('answers 400 raw messages: one reply per call, coded refusals, error events for garbage, never dies', async () => {
    const counts = await fuzzTargetAsync(workerTarget(driver, 10_000), 400, 99);
    expect(formatFindings(counts)).toBe('');
    expect(counts.crashed + counts.violations).toBe(0);
    expect(counts.rejected).toBeGreaterThan(50);
    expect(counts.accepted).toBeGreaterThan(5);
    expect(driver.dead).toBeNull();
  });
});
