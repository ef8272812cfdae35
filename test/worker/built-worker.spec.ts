import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { WorkerHost } from '../../main/worker-host.js';
import type { LabEvent } from '../../worker/protocol.js';

// The built worker (out/main/lab.worker.js, produced by the node project's globalSetup), started the
// way Electron main and the CLI start it: through `web-worker` as a worker_threads thread.
const url = pathToFileURL(path.resolve(__dirname, '../../out/main/lab.worker.js'));

function untilEvent(events: LabEvent[], pred: (e: LabEvent) => boolean, ms = 10_000): Promise<LabEvent> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      const e = events.find(pred);
      if (e) resolve(e);
      else if (Date.now() - t0 > ms) reject(new Error('event did not arrive'));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

let host: WorkerHost | null = null;
afterEach(() => host?.dispose());

describe('built worker through web-worker', () => {
  it('says ready, answers hello, and answers bad messages with coded errors', async () => {
    const events: LabEvent[] = [];
    host = new WorkerHost({ url, onEvent: (e) => events.push(e) });
    host.start();
    await untilEvent(events, (e) => e.type === 'ready');
    const hello = await host.call('hello', {});
    expect(hello.ok && hello.value.protocolVersion).toBe(1);
    const bad = await host.call('step', { count: 'lots' } as never);
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_PAYLOAD' } });
    const unknown = await host.call('format-disk' as never, {} as never);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
    host.current!.postMessage('garbage');
    await untilEvent(events, (e) => e.type === 'error' && e.error.code === 'BAD_PAYLOAD');
    expect((await host.call('hello', {})).ok).toBe(true);
  });

  it('restarts the worker when it dies and fails the request in flight with WORKER_DIED', async () => {
    const events: LabEvent[] = [];
    host = new WorkerHost({ url, onEvent: (e) => events.push(e) });
    host.start();
    await untilEvent(events, (e) => e.type === 'ready');
    const inFlight = host.call('hello', {});
    host.current!.terminate();
    const r = await inFlight;
    // Either the reply beat the kill, or the request was failed with WORKER_DIED.
    if (!r.ok) expect(r.error.code).toBe('WORKER_DIED');
    const restarted = await untilEvent(events, (e) => e.type === 'worker');
    expect(restarted).toMatchObject({ type: 'worker', state: 'restarted', restarts: 1 });
    const again = await host.call('hello', {});
    expect(again.ok).toBe(true);
  });

  it('gives up after too many deaths in a short time, with one error event', async () => {
    const events: LabEvent[] = [];
    host = new WorkerHost({ url, onEvent: (e) => events.push(e), maxRestarts: 2, restartWindowMs: 60_000 });
    host.start();
    for (let i = 0; i < 3; i++) host.restart(`kill ${i}`);
    expect(events.filter((e) => e.type === 'worker')).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'WORKER_DIED', message: expect.stringContaining('not restarting') } });
    expect(await host.call('hello', {})).toMatchObject({ ok: false, error: { code: 'WORKER_DIED' } });
  });
});

describe('built worker with the engine', () => {
  it('loads a preset, steps, snapshots, serves iomem windows, and switches strategy', async () => {
    const events: LabEvent[] = [];
    host = new WorkerHost({ url, onEvent: (e) => events.push(e) });
    host.start();
    const load = await host.call('loadPreset', { name: 'seed-100g-virtio-mem' });
    expect(load.ok).toBe(true);
    expect(load.ok && load.value.step).toMatchObject({ index: 0, total: 800, done: false });
    const s = await host.call('step', { count: 800 });
    if (!s.ok) throw new Error(s.error.message);
    expect(s.value.step).toMatchObject({ index: 800, done: true });
    expect(s.value.plugged).toBe(String(100n << 30n));
    expect(s.value.iomem.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(s.value.timings.steps).toBe(800);
    expect(s.value.devices[0]).toMatchObject({ id: 'vm0', kind: 'virtio-mem', plugged: String(100n << 30n) });
    const w = await host.call('iomemWindow', { from: 0, count: s.value.iomem.lines });
    if (!w.ok) throw new Error(w.error.message);
    expect(w.value.lines).toContain('  100000000-19ffffffff : System RAM (virtio_mem)');
    expect(w.value.lines.join('\n').length + 1).toBe(s.value.iomem.bytes);
    expect(events.filter((e) => e.type === 'steps').flatMap((e) => (e.type === 'steps' ? e.steps : []))).toHaveLength(800);

    const none = await host.call('configure', { strategy: 'none' });
    expect(none.ok && none.value.strategy).toBe('none');
    const s2 = await host.call('step', { count: 800 });
    if (!s2.ok) throw new Error(s2.error.message);
    expect(s2.value.resources.systemRam - s.value.resources.systemRam).toBe(799);
    const search = await host.call('iomemSearch', { query: 'System RAM (virtio_mem)', from: 0, limit: 1000 });
    expect(search.ok && search.value.matches).toHaveLength(800);
  });

  it('imports a real /proc/iomem dump; a malformed one is refused with its line number', async () => {
    host = new WorkerHost({ url, onEvent: () => {} });
    host.start();
    const text = readFileSync(path.resolve(__dirname, '../fixtures/dumps/iomem-virtio-mem-2g-unmerged.txt'), 'utf8');
    const ok = await host.call('importIomem', { text, source: 'iomem-virtio-mem-2g-unmerged.txt' });
    if (!ok.ok) throw new Error(ok.error.message);
    expect(ok.value.iomem.lines).toBe(text.split('\n').length - 1);
    const w = await host.call('iomemWindow', { from: 0, count: 5000 });
    expect(w.ok && w.value.lines.join('\n') + '\n').toBe(text);
    const bad = await host.call('importIomem', { text: '00000000-00000fff : Reserved\nthis is not iomem\n', source: 'bad.txt' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'IOMEM_INVALID', message: expect.stringMatching(/bad\.txt.*line 2/) } });
    const still = await host.call('iomemWindow', { from: 0, count: 1 });
    expect(still.ok && still.value.total).toBe(text.split('\n').length - 1);
  });
});
