import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { replayTrace } from '../../../worker/engine/oracle/replay.js';
import { bootMapIomem } from '../../../worker/engine/machine/boot-maps.js';
import { LATER_KERNELS, ORACLE_DIR, bootSections, laterKernelTraces } from './helpers.js';

const SCENARIOS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];

describe.each(LATER_KERNELS)('the traces recorded on %s', (profile) => {
  const traces = laterKernelTraces(profile);

  it('are the ten visible scenarios a-j, each on that kernel', () => {
    expect(traces.map((t) => t.name.slice(profile.length + 1, profile.length + 2))).toEqual(SCENARIOS);
    for (const t of traces) expect(t.text).toMatch(new RegExp(`^# kernel: ${profile.replace('.', '\\.')}\\.\\d+\\+deb13-cloud-amd64$`, 'm'));
  });

  it.each(traces.map((t) => [t.name, t] as const))('%s replays byte for byte with its own profile, without a note about it', (_name, t) => {
    const r = replayTrace(t.text, t.name);
    expect(r.error).toBeNull();
    expect(r.profile).toBe(profile);
    expect(r.warnings.filter((w) => w.includes('profile'))).toEqual([]);
    const failing = r.steps.filter((s) => !s.ok).map((s) => `step ${s.index}: ${s.mismatches.map((m) => m.diff || `${m.what} ${m.expected} != ${m.actual}`).join('\n')}`);
    expect(failing).toEqual([]);
    expect(r.steps.length).toBe((t.text.match(/^=== step \d+:/gm) ?? []).length);
    expect(r.ok).toBe(true);
  });

  it(`the built-in boot map q35-2g-${profile} is step 0 of every trace with a virtio-mem device, without the virtio0 line`, () => {
    const withDevice = traces.filter((t) => !/^# device: none\b/m.test(t.text));
    expect(withDevice.length).toBe(9);
    for (const t of withDevice) {
      const recorded = bootSections(t.text).iomem.replace(/^100000000-[0-9a-f]+ : virtio0\n/m, '');
      expect(bootMapIomem(`q35-2g-${profile}`)).toBe(recorded);
    }
  });
});

describe('scenario g on the later kernels: 6.18.12 never frees a removed block\'s memmap', () => {
  const g = (profile: (typeof LATER_KERNELS)[number]) => laterKernelTraces(profile).find((t) => t.name.endsWith('/g-online-kernel-zone.txt'))!;
  const variant = (f: string) => readFileSync(path.join(ORACLE_DIR, '../oracle-6.18/g-variants', f), 'utf8');

  it('both traces hint only the slab pages (4M, as 6.12); 6.18 ends at 66M, 7.3 at 4M', () => {
    for (const p of LATER_KERNELS) expect(g(p).text.match(/^hint: .*$/gm)).toEqual(['hint: unmovable memory32 4M']);
    expect(replayTrace(g('6.18').text, 'g').steps[4]!.actual.plugged).toBe(66n << 20n);
    expect(replayTrace(g('7.3').text, 'g').steps[4]!.actual.plugged).toBe(4n << 20n);
  });

  it('the 66M are the hint plus 31 leaked 2 MiB memmaps pinned in memory32, the first Normal block', () => {
    const r = replayTrace(g('6.18').text, 'g');
    expect(r.machine!.faults.unmovableBytes(32)).toBe(4n << 20n);
    expect(r.machine!.faults.leakedMemmapBytes(32)).toBe(62n << 20n);
  });

  it('the same trace on the 6.12 or 7.3 profile frees the memmaps and ends at 4M (so the model is what holds the 62M)', () => {
    for (const profile of ['6.12', '7.3'] as const) {
      const r = replayTrace(g('6.18').text, 'g', { profile });
      expect(r.steps[4]!.actual.plugged).toBe(4n << 20n);
      expect(r.machine!.faults.leakedMemmapBytes(32)).toBe(0n);
    }
  });

  it.each([
    ['g2-3g-0.txt', 50n, 3],
    ['g3-2g-1g-0.txt', 36n, 4],
  ])('the recorded variant %s (slab hint only) replays byte for byte and ends at %sM', (f, mib, steps) => {
    const r = replayTrace(variant(f), f);
    expect(r.error).toBeNull();
    expect(r.steps.filter((s) => !s.ok).map((s) => s.index)).toEqual([]);
    expect(r.steps.length).toBe(steps);
    expect(r.steps.at(-1)!.actual.plugged).toBe(mib << 20n);
  });
});

describe('a trace of a kernel no profile stands for', () => {
  const a = laterKernelTraces('7.3')[0]!;
  const as = (kernel: string) => a.text.replace(/^# kernel: .*$/m, `# kernel: ${kernel}`);

  it.each([
    ['7.1.2+deb13-cloud-amd64', '6.18'],
    ['6.6.30', '6.1'],
    ['8.0.0', '7.3'],
    ['4.19.0', '5.9'],
  ])('%s is refused, naming the nearest profile (%s) and how to force it', (kernel, nearest) => {
    const r = replayTrace(as(kernel), 't.txt');
    expect(r.ok).toBe(false);
    expect(r.steps).toEqual([]);
    expect(r.error).toEqual({ line: 3, message: `no profile for kernel ${kernel}; the nearest is ${nearest}: pass --profile ${nearest} to replay with it` });
  });

  it('replays when the profile is forced, with no note', () => {
    const r = replayTrace(as('7.1.2'), 't.txt', { profile: '7.3' });
    expect(r.profile).toBe('7.3');
    expect(r.ok).toBe(true);
    expect(r.warnings.filter((w) => w.includes('profile'))).toEqual([]);
  });
});
