/**
 * Waiting on a live VM: pauses and polls that end early when the recording is interrupted
 * (Ctrl-C aborts the signal) and connecting to a Unix socket QEMU is about to create.
 */
import net from 'node:net';

/** Thrown when the recording's AbortSignal fires. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

/** Resolves after `ms`, or rejects with Interrupted as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Interrupted());
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new Interrupted());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Connects to a Unix socket, retrying while it does not exist yet, for at most `timeoutMs`. */
export async function connectUnix(file: string, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.createConnection(file);
        s.once('connect', () => {
          s.removeAllListeners('error');
          resolve(s);
        });
        s.once('error', reject);
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ECONNREFUSED') || Date.now() > deadline) throw e;
      await sleep(50, signal);
    }
  }
}
