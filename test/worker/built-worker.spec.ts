import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
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
