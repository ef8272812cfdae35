/**
 * A QMP client (QEMU's JSON machine protocol, docs/interop/qmp-spec.rst): read the greeting,
 * negotiate capabilities, then one command at a time; asynchronous events are kept for whoever
 * waits on them (DEVICE_DELETED after a pc-dimm eject).
 */
import type net from 'node:net';
import { connectUnix, sleep } from './wait.js';

/** A command QEMU answered with an error (`{"error": {"class", "desc"}}`). */
export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly desc: string,
  ) {
    super(desc);
    this.name = 'QmpError';
  }
}

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
}

export interface QemuVersion {
  major: number;
  minor: number;
  micro: number;
  package: string;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; command: string };

export class Qmp {
  readonly events: QmpEvent[] = [];
  private buf = '';
  private readonly pending: Pending[] = [];
  private greetingWaiter: ((v: QemuVersion) => void) | null = null;
  private closed: Error | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => this.onData(d));
    sock.on('close', () => this.fail(new Error('the QMP connection closed (QEMU exited)')));
    sock.on('error', (e) => this.fail(e));
  }

  /** Connects, reads the greeting and leaves capabilities negotiation mode. */
  static async connect(file: string, timeoutMs: number, signal?: AbortSignal): Promise<{ qmp: Qmp; version: QemuVersion }> {
    const qmp = new Qmp(await connectUnix(file, timeoutMs, signal));
    const version = await new Promise<QemuVersion>((resolve, reject) => {
      qmp.greetingWaiter = resolve;
      qmp.pending.push({ resolve: () => undefined, reject, command: '(greeting)' });
    });
    await qmp.execute('qmp_capabilities');
    return { qmp, version };
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.closed = e;
    for (const p of this.pending.splice(0)) p.reject(e);
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line) this.onMessage(JSON.parse(line) as Record<string, unknown>);
    }
  }

  private onMessage(msg: Record<string, unknown>): void {
    if ('QMP' in msg) {
      const v = (msg['QMP'] as { version: { qemu: { major: number; minor: number; micro: number }; package?: string } }).version;
      this.pending.shift();
      this.greetingWaiter?.({ ...v.qemu, package: (v.package ?? '').trim() });
      return;
    }
    if ('event' in msg) {
      this.events.push(msg as unknown as QmpEvent);
      return;
    }
    const p = this.pending.shift();
    if (!p) return;
    const err = msg['error'] as { desc?: string } | undefined;
    if (err) p.reject(new QmpError(p.command, err.desc ?? JSON.stringify(err)));
    else p.resolve(msg['return']);
  }

  /** Runs one command (queued behind any still running) and returns its `return` value. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    const run = (): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        if (this.closed) return reject(this.closed);
        this.pending.push({ resolve: resolve as (v: unknown) => void, reject, command });
        this.sock.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n');
      });
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Reads a QOM property (`qom-get`). */
  get<T = unknown>(objectPath: string, property: string): Promise<T> {
    return this.execute<T>('qom-get', { path: objectPath, property });
  }

  /** Waits until an event matching `pred` has arrived (polling QEMU so events are read), or the timeout. */
  async waitEvent(pred: (e: QmpEvent) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.events.some(pred)) return true;
      if (Date.now() >= deadline) return false;
      await sleep(200, signal);
      await this.execute('query-status');
    }
  }

  close(): void {
    this.sock.destroy();
  }
}
