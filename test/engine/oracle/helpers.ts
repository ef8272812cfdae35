import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const ORACLE_DIR = path.resolve(__dirname, '../../fixtures/oracle');

/** Every golden trace: 6.12 at the top level, 6.1 in its own folder. */
export function goldenTraces(): { name: string; file: string; text: string }[] {
  const out: { name: string; file: string; text: string }[] = [];
  for (const dir of [ORACLE_DIR, path.join(ORACLE_DIR, '6.1.0-56-cloud-amd64')]) {
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.txt')).sort()) {
      const file = path.join(dir, f);
      out.push({ name: path.relative(ORACLE_DIR, file), file, text: readFileSync(file, 'utf8') });
    }
  }
  return out;
}

/** The profiles of the later kernels recorded in their own fixture folders (test/fixtures/oracle-<profile>/). */
export const LATER_KERNELS = ['6.18', '7.3'] as const;

/** Every trace of test/fixtures/oracle-<profile>/, named `<profile>/<file>`. */
export function laterKernelTraces(profile: (typeof LATER_KERNELS)[number]): { name: string; file: string; text: string }[] {
  const dir = path.resolve(ORACLE_DIR, `../oracle-${profile}`);
  return readdirSync(dir).filter((x) => x.endsWith('.txt')).sort().map((f) => {
    const file = path.join(dir, f);
    return { name: `${profile}/${f}`, file, text: readFileSync(file, 'utf8') };
  });
}

/** Step 0's boot sections of a trace (allowed replay inputs). */
export function bootSections(text: string): { iomem: string; blocks: string } {
  const s0 = text.split(/^=== step 1:/m)[0]!;
  const iomem = s0.split('--- iomem\n')[1]!.split('--- memory-blocks\n')[0]!;
  const blocks = s0.split('--- memory-blocks\n')[1]!.split('--- meminfo')[0]!;
  return { iomem, blocks };
}
