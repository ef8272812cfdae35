/**
 * Which bridge the renderer uses: `window.lab` when the preload exposed it (Electron), otherwise a
 * Web Worker started here (browser). Stores get it through `getBridge()`; tests `setBridge()` a fake.
 * Compare lanes get theirs from `createLaneBridge()`: only this file decides how a worker is started.
 */
import type { LabApi } from '../../../worker/protocol.js';
import { browserBridge, defaultWorkerFactory, type WorkerLike } from './browser.js';
import { electronBridge } from './electron.js';
import type { LabBridge } from './types.js';

export type { LabBridge, BridgeMode } from './types.js';
export { BridgeError } from './types.js';
export { readFileText } from './browser.js';

let current: LabBridge | null = null;

export function createBridge(): LabBridge {
  const lab = (window as unknown as { lab?: LabApi }).lab;
  return lab ? electronBridge(lab) : browserBridge();
}

/**
 * A bridge to one more lab worker, for a compare lane: a further Web Worker in the browser. In
 * Electron the renderer starts it the same way (its CSP allows same-origin workers): main's worker
 * host serves the one interactive session and has no per-lane channels yet.
 */
export function createLaneBridge(create: () => WorkerLike = defaultWorkerFactory): LabBridge {
  return browserBridge(create);
}

export function setBridge(bridge: LabBridge): void {
  current = bridge;
}

export function getBridge(): LabBridge {
  if (!current) current = createBridge();
  return current;
}
