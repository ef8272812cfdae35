import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { IomemLine } from '../../../worker/engine/userspace/kexec.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

export function fixture(path: string): string {
  return readFileSync(FIXTURES + path, 'utf8');
}

/** A local /proc/iomem reader for the view tests (the engine's parser lives in kernel/iomem.ts). */
export function iomemLines(text: string): IomemLine[] {
  const out: IomemLine[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const m = /^( *)([0-9a-f]+)-([0-9a-f]+) : (.*)$/.exec(line);
    if (!m) throw new Error(`line ${i + 1}: not an iomem line: ${JSON.stringify(line)}`);
    out.push({ depth: m[1]!.length / 2, start: BigInt('0x' + m[2]!), end: BigInt('0x' + m[3]!), name: m[4]! });
  }
  return out;
}

/** The `--- <name>` section of step `step` of an oracle trace. */
export function traceSection(trace: string, step: number, name: string): string {
  const stepAt = trace.indexOf(`=== step ${step}:`);
  if (stepAt < 0) throw new Error(`no step ${step}`);
  const next = trace.indexOf('\n=== step ', stepAt + 1);
  const body = trace.slice(stepAt, next < 0 ? undefined : next);
  const at = body.indexOf(`--- ${name}\n`);
  if (at < 0) throw new Error(`no section ${name} in step ${step}`);
  const rest = body.slice(at + name.length + 5);
  const end = rest.indexOf('\n---');
  return (end < 0 ? rest : rest.slice(0, end + 1)).replace(/\n+$/, '\n');
}
