/**
 * Errors from main's IPC handlers name their command exactly once: argument validation, and a
 * host handler that throws (with or without the command already in its message).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import path from 'node:path';
import type { IpcReply } from '../../worker/protocol.js';
import { FakeBrowserWindow, resetState, state } from './electron-fake.js';

vi.mock('electron', async () => (await import('./electron-fake.js')).electronModule());

const indexHtml = path.resolve(__dirname, '../../out/renderer/index.html');
let win: FakeBrowserWindow;
let channels: string[] = [];

async function invoke(channel: string, args: unknown): Promise<IpcReply<unknown>> {
  const h = state.handlers.get(channel)!;
  return (await h({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, args)) as IpcReply<unknown>;
}

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

beforeEach(async () => {
  resetState();
  const { setupIpc } = await import('../../main/ipc.js');
  win = new FakeBrowserWindow({});
  await win.loadFile(indexHtml);
  const fail = (message: string) => async () => {
    throw new Error(message);
  };
  const host = { call: vi.fn(async () => ({ ok: true, value: null }) as IpcReply<never>) };
  const handlers = { openScenarioFile: fail('disk gone'), openIomemFile: fail('openIomemFile: disk gone') };
  channels = setupIpc(win as never, host, handlers as never, indexHtml);
});
afterEach(async () => (await import('../../main/ipc.js')).removeIpc(channels));

describe('main IPC error messages', () => {
  it.each([
    ['lab:resizeDevice', { device: 'vm0', size: '4 gigs' }, 'resizeDevice: args.size: expected a size like "128M"'],
    ['lab:saveFile', { suggestedName: 'a/b', text: '' }, 'saveFile: args.suggestedName: expected a file name without a directory'],
  ])('%s names the command once in a BAD_PAYLOAD', async (channel, args, start) => {
    const r = await invoke(channel, args);
    expect(r.ok).toBe(false);
    const message = !r.ok ? r.error.message : '';
    expect(message.startsWith(start)).toBe(true);
    expect(occurrences(message, channel.slice('lab:'.length) + ':')).toBe(1);
  });

  it.each([
    ['lab:openScenarioFile', 'openScenarioFile: disk gone'],
    ['lab:openIomemFile', 'openIomemFile: disk gone'],
  ])('%s names the command once when its handler throws', async (channel, message) => {
    expect(await invoke(channel, {})).toEqual({ ok: false, error: { code: 'IO_FAILED', message } });
  });
});
