/**
 * The app window and the web-contents hardening that goes with it: context isolation and the
 * sandbox on, no Node in the renderer, a strict CSP, no navigation away, no new windows, no
 * webviews, every permission request denied.
 */
import { BrowserWindow, app, session, type WebContents, type WebPreferences } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CSP } from './csp.js';

/** Where the built renderer and preload live, relative to the built main (out/main/index.js). */
export function appPaths(mainUrl: string): { indexHtml: string; preload: string } {
  const outDir = path.resolve(path.dirname(fileURLToPath(mainUrl)), '..');
  return { indexHtml: path.join(outDir, 'renderer', 'index.html'), preload: path.join(outDir, 'preload', 'index.cjs') };
}

export function webPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
  };
}

/** True when `url` is the app's own page (the only thing our window may show). */
export function isAppUrl(url: string, indexHtml: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'file:' && u.pathname === pathToFileURL(indexHtml).pathname;
  } catch {
    return false;
  }
}

/**
 * Denies navigation, new windows, webviews and redirects for any web contents the app creates.
 * Registered once at start-up (`app.on('web-contents-created')`).
 */
export function hardenWebContents(contents: WebContents, indexHtml: string): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, indexHtml)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Session-wide defaults: deny every permission, send the CSP header on http(s) responses. */
export function setupSecurityDefaults(indexHtml: string): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, indexHtml));
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
}

export function createMainWindow(paths: { indexHtml: string; preload: string }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'memhp-lab',
    backgroundColor: '#14161a',
    show: false,
    webPreferences: webPreferences(paths.preload),
  });
  win.once('ready-to-show', () => win.show());
  void win.loadFile(paths.indexHtml);
  return win;
}
