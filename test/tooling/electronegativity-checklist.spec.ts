/**
 * The Electron security checklist (electronjs.org/docs/latest/tutorial/security, numbered as there),
 * against main's real window and session setup with electron faked. test/main/main.spec.ts already
 * covers context isolation, sandbox, nodeIntegration, webviewTag, the CSP header, navigation,
 * new windows, permission requests and IPC sender checks on the main window; this file covers what
 * it does not: the remaining webPreferences, hardening of web contents created later, middle-click
 * windows, device permissions, remote content, every CSP directive, and the IPC style rules.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FakeWebContents, installFakes, type FakeBrowserWindow, type FakeState } from '../../bench/fuzz/electron-fake.js';

vi.mock('electron', async () => (await import('../../bench/fuzz/electron-fake.js')).fakeElectronModule());
vi.mock('web-worker', async () => ({ default: (await import('../../bench/fuzz/electron-fake.js')).FakeWorker }));

const root = path.resolve(__dirname, '../..');
const indexHtml = path.join(root, 'out/renderer/index.html');
let state: FakeState;
let win: FakeBrowserWindow;

beforeAll(async () => {
  state = installFakes();
  const { startMain } = await import('../../main/index.js');
  await startMain(pathToFileURL(path.join(root, 'out/main/index.js')).href);
  win = state.windows[0]!;
});

function prevented(emit: (ev: { preventDefault(): void }) => void): boolean {
  let p = false;
  emit({ preventDefault: () => (p = true) });
  return p;
}

function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(path.join(root, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: path.join(dir, f), text: readFileSync(path.join(root, dir, f), 'utf8') }));
}

describe('Electron security checklist', () => {
  it('#2/#8/#9/#10: no insecure content, no experimental or extra Blink features, no Node in sub-frames', () => {
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs).not.toHaveProperty('disableWebSecurity');
    expect(prefs.preload).toBe(path.join(root, 'out/preload/index.cjs'));
  });

  it('#1: loads only its own packaged page (loadFile), never a remote URL', () => {
    expect(win.loaded).toBe(indexHtml);
    expect(state.loadedUrls).toEqual([]);
    expect(win.webContents.mainFrame.url).toBe(pathToFileURL(indexHtml).href);
  });

  it('#12/#13/#14: web contents created later (not just the window) are hardened too', () => {
    const wc = new FakeWebContents();
    state.appEvents.emit('web-contents-created', {}, wc);
    expect(prevented((ev) => wc.emit('will-navigate', ev, 'https://example.com/'))).toBe(true);
    expect(prevented((ev) => wc.emit('will-attach-webview', ev, {}, {}))).toBe(true);
    expect(prevented((ev) => wc.emit('will-redirect', ev, 'https://example.com/'))).toBe(true);
    expect(wc.windowOpenHandler).not.toBeNull();
  });

  it.each(['foreground-tab', 'background-tab', 'new-window', 'other'])('#14 + AUXCLICK: a %s open (middle-click included) is denied', (disposition) => {
    const handler = win.webContents.windowOpenHandler!;
    expect(handler({ url: pathToFileURL(indexHtml).href, disposition } as { url: string })).toEqual({ action: 'deny' });
    expect(handler({ url: 'https://example.com/', disposition } as { url: string })).toEqual({ action: 'deny' });
  });

  it('#13: navigation to another local file or a javascript:/data: URL is denied', () => {
    for (const url of ['file:///etc/passwd', pathToFileURL(path.join(root, 'out/main/index.js')).href, 'javascript:alert(1)', 'data:text/html,<h1>x', 'about:blank']) {
      expect(prevented((ev) => win.webContents.emit('will-navigate', ev, url)), url).toBe(true);
    }
  });

  it('#5: device and permission checks are refused with the arguments Electron passes', () => {
    for (const p of ['hid', 'serial', 'usb', 'media', 'clipboard-sanitized-write', 'openExternal']) {
      expect(state.permissionCheckHandler!(win.webContents, p, 'file:///', { requestingUrl: 'file:///' })).toBe(false);
    }
    const cb = vi.fn();
    state.permissionRequestHandler!(win.webContents, 'openExternal', cb, { externalURL: 'https://example.com' });
    expect(cb).toHaveBeenCalledWith(false);
  });

  it('#7: every CSP directive allows only our own origin (data:/blob: only for images), object/base/form none', async () => {
    const { CSP } = await import('../../main/csp.js');
    const directives = new Map(CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    for (const k of ['object-src', 'base-uri', 'form-action', 'frame-ancestors']) expect(directives.get(k), k).toEqual(["'none'"]);
    for (const [k, v] of directives) {
      const allowed = k === 'img-src' ? ["'self'", 'data:', 'blob:'] : ["'self'", "'none'"];
      for (const src of v) expect(allowed, `${k} ${src}`).toContain(src);
    }
  });

  it('#1/#7: the renderer page references nothing remote and runs no inline script', () => {
    const html = readFileSync(path.join(root, 'renderer/index.html'), 'utf8');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter((m) => !/\bsrc=/.test(m[1]!) || m[2]!.trim() !== '');
    expect(inline).toEqual([]);
  });

  it('#15/#17/#20: main never opens external URLs, listens with ipcMain.on, or uses sendSync; the preload exposes only window.lab', () => {
    const main = sources('main').filter((f) => !f.file.startsWith(path.join('main', 'cli')));
    for (const { file, text } of main) {
      expect(text, file).not.toMatch(/shell\.openExternal|ipcMain\.on\(|sendSync|loadURL\(|enableBlinkFeatures|nodeIntegration:\s*true|contextIsolation:\s*false|sandbox:\s*false|webSecurity:\s*false/);
    }
    const preload = readFileSync(path.join(root, 'main/preload.ts'), 'utf8');
    expect([...preload.matchAll(/exposeInMainWorld\('(\w+)'/g)].map((m) => m[1])).toEqual(['lab']);
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer\b\s*\)/);
  });

  it('#16: the pinned Electron is a current major release', () => {
    const v = JSON.parse(readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string };
    expect(Number(v.version.split('.')[0])).toBeGreaterThanOrEqual(38);
  });
});
