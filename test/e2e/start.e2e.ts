import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
// @ts-expect-error — plain ESM script without types
import { canDownloadElectron, electronBinary, serveStatic } from '../../scripts/start.mjs';

import { findChromium } from './browser.js';

const root = path.resolve(__dirname, '../..');

describe('finding Chromium for the browser tests', () => {
  it('fails at once with one line saying what to install when there is none', () => {
    expect(() => findChromium([undefined, '/nonexistent/chromium'])).toThrow(/^Chromium not found: install it \(Debian: `apt-get install -y chromium`\) or set CHROME_PATH/);
  });
});

describe('npm start', () => {
  it('finds no Electron binary here without loading electron, and knows the downloader needs Node 22.12', () => {
    expect(electronBinary(root)).toBeNull();
    expect(canDownloadElectron('20.20.2')).toBe(false);
    expect(canDownloadElectron('22.11.0')).toBe(false);
    expect(canDownloadElectron('22.12.0')).toBe(true);
    expect(canDownloadElectron('24.1.0')).toBe(true);
  });

  it('falls back to the browser build: prints the URL on its own line and why, and serves the app', async () => {
    const child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: root, env: { ...process.env, PORT: '0', BROWSER: 'none' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no URL line in: ${out}`)), 60_000);
        child.stdout.on('data', () => {
          const m = /^memhp-lab: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out);
          if (m && /because/.test(out)) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
      });
      expect(out).toMatch(/^memhp-lab: running in the browser because .*Node >= 22\.12/m);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('<div id="app">');
      expect((await fetch(url + '..%2f..%2fpackage.json')).status).toBeGreaterThanOrEqual(400);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('the static server refuses paths outside its folder and unknown methods', async () => {
    const { server, port } = await serveStatic(path.join(root, 'out/renderer'), 0);
    try {
      expect((await fetch(`http://127.0.0.1:${port}/..%2f..%2fpackage.json`)).status).toBe(403);
      expect((await fetch(`http://127.0.0.1:${port}/%2e%2e/%2e%2e/package.json`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/`, { method: 'POST' })).status).toBe(405);
      expect((await fetch(`http://127.0.0.1:${port}/missing.js`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
