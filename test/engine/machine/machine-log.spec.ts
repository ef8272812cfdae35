import { describe, expect, it } from 'vitest';
import { MachineLog, LOG_CAPACITY } from '../../../worker/engine/machine/machine-log.js';
import { machine } from './fixture.js';

const entry = (i: number) => ({ t: i, source: 's', level: 'info' as const, message: `m${i}` });

function filled(capacity: number, n: number): MachineLog {
  const log = new MachineLog(capacity);
  for (let i = 0; i < n; i++) log.push(entry(i));
  return log;
}

describe('MachineLog (a bounded ring, numbered from boot)', () => {
  it.each([
    // capacity, appended, kept, dropped, since(seq) → first message, count
    [4, 3, 3, 0, 0, 'm0', 3],
    [4, 4, 4, 0, 2, 'm2', 2],
    [4, 5, 4, 1, 0, 'm1', 4],
    [4, 11, 4, 7, 0, 'm7', 4],
    [4, 11, 4, 7, 9, 'm9', 2],
    [4, 11, 4, 7, 11, undefined, 0],
    [1, 3, 1, 2, 0, 'm2', 1],
  ])('capacity %d, %d appended: keeps %d, drops %d; since(%d) starts at %s with %d entries', (cap, n, kept, dropped, since, first, count) => {
    const log = filled(cap, n);
    expect(log.length).toBe(kept);
    expect(log.total).toBe(n);
    expect(log.dropped).toBe(dropped);
    const got = log.since(since);
    expect(got[0]?.message).toBe(first);
    expect(got).toHaveLength(count);
    // Oldest first, consecutive.
    expect(got.map((e) => e.t)).toEqual(Array.from({ length: count }, (_, i) => Math.max(since, dropped) + i));
  });

  it('limits, looks entries up by seq and refuses a capacity below 1', () => {
    const log = filled(3, 10);
    expect(log.since(0, 2).map((e) => e.message)).toEqual(['m7', 'm8']);
    expect(log.at(6)).toBeUndefined();
    expect(log.at(9)?.message).toBe('m9');
    expect(log.at(10)).toBeUndefined();
    expect(() => new MachineLog(0)).toThrow(RangeError);
  });

  it('stays bounded on a long run: a machine keeps at most LOG_CAPACITY entries', () => {
    const m = machine({ logCapacity: 50 });
    for (let i = 0; i < 500; i++) m.addLog('lab', 'info', `entry ${i}`);
    expect(m.log.length).toBe(50);
    expect(m.log.total).toBeGreaterThanOrEqual(500);
    expect(m.log.entries().at(-1)!.message).toBe('entry 499');
    expect(machine().log.capacity).toBe(LOG_CAPACITY);
  });
});
