import { describe, expect, it } from 'vitest';
import { browserBridge, type WorkerLike } from '../../renderer/src/bridge/browser.js';
import { electronBridge } from '../../renderer/src/bridge/electron.js';
import { BridgeError, createLaneBridge } from '../../renderer/src/bridge/index.js';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { shortcutFor } from '../../renderer/src/shortcuts.js';
import type { LabApi, LabEvent } from '../../worker/protocol.js';

class FakeWorker implements WorkerLike {
  posted: unknown[] = [];
  terminated = false;
  private handlers: Record<string, ((e: Event & { data?: unknown; message?: string }) => void)[]> = {};
  postMessage(m: unknown): void {
    this.posted.push(m);
  }
  terminate(): void {
    this.terminated = true;
  }
  addEventListener(type: string, fn: (e: Event & { data?: unknown; message?: string }) => void): void {
    (this.handlers[type] ??= []).push(fn);
  }
  fire(type: string, e: object): void {
    for (const fn of this.handlers[type] ?? []) fn(Object.assign(new Event(type), e));
  }
}

describe('browser bridge', () => {
  it('correlates replies by id and turns coded errors into BridgeError', async () => {
    const workers: FakeWorker[] = [];
    const b = browserBridge(() => (workers.push(new FakeWorker()), workers.at(-1)!));
    const p1 = b.call('hello', {});
    const p2 = b.call('step', { count: 2 });
    const [m1, m2] = workers[0]!.posted as { id: number }[];
    workers[0]!.fire('message', { data: { kind: 'reply', id: m2!.id, ok: false, error: { code: 'NOT_LOADED', message: 'load first' } } });
    workers[0]!.fire('message', { data: { kind: 'reply', id: m1!.id, ok: true, result: { protocolVersion: 1 } } });
    await expect(p1).resolves.toEqual({ protocolVersion: 1 });
    await expect(p2).rejects.toMatchObject({ code: 'NOT_LOADED', message: 'load first' });
  });

  it('restarts a worker that errors: fails requests in flight with WORKER_DIED and emits a worker event', async () => {
    const workers: FakeWorker[] = [];
    const b = browserBridge(() => (workers.push(new FakeWorker()), workers.at(-1)!));
    const events: LabEvent[] = [];
    b.onEvent((e) => events.push(e));
    const inFlight = b.call('hello', {});
    workers[0]!.fire('error', { message: 'boom' });
    await expect(inFlight).rejects.toBeInstanceOf(BridgeError);
    await expect(inFlight).rejects.toMatchObject({ code: 'WORKER_DIED' });
    expect(workers).toHaveLength(2);
    expect(workers[0]!.terminated).toBe(true);
    expect(events).toEqual([{ type: 'worker', state: 'restarted', restarts: 1, reason: 'worker error: boom' }]);
    workers[1]!.fire('message', { data: { kind: 'event', event: { type: 'ready', protocolVersion: 1, engine: true } } });
    expect(events.at(-1)).toEqual({ type: 'ready', protocolVersion: 1, engine: true });
  });
});

describe('electron bridge', () => {
  it('calls the typed window.lab method and unwraps IpcReply', async () => {
    const lab = {
      hello: async () => ({ ok: true, value: { protocolVersion: 1 } }),
      step: async () => ({ ok: false, error: { code: 'FORBIDDEN_SENDER', message: 'no' } }),
      saveFile: async (a: { suggestedName: string }) => ({ ok: true, value: `/home/u/${a.suggestedName}` }),
      onEvent: () => () => {},
    } as unknown as LabApi;
    const b = electronBridge(lab);
    expect(b.mode).toBe('electron');
    await expect(b.call('hello', {})).resolves.toEqual({ protocolVersion: 1 });
    await expect(b.call('step', {})).rejects.toMatchObject({ code: 'FORBIDDEN_SENDER' });
    await expect(b.saveFile('a.csv', 'x', 'text/csv')).resolves.toBe('/home/u/a.csv');
  });
});

describe('keyboard shortcuts', () => {
  const input = document.createElement('input');
  it.each([
    [{ key: ' ' }, 'toggleRun'],
    [{ key: 'n' }, 'step'],
    [{ key: '/' }, 'search'],
    [{ key: 't' }, 'toggleTheme'],
    [{ key: 'n', ctrlKey: true }, null],
    [{ key: 'n', target: input }, null],
    [{ key: 'q' }, null],
  ] as const)('%j → %s', (e, want) => {
    expect(shortcutFor({ ctrlKey: false, metaKey: false, altKey: false, target: document.body, ...e } as unknown as KeyboardEvent)).toBe(want);
  });
});

describe('lane bridges', () => {
  it('createLaneBridge starts one more worker per lane', async () => {
    const workers: FakeWorker[] = [];
    const make = () => (workers.push(new FakeWorker()), workers.at(-1)!);
    const a = createLaneBridge(make);
    const b = createLaneBridge(make);
    expect(workers).toHaveLength(2);
    expect(a.mode).toBe('browser');
    void b.call('hello', {});
    expect(workers[1]!.posted).toHaveLength(1);
    expect(workers[0]!.posted).toHaveLength(0);
  });

  it('only bridge/index.ts decides: nothing else in the renderer imports bridge/browser or bridge/electron', () => {
    const root = path.resolve(__dirname, '../../renderer/src');
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(ts|vue)$/.test(e.name) && path.dirname(p) !== path.join(root, 'bridge')) {
          if (/from ['"][^'"]*bridge\/(browser|electron|types)\.js['"]/.test(readFileSync(p, 'utf8'))) offenders.push(path.relative(root, p));
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});

describe('lane bridges in Electron', () => {
  it('createLaneBridge sends each lane its commands through window.lab.laneCall, lane numbers handed out in turn', async () => {
    const calls: unknown[] = [];
    const lab = {
      laneCall: async (a: unknown) => (calls.push(a), { ok: true, value: { protocolVersion: 1 } }),
      laneStop: async (a: unknown) => (calls.push(['stop', a]), { ok: true, value: null }),
      onEvent: () => () => {},
    } as unknown as LabApi;
    (window as unknown as { lab?: LabApi }).lab = lab;
    try {
      const a = createLaneBridge();
      const b = createLaneBridge();
      expect(a.mode).toBe('electron');
      await a.call('hello', {});
      await b.call('step', { count: 2 });
      await b.restartWorker();
      const lanes = calls.slice(0, 2).map((c) => (c as { lane: number }).lane);
      expect(lanes[1]).toBe((lanes[0]! + 1) % 6);
      expect(calls).toEqual([
        { lane: lanes[0], command: 'hello', args: {} },
        { lane: lanes[1], command: 'step', args: { count: 2 } },
        ['stop', { lane: lanes[1] }],
      ]);
    } finally {
      delete (window as unknown as { lab?: LabApi }).lab;
    }
  });
});
