import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Faults are injected through the file layer itself: sessions and CI run as root, so a read-only
// directory would prove nothing. Each case makes one fs call fail with a real errno and checks
// that the previous file is intact and no temporary file is left behind.
type Stage = 'open' | 'write' | 'sync' | 'rename';
const fault: { stage: Stage | null; code: string } = { stage: null, code: 'EIO' };

function errno(code: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: injected fault`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = async (...args: Parameters<typeof real.open>) => {
    if (fault.stage === 'open') throw errno(fault.code);
    const fh = await real.open(...args);
    return new Proxy(fh, {
      get(target, prop, receiver) {
        if (prop === 'writeFile' && fault.stage === 'write') return async () => { throw errno(fault.code); };
        if (prop === 'sync' && fault.stage === 'sync') return async () => { throw errno(fault.code); };
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  };
  const rename: typeof real.rename = async (...args) => {
    if (fault.stage === 'rename') throw errno(fault.code);
    return real.rename(...args);
  };
  return { ...real, default: { ...real, open, rename }, open, rename };
});

const { writeFileAtomic } = await import('../../main/atomic-write.js');

afterEach(() => {
  fault.stage = null;
});

describe('atomic writes under injected faults', () => {
  const cases: [Stage, string][] = [
    ['open', 'EACCES'],
    ['write', 'ENOSPC'],
    ['write', 'EIO'],
    ['sync', 'EIO'],
    ['rename', 'EACCES'],
    ['rename', 'EIO'],
  ];
  it.each(cases)('%s failing with %s rejects with that code and leaves the previous file intact', async (stage, code) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'memhp-fault-'));
    const file = path.join(dir, 'report.json');
    writeFileSync(file, 'previous contents\n');
    fault.stage = stage;
    fault.code = code;
    await expect(writeFileAtomic(file, 'new contents\n')).rejects.toMatchObject({ code });
    expect(readFileSync(file, 'utf8')).toBe('previous contents\n');
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('writes normally once the fault is gone (the mock itself is transparent)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'memhp-fault-'));
    const file = path.join(dir, 'report.json');
    writeFileSync(file, 'previous contents\n');
    await writeFileAtomic(file, 'new contents\n');
    expect(readFileSync(file, 'utf8')).toBe('new contents\n');
    expect(readdirSync(dir)).toEqual(['report.json']);
  });
});
