// `npm run memhp -- <command>`: rebuilds the Node side when a source file is newer than the built
// CLI (so a developer never runs stale code), then runs it with the same arguments.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'out/cli/memhp.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const stale = !existsSync(cli) || ['main', 'worker', 'common'].some((d) => newestMtime(path.join(root, d)) > statSync(cli).mtimeMs);
if (stale) {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), 'node'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
await import(pathToFileURL(cli).href);
