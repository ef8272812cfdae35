/**
 * The lab worker: one module, written against the Web Worker API, run as a browser Web Worker by
 * the renderer and as a worker_threads thread (through the `web-worker` package) by Electron main
 * and the CLI. It decodes a `WorkerRequest`, validates it, runs it on the session and replies; it
 * never throws on a bad message (a coded error comes back instead). While a run is going it
 * works in short slices so requests (pause, iomem windows) are answered in between.
 */
import { LabFailure, LabSession } from './session.js';
import { createEngine } from './engine-binding.js';
import { labError, PROTOCOL_VERSION, validateArgs, type CommandName, type LabError, type WorkerMessage } from './protocol.js';

interface WorkerScope {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
const now = (): number => performance.now();

function post(message: WorkerMessage): void {
  scope.postMessage(message);
}

const engine = createEngine();
const session = new LabSession(engine, { now, emit: (event) => post({ kind: 'event', event }) });
let loopArmed = false;

function reply(id: number, error: LabError | null, result?: unknown): void {
  post(error ? { kind: 'reply', id, ok: false, error } : { kind: 'reply', id, ok: true, result });
}

/** Keeps a continuous run going, one slice at a time, while the session says it is running. */
function armLoop(): void {
  if (loopArmed || !session.isRunning) return;
  loopArmed = true;
  const loop = (): void => {
    let delay: number | null = null;
    try {
      delay = session.tick();
    } catch (e) {
      post({ kind: 'event', event: { type: 'error', error: labError('ENGINE_FAILED', String(e)) } });
    }
    if (delay === null) {
      loopArmed = false;
      return;
    }
    setTimeout(loop, delay);
  };
  setTimeout(loop, 0);
}

function handleMessage(data: unknown): void {
  const msg = data as { kind?: unknown; id?: unknown; command?: unknown; args?: unknown } | null;
  const id = typeof msg?.id === 'number' && Number.isSafeInteger(msg.id) ? msg.id : null;
  if (typeof msg !== 'object' || msg === null || msg.kind !== 'call' || id === null) {
    const error = labError('BAD_PAYLOAD', 'expected { kind: "call", id: <integer>, command, args }');
    if (id !== null) reply(id, error);
    else post({ kind: 'event', event: { type: 'error', error } });
    return;
  }
  const invalid = validateArgs(msg.command, msg.args);
  if (invalid) {
    reply(id, invalid);
    return;
  }
  try {
    const result = session.handle(msg.command as CommandName, msg.args as never);
    reply(id, null, result);
  } catch (e) {
    const error = e instanceof LabFailure ? e.error : labError('ENGINE_FAILED', `internal error: ${e instanceof Error ? e.message : String(e)}`);
    reply(id, error);
  }
  armLoop();
}

scope.addEventListener('message', (event) => {
  try {
    handleMessage(event.data);
  } catch (e) {
    post({ kind: 'event', event: { type: 'error', error: labError('ENGINE_FAILED', `internal error: ${String(e)}`) } });
  }
});

post({ kind: 'event', event: { type: 'ready', protocolVersion: PROTOCOL_VERSION, engine: engine !== null } });
