import { describe, expect, it } from 'vitest';
import { benchCompare } from '../../bench/compare.js';
import type { LaneJob, LaneTransport } from '../../main/cli/lanes.js';

/** A transport on a fake clock: each lane "takes" 100 time units, overlapping when run together. */
function clocked() {
  let clock = 0;
  let running = 0;
  const jobs: LaneJob[] = [];
  const transport: LaneTransport = {
    name: 'clocked',
    async run(job) {
      jobs.push(job);
      running++;
      await new Promise((r) => setImmediate(r));
      // Lanes that run together share the elapsed time; a lone lane advances the clock fully.
      clock += 100 / running;
      await new Promise((r) => setImmediate(r));
      running--;
      return { spec: { profile: '6.12', strategy: job.strategy ?? 'none' }, outcome: { ok: true, summary: {}, steps: [], iomem: null } };
    },
  };
  return { transport, jobs, now: () => clock };
}

describe('bench section: compare in parallel vs one after another', () => {
  it('runs the three lanes both ways and reports both times and their ratio', async () => {
    const c = clocked();
    const lines: string[] = [];
    const r = await benchCompare({ transport: c.transport, now: c.now, log: (l) => lines.push(l), rounds: 2 });
    // one untimed warm-up lane, then per round the three lanes together and the three one by one
    expect(c.jobs.map((j) => j.strategy)).toEqual(['none', ...Array<string[]>(4).fill(['none', 'rfc-v1', 'mhp-merge']).flat()]);
    expect(c.jobs.every((j) => j.scenario.kind === 'preset' && j.scenario.name === 'seed-100g-virtio-mem')).toBe(true);
    expect(r.lanes).toBe(3);
    expect(r.sequentialMs).toBeCloseTo(300);
    expect(r.speedup).toBeCloseTo(r.sequentialMs / r.parallelMs);
    expect(r.failedLanes).toBe(0);
    expect(r.rounds).toBe(2);
    expect(lines[0]).toMatch(/^compare: seed-100g-virtio-mem, 3 lanes \(none, rfc-v1, mhp-merge\): parallel workers \d+ ms, one after another 300 ms \(best of 2\), speed-up \d+\.\d\dx on \d+ cores, load [\d.]+$/);
  });

  it('says so when lanes failed', async () => {
    const failing: LaneTransport = { name: 'f', run: async (j) => ({ spec: { profile: '6.12', strategy: 'none' }, outcome: { ok: false, error: { code: 'X', message: String(j.lane) } } }) };
    const lines: string[] = [];
    const r = await benchCompare({ transport: failing, log: (l) => lines.push(l), rounds: 1 });
    expect(r.failedLanes).toBe(7);
    expect(lines[0]).toContain('7 lane runs FAILED');
  });
});
