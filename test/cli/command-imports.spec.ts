/** Commands share code through main/cli/shared, never by importing one another. */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const commands = path.resolve(__dirname, '../../main/cli/commands');

/** The relative import specifiers of a source text (static `from '…'` and dynamic `import('…')`). */
export function relativeImports(text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
}

/** The other command files a file in `dir` imports. */
export function commandImports(dir: string, text: string, files: readonly string[]): string[] {
  const names = new Set(files.map((f) => path.join(dir, f.replace(/\.ts$/, ''))));
  return relativeImports(text).filter((spec) => names.has(path.join(dir, spec).replace(/\.(js|ts)$/, '')));
}

describe('main/cli/commands', () => {
  const files = readdirSync(commands).filter((f) => f.endsWith('.ts'));

  it('has the command files', () => {
    expect(files).toEqual(expect.arrayContaining(['compare.ts', 'iomem.ts', 'replay.ts', 'run.ts']));
  });

  for (const f of files) {
    it(`${f} imports no other command`, () => {
      expect(commandImports(commands, readFileSync(path.join(commands, f), 'utf8'), files)).toEqual([]);
    });
  }

  it('the check finds a command importing another (both spellings, and dynamic imports)', () => {
    const bad = "import { checkOverrides } from './replay.js';\nimport x from '../commands/run.js';\nconst y = await import('./iomem.js');\nimport { z } from '../shared/index.js';\n";
    expect(commandImports(commands, bad, files)).toEqual(['./replay.js', '../commands/run.js', './iomem.js']);
  });
});
