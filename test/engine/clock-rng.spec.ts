import { describe, expect, it } from 'vitest';
import { SimClock } from '../../worker/engine/clock.js';
import { SeededRng } from '../../worker/engine/rng.js';

describe('SimClock', () => {
  it('fires timers in time order, then arming order', () => {
    const c = new SimClock();
    const seen: string[] = [];
    c.setTimer(50, () => seen.push('b@50'));
    c.setTimer(10, () => seen.push('a@10'));
    c.setTimer(50, () => seen.push('c@50'));
    expect(c.advanceTo(49)).toBe(1);
    expect(seen).toEqual(['a@10']);
    expect(c.now).toBe(49);
    c.advanceTo(50);
    expect(seen).toEqual(['a@10', 'b@50', 'c@50']);
  });

  it('runs timers armed by timers (a doubling back-off) until idle or a limit', () => {
    const c = new SimClock();
    const at: number[] = [];
    let delay = 50_000;
    const retry = (): void => {
      at.push(c.now);
      if (delay < 300_000) c.setTimer((delay *= 2), retry);
    };
    c.setTimer(delay, retry);
    expect(c.runUntilIdle(200_000)).toBe(2);
    expect(at).toEqual([50_000, 150_000]);
    c.runUntilIdle();
    expect(at).toEqual([50_000, 150_000, 350_000, 750_000]);
    expect(c.pending()).toBe(0);
  });

  it('cancels timers and refuses to go back in time or take bad delays', () => {
    const c = new SimClock();
    let fired = false;
    const id = c.setTimer(5, () => (fired = true));
    c.cancel(id);
    c.advanceBy(10);
    expect(fired).toBe(false);
    expect(() => c.advanceTo(1)).toThrow(/cannot go back/);
    expect(() => c.setTimer(-1, () => {})).toThrow(RangeError);
  });
});

describe('SeededRng', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    const a = new SeededRng(42);
    const b = new SeededRng(42);
    const c = new SeededRng(43);
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(sa);
  });

  it('stays in range and roughly uniform', () => {
    const r = new SeededRng(7);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[r.int(0, 3)]!++;
    for (const n of counts) expect(Math.abs(n - 10_000)).toBeLessThan(600);
  });

  it('resumes exactly from a saved state', () => {
    const r = new SeededRng(99);
    r.nextU32();
    const copy = SeededRng.fromState(r.state());
    expect(copy.nextU32()).toBe(r.nextU32());
  });
});
