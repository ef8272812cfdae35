import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMMAND_NAMES, HOST_COMMAND_NAMES, channelOf, type IpcReply } from '../../worker/protocol.js';
import { FakeWebContents, state, type FakeBrowserWindow } from './electron-fake.js';

vi.mock('electron', async () => (await import('./electron-fake.js')).electronModule());

const root = path.resolve(__dirname, '../..');
// Start main as if it were the built out/main/index.js, so the real built worker is used.
const mainUrl = pathToFileURL(path.join(root, 'out/main/index.js')).href;
const indexHtml = path.join(root, 'out/renderer/index.html');

let app: Awaited<ReturnType<typeof import('../../main/index.js')['startMain']>>;
let win: FakeBrowserWindow;

function trusted(): unknown {
  return { sender: win.webContents, senderFrame: win.webContents.mainFrame };
}
async function invoke(channel: string, event: unknown, args: unknown): Promise<IpcReply<unknown>> {
  const h = state.handlers.get(channel);
  if (!h) throw new Error(`no handler for ${channel}`);
  return (await h(event, args)) as IpcReply<unknown>;
}

beforeAll(async () => {
  const { startMain } = await import('../../main/index.js');
  app = await startMain(mainUrl);
  win = state.windows[0]!;
});
afterAll(() => app.host.dispose());

describe('Electron main', () => {
  it('starts with one window loading the built renderer', () => {
    expect(state.windows).toHaveLength(1);
    expect(win.loaded).toBe(indexHtml);
  });

  it('creates the window with context isolation and sandbox on, Node integration off, the sandboxed preload', () => {
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, webSecurity: true, webviewTag: false });
    expect(prefs.preload).toBe(path.join(root, 'out/preload/index.cjs'));
  });

  it('registers exactly one handler per protocol command, on lab:<command>', () => {
    const expected = [...COMMAND_NAMES, ...HOST_COMMAND_NAMES].map(channelOf).sort();
    expect([...state.handlers.keys()].sort()).toEqual(expected);
    expect(app.channels.sort()).toEqual(expected);
  });

  it('relays a valid command to the worker and returns its reply', async () => {
    const r = await invoke('lab:hello', trusted(), {});
    expect(r.ok).toBe(true);
    expect(r.ok && (r.value as { protocolVersion: number }).protocolVersion).toBe(1);
  });

  const foreign: [string, () => unknown][] = [
    ['another web contents', () => ({ sender: new FakeWebContents(win.webContents.mainFrame.url), senderFrame: win.webContents.mainFrame })],
    ['a sub-frame of our window', () => ({ sender: win.webContents, senderFrame: { url: win.webContents.mainFrame.url } })],
    ['no frame', () => ({ sender: win.webContents, senderFrame: null })],
  ];
  it.each(foreign)('rejects a message from %s with FORBIDDEN_SENDER', async (_what, event) => {
    for (const channel of ['lab:hello', 'lab:saveFile']) {
      const r = await invoke(channel, event(), {});
      expect(r).toEqual({ ok: false, error: { code: 'FORBIDDEN_SENDER', message: expect.stringContaining(channel) } });
    }
  });

  it('rejects our main frame once it shows a page that is not ours', async () => {
    const saved = win.webContents.mainFrame.url;
    win.webContents.mainFrame.url = 'https://evil.example/';
    try {
      expect(await invoke('lab:hello', trusted(), {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    } finally {
      win.webContents.mainFrame.url = saved;
    }
  });

  const malformed: [string, unknown, string][] = [
    ['lab:loadPreset', { name: 42 }, 'args.name'],
    ['lab:loadPreset', null, 'expected an object'],
    ['lab:step', { count: -1 }, 'args.count'],
    ['lab:iomemWindow', { from: 0, count: 10, evil: true }, 'args.evil: unknown field'],
    ['lab:guestAction', { block: 'all', state: 'offline' }, 'args.block'],
    ['lab:saveFile', { suggestedName: '/etc/passwd', text: '' }, 'args.suggestedName'],
  ];
  it.each(malformed)('rejects malformed %s %j with BAD_PAYLOAD', async (channel, args, fragment) => {
    const r = await invoke(channel, trusted(), args);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('BAD_PAYLOAD');
    expect(!r.ok && r.error.message).toContain(fragment);
    const command = channel.slice('lab:'.length);
    expect(!r.ok && r.error.message.startsWith(`${command}: args`)).toBe(true);
    expect(!r.ok && r.error.message.split(`${command}:`)).toHaveLength(2);
  });

  it('relays a refusal from the worker itself with the command named once', async () => {
    expect((await invoke('lab:loadPreset', trusted(), { name: 'seed-100g-virtio-mem' })).ok).toBe(true);
    // valid arguments main lets through; the worker's session refuses them (vm0 exists already)
    const r = await invoke('lab:addDevice', trusted(), { spec: { kind: 'virtio-mem', id: 'vm0', regionSize: '1G' } });
    expect(r).toMatchObject({ ok: false, error: { code: 'KERNEL_ERRNO' } });
    expect(!r.ok && r.error.message.startsWith('addDevice: ')).toBe(true);
    expect(!r.ok && r.error.message.split('addDevice:')).toHaveLength(2);
  });

  it('denies navigation away from the app, redirects, webviews and new windows', () => {
    const wc = win.webContents;
    const nav = (url: string) => {
      const ev = { preventDefault: vi.fn() };
      wc.emit('will-navigate', ev, url);
      return ev.preventDefault.mock.calls.length;
    };
    expect(nav('https://example.com/')).toBe(1);
    expect(nav('file:///etc/passwd')).toBe(1);
    expect(nav(pathToFileURL(indexHtml).href)).toBe(0);
    const webview = { preventDefault: vi.fn() };
    wc.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
    const redirect = { preventDefault: vi.fn() };
    wc.emit('will-redirect', redirect);
    expect(redirect.preventDefault).toHaveBeenCalled();
    expect(wc.windowOpenHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' });
  });

  it('denies every permission request and check', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      const cb = vi.fn();
      state.permissionRequestHandler!(win.webContents, p, cb);
      expect(cb).toHaveBeenCalledWith(false);
    }
    expect(state.permissionCheckHandler!()).toBe(false);
  });

  it('sends the strict CSP header and the renderer page carries the same policy', async () => {
    const { CSP, CSP_META } = await import('../../main/csp.js');
    expect(CSP).not.toMatch(/unsafe-eval|unsafe-inline|https?:|\*/);
    expect(CSP).toContain("default-src 'none'");
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).toContain("frame-ancestors 'none'");
    let out: { responseHeaders: Record<string, string[]> } | null = null;
    state.headersHandler!({ responseHeaders: { 'X-A': ['1'] } }, (r) => (out = r as typeof out));
    expect(out!.responseHeaders['Content-Security-Policy']).toEqual([CSP]);
    const html = readFileSync(path.join(root, 'renderer/index.html'), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    expect(meta?.[1]).toBe(CSP_META);
    expect(CSP.startsWith(CSP_META)).toBe(true);
  });

  it('builds native menus whose lab items send menu events to the window', () => {
    const template = state.menuTemplate as { label?: string; submenu?: { label?: string; click?: () => void }[] }[];
    const run = template.find((m) => m.label === '&Run')!;
    expect(run.submenu!.map((i) => i.label)).toEqual(['Start', 'Pause', 'Step', 'Reset']);
    run.submenu![0]!.click!();
    expect(win.webContents.sent.at(-1)).toEqual(['lab:event', { type: 'menu', action: 'start' }]);
  });

  it('restarts the worker on request and tells the window', async () => {
    const before = win.webContents.sent.length;
    const r = await invoke('lab:restartWorker', trusted(), {});
    expect(r).toEqual({ ok: true, value: { restarts: 1 } });
    expect(win.webContents.sent.slice(before).map(([, e]) => e)).toContainEqual(expect.objectContaining({ type: 'worker', state: 'restarted', restarts: 1 }));
    expect((await invoke('lab:hello', trusted(), {})).ok).toBe(true);
  });
});
