/**
 * Stand-ins for `electron` and `web-worker` so Electron main can be started and its IPC handlers
 * fuzzed without Electron: in Vitest through `vi.mock`, in `npm run fuzz` through Node module hooks
 * (bench/fuzz/hooks.ts) that resolve both names to tiny modules re-exporting what
 * `installFakes()` put on `globalThis`. The fake worker answers every call at once with an echo,
 * so what reaches "the worker" can be compared with what the renderer sent.
 */
import { EventEmitter } from 'node:events';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

export interface FakeState {
  handlers: Map<string, Handler>;
  windows: FakeBrowserWindow[];
  appEvents: EventEmitter;
  /** Messages the fake worker received, in order. */
  workerInbox: unknown[];
  workersStarted: number;
  permissionRequestHandler: ((wc: unknown, permission: string, cb: (ok: boolean) => void, details?: unknown) => void) | null;
  permissionCheckHandler: ((...a: unknown[]) => boolean) | null;
  devicePermissionHandler: ((...a: unknown[]) => boolean) | null;
  headersHandler: ((details: { responseHeaders: Record<string, string[]> }, cb: (r: unknown) => void) => void) | null;
  loadedUrls: string[];
  openedExternal: string[];
}

export class FakeFrame {
  constructor(public url: string) {}
}

export class FakeWebContents extends EventEmitter {
  mainFrame = new FakeFrame('');
  sent: [string, unknown][] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler(fn: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = fn;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }
  isDestroyed(): boolean {
    return false;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  webContents = new FakeWebContents();
  loaded: string | null = null;
  constructor(public options: Record<string, unknown>) {
    super();
    fakeState().windows.push(this);
    fakeState().appEvents.emit('web-contents-created', {}, this.webContents);
  }
  async loadFile(file: string): Promise<void> {
    this.loaded = file;
    this.webContents.mainFrame.url = new URL(`file://${file}`).href;
  }
  async loadURL(url: string): Promise<void> {
    fakeState().loadedUrls.push(url);
    this.webContents.mainFrame.url = url;
  }
  show(): void {}
  isDestroyed(): boolean {
    return false;
  }
}

/** A Worker that replies to every call at once: `{ echo: <command>, args }`. */
export class FakeWorker {
  private readonly listeners = new Map<string, ((event: { data?: unknown; message?: string }) => void)[]>();
  constructor(public url: unknown, public options?: unknown) {
    fakeState().workersStarted++;
  }
  addEventListener(type: string, fn: (event: { data?: unknown; message?: string }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  postMessage(message: unknown): void {
    // What a worker receives is a structured clone of what was posted.
    const msg = structuredClone(message) as { kind?: string; id?: number; command?: string; args?: unknown };
    fakeState().workerInbox.push(msg);
    queueMicrotask(() => {
      for (const fn of this.listeners.get('message') ?? []) fn({ data: { kind: 'reply', id: msg.id, ok: true, result: { echo: msg.command, args: msg.args } } });
    });
  }
  terminate(): void {}
}

function newState(): FakeState {
  return {
    handlers: new Map(),
    windows: [],
    appEvents: new EventEmitter(),
    workerInbox: [],
    workersStarted: 0,
    permissionRequestHandler: null,
    permissionCheckHandler: null,
    devicePermissionHandler: null,
    headersHandler: null,
    loadedUrls: [],
    openedExternal: [],
  };
}

const G = globalThis as unknown as { __memhpFuzzFakes?: { state: FakeState; electron: Record<string, unknown>; webWorker: typeof FakeWorker } };

export function fakeState(): FakeState {
  if (!G.__memhpFuzzFakes) installFakes();
  return G.__memhpFuzzFakes!.state;
}

/** The fake `electron` module (named exports plus `default`). */
export function fakeElectronModule(): Record<string, unknown> {
  const st = (): FakeState => fakeState();
  const app = {
    on: (ev: string, fn: (...a: unknown[]) => void) => st().appEvents.on(ev, fn),
    once: (ev: string, fn: (...a: unknown[]) => void) => st().appEvents.once(ev, fn),
    whenReady: async () => {},
    requestSingleInstanceLock: () => true,
    quit: () => {},
    exit: () => {},
    getVersion: () => '0.0.0-fuzz',
    isPackaged: false,
  };
  const ipcMain = {
    handle: (channel: string, fn: Handler) => {
      if (st().handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      st().handlers.set(channel, fn);
    },
    removeHandler: (channel: string) => st().handlers.delete(channel),
    on: () => {
      throw new Error('fake electron: ipcMain.on is not expected (use handle)');
    },
  };
  const session = {
    defaultSession: {
      setPermissionRequestHandler: (fn: FakeState['permissionRequestHandler']) => (st().permissionRequestHandler = fn),
      setPermissionCheckHandler: (fn: FakeState['permissionCheckHandler']) => (st().permissionCheckHandler = fn),
      setDevicePermissionHandler: (fn: FakeState['devicePermissionHandler']) => (st().devicePermissionHandler = fn),
      webRequest: { onHeadersReceived: (fn: FakeState['headersHandler']) => (st().headersHandler = fn) },
    },
  };
  const Menu = { buildFromTemplate: (t: unknown) => ({ template: t }), setApplicationMenu: () => {} };
  const dialog = {
    showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
    showSaveDialog: async () => ({ canceled: true, filePath: undefined }),
    showMessageBox: async () => ({ response: 0 }),
  };
  const shell = { openExternal: async (url: string) => void st().openedExternal.push(url) };
  // Not used by main today; present so a new import of them does not break the fuzz run.
  const nativeTheme = { shouldUseDarkColors: true, themeSource: 'system', on: () => {} };
  const protocol = { handle: () => {}, registerSchemesAsPrivileged: () => {} };
  const clipboard = { writeText: () => {}, readText: () => '' };
  const mod = { app, ipcMain, session, Menu, dialog, shell, nativeTheme, protocol, clipboard, BrowserWindow: FakeBrowserWindow };
  return { ...mod, default: mod };
}

/** Puts fresh fakes on globalThis (for the module hooks) and returns their state. */
export function installFakes(): FakeState {
  G.__memhpFuzzFakes = { state: newState(), electron: {}, webWorker: FakeWorker };
  G.__memhpFuzzFakes.electron = fakeElectronModule();
  return G.__memhpFuzzFakes.state;
}
