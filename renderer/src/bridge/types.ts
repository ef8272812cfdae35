/**
 * The one interface the renderer talks to. In Electron it is `window.lab` (preload → main → worker
 * thread); in a browser, a Web Worker the renderer starts itself. Nothing outside bridge/ knows which.
 */
import type { CommandArgs, CommandName, CommandResult, LabError, LabEvent, OpenedFile } from '../../../worker/protocol.js';

export type BridgeMode = 'electron' | 'browser';

export interface LabBridge {
  readonly mode: BridgeMode;
  /** Runs a worker command; rejects with a `BridgeError` carrying the coded error. */
  call<K extends CommandName>(command: K, args: CommandArgs<K>): Promise<CommandResult<K>>;
  /** Subscribes to worker events; returns the unsubscribe function. */
  onEvent(listener: (event: LabEvent) => void): () => void;
  /** Lets the user pick a file (native dialog in Electron, a file input in a browser); null when cancelled. */
  openFile(kind: 'scenario' | 'iomem'): Promise<OpenedFile | null>;
  /** Saves a file (native dialog + atomic write in Electron, a download in a browser); where it went, or null. */
  saveFile(name: string, text: string, mime: string): Promise<string | null>;
  /** Replaces the worker with a fresh one (a `worker` event follows). */
  restartWorker(): Promise<void>;
}

export class BridgeError extends Error {
  readonly code: LabError['code'];
  constructor(readonly error: LabError) {
    super(error.message);
    this.code = error.code;
  }
}
