// `npm start`: the Electron app when an Electron binary is installed; otherwise the same app in a
// browser, served from out/renderer on 127.0.0.1.
//
//   1. Electron installed (node_modules/electron/path.txt and the binary it names under dist/)?  Run it.
//   2. Not installed: on Node >= 22.12 try Electron's own downloader once (`npx install-electron`,
//      bounded to ~1 minute); run Electron if that worked. On older Node skip it (it needs 22.12).
//   3. Otherwise build if needed, serve out/renderer on 127.0.0.1:$PORT (0 or unset = a free port),
//      print `memhp-lab: http://127.0.0.1:<port>/` and one line saying why it is not Electron, and
//      open a browser when a display exists and BROWSER is not `none`.
// Never `require('electron')` to find out: without the binary that starts a download.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, readFileSync, readdirSync, statSync, createReadStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The Electron executable if installed, else null (looks only at files; never loads electron). */
export function electronBinary(dir = root) {
  const pkg = path.join(dir, 'node_modules', 'electron');
  const pathTxt = path.join(pkg, 'path.txt');
  if (!existsSync(pathTxt)) return null;
  const rel = readFileSync(pathTxt, 'utf8').trim();
  if (!rel) return null;
  const bin = path.join(pkg, 'dist', rel);
  return existsSync(bin) ? bin : null;
}

/** Whether this Node can run Electron's downloader (@electron/get needs >= 22.12). */
export function canDownloadElectron(version = process.versions.node) {
  const [maj, min] = version.split('.').map(Number);
  return maj > 22 || (maj === 22 && min >= 12);
}

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = path.join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

/** True when out/ is missing or older than any source file of the app. */
export function needsBuild(dir = root) {
  const outputs = ['out/main/index.js', 'out/main/lab.worker.js', 'out/preload/index.cjs', 'out/renderer/index.html'].map((f) => path.join(dir, f));
  if (!outputs.every((f) => existsSync(f))) return true;
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  const src = Math.max(...['main', 'worker', 'common', 'renderer'].map((d) => newestMtime(path.join(dir, d))));
  return src > built;
}

function build() {
  console.log('memhp-lab: building…');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('memhp-lab: the build failed (see above)');
    process.exit(r.status ?? 1);
  }
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves `dir` read-only on 127.0.0.1:`port`; resolves with the server and the port it got. */
export function serveStatic(dir, port = 0) {
  const base = path.resolve(dir);
  const server = createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end('method not allowed');
      return;
    }
    let file = path.resolve(base, '.' + (rel.endsWith('/') ? rel + 'index.html' : rel));
    if (file !== base && !file.startsWith(base + path.sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ server, port: server.address().port }));
  });
}

function hasDisplay() {
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

function openBrowser(url) {
  const browser = process.env.BROWSER;
  if (browser === 'none' || !hasDisplay()) return false;
  const [cmd, args] = browser
    ? [browser, [url]]
    : process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => console.log(`memhp-lab: could not start a browser (${cmd}); open the address above yourself`));
    child.unref();
    return true;
  } catch {
    return false;
  }
}

function runElectron(bin) {
  if (needsBuild()) build();
  console.log(`memhp-lab: starting Electron (${bin})`);
  const child = spawn(bin, ['.'], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
}

/** Tries `npx install-electron` once, bounded; returns the binary, or the reason it is not there. */
function tryDownloadElectron() {
  if (!canDownloadElectron()) {
    return { bin: null, reason: `no Electron binary is installed, and its downloader needs Node >= 22.12 (this is Node ${process.versions.node})` };
  }
  console.log('memhp-lab: no Electron binary; trying `npx install-electron` (up to a minute)…');
  const r = spawnSync('npx', ['--no', 'install-electron'], { cwd: root, stdio: 'inherit', timeout: 60_000 });
  const bin = electronBinary();
  if (bin) return { bin, reason: '' };
  const why = r.error ? r.error.message : r.signal ? `stopped after ${r.signal === 'SIGTERM' ? 'a minute' : r.signal}` : `exit code ${r.status}`;
  return { bin: null, reason: `no Electron binary is installed and downloading it failed (${why})` };
}

async function main() {
  let bin = electronBinary();
  let reason = '';
  if (!bin) ({ bin, reason } = tryDownloadElectron());
  if (bin) return runElectron(bin);

  if (needsBuild()) build();
  const requested = Number(process.env.PORT ?? 0);
  const port = Number.isInteger(requested) && requested >= 0 && requested < 65536 ? requested : 0;
  const { server, port: actual } = await serveStatic(path.join(root, 'out', 'renderer'), port);
  const url = `http://127.0.0.1:${actual}/`;
  console.log(`memhp-lab: ${url}`);
  console.log(`memhp-lab: running in the browser because ${reason}`);
  if (!openBrowser(url)) console.log('memhp-lab: open the address above in a browser (Ctrl+C stops the server)');
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(`memhp-lab: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
