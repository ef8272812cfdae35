/**
 * Fuzzing the worker entry (worker/index.ts) as shipped: the built out/main/lab.worker.js started
 * through `web-worker`, fed raw messages — garbage envelopes and calls with mutated payloads. Every
 * call with an integer id must get exactly one reply; a refused call carries a known error code
 * and a message; ENGINE_FAILED (the engine threw) is a finding; garbage gets a BAD_PAYLOAD error
 * event; the worker never dies.
 */
import fc from 'fast-check';
import { ERROR_CODES, COMMAND_NAMES, type LabError } from '../../worker/protocol.js';
import type { AsyncFuzzTarget, Verdict } from './harness.js';
import { VALID_ARGS, payloadArbitrary } from './targets.js';

interface RawWorker {
  postMessage(m: unknown): void;
  terminate(): void;
  addEventListener(type: string, fn: (e: { data?: unknown; message?: string }) => void): void;
}
type WorkerCtor = new (url: URL | string, opts?: { type?: string }) => RawWorker;

export type WorkerInput = { kind: 'call'; command: unknown; args: unknown } | { kind: 'garbage'; data: unknown };

/** Drives one worker: sends messages, collects replies by id and error events. */
export class WorkerDriver {
  private readonly worker: RawWorker;
  private nextId = 1;
  private readonly pending = new Map<number, (msg: { ok: boolean; error?: LabError }) => void>();
  private errorWaiters: ((e: LabError) => void)[] = [];
  dead: string | null = null;
  readonly ready: Promise<void>;
  replies = 0;

  constructor(WorkerClass: WorkerCtor, url: URL) {
    this.worker = new WorkerClass(url, { type: 'module' });
    let readyResolve: () => void = () => {};
    this.ready = new Promise((r) => (readyResolve = r));
    this.worker.addEventListener('message', (e) => {
      const msg = e.data as { kind?: string; id?: number; ok?: boolean; error?: LabError; event?: { type?: string; error?: LabError } };
      if (msg?.kind === 'reply' && typeof msg.id === 'number') {
        const p = this.pending.get(msg.id);
        this.replies++;
        if (p) {
          this.pending.delete(msg.id);
          p({ ok: msg.ok === true, error: msg.error });
        } else this.dead = this.dead ?? `a reply to unknown or already answered id ${msg.id}`;
      } else if (msg?.kind === 'event' && msg.event?.type === 'ready') readyResolve();
      else if (msg?.kind === 'event' && msg.event?.type === 'error' && msg.event.error) {
        const w = this.errorWaiters.shift();
        if (w) w(msg.event.error);
      }
    });
    this.worker.addEventListener('error', (e) => (this.dead = `worker error: ${e.message ?? 'unknown'}`));
    this.worker.addEventListener('close', () => (this.dead = this.dead ?? 'worker exited'));
  }

  call(command: unknown, args: unknown, timeoutMs: number): Promise<{ ok: boolean; error?: LabError } | 'timeout'> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve('timeout');
      }, timeoutMs);
      this.pending.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.worker.postMessage({ kind: 'call', id, command, args });
    });
  }

  /**
   * Sends a malformed message. One with a usable (negative, so never ours) integer id is answered
   * with a reply to that id; any other with an error event.
   */
  sendGarbage(data: unknown, timeoutMs: number): Promise<LabError | 'timeout'> {
    const id = (data as { id?: unknown } | null)?.id;
    if (typeof data === 'object' && data !== null && typeof id === 'number' && Number.isSafeInteger(id)) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          this.pending.delete(id);
          resolve('timeout');
        }, timeoutMs);
        this.pending.set(id, (m) => {
          clearTimeout(timer);
          resolve(m.ok ? { code: 'BAD_PAYLOAD', message: '' } : (m.error ?? { code: 'BAD_PAYLOAD', message: '' }));
        });
        this.worker.postMessage(data);
      });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.errorWaiters = this.errorWaiters.filter((w) => w !== waiter);
        resolve('timeout');
      }, timeoutMs);
      const waiter = (e: LabError): void => {
        clearTimeout(timer);
        resolve(e);
      };
      this.errorWaiters.push(waiter);
      this.worker.postMessage(data);
    });
  }

  terminate(): void {
    this.worker.terminate();
  }
}

export function workerArbitrary(): fc.Arbitrary<WorkerInput> {
  const garbage = fc.oneof(
    // Anything without a usable positive id (a random object with one would be a real call).
    fc.jsonValue({ maxDepth: 3 }).filter((v) => !(typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'number')),
    fc.record({ kind: fc.constant('call'), id: fc.oneof(fc.string(), fc.double().filter((d) => !Number.isSafeInteger(d)), fc.constant(null)), command: fc.constant('hello'), args: fc.constant({}) }),
    fc.record({ kind: fc.constantFrom('reply', 'event', 'CALL', ''), id: fc.integer({ min: -1_000_000, max: -1 }), command: fc.constant('hello'), args: fc.constant({}) }),
  );
  return fc.oneof(
    { weight: 6, arbitrary: payloadArbitrary(COMMAND_NAMES, VALID_ARGS as Record<string, unknown[]>, true).map((p) => ({ kind: 'call' as const, command: p.command, args: p.args })) },
    { weight: 1, arbitrary: garbage.map((data) => ({ kind: 'garbage' as const, data })) },
  );
}

export function workerTarget(driver: WorkerDriver, timeoutMs = 20_000): AsyncFuzzTarget<WorkerInput> {
  return {
    name: 'worker entry (built)',
    inputs: 'garbage envelopes, calls with mutated and random payloads',
    arbitrary: workerArbitrary(),
    async check(input): Promise<Verdict> {
      if (driver.dead) return { kind: 'violation', problem: `the worker is gone: ${driver.dead}` };
      if (input.kind === 'garbage') {
        const e = await driver.sendGarbage(input.data, timeoutMs);
        if (e === 'timeout') return { kind: 'violation', problem: 'no error event for a malformed message' };
        if (e.code !== 'BAD_PAYLOAD' || !e.message) return { kind: 'violation', problem: `malformed message answered with ${e.code}: ${e.message}` };
        return { kind: 'rejected' };
      }
      const r = await driver.call(input.command, input.args, timeoutMs);
      if (r === 'timeout') return { kind: 'violation', problem: `no reply within ${timeoutMs} ms` };
      if (driver.dead) return { kind: 'violation', problem: `the worker died: ${driver.dead}` };
      if (r.ok) return { kind: 'accepted' };
      const e = r.error;
      if (!e || !(ERROR_CODES as readonly string[]).includes(e.code) || typeof e.message !== 'string' || e.message.length === 0) {
        return { kind: 'violation', problem: `refusal without a coded error: ${JSON.stringify(e)}` };
      }
      if (e.code === 'ENGINE_FAILED') return { kind: 'violation', problem: `the engine threw: ${e.message}` };
      return { kind: 'rejected' };
    },
  };
}
