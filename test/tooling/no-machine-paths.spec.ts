import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

// The tree cites files beside the repository (the spec, the oracle harness) by relative paths such as
// `../shared/spec/…`, never by where one developer's machine keeps them.
const root = path.resolve(__dirname, '../..');
const SKIP = new Set(['node_modules', 'out', 'release', 'test-artifacts', '.git']);
const TEXT = /\.(ts|mts|js|mjs|cjs|vue|json|ya?ml|md|txt|steps|html|css)$/;
// Spelled in pieces so this file does not match itself; `/home/u/` is the made-up folder the renderer
// tests' fake save dialog answers with, not a real machine's.
const MACHINE_PATH = new RegExp(['/wo', 'rk/(?:shared|main|wt)/', '|/ro', 'ot/', '|/home/[a-z][\\w.-]+/(?!u/)'].join(''));

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(root, dir))) {
    if (SKIP.has(name)) continue;
    const rel = path.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) out.push(...files(rel));
    else if (TEXT.test(name) && !name.includes('.generated.')) out.push(rel);
  }
  return out;
}

describe('no absolute machine paths', () => {
  it('the pattern catches a developer path and lets relative ones pass', () => {
    expect(MACHINE_PATH.test(['see /wo', 'rk/shared/spec/x.md'].join(''))).toBe(true);
    expect(MACHINE_PATH.test(['/home/', 'alice/memhp-lab/x.ts'].join(''))).toBe(true);
    expect(MACHINE_PATH.test('see ../shared/spec/x.md')).toBe(false);
  });

  it('no source, test or document names a path of a developer machine', () => {
    const bad = files('.').filter((f) => MACHINE_PATH.test(readFileSync(path.join(root, f), 'utf8')));
    expect(bad).toEqual([]);
  });
});
