// Builds every part of memhp-lab with Vite.
//   node scripts/build.mjs        everything (Node side + renderer)
//   node scripts/build.mjs node   only the Node side (main, preload, worker, CLI, bench) — run by `prepare`
// Each Node entry is its own single-input build, so each file is self-contained (no shared chunks):
// the worker must be one file to be unpacked from the asar, and the CLI must never pull in `electron`.
import { build } from 'vite';
import { builtinModules } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

// Only these stay external at run time: Electron itself, Node built-ins, and web-worker (which
// re-runs its own module file as the thread bootstrap, so it must not be bundled).
const external = ['electron', 'web-worker', /^node:/, ...builtinModules];

const nodeEntries = [
  // [outDir, name, input, format]
  ['out/main', 'index', 'main/index.ts', 'es'],
  ['out/main', 'lab.worker', 'worker/index.ts', 'es'],
  ['out/preload', 'index', 'main/preload.ts', 'cjs'],
  ['out/cli', 'memhp', 'main/cli/memhp.ts', 'es'],
  ['out/bench', 'bench', 'bench/bench.ts', 'es'],
  ['out/bench', 'fuzz', 'bench/fuzz.ts', 'es'],
];

async function nodeBuild([outDir, name, input, format]) {
  if (!existsSync(input)) return;
  await build({
    configFile: false,
    logLevel: 'warn',
    ssr: { noExternal: true, external: ['electron', 'web-worker'] },
    build: {
      ssr: true,
      target: 'node20',
      outDir,
      emptyOutDir: false,
      minify: false,
      sourcemap: true,
      rollupOptions: {
        input: { [name]: input },
        external,
        output: { format, entryFileNames: format === 'cjs' ? '[name].cjs' : '[name].js', codeSplitting: false },
      },
    },
  });
}

const only = process.argv[2];
for (const entry of nodeEntries) await nodeBuild(entry);
if (only !== 'node') await build({ configFile: 'vite.config.ts', logLevel: 'warn' });
