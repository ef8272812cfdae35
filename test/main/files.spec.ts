import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../main/atomic-write.js';
import { state } from './electron-fake.js';

vi.mock('electron', async () => (await import('./electron-fake.js')).electronModule());

const { readTextFile, hostHandlers } = await import('../../main/dialogs.js');

/** Dialog tests use no lanes. */
const NO_LANES = { call: async () => ({ ok: true as const, value: null }), stop: () => ({ ok: true as const, value: null }) };

describe('atomic writes', () => {
  it('replaces the target in one step and leaves no temp file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'memhp-save-'));
    const file = path.join(dir, 'out.json');
    writeFileSync(file, 'old');
    await writeFileAtomic(file, '{"new":true}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"new":true}\n');
    expect(readdirSync(dir)).toEqual(['out.json']);
  });

  it('fails cleanly when the directory does not exist', async () => {
    await expect(writeFileAtomic('/nonexistent-dir-memhp/x.txt', 'a')).rejects.toThrow(/ENOENT/);
  });
});

describe('reading picked files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memhp-open-'));
  it.each([
    ['a missing file', () => path.join(dir, 'missing.yaml'), 10, 'ENOENT'],
    ['a file over the limit', () => (writeFileSync(path.join(dir, 'big.txt'), 'x'.repeat(100)), path.join(dir, 'big.txt')), 10, 'larger than the limit of 10'],
    ['a binary file', () => (writeFileSync(path.join(dir, 'bin.txt'), 'ab\u0000cd'), path.join(dir, 'bin.txt')), 100, 'binary file'],
    ['a directory', () => dir, 100, 'not a regular file'],
  ] as const)('refuses %s with IO_FAILED naming the file', async (_w, make, max, fragment) => {
    const file = make();
    const r = await readTextFile(file, max);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('IO_FAILED');
    expect(!r.ok && r.error.message).toContain(file);
    expect(!r.ok && r.error.message).toContain(fragment);
  });

  it('opens a scenario picked in the dialog; cancel gives null', async () => {
    const file = path.join(dir, 's.yaml');
    writeFileSync(file, 'name: s\n');
    const h = hostHandlers({} as never, () => 0, NO_LANES);
    state.openDialogResult = { canceled: false, filePaths: [file] };
    expect(await h.openScenarioFile({})).toEqual({ ok: true, value: { name: 's.yaml', text: 'name: s\n' } });
    state.openDialogResult = { canceled: true, filePaths: [] };
    expect(await h.openIomemFile({})).toEqual({ ok: true, value: null });
  });

  it('saves through the dialog atomically and reports the path', async () => {
    const file = path.join(dir, 'export.csv');
    const h = hostHandlers({} as never, () => 0, NO_LANES);
    state.saveDialogResult = { canceled: false, filePath: file };
    expect(await h.saveFile({ suggestedName: 'export.csv', text: 'a,b\r\n' })).toEqual({ ok: true, value: file });
    expect(readFileSync(file, 'utf8')).toBe('a,b\r\n');
    state.saveDialogResult = { canceled: false, filePath: '/nonexistent-dir-memhp/x.csv' };
    expect(await h.saveFile({ suggestedName: 'x.csv', text: '' })).toMatchObject({ ok: false, error: { code: 'IO_FAILED' } });
  });
});
