/**
 * The host commands: native file dialogs to open scenarios and /proc/iomem dumps and to save
 * exports. Reads are bounded (a huge or binary file is refused with a clear message); saves are
 * atomic. Every failure comes back as a coded `{ code, message }`.
 */
import type { LaneHosts } from './lanes.js';
import { dialog, type BrowserWindow } from 'electron';
import { stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import {
  MAX_IOMEM_CHARS,
  MAX_SCENARIO_CHARS,
  labError,
  type HostCommandArgs,
  type HostCommandName,
  type HostCommandResult,
  type IpcReply,
  type OpenedFile,
} from '../worker/protocol.js';

export type HostHandlers = { [K in HostCommandName]: (args: HostCommandArgs<K>) => Promise<IpcReply<HostCommandResult<K>>> };

/** Reads a text file of at most `maxBytes`, refusing binary content. */
export async function readTextFile(file: string, maxBytes: number): Promise<IpcReply<OpenedFile>> {
  try {
    const st = await stat(file);
    if (!st.isFile()) return { ok: false, error: labError('IO_FAILED', `${file}: not a regular file`) };
    if (st.size > maxBytes) return { ok: false, error: labError('IO_FAILED', `${file}: ${st.size} bytes is larger than the limit of ${maxBytes}`) };
    const text = await readFile(file, 'utf8');
    if (text.includes('\u0000')) return { ok: false, error: labError('IO_FAILED', `${file}: binary file (contains NUL bytes)`) };
    return { ok: true, value: { name: path.basename(file), text } };
  } catch (e) {
    return { ok: false, error: labError('IO_FAILED', `${file}: ${(e as Error).message}`) };
  }
}

async function pickAndRead(win: BrowserWindow, title: string, filters: Electron.FileFilter[], max: number): Promise<IpcReply<OpenedFile | null>> {
  const r = await dialog.showOpenDialog(win, { title, filters, properties: ['openFile'] });
  if (r.canceled || r.filePaths.length === 0) return { ok: true, value: null };
  return readTextFile(r.filePaths[0]!, max);
}

export function hostHandlers(win: BrowserWindow, restartWorker: () => number, lanes: Pick<LaneHosts, 'call' | 'stop'>): HostHandlers {
  return {
    openScenarioFile: () =>
      pickAndRead(win, 'Open scenario', [{ name: 'Scenarios', extensions: ['yaml', 'yml', 'json'] }, { name: 'All files', extensions: ['*'] }], MAX_SCENARIO_CHARS),
    openIomemFile: () =>
      pickAndRead(win, 'Import /proc/iomem', [{ name: '/proc/iomem dumps', extensions: ['txt', 'iomem'] }, { name: 'All files', extensions: ['*'] }], MAX_IOMEM_CHARS),
    saveFile: async (args) => {
      const r = await dialog.showSaveDialog(win, { title: 'Save', defaultPath: args.suggestedName });
      if (r.canceled || !r.filePath) return { ok: true, value: null };
      try {
        await writeFileAtomic(r.filePath, args.text);
        return { ok: true, value: r.filePath };
      } catch (e) {
        return { ok: false, error: labError('IO_FAILED', `${r.filePath}: ${(e as Error).message}`) };
      }
    },
    restartWorker: async () => ({ ok: true, value: { restarts: restartWorker() } }),
    laneCall: (args) => lanes.call(args.lane, args.command, args.args),
    laneStop: async (args) => lanes.stop(args.lane),
  };
}
