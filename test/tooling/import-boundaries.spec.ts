import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';

// ARCHITECTURE.md §3 "who may import what", enforced by reading every import in the tree.
const root = path.resolve(__dirname, '../..');

function sources(dir: string): string[] {
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  for (const name of readdirSync(abs)) {
    const rel = path.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) out.push(...sources(rel));
    else if (/\.(ts|vue|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Every module specifier a file imports or re-exports (static, dynamic and `import type`). */
export function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|[;\s])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) specs.push(m[1] ?? m[2] ?? m[3]!);
  return specs;
}

function resolvesInto(file: string, spec: string, dir: string): boolean {
  if (!spec.startsWith('.')) return false;
  const target = path.normalize(path.join(path.dirname(file), spec));
  return target === dir || target.startsWith(dir + path.sep);
}

const NODE_BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** What makes a file unfit for common/: Electron, Node, Vue, main/, renderer/ imports, DOM or process globals. */
function commonViolations(file: string, text: string): string[] {
  const bad: string[] = [];
  for (const spec of importsOf(text)) {
    const bare = spec.split('/')[0]!;
    if (spec.startsWith('node:') || NODE_BUILTINS.has(spec) || NODE_BUILTINS.has(bare) || ['electron', 'vue', 'pinia', 'web-worker'].includes(bare)) bad.push(`${file}: ${spec}`);
    if (resolvesInto(file, spec, 'main') || resolvesInto(file, spec, 'renderer')) bad.push(`${file}: ${spec}`);
  }
  const code = text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
  for (const word of ['document.', 'window.', 'navigator.', 'process.', 'localStorage', 'indexedDB']) {
    if (new RegExp(`(^|[^.\\w])${word.replace('.', '\\.')}`).test(code)) bad.push(`${file}: ${word}`);
  }
  return bad;
}

describe('import boundaries', () => {
  it('finds imports of every form (self-check of the scanner)', () => {
    const text = "import a from 'x';\nimport type { B } from \"y\";\nexport * from './z.js';\nconst c = await import('w');\nimport 'side';";
    expect(importsOf(text).sort()).toEqual(['./z.js', 'side', 'w', 'x', 'y']);
  });

  it('worker/engine imports nothing outside itself (no electron, vue, node, DOM packages)', () => {
    const files = sources('worker/engine');
    expect(files.length).toBeGreaterThan(0);
    const bad: string[] = [];
    for (const f of files) {
      for (const spec of importsOf(readFileSync(path.join(root, f), 'utf8'))) {
        const inside = spec.startsWith('.') && resolvesInto(f, spec, 'worker/engine');
        if (!inside) bad.push(`${f}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the engine never reads a wall clock or the DOM', () => {
    const bad: string[] = [];
    for (const f of sources('worker/engine')) {
      const text = readFileSync(path.join(root, f), 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
      for (const word of ['Date.now', 'new Date(', 'performance.now', 'document.', 'window.', 'setTimeout(', 'setInterval(', 'Math.random(']) {
        if (text.includes(word)) bad.push(`${f}: ${word}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('worker/protocol.ts imports only engine types and valibot (its payload schemas)', () => {
    const bad = importsOf(readFileSync(path.join(root, 'worker/protocol.ts'), 'utf8')).filter(
      (s) => s !== 'valibot' && !resolvesInto('worker/protocol.ts', s, 'worker/engine'),
    );
    expect(bad).toEqual([]);
  });

  it('worker/protocol.ts imports engine code at run time only from engine/names.ts, which imports nothing', () => {
    const text = readFileSync(path.join(root, 'worker/protocol.ts'), 'utf8');
    const runtime = [...text.matchAll(/^import\s+(?!type\s)[^'"]*from\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]);
    expect(runtime.filter((s) => s !== './engine/names.js' && s!.startsWith('./engine/'))).toEqual([]);
    expect(importsOf(readFileSync(path.join(root, 'worker/engine/names.ts'), 'utf8'))).toEqual([]);
  });

  it('main/cli never reaches electron, directly or through main/', () => {
    // Follow relative imports from the CLI entry; none may be `electron`.
    const seen = new Set<string>();
    const stack = sources('main/cli');
    const bad: string[] = [];
    while (stack.length) {
      const f = stack.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      for (const spec of importsOf(readFileSync(path.join(root, f), 'utf8'))) {
        if (spec === 'electron' || spec.startsWith('electron/')) bad.push(`${f}: ${spec}`);
        if (spec.startsWith('.')) {
          let target = path.normalize(path.join(path.dirname(f), spec)).replace(/\.js$/, '.ts');
          if (!existsSync(path.join(root, target)) && existsSync(path.join(root, target, 'index.ts'))) target = path.join(target, 'index.ts');
          if (existsSync(path.join(root, target))) stack.push(target);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('common/ reaches no Electron, Node, DOM, main/ or renderer/ (and the check catches each)', () => {
    const probe = [
      "import { app } from 'electron';",
      "import { readFile } from 'node:fs/promises';",
      "import path from 'path';",
      "import { x } from '../../main/atomic-write.js';",
      "import { y } from '../../renderer/src/format.js';",
      'const t = document.title;',
      'const w = window.innerWidth;',
      'const e = process.env;',
    ];
    for (const line of probe) expect(commonViolations('common/report/probe.ts', line), line).not.toEqual([]);
    expect(commonViolations('common/report/probe.ts', "import { parseSize } from '../../worker/engine/sizes.js';\nimport { stringify } from 'yaml';")).toEqual([]);
    const files = sources('common');
    expect(files.length).toBeGreaterThan(10);
    const bad = files.flatMap((f) => commonViolations(f, readFileSync(path.join(root, f), 'utf8')));
    expect(bad).toEqual([]);
  });

  it('worker/ holds only the worker and the engine: its own files import no Electron, Vue, main/ or renderer/', () => {
    const bad: string[] = [];
    for (const f of sources('worker').filter((f) => !f.startsWith(path.join('worker', 'engine')))) {
      for (const spec of importsOf(readFileSync(path.join(root, f), 'utf8'))) {
        if (spec === 'electron' || spec === 'vue' || spec === 'pinia') bad.push(`${f}: ${spec}`);
        if (resolvesInto(f, spec, 'main') || resolvesInto(f, spec, 'renderer')) bad.push(`${f}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the engine check catches an import from outside the engine', () => {
    expect(resolvesInto('worker/engine/kernel/x.ts', '../../protocol.js', 'worker/engine')).toBe(false);
    expect(resolvesInto('worker/engine/kernel/x.ts', '../sizes.js', 'worker/engine')).toBe(true);
  });

  it('the renderer imports the worker side only through protocol types', () => {
    const bad: string[] = [];
    for (const f of sources('renderer/src')) {
      for (const spec of importsOf(readFileSync(path.join(root, f), 'utf8'))) {
        if (spec === 'electron' || spec.startsWith('node:')) bad.push(`${f}: ${spec}`);
        if (resolvesInto(f, spec, 'main')) bad.push(`${f}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
