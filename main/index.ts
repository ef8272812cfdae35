/**
 * Electron main: the table of contents. Each setup step lives in its own module.
 */
import { app, type BrowserWindow } from 'electron';
import { appPaths, createMainWindow, setupSecurityDefaults } from './window.js';
import { WorkerHost, workerUrl } from './worker-host.js';
import { LaneHosts } from './lanes.js';
import { removeIpc, sendEvent, setupIpc } from './ipc.js';
import { hostHandlers } from './dialogs.js';
import { setupMenu } from './menu.js';
import type { LabEvent } from '../worker/protocol.js';

export interface MainApp {
  win: BrowserWindow;
  host: WorkerHost;
  /** Compare lanes' workers, started on demand. */
  lanes: LaneHosts;
  channels: string[];
}

/** Starts the app: security defaults, worker, window, IPC, menus, lifecycle. */
export async function startMain(mainUrl: string = import.meta.url): Promise<MainApp> {
  const paths = appPaths(mainUrl);
  setupSingleInstance();
  setupSecurityDefaults(paths.indexHtml);
  await app.whenReady();
  let win: BrowserWindow | null = null;
  const emit = (event: LabEvent): void => {
    if (win) sendEvent(win, event);
  };
  const host = setupWorker(mainUrl, emit);
  win = createMainWindow(paths);
  const lanes = LaneHosts.forWorker(workerUrl(mainUrl));
  const channels = setupIpc(win, host, hostHandlers(win, () => (host.restart('restart requested by the window'), host.restarts), lanes), paths.indexHtml);
  setupMenu(win, emit);
  setupLifecycle(host, lanes, channels);
  return { win, host, lanes, channels };
}

function setupSingleInstance(): void {
  if (!app.requestSingleInstanceLock()) app.quit();
}

function setupWorker(mainUrl: string, emit: (event: LabEvent) => void): WorkerHost {
  const host = new WorkerHost({ url: workerUrl(mainUrl), onEvent: emit });
  host.start();
  return host;
}

function setupLifecycle(host: WorkerHost, lanes: LaneHosts, channels: string[]): void {
  app.on('window-all-closed', () => {
    removeIpc(channels);
    lanes.dispose();
    host.dispose();
    app.quit();
  });
}

// Started when Electron runs the built out/main/index.js; a test imports startMain instead.
if (process.versions.electron && !process.env.VITEST) {
  startMain().catch((e) => {
    console.error(`memhp-lab: failed to start: ${e instanceof Error ? e.message : String(e)}`);
    app.exit(1);
  });
}
