/**
 * Runs the lab worker (out/main/lab.worker.js) as a worker_threads thread through `web-worker`,
 * relays requests to it, and restarts it when it dies: requests in flight are answered with
 * WORKER_DIED, and a `{ type: 'worker', state: 'restarted' }` event tells the renderer, which
 * offers to resume from the last completed step. Everything the renderer already recorded stays.
 */
import Worker from 'web-worker';
import {
  commandMessage,
  labError,
  type CommandArgs,
  type CommandName,
  type CommandResult,
  type IpcReply,
  type LabEvent,
  type WorkerMessage,
} from '../worker/protocol.js';

/** The minimal Worker surface the host uses (the DOM Worker type, as web-worker provides it). */
export interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: string, listener: (event: { data?: unknown; message?: string }) => void): void;
}

export interface WorkerHostOptions {
  url: URL | string;
  onEvent: (event: LabEvent) => void;
  /** Restarts allowed within `restartWindowMs` before the host gives up (default 5 in 60 s). */
  maxRestarts?: number;
  restartWindowMs?: number;
  create?: (url: URL | string) => WorkerLike;
  now?: () => number;
}

/** Where the built worker is next to the built main; inside a packaged app, the unpacked copy. */
export function workerUrl(mainUrl: string): URL {
  const url = new URL('./lab.worker.js', mainUrl);
  return new URL(url.href.replace(/\/app\.asar\//, '/app.asar.unpacked/'));
}

export class WorkerHost {
  private worker: WorkerLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: IpcReply<unknown>) => void>();
  private restartTimes: number[] = [];
  private disposed = false;
  restarts = 0;

  constructor(private readonly opts: WorkerHostOptions) {}

  start(): void {
    if (this.disposed) return;
    const create = this.opts.create ?? ((url) => new Worker(url, { type: 'module' }) as unknown as WorkerLike);
    const w = create(this.opts.url);
    this.worker = w;
    w.addEventListener('message', (event) => {
      if (this.worker === w) this.onMessage(event.data);
    });
    w.addEventListener('error', (event) => {
      if (this.worker === w) this.onDeath(`worker error: ${event.message ?? 'unknown'}`);
    });
    w.addEventListener('close', () => {
      if (this.worker === w) this.onDeath('worker exited');
    });
  }

  /** Sends a command; resolves with the worker's reply (never rejects). */
  call<K extends CommandName>(command: K, args: CommandArgs<K>): Promise<IpcReply<CommandResult<K>>> {
    const w = this.worker;
    if (!w) return Promise.resolve({ ok: false, error: labError('WORKER_DIED', 'the lab worker is not running') });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (reply: IpcReply<unknown>) => void);
      try {
        w.postMessage({ kind: 'call', id, command, args });
      } catch (e) {
        this.pending.delete(id);
        resolve({ ok: false, error: labError('BAD_PAYLOAD', commandMessage(command, `cannot send the arguments: ${String(e)}`)) });
      }
    });
  }

  /** Kills the current worker and starts a fresh one (the renderer asked, or a test). */
  restart(reason = 'restart requested'): void {
    this.onDeath(reason);
  }

  /** The current worker (tests kill it to check the restart). */
  get current(): WorkerLike | null {
    return this.worker;
  }

  dispose(): void {
    this.disposed = true;
    const w = this.worker;
    this.worker = null;
    this.failPending('the lab worker was shut down');
    w?.terminate();
  }

  private onMessage(data: unknown): void {
    const msg = data as WorkerMessage;
    if (msg?.kind === 'reply') {
      const resolve = this.pending.get(msg.id);
      if (!resolve) return;
      this.pending.delete(msg.id);
      resolve(msg.ok ? { ok: true, value: msg.result } : { ok: false, error: msg.error });
    } else if (msg?.kind === 'event') {
      this.opts.onEvent(msg.event);
    }
  }

  private failPending(message: string): void {
    for (const resolve of this.pending.values()) resolve({ ok: false, error: labError('WORKER_DIED', message) });
    this.pending.clear();
  }

  private onDeath(reason: string): void {
    const old = this.worker;
    this.worker = null;
    this.failPending(`${reason}; the request was lost`);
    try {
      old?.terminate();
    } catch {
      // already gone
    }
    if (this.disposed) return;
    const now = (this.opts.now ?? Date.now)();
    const window = this.opts.restartWindowMs ?? 60_000;
    this.restartTimes = this.restartTimes.filter((t) => now - t < window);
    if (this.restartTimes.length >= (this.opts.maxRestarts ?? 5)) {
      this.opts.onEvent({ type: 'error', error: labError('WORKER_DIED', `${reason}; it died ${this.restartTimes.length + 1} times within ${window / 1000} s, not restarting`) });
      return;
    }
    this.restartTimes.push(now);
    this.restarts++;
    this.start();
    this.opts.onEvent({ type: 'worker', state: 'restarted', restarts: this.restarts, reason });
  }
}
