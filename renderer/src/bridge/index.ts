/**
 * Which bridge the renderer uses: `window.lab` when the preload exposed it (Electron), otherwise a
 * Web Worker started here (browser). Stores get it through `getBridge()`; tests `setBridge()` a fake.
 */
import type { LabApi } from '../../../worker/protocol.js';
import { browserBridge } from './browser.js';
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

export function setBridge(bridge: LabBridge): void {
  current = bridge;
}

export function getBridge(): LabBridge {
  if (!current) current = createBridge();
  return current;
}
