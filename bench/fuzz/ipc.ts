/**
 * Fuzzing Electron main's IPC handlers (main/ipc.ts, started through startMain with electron and
 * web-worker faked): random senders and payloads on every `lab:<command>` channel. A handler must
 * always resolve to an `IpcReply`; refuse anything not from our window's main frame showing our
 * page (FORBIDDEN_SENDER, nothing relayed); refuse invalid payloads (BAD_PAYLOAD naming the
 * field, nothing relayed); and relay a valid payload to the worker exactly once, unchanged.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import {
  COMMAND_NAMES,
  ERROR_CODES,
  HOST_COMMAND_NAMES,
  isHostCommandName,
  validateArgs,
  validateHostArgs,
  type IpcReply,
} from '../../worker/protocol.js';
import type { AsyncFuzzTarget, Verdict } from './harness.js';
import type { FakeBrowserWindow, FakeState } from './electron-fake.js';
import { FakeWebContents } from './electron-fake.js';
import { VALID_ARGS, VALID_HOST_ARGS, payloadArbitrary } from './targets.js';

export const SENDERS = ['trusted', 'other-contents', 'subframe', 'no-frame', 'foreign-page', 'no-sender'] as const;
export type SenderKind = (typeof SENDERS)[number];

export interface IpcInput {
  channel: string;
  sender: SenderKind;
  args: unknown;
}

/** Channels fuzzed: every command; restartWorker only with invalid payloads (a valid one restarts the worker, tested in test/main). */
const NAMES: string[] = [...COMMAND_NAMES, ...HOST_COMMAND_NAMES];

export function ipcArbitrary(): fc.Arbitrary<IpcInput> {
  const valid = { ...VALID_ARGS, ...VALID_HOST_ARGS } as Record<string, unknown[]>;
  return fc
    .tuple(
      payloadArbitrary(NAMES, valid, true).filter((p) => typeof p.command === 'string' && NAMES.includes(p.command)),
      fc.oneof({ weight: 8, arbitrary: fc.constant<SenderKind>('trusted') }, { weight: 3, arbitrary: fc.constantFrom<SenderKind>(...SENDERS) }),
    )
    .map(([p, sender]) => ({ channel: `lab:${String(p.command)}`, sender, args: p.args }));
}

function eventFor(kind: SenderKind, win: FakeBrowserWindow): unknown {
  const wc = win.webContents;
  switch (kind) {
    case 'trusted':
    case 'foreign-page':
      return { sender: wc, senderFrame: wc.mainFrame };
    case 'other-contents':
      return { sender: new FakeWebContents(), senderFrame: wc.mainFrame };
    case 'subframe':
      return { sender: wc, senderFrame: { url: wc.mainFrame.url } };
    case 'no-frame':
      return { sender: wc, senderFrame: null };
    case 'no-sender':
      return {};
  }
}

function replyProblem(reply: unknown): string | null {
  if (typeof reply !== 'object' || reply === null) return `handler returned ${String(reply)}, not an IpcReply`;
  const r = reply as IpcReply<unknown>;
  if (r.ok === true) return 'value' in r ? null : 'ok reply without a value';
  if (r.ok !== false) return 'reply without ok: true/false';
  const e = r.error as { code?: unknown; message?: unknown } | undefined;
  if (!e || !(ERROR_CODES as readonly unknown[]).includes(e.code)) return `error reply with an unknown code ${String(e?.code)}`;
  if (typeof e.message !== 'string' || e.message.length === 0) return 'error reply without a message';
  return null;
}

export function ipcTarget(state: FakeState, win: FakeBrowserWindow): AsyncFuzzTarget<IpcInput> {
  return {
    name: 'IPC handlers (main)',
    inputs: 'every lab:<command> channel; trusted and foreign senders; valid, mutated and random payloads',
    arbitrary: ipcArbitrary(),
    async check(input): Promise<Verdict> {
      const handler = state.handlers.get(input.channel);
      if (!handler) return { kind: 'violation', problem: `no handler registered on ${input.channel}` };
      const command = input.channel.slice(4);
      const host = isHostCommandName(command);
      // Electron delivers a structured clone of what the renderer sent.
      const args = structuredClone(input.args);
      const invalid = host ? validateHostArgs(command, args) : validateArgs(command, args);
      if (command === 'restartWorker' && invalid === null && input.sender === 'trusted') return { kind: 'accepted' };
      const inbox = state.workerInbox.length;
      const savedUrl = win.webContents.mainFrame.url;
      if (input.sender === 'foreign-page') win.webContents.mainFrame.url = 'https://evil.example/index.html';
      let reply: unknown;
      try {
        reply = await handler(eventFor(input.sender, win), args);
      } finally {
        win.webContents.mainFrame.url = savedUrl;
      }
      const shape = replyProblem(reply);
      if (shape) return { kind: 'violation', problem: shape };
      const r = reply as IpcReply<unknown>;
      const relayed = state.workerInbox.length - inbox;
      if (input.sender !== 'trusted') {
        if (r.ok || r.error.code !== 'FORBIDDEN_SENDER') return { kind: 'violation', problem: `a ${input.sender} sender was not refused: ${JSON.stringify(r).slice(0, 200)}` };
        if (relayed !== 0) return { kind: 'violation', problem: `a ${input.sender} sender's message reached the worker` };
        return { kind: 'rejected' };
      }
      if (invalid) {
        if (r.ok || !isDeepStrictEqual(r.error, invalid)) return { kind: 'violation', problem: `invalid payload not refused with its validation error: ${JSON.stringify(r).slice(0, 200)}` };
        if (relayed !== 0) return { kind: 'violation', problem: 'an invalid payload reached the worker' };
        return { kind: 'rejected' };
      }
      if (command === 'laneCall') {
        // A lane command goes to that lane's worker, checked against its own schema first.
        const lane = args as { lane: number; command: string; args: unknown };
        const inner = validateArgs(lane.command, lane.args);
        if (inner) {
          if (r.ok || r.error.code !== inner.code) return { kind: 'violation', problem: `invalid lane payload not refused: ${JSON.stringify(r).slice(0, 200)}` };
          if (relayed !== 0) return { kind: 'violation', problem: 'an invalid lane payload reached a worker' };
          return { kind: 'rejected' };
        }
        if (relayed !== 1) return { kind: 'violation', problem: `a valid lane ${lane.command} reached a worker ${relayed} times` };
        const sent = state.workerInbox[state.workerInbox.length - 1] as { command?: unknown; args?: unknown };
        if (sent.command !== lane.command || !isDeepStrictEqual(sent.args, lane.args)) return { kind: 'violation', problem: `the lane worker received ${JSON.stringify(sent).slice(0, 200)}` };
        if (!r.ok) return { kind: 'violation', problem: `valid lane command failed: ${r.error.code} ${r.error.message}` };
        return { kind: 'accepted' };
      }
      if (host) {
        if (!r.ok) return { kind: 'violation', problem: `valid host command failed: ${r.error.code} ${r.error.message}` };
        if (relayed !== 0) return { kind: 'violation', problem: 'a host command reached the worker' };
        return { kind: 'accepted' };
      }
      if (relayed !== 1) return { kind: 'violation', problem: `a valid ${command} reached the worker ${relayed} times` };
      const sent = state.workerInbox[state.workerInbox.length - 1] as { kind?: unknown; command?: unknown; args?: unknown };
      if (sent.kind !== 'call' || sent.command !== command || !isDeepStrictEqual(sent.args, args)) {
        return { kind: 'violation', problem: `the worker received ${JSON.stringify(sent).slice(0, 200)}` };
      }
      if (!r.ok || !isDeepStrictEqual((r.value as { echo?: unknown }).echo, command)) return { kind: 'violation', problem: `the worker's reply was not passed back: ${JSON.stringify(r).slice(0, 200)}` };
      // Keep the inbox from growing without bound on long runs.
      if (state.workerInbox.length > 1000) state.workerInbox.length = 0;
      return { kind: 'accepted' };
    },
  };
}
