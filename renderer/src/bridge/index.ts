/**
 * Which bridge the renderer uses: `window.lab` when the preload exposed it (Electron), otherwise a
 * Web Worker started here (browser). Stores get it through `getBridge()`; tests `setBridge()` a fake.
 * Compare lanes get theirs from `createLaneBridge()`: only this file decides how a worker is started.
 */
import { MAX_LANES, type LabApi } from '../../../worker/protocol.js';
import { browserBridge, defaultWorkerFactory, type WorkerLike } from './browser.js';
import { electronBridge, electronLaneBridge } from './electron.js';
import type { LabBridge } from './types.js';

export type { LabBridge, BridgeMode } from './types.js';
export { BridgeError } from './types.js';
export { readFileText } from './browser.js';

let current: LabBridge | null = null;

export function createBridge(): LabBridge {
  const lab = (window as unknown as { lab?: LabApi }).lab;
  return lab ? electronBridge(lab) : browserBridge();
}

let lanesCreated = 0;

/**
 * A bridge to one more lab worker, for a compare lane. In Electron, a further worker in main,
 * through the same host as the session (`laneCall`, lane numbers 0…MAX_LANES-1 handed out in
 * turn); in a browser, a further Web Worker (`create`, for tests).
 */
export function createLaneBridge(create: () => WorkerLike = defaultWorkerFactory): LabBridge {
  const lab = (window as unknown as { lab?: LabApi }).lab;
  if (lab) return electronLaneBridge(lab, lanesCreated++ % MAX_LANES);
  return browserBridge(create);
}

export function setBridge(bridge: LabBridge): void {
  current = bridge;
}

export function getBridge(): LabBridge {
  if (!current) current = createBridge();
  return current;
}
