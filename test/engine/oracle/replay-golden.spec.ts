import { describe, expect, it } from 'vitest';
import { replayTrace } from '../../../worker/engine/oracle/replay.js';
import { goldenTraces } from './helpers.js';

const traces = goldenTraces();

describe('replaying every golden trace', () => {
  it('finds the 20 recorded traces (10 scenarios x 2 kernels)', () => {
    expect(traces.length).toBe(20);
  });

  it.each(traces.map((t) => [t.name, t] as const))('%s matches the kernel at every step', (_name, t) => {
    const r = replayTrace(t.text, t.name);
    expect(r.error).toBeNull();
    const failing = r.steps.filter((s) => !s.ok).map((s) => `step ${s.index}: ${s.mismatches.map((m) => m.diff || `${m.what} ${m.expected} != ${m.actual}`).join('\n')}`);
    expect(failing).toEqual([]);
    const recordedSteps = (t.text.match(/^=== step \d+:/gm) ?? []).length;
    expect(r.steps.length).toBe(recordedSteps);
    expect(r.ok).toBe(true);
  });

  it('picks the profile from the kernel version of the header', () => {
    const byKernel = new Map(traces.map((t) => [t.name, replayTrace(t.text, t.name).profile]));
    expect(byKernel.get('d-split-on-unplug.txt')).toBe('6.12');
    expect(byKernel.get('6.1.0-56-cloud-amd64/d-split-on-unplug.txt')).toBe('6.1');
  });

  it('notices when the emulator would differ (merging switched off)', () => {
    const d = traces.find((t) => t.name === 'd-split-on-unplug.txt')!;
    const r = replayTrace(d.text, d.name, { strategy: 'none' });
    expect(r.ok).toBe(false);
    const s1 = r.steps[1]!;
    expect(s1.mismatches.map((m) => m.what)).toEqual(['iomem']);
    expect(s1.mismatches[0]!.diff).toContain('-  100000000-13fffffff : System RAM (virtio_mem)');
    expect(s1.mismatches[0]!.diff).toContain('+  100000000-107ffffff : System RAM (virtio_mem)');
  });

  it('needs the hint: without "hint: unmovable memory32 4M" trace g ends at 0, not 4M', () => {
    const g = traces.find((t) => t.name === 'g-online-kernel-zone.txt')!;
    const r = replayTrace(g.text.replace(/^hint:.*\n/m, ''), g.name);
    const s4 = r.steps[4]!;
    expect(s4.actual.plugged).toBe(0n);
    expect(s4.mismatches.map((m) => m.what)).toContain('plugged');
  });
});

describe('simulated time across steps', () => {
  it('a size step that does not converge lasts the recorder step timeout; every step at least 1 s', () => {
    const g = traces.find((t) => t.name === 'g-online-kernel-zone.txt')!;
    const r = replayTrace(g.text, g.name);
    // steps 1-3 converge (1 s each), step 4 times out (60 s)
    expect(r.machine!.clock.now).toBe(3 * 1000 + 60_000);
    // the retry timer fired once inside step 4 (at 50 s) and is armed again for 100 s later
    expect(r.machine!.device('vm0')!.state().details.retryTimerMs).toBe(100_000);
    expect(r.machine!.clock.nextDue()).toBe(3 * 1000 + 50_000 + 100_000);
  });
});
