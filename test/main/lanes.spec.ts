import { describe, expect, it, vi } from 'vitest';
import { LaneHosts } from '../../main/lanes.js';
import type { IpcReply } from '../../worker/protocol.js';

vi.mock('electron', async () => (await import('./electron-fake.js')).electronModule());

const { hostHandlers } = await import('../../main/dialogs.js');

/** Fake lane hosts: each records the commands it got and answers with its lane number. */
function fakeLanes() {
  const made: { lane: number; calls: string[]; disposed: boolean }[] = [];
  const lanes = new LaneHosts((lane) => {
    const rec = { lane, calls: [] as string[], disposed: false };
    made.push(rec);
    return {
      call: async (command: string) => (rec.calls.push(command), { ok: true, value: { lane } }) as IpcReply<never>,
      dispose: () => void (rec.disposed = true),
    };
  });
  return { lanes, made };
}

describe('compare lanes in main (LaneHosts)', () => {
  it('starts one worker per lane on first use and sends each lane its own commands', async () => {
    const { lanes, made } = fakeLanes();
    expect(await lanes.call(0, 'hello', {})).toEqual({ ok: true, value: { lane: 0 } });
    expect(await lanes.call(2, 'step', { count: 3 })).toEqual({ ok: true, value: { lane: 2 } });
    expect(await lanes.call(0, 'summary', {})).toEqual({ ok: true, value: { lane: 0 } });
    expect(made.map((m) => [m.lane, m.calls])).toEqual([[0, ['hello', 'summary']], [2, ['step']]]);
    expect(lanes.running).toEqual([0, 2]);
  });

  it.each([
    ['an unknown command', 'rm', {}, 'UNKNOWN_COMMAND'],
    ['bad arguments', 'step', { count: -1 }, 'BAD_PAYLOAD'],
    ['a prototype-less command', Object.create(null), {}, 'UNKNOWN_COMMAND'],
  ])('refuses %s before any worker starts', async (_n, command, args, code) => {
    const { lanes, made } = fakeLanes();
    const r = await lanes.call(1, command, args);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message).toMatch(/^lane 1: /);
    }
    expect(made).toHaveLength(0);
  });

  it('laneStop disposes the lane; the next call starts a fresh worker; dispose stops all', async () => {
    const { lanes, made } = fakeLanes();
    await lanes.call(3, 'hello', {});
    expect(lanes.stop(3)).toEqual({ ok: true, value: null });
    expect(made[0]!.disposed).toBe(true);
    await lanes.call(3, 'hello', {});
    await lanes.call(4, 'hello', {});
    expect(made).toHaveLength(3);
    lanes.dispose();
    expect(made.every((m) => m.disposed)).toBe(true);
    expect(lanes.running).toEqual([]);
  });

  it('the host handlers route laneCall and laneStop to the lanes', async () => {
    const { lanes, made } = fakeLanes();
    const h = hostHandlers({} as never, () => 0, lanes);
    expect(await h.laneCall({ lane: 5, command: 'lsmem', args: {} })).toEqual({ ok: true, value: { lane: 5 } });
    expect(await h.laneStop({ lane: 5 })).toEqual({ ok: true, value: null });
    expect(made[0]).toMatchObject({ lane: 5, calls: ['lsmem'], disposed: true });
  });
});
