/**
 * Every input limit hit once just past it (and, where cheap, once just inside): a clear refusal,
 * no crash, no out-of-memory. The heavy cases (inputs of 64–256 MiB) run in `npm run fuzz`.
 */
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, openSync, closeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LIMIT_CASES, runLimitCase } from '../../bench/fuzz/limits.js';
import { MAX_IOMEM_CHARS, MAX_SCENARIO_CHARS } from '../../worker/protocol.js';

vi.mock('electron', async () => (await import('../../bench/fuzz/electron-fake.js')).fakeElectronModule());

const light = LIMIT_CASES.filter((c) => !c.heavy).map((c) => [c.name, c] as const);

describe('input limits', () => {
  it.each(light)('%s', async (_name, c) => {
    const r = await runLimitCase(c, { heavy: false });
    expect(r.detail).not.toMatch(/^(threw|accepted|refused with an unexpected|the input inside)/);
    expect(r.ok).toBe(true);
  });

  it('lists the heavy cases too, so npm run fuzz covers every limit', () => {
    expect(LIMIT_CASES.filter((c) => c.heavy).map((c) => c.name)).toEqual([
      'iomem: more than 2000000 lines',
      'oracle trace: text over 64 Mi characters',
      'scenario: imported boot /proc/iomem over 67108864 characters',
      'report: text longer than 268435456 characters',
      'IPC: /proc/iomem text over 100663296 characters',
      'IPC: saved text over 256 MiB',
    ]);
  });

  it.each([
    ['a scenario', MAX_SCENARIO_CHARS],
    ['a /proc/iomem dump', MAX_IOMEM_CHARS],
  ] as const)('main refuses %s file one byte over the limit before reading it (sparse file)', async (_what, limit) => {
    const { readTextFile } = await import('../../main/dialogs.js');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'memhp-limit-')), 'big.txt');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, limit + 1);
    closeSync(fd);
    const r = await readTextFile(file, limit);
    expect(r).toEqual({ ok: false, error: { code: 'IO_FAILED', message: `${file}: ${limit + 1} bytes is larger than the limit of ${limit}` } });
  });
});
