/**
 * The browser bridge: starts the lab worker as a Web Worker, correlates replies, restarts the worker
 * when it dies (requests in flight fail with WORKER_DIED, then a `worker` event), and uses a file
 * input and a download link where Electron has native dialogs.
 */
import { commandMessage, labError, type IpcReply, type LabEvent, type OpenedFile, type WorkerMessage } from '../../../worker/protocol.js';
import { BridgeError, type LabBridge } from './types.js';

export interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: Event & { data?: unknown; message?: string }) => void): void;
}

export function defaultWorkerFactory(): WorkerLike {
  return new Worker(new URL('../../../worker/index.ts', import.meta.url), { type: 'module', name: 'memhp-lab' });
}

export function browserBridge(create: () => WorkerLike = defaultWorkerFactory): LabBridge {
  const listeners = new Set<(event: LabEvent) => void>();
  const pending = new Map<number, (reply: IpcReply<unknown>) => void>();
  let nextId = 1;
  let restarts = 0;
  let worker: WorkerLike;

  const emit = (event: LabEvent): void => {
    for (const l of listeners) l(event);
  };

  const spawn = (): void => {
    const w = create();
    worker = w;
    w.addEventListener('message', (event) => {
      if (worker !== w) return;
      const msg = event.data as WorkerMessage;
      if (msg?.kind === 'reply') {
        const resolve = pending.get(msg.id);
        pending.delete(msg.id);
        resolve?.(msg.ok ? { ok: true, value: msg.result } : { ok: false, error: msg.error });
      } else if (msg?.kind === 'event') emit(msg.event);
    });
    w.addEventListener('error', (event) => {
      if (worker !== w) return;
      event.preventDefault?.();
      restart(`worker error: ${event.message ?? 'unknown'}`);
    });
  };

  const restart = (reason: string): void => {
    worker.terminate();
    for (const resolve of pending.values()) resolve({ ok: false, error: labError('WORKER_DIED', `${reason}; the request was lost`) });
    pending.clear();
    restarts++;
    spawn();
    emit({ type: 'worker', state: 'restarted', restarts, reason });
  };

  spawn();

  return {
    mode: 'browser',
    call(command, args) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, (reply) => (reply.ok ? resolve(reply.value as never) : reject(new BridgeError(reply.error))));
        try {
          worker.postMessage({ kind: 'call', id, command, args });
        } catch (e) {
          pending.delete(id);
          reject(new BridgeError(labError('BAD_PAYLOAD', commandMessage(command, `cannot send the arguments: ${String(e)}`))));
        }
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    openFile: (kind) => pickFile(kind === 'scenario' ? '.yaml,.yml,.json' : '.txt,.iomem,text/plain'),
    async saveFile(name, text, mime) {
      const url = URL.createObjectURL(new Blob([text], { type: mime }));
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return name;
    },
    async restartWorker() {
      restart('restart requested');
    },
  };
}

/** Opens the browser's file picker; resolves null when the user cancels. */
function pickFile(accept: string): Promise<OpenedFile | null> {
  return new Promise((resolve, reject) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = accept;
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (!file) return resolve(null);
      readFileText(file).then(resolve, (e) => reject(new BridgeError(labError('IO_FAILED', `${file.name}: ${String(e)}`))));
    });
    input.addEventListener('cancel', () => resolve(null));
    input.click();
  });
}

/** Reads a picked or dropped file as text (shared with drag-and-drop and the file input). */
export async function readFileText(file: File): Promise<OpenedFile> {
  return { name: file.name, text: await file.text() };
}
