/**
 * Typed IPC, derived from worker/protocol.ts: one `lab:<command>` handler per command. Each handler
 * checks the sender (our window's main frame showing our page, nothing else), validates the
 * payload at run time, and returns an `IpcReply` (coded errors survive the crossing; thrown errors
 * would not). Worker events are pushed on `lab:event`. With the preload, the only file that
 * touches Electron's IPC.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import {
  COMMAND_NAMES,
  EVENT_CHANNEL,
  HOST_COMMAND_NAMES,
  channelOf,
  commandMessage,
  labError,
  validateArgs,
  validateHostArgs,
  type CommandName,
  type IpcReply,
  type LabEvent,
} from '../worker/protocol.js';
import type { HostHandlers } from './dialogs.js';
import type { WorkerHost } from './worker-host.js';
import { isAppUrl } from './window.js';

/** Accepts only our window's main frame, showing our own page. */
export function isTrustedSender(event: IpcMainInvokeEvent, win: BrowserWindow, indexHtml: string): boolean {
  if (win.isDestroyed() || event.sender !== win.webContents) return false;
  const frame = event.senderFrame;
  if (!frame || frame !== win.webContents.mainFrame) return false;
  return isAppUrl(frame.url, indexHtml);
}

function forbidden(channel: string): IpcReply<never> {
  return { ok: false, error: labError('FORBIDDEN_SENDER', `${channel}: refused, the message did not come from the lab window`) };
}

/** Registers every handler; returns the channels registered (for the shutdown and the tests). */
export function setupIpc(win: BrowserWindow, host: Pick<WorkerHost, 'call'>, hostHandlers: HostHandlers, indexHtml: string): string[] {
  const channels: string[] = [];
  for (const command of COMMAND_NAMES) {
    const channel = channelOf(command);
    ipcMain.handle(channel, async (event, args: unknown) => {
      if (!isTrustedSender(event, win, indexHtml)) return forbidden(channel);
      const invalid = validateArgs(command, args);
      if (invalid) return { ok: false, error: invalid } satisfies IpcReply<never>;
      return host.call(command as CommandName, args as never);
    });
    channels.push(channel);
  }
  for (const command of HOST_COMMAND_NAMES) {
    const channel = channelOf(command);
    ipcMain.handle(channel, async (event, args: unknown) => {
      if (!isTrustedSender(event, win, indexHtml)) return forbidden(channel);
      const invalid = validateHostArgs(command, args);
      if (invalid) return { ok: false, error: invalid } satisfies IpcReply<never>;
      try {
        return await (hostHandlers[command] as (a: unknown) => Promise<IpcReply<unknown>>)(args);
      } catch (e) {
        return { ok: false, error: labError('IO_FAILED', commandMessage(command, (e as Error).message)) } satisfies IpcReply<never>;
      }
    });
    channels.push(channel);
  }
  return channels;
}

export function removeIpc(channels: string[]): void {
  for (const c of channels) ipcMain.removeHandler(c);
}

/** Pushes a worker event to the window (dropped when the window is gone). */
export function sendEvent(win: BrowserWindow, event: LabEvent): void {
  if (!win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event);
}
