/**
 * Fuzzing main's IPC handlers with electron and web-worker faked (bench/fuzz/electron-fake.ts):
 * the real startMain registers the real handlers; random senders and payloads go in.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fuzzTargetAsync, formatFindings } from '../../bench/fuzz/harness.js';
import { installFakes, type FakeBrowserWindow, type FakeState } from '../../bench/fuzz/electron-fake.js';
import { ipcTarget } from '../../bench/fuzz/ipc.js';
import { COMMAND_NAMES, HOST_COMMAND_NAMES } from '../../worker/protocol.js';

vi.mock('electron', async () => (await import('../../bench/fuzz/electron-fake.js')).fakeElectronModule());
vi.mock('web-worker', async () => ({ default: (await import('../../bench/fuzz/electron-fake.js')).FakeWorker }));

const root = path.resolve(__dirname, '../..');
let state: FakeState;
let win: FakeBrowserWindow;

beforeAll(async () => {
  state = installFakes();
  const { startMain } = await import('../../main/index.js');
  await startMain(pathToFileURL(path.join(root, 'out/main/index.js')).href);
  win = state.windows[0]!;
});

describe('Electron main IPC handlers under fuzzing', () => {
  it('registers one handler per command and uses the faked worker', () => {
    expect([...state.handlers.keys()].sort()).toEqual([...COMMAND_NAMES, ...HOST_COMMAND_NAMES].map((c) => `lab:${c}`).sort());
    expect(state.workersStarted).toBe(1);
  });

  it('answers 1,500 random messages with a reply each: foreign senders and bad payloads refused, good ones relayed unchanged', async () => {
    const counts = await fuzzTargetAsync(ipcTarget(state, win), 1500, 424242);
    expect(formatFindings(counts)).toBe('');
    expect(counts.crashed + counts.violations).toBe(0);
    expect(counts.accepted).toBeGreaterThan(100);
    expect(counts.rejected).toBeGreaterThan(100);
  });

  it('the target notices a handler that relays an invalid payload', async () => {
    const real = state.handlers.get('lab:step')!;
    state.handlers.set('lab:step', async (_e: unknown, args: unknown) => ({ ok: true, value: { echo: 'step', args } }));
    try {
      const v = await ipcTarget(state, win).check({ channel: 'lab:step', sender: 'trusted', args: { count: -5 } });
      expect(v.kind).toBe('violation');
    } finally {
      state.handlers.set('lab:step', real);
    }
  });
});
