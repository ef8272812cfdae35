/**
 * The recorder's end of the guest's command channel (ttyS1, a QEMU socket chardev): waits for
 * `@@ready`, sends `<tag> dump` / `<tag> run <command>` and reads the framed answer (protocol in
 * guest-init.ts). Answers to a request that timed out are skipped, so the channel stays usable.
 */
import type net from 'node:net';
import { connectUnix, Interrupted } from './wait.js';

export interface GuestReady {
  uname: string;
  /** Modules the guest's insmod refused. */
  failedModules: string[];
}

/** The guest did not answer in time. */
export class GuestTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`the guest did not answer ${what} within ${Math.round(ms / 1000)} s`);
    this.name = 'GuestTimeout';
  }
}

export class GuestChannel {
  private buf = '';
  private next = 0;
  private closed: Error | null = null;
  private wake: (() => void) | null = null;

  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      this.poke();
    });
    sock.on('close', () => {
      this.closed ??= new Error('the guest channel closed (QEMU exited)');
      this.poke();
    });
    sock.on('error', (e) => {
      this.closed ??= e;
      this.poke();
    });
  }

  static async connect(file: string, timeoutMs: number, signal?: AbortSignal): Promise<GuestChannel> {
    return new GuestChannel(await connectUnix(file, timeoutMs, signal));
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Waits until `match` finds something in the buffer; consumes up to the match's end. */
  private async until(match: RegExp, what: string, timeoutMs: number, signal?: AbortSignal): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = match.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m.index + m[0].length);
        return m;
      }
      if (signal?.aborted) throw new Interrupted();
      if (this.closed) throw this.closed;
      const left = deadline - Date.now();
      if (left <= 0) throw new GuestTimeout(what, timeoutMs);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        const onAbort = (): void => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.wake = () => {
          clearTimeout(t);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
      });
    }
  }

  /** Waits for the guest's `@@ready` line (the end of boot). */
  async ready(timeoutMs: number, signal?: AbortSignal): Promise<GuestReady> {
    const m = await this.until(/@@ready (\S+) (\S+)\n/, 'ready', timeoutMs, signal);
    return { uname: m[1]!, failedModules: m[2] === '-' ? [] : m[2]!.split(',').filter(Boolean) };
  }

  /** Sends one request and returns the answer's text and exit status. */
  async request(verb: 'dump' | 'run', rest: string, timeoutMs: number, signal?: AbortSignal): Promise<{ text: string; rc: number }> {
    if (rest.includes('\n')) throw new Error('a guest command must be one line');
    const tag = `r${++this.next}`;
    this.sock.write(`${tag} ${verb}${rest ? ' ' + rest : ''}\n`);
    const m = await this.until(new RegExp(`@@${tag} begin\\n([\\s\\S]*?)@@${tag} end (\\d+)\\n`), verb, timeoutMs, signal);
    return { text: m[1]!, rc: Number(m[2]) };
  }

  close(): void {
    this.sock.destroy();
  }
}
