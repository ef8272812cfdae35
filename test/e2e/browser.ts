/**
 * Shared e2e plumbing: find Chromium (CHROME_PATH, then the usual paths; fail at once with one line
 * saying what to install), serve the built renderer over http on 127.0.0.1:0 (file:// fails with
 * CORS), and launch it headless the way TOOLCHAIN.md verified.
 */
import { createServer, type Server } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const root = path.resolve(__dirname, '../..');

export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export function findChromium(candidates: (string | undefined)[] = [process.env.CHROME_PATH, ...CHROMIUM_PATHS]): string {
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error('Chromium not found: install it (Debian: `apt-get install -y chromium`) or set CHROME_PATH to a Chromium/Chrome binary');
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

/** A tiny read-only static server for out/renderer on 127.0.0.1 (a free port). */
export function serve(dir = path.join(root, 'out/renderer')): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.resolve(dir, '.' + (rel.endsWith('/') ? rel + 'index.html' : rel));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/` });
  }));
}
