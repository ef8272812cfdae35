/**
 * A fake of the parts of `electron` main and preload use, recording what they were asked to do.
 * Tests install it with `vi.mock('electron', () => import('./electron-fake.js').then((m) => m.electronModule()))`.
 */
import { EventEmitter } from 'node:events';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

export class FakeFrame {
  constructor(public url: string) {}
}

export class FakeWebContents extends EventEmitter {
  mainFrame: FakeFrame;
  sent: [string, unknown][] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  destroyed = false;
  constructor(url = '') {
    super();
    this.mainFrame = new FakeFrame(url);
  }
  setWindowOpenHandler(fn: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = fn;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

export const state = {
  windows: [] as FakeBrowserWindow[],
  handlers: new Map<string, Handler>(),
  appEvents: new EventEmitter(),
  permissionRequestHandler: null as null | ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void),
  permissionCheckHandler: null as null | ((...a: unknown[]) => boolean),
  headersHandler: null as null | ((details: { responseHeaders: Record<string, string[]> }, cb: (r: unknown) => void) => void),
  menuTemplate: null as unknown,
  exposed: new Map<string, unknown>(),
  invoked: [] as [string, unknown][],
  rendererListeners: new Map<string, ((...a: unknown[]) => void)[]>(),
  openDialogResult: { canceled: true, filePaths: [] as string[] },
  saveDialogResult: { canceled: true, filePath: undefined as string | undefined },
};

export function resetState(): void {
  state.windows = [];
  state.handlers.clear();
  state.appEvents.removeAllListeners();
  state.exposed.clear();
  state.invoked = [];
  state.rendererListeners.clear();
}

export class FakeBrowserWindow extends EventEmitter {
  webContents: FakeWebContents;
  loaded: string | null = null;
  destroyed = false;
  constructor(public options: Record<string, unknown>) {
    super();
    this.webContents = new FakeWebContents();
    state.windows.push(this);
    state.appEvents.emit('web-contents-created', {}, this.webContents);
  }
  async loadFile(file: string): Promise<void> {
    this.loaded = file;
    this.webContents.mainFrame.url = new URL(`file://${file}`).href;
  }
  show(): void {}
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

export function electronModule() {
  const app = {
    on: (ev: string, fn: (...a: unknown[]) => void) => state.appEvents.on(ev, fn),
    once: (ev: string, fn: (...a: unknown[]) => void) => state.appEvents.once(ev, fn),
    whenReady: async () => {},
    requestSingleInstanceLock: () => true,
    quit: () => {},
    exit: () => {},
    getVersion: () => '0.0.0-test',
  };
  const ipcMain = {
    handle: (channel: string, fn: Handler) => {
      if (state.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      state.handlers.set(channel, fn);
    },
    removeHandler: (channel: string) => state.handlers.delete(channel),
  };
  const session = {
    defaultSession: {
      setPermissionRequestHandler: (fn: typeof state.permissionRequestHandler) => (state.permissionRequestHandler = fn),
      setPermissionCheckHandler: (fn: typeof state.permissionCheckHandler) => (state.permissionCheckHandler = fn),
      webRequest: { onHeadersReceived: (fn: typeof state.headersHandler) => (state.headersHandler = fn) },
    },
  };
  const Menu = {
    buildFromTemplate: (t: unknown) => ({ template: t }),
    setApplicationMenu: (m: { template: unknown }) => (state.menuTemplate = m.template),
  };
  const dialog = {
    showOpenDialog: async () => state.openDialogResult,
    showSaveDialog: async () => state.saveDialogResult,
    showMessageBox: async () => ({ response: 0 }),
  };
  const contextBridge = { exposeInMainWorld: (key: string, api: unknown) => state.exposed.set(key, api) };
  const ipcRenderer = {
    invoke: async (channel: string, args: unknown) => {
      state.invoked.push([channel, args]);
      return { ok: true, value: channel };
    },
    on: (channel: string, fn: (...a: unknown[]) => void) => state.rendererListeners.set(channel, [...(state.rendererListeners.get(channel) ?? []), fn]),
    removeListener: (channel: string, fn: (...a: unknown[]) => void) =>
      state.rendererListeners.set(channel, (state.rendererListeners.get(channel) ?? []).filter((f) => f !== fn)),
  };
  const mod = { app, ipcMain, session, Menu, dialog, BrowserWindow: FakeBrowserWindow, contextBridge, ipcRenderer };
  return { ...mod, default: mod };
}
