import { describe, expect, it } from 'vitest';
import { runAll, scenario } from './helpers.js';
import { Runner } from '../../../worker/engine/runner/runner.js';
import type { StepRecord } from '../../../worker/engine/runner/step-record.js';
import { getPreset } from '../../../worker/engine/scenario/presets.js';
import { normalizeScenario } from '../../../worker/engine/scenario/normalize.js';
import type { Scenario, StrategyName } from '../../../worker/engine/scenario/scenario.js';
import { DEVICE_KINDS, DRIVERS, createRegistry } from '../../../worker/engine/drivers/index.js';
import { xenBalloonDriver } from '../../../worker/engine/drivers/xen-balloon.js';
import { KernelBug } from '../../../worker/engine/errno.js';

const VM = { kind: 'virtio-mem', id: 'vm0', regionSize: '16G' };

/*
 * The seed's numbers, derived by hand. The boot map (oracle step 0, q35, 2 GiB) has 29 /proc/iomem
 * lines, 17 of them top level, and 2 "System RAM" lines (00001000-0009fbff, 00100000-7ffdffff);
 * the second has the kernel's sections as children, so it could never merge anyway. 100 GiB in
 * 128 MiB blocks is 800 blocks (memory32 … memory831), added from 4 GiB up, contiguous.
 *
 * virtio-mem: probing adds the top-level container "virtio0" (18 top level, 30 lines).
 *   none:      one "System RAM (virtio_mem)" child per block → 2 + 800 = 802 RAM lines, 30 + 800 = 830 lines.
 *   rfc-v1:    merge_child_mem_resources(virtio0, "System RAM (virtio_mem)") after every add joins the
 *              new block to the single child before it → 2 + 1 = 3 RAM lines, 31 lines.
 *   mhp-merge: merge_system_ram_resource() joins each new block to its previous sibling → 3, 31.
 * Hyper-V: add_memory() per 128 MiB chunk, top-level "System RAM", no container.
 *   none:      800 top-level lines → 17 + 800 = 817 top level, 2 + 800 = 802 RAM lines.
 *   rfc-v1:    merge_child_mem_resources(&iomem_resource, "System RAM") after every chunk: the chunks
 *              merge (same name pointer, flags, desc, childless, adjacent); boot RAM has another name
 *              pointer (e820's literal) and children → 18 top level, 3 RAM lines.
 *   mhp-merge: the chunks carry IORESOURCE_SYSRAM_MERGEABLE, boot RAM does not → 18 top level, 3.
 * Xen: 800 target raises of 128 MiB, each one reserve_additional_memory() → one 128 MiB "System RAM",
 *   first fit from 4 GiB (no 128 MiB-aligned hole below 4 GiB in this map) → same counts as Hyper-V.
 */
const SEED: { preset: string; strategy: StrategyName; systemRam: number; topLevel: number; total: number }[] = [
  { preset: 'seed-100g-virtio-mem', strategy: 'none', systemRam: 802, topLevel: 18, total: 830 },
  { preset: 'seed-100g-virtio-mem', strategy: 'rfc-v1', systemRam: 3, topLevel: 18, total: 31 },
  { preset: 'seed-100g-virtio-mem', strategy: 'mhp-merge', systemRam: 3, topLevel: 18, total: 31 },
  { preset: 'seed-100g-hv-balloon', strategy: 'none', systemRam: 802, topLevel: 817, total: 829 },
  { preset: 'seed-100g-hv-balloon', strategy: 'rfc-v1', systemRam: 3, topLevel: 18, total: 30 },
  { preset: 'seed-100g-hv-balloon', strategy: 'mhp-merge', systemRam: 3, topLevel: 18, total: 30 },
];
const XEN_SEED = [
  { preset: 'seed-100g-xen-balloon', strategy: 'none' as const, systemRam: 802, topLevel: 817, total: 829 },
  { preset: 'seed-100g-xen-balloon', strategy: 'rfc-v1' as const, systemRam: 3, topLevel: 18, total: 30 },
  { preset: 'seed-100g-xen-balloon', strategy: 'mhp-merge' as const, systemRam: 3, topLevel: 18, total: 30 },
];

describe('the seed\'s numbers: "System RAM" lines after 100 GiB in 128 MiB blocks', () => {
  it('every driver is in the built-in list', () => {
    expect(DEVICE_KINDS).toEqual(['virtio-mem', 'acpi-dimm', 'hv-balloon', 'xen-balloon']);
  });

  it.each([...SEED, ...XEN_SEED])('$preset under $strategy: $systemRam "System RAM" lines, $topLevel top level', ({ preset, strategy, systemRam, topLevel, total }) => {
    const { runner, steps } = runAll(getPreset(preset)!, { strategy });
    expect(runner.initial.resources.systemRam).toBe(2);
    expect(steps).toHaveLength(800);
    expect(steps.every((s) => s.result === 'ok')).toBe(true);
    const s = runner.summary();
    expect(s.plugged).toBe(String(100n << 30n));
    expect(s.resources).toEqual({ total, topLevel, systemRam });
    // Boot RAM never merges with hot-added RAM: its line is still there, unchanged.
    expect(runner.machine.renderIomem()).toContain('\n00100000-7ffdffff : System RAM\n');
  });

  it.each([
    ['5.9', 'none', 802],
    ['rfc-v1', 'rfc-v1', 3],
    ['5.10', 'mhp-merge', 3],
  ] as const)('profile %s picks %s by default: %i lines for Hyper-V', (profile, strategy, systemRam) => {
    const { runner } = runAll(getPreset('seed-100g-hv-balloon')!, { profile });
    expect(runner.strategy).toBe(strategy);
    expect(runner.summary().resources.systemRam).toBe(systemRam);
  });

  it('a scenario that names no profile runs on 6.18, the current LTS; the one it names wins', () => {
    expect(runAll(scenario([], [{ op: 'mark' }])).runner.profile).toBe('6.18');
    expect(runAll(scenario([], [{ op: 'mark' }], {}, { profile: '7.3' })).runner.profile).toBe('7.3');
  });

  it('merging also keeps the line count flat while it grows, and costs fewer visits than none', () => {
    const none = runAll(getPreset('seed-100g-hv-balloon')!, { strategy: 'none' });
    const merge = runAll(getPreset('seed-100g-hv-balloon')!, { strategy: 'mhp-merge' });
    expect(merge.steps.map((s) => s.resources.systemRam).slice(0, 3)).toEqual([3, 3, 3]);
    expect(none.steps.map((s) => s.resources.systemRam).slice(0, 3)).toEqual([3, 4, 5]);
    expect(merge.runner.summary().visits.total).toBeLessThan(none.runner.summary().visits.total);
  });
});

describe('Runner: stepping', () => {
  it('runs one expanded step per call, reports done, then returns null', () => {
    const s = scenario([VM], [{ op: 'repeat', count: 3, steps: [{ op: 'resize', device: 'vm0', by: '+128M' }, { op: 'mark', label: 'look' }] }]);
    const r = Runner.create(s);
    if (!r.ok) throw new Error(r.error);
    const run = r.runner;
    expect([run.totalSteps, run.stepIndex, run.done]).toEqual([6, 0, false]);
    // The runner keeps no records: each step's is returned once, and the caller keeps what it needs.
    const steps: StepRecord[] = [];
    while (!run.done) steps.push(run.step()!);
    const labels = steps.map((m) => m.label);
    expect(labels).toEqual(['resize vm0 +128M', 'look', 'resize vm0 +128M', 'look', 'resize vm0 +128M', 'look']);
    expect(run.step()).toBeNull();
    expect(run.stepIndex).toBe(6);
    expect(steps.map((m) => m.index)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(steps[5]!.plugged).toBe(String(384n << 20n));
    expect(run.summary()).toMatchObject({ steps: 6, totalSteps: 6, done: true, plugged: String(384n << 20n) });
    expect(run.events().some((e) => e.source === 'lab' && e.message === 'step 6: look')).toBe(true);
    expect(run.events(run.events().length - 1)).toHaveLength(1);
  });

  it('measures wall time only through the injected timer', () => {
    const s = scenario([VM], [{ op: 'resize', device: 'vm0', size: '1G' }, { op: 'mark' }]);
    let t = 0;
    const { runner, steps } = runAll(s, { now: () => (t += 5) });
    expect(steps.map((m) => m.wallMs)).toEqual([5, 5]);
    expect(runner.summary().wallMs).toBe(10);
    expect(runAll(s).steps.map((m) => m.wallMs)).toEqual([0, 0]);
  });

  it('counts kernel list-walk visits per step', () => {
    const { steps } = runAll(scenario([VM], [{ op: 'resize', device: 'vm0', size: '1G' }, { op: 'mark' }]));
    expect(steps[0]!.visits).toBeGreaterThan(0);
    expect(steps[1]!.visits).toBe(0);
  });

  it('refuses a bad scenario, a bad boot dump or an unknown override with an error, starting nothing', () => {
    const good = scenario([VM], [{ op: 'mark' }]);
    const bad = { ...good, devices: [{ ...good.devices[0]!, blockSize: '3000' }] } as Scenario;
    const r1 = Runner.create(bad);
    expect(r1.ok).toBe(false);
    if (!r1.ok) expect(r1.error).toBe('devices[0].blockSize: must be a power of two ≥ 4 KiB');
    const r2 = Runner.create({ ...good, machine: { ...good.machine, boot: { iomem: 'not a dump\n' } } });
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.error).toMatch(/^machine.boot.iomem: line 1: expected "<start>-<end> : <name>"/);
    const r3 = Runner.create(good, { seed: -1 });
    expect(r3.ok).toBe(false);
  });
});

describe('Runner: host requests and guest actions', () => {
  it('virtio-mem resize grows and shrinks the plugged size', () => {
    const { steps } = runAll(scenario([VM], [{ op: 'resize', device: 'vm0', size: '1G' }, { op: 'resize', device: 'vm0', by: '-512M' }, { op: 'resize', device: 'vm0', by: '+32G' }]));
    expect(steps.map((m) => [m.plugged, m.result])).toEqual([
      [String(1n << 30n), 'ok'],
      [String(512n << 20n), 'ok'],
      [String(512n << 20n), 'rejected: the host refused requested-size 33280M (-EINVAL)'],
    ]);
  });

  it('Hyper-V hot-adds continue where the previous request ended unless given a start', () => {
    const { runner } = runAll((scenario([{ kind: 'hv-balloon', id: 'hv0' }], [
      { op: 'hv-hot-add', device: 'hv0', size: '256M' },
      { op: 'hv-hot-add', device: 'hv0', size: '128M' },
      { op: 'hv-hot-add', device: 'hv0', size: '128M', start: '8G' },
    ])), { strategy: 'none' });
    const ram = runner.machine.renderIomem().split('\n').filter((l) => /^\w{9}-\w+ : System RAM$/.test(l));
    expect(ram).toEqual(['100000000-107ffffff : System RAM', '108000000-10fffffff : System RAM', '110000000-117ffffff : System RAM', '200000000-207ffffff : System RAM']);
  });

  it('plugs and ejects an ACPI DIMM, refusing a second plug and an eject of nothing', () => {
    const { steps, runner } = runAll(scenario([{ kind: 'acpi-dimm', id: 'd1', addr: '0x900000000', size: '512M' }], [
      { op: 'dimm-add', device: 'd1' }, { op: 'dimm-add', device: 'd1' }, { op: 'dimm-remove', device: 'd1' }, { op: 'dimm-remove', device: 'd1' },
    ]));
    expect(steps.map((m) => [m.result, m.resources.systemRam])).toEqual([
      ['ok', 3], ['rejected: DIMM d1 is already plugged', 3], ['ok', 2], ['rejected: DIMM d1 is not plugged', 2],
    ]);
    expect(runner.initial.resources.systemRam).toBe(2);
  });

  it('guest online/offline writes report the ones that failed, with their errno', () => {
    const { steps } = runAll(scenario([VM], [
      { op: 'resize', device: 'vm0', size: '256M' },
      { op: 'offline', blocks: ['33', '999'] },
      { op: 'offline', blocks: 33 },
      { op: 'online', blocks: 33, type: 'online_movable' },
    ]));
    expect(steps.map((m) => [m.result, m.blocks.offline])).toEqual([
      ['ok', 0],
      ['partial: 1 of 2 writes failed (-ENOENT ×1)', 1],
      ['partial: 1 of 1 writes failed (-EINVAL ×1)', 1],
      ['ok', 0],
    ]);
  });

  it('wait lets simulated time pass; mark changes nothing; steps start stepInterval (1 s) apart unless one took longer', () => {
    const { steps } = runAll(scenario([VM], [{ op: 'wait', duration: '90s' }, { op: 'mark' }, { op: 'wait', duration: 250 }]));
    // step 1 starts 1 s after boot and waits 90 s; mark starts at once (the wait took longer than 1 s); the last wait 1 s after it.
    expect(steps.map((m) => m.simTimeMs)).toEqual([91_000, 91_000, 92_250]);
  });
});

describe('Runner: fault steps', () => {
  it('fault-unmovable: pinned pages hold up the unplug (timeout) until the fault is cleared', () => {
    const { steps } = runAll(scenario([VM], [
      { op: 'resize', device: 'vm0', size: '1G' },
      { op: 'fault-unmovable', blocks: 39 },
      { op: 'resize', device: 'vm0', size: '0' },
      { op: 'fault-clear', fault: 'unmovable' },
      { op: 'wait', duration: '300s' },
    ]));
    expect(steps[2]!.result).toBe('timeout: vm0 plugged 128M of 0');
    expect(steps[2]!.plugged).toBe(String(128n << 20n));
    expect(steps[2]!.simTimeMs).toBe(3_000 + 60_000);
    expect(steps[4]!.plugged).toBe('0');
    expect(steps[4]!.resources.systemRam).toBe(2);
  });

  it('fault-add-memory: the next add_memory fails; virtio-mem retries after its 50 s timer', () => {
    const { steps, runner } = runAll(scenario([VM], [{ op: 'fault-add-memory', count: 1, error: 'ENOMEM' }, { op: 'resize', device: 'vm0', size: '256M' }]));
    expect(steps[1]!.result).toBe('ok');
    expect(steps[1]!.simTimeMs).toBe(2_000 + 50_000);
    expect(runner.events().some((e) => /adding memory failed: -12/.test(e.message))).toBe(true);
  });

  it('fault-add-memory on Hyper-V: the failed chunk is not added and the step times out', () => {
    const { steps } = runAll(scenario([{ kind: 'hv-balloon', id: 'hv0' }], [
      { op: 'hv-hot-add', device: 'hv0', size: '128M' },
      { op: 'fault-add-memory', count: 1, error: 'ENOMEM' },
      { op: 'hv-hot-add', device: 'hv0', size: '128M' },
    ]));
    expect(steps[2]!.result).toBe('timeout: hv0 plugged 128M of 256M');
  });

  it('fault-host busy: nothing is plugged while the host answers BUSY; after fault-clear the driver plugs at once', () => {
    const { steps } = runAll(scenario([VM], [
      { op: 'fault-host', device: 'vm0', response: 'busy' },
      { op: 'resize', device: 'vm0', size: '256M' },
      { op: 'fault-clear', fault: 'host' },
      { op: 'wait', duration: '300s' },
    ]));
    expect(steps[1]!.result).toBe('timeout: vm0 plugged 0 of 256M');
    expect(steps[1]!.devices[0]!.details.lastError).toBe('-ETXTBSY');
    // Answering ACK again wakes the driver at once: no need to wait for its retry timer.
    expect(steps[2]).toMatchObject({ result: 'ok', simTimeMs: 2_000 + 60_000 });
    expect(steps[3]!.plugged).toBe(String(256n << 20n));
  });

  it('fault-host nack: every plug request is NACKed (-EAGAIN) until the host answers ACK again', () => {
    const { steps } = runAll(scenario([VM], [
      { op: 'fault-host', device: 'vm0', response: 'nack' },
      { op: 'resize', device: 'vm0', size: '256M' },
      { op: 'fault-clear', fault: 'host' },
    ]));
    expect(steps[1]).toMatchObject({ result: 'timeout: vm0 plugged 0 of 256M', plugged: '0' });
    expect(steps[1]!.devices[0]!.details.lastError).toBe('-EAGAIN');
    expect(steps[2]).toMatchObject({ result: 'ok', plugged: String(256n << 20n) });
  });

  it('fault-host error: an ERROR response marks the virtio-mem device broken for good', () => {
    const { steps, runner } = runAll(scenario([VM], [
      { op: 'fault-host', device: 'vm0', response: 'error' },
      { op: 'resize', device: 'vm0', size: '256M' },
      { op: 'fault-clear', fault: 'host' },
    ]));
    expect(steps[1]!.devices[0]!.details.broken).toBe(true);
    expect(steps[2]).toMatchObject({ result: 'timeout: vm0 plugged 0 of 256M', plugged: '0' });
    expect(runner.events().some((e) => e.message === 'unknown error, marking device broken: -22')).toBe(true);
  });

  it('fault-host busy is a virtio-mem fault: on another kind it is refused before anything runs, naming both', () => {
    const r = normalizeScenario({ name: 't', machine: { boot: 'q35-2g' }, devices: [{ kind: 'hv-balloon', id: 'hv0' }], timeline: [{ op: 'fault-host', device: 'hv0', response: 'busy' }] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual([{ path: 'timeline[0].response', message: 'the host fault "busy" does not apply to hv-balloon device "hv0" (a hv-balloon host can: hot-add-cancel, hot-add-fail)' }]);
  });

  it('fault-keep-offline: auto-onlining leaves the blocks offline until the guest onlines them', () => {
    const { steps } = runAll(scenario([VM], [
      { op: 'fault-keep-offline', blocks: '32-33' },
      { op: 'resize', device: 'vm0', size: '512M' },
      { op: 'fault-clear', fault: 'keep-offline' },
      { op: 'online', blocks: '32-33', type: 'online_movable' },
    ]));
    expect(steps.map((m) => m.blocks)).toEqual([
      { online: 16, offline: 0 }, { online: 18, offline: 2 }, { online: 18, offline: 2 }, { online: 20, offline: 0 },
    ]);
  });

  it('fault-clear all removes every kind of injected fault', () => {
    const { steps } = runAll(scenario([VM], [
      { op: 'fault-add-memory', count: 5 },
      { op: 'fault-keep-offline', blocks: 32 },
      { op: 'fault-host', device: 'vm0', response: 'busy' },
      { op: 'fault-clear' },
      { op: 'resize', device: 'vm0', size: '256M' },
    ]));
    expect(steps[4]).toMatchObject({ result: 'ok', simTimeMs: 5_000, blocks: { online: 18, offline: 0 } });
  });
});

describe('Runner: soak steps and determinism', () => {
  const soak = scenario([VM], [{ op: 'soak', device: 'vm0', count: 40, min: '0', max: '4G', granularity: '128M' }], {}, { seed: 9 });

  it('draws sizes within bounds from the seeded RNG and names them in the label', () => {
    const { steps } = runAll(soak);
    expect(steps).toHaveLength(40);
    for (const m of steps) {
      expect(m.label).toMatch(/^soak vm0 #\d+: \w+$/);
      const req = BigInt(m.requested);
      expect(req >= 0n && req <= 4n << 30n && req % (128n << 20n) === 0n).toBe(true);
    }
    expect(new Set(steps.map((m) => m.requested)).size).toBeGreaterThan(10);
  });

  it('the same scenario and seed give identical metrics apart from wall time; another seed differs', () => {
    const strip = (steps: StepRecord[]) => steps.map(({ wallMs: _w, ...rest }) => rest);
    let t = 0;
    const a = runAll(soak, { now: () => (t += 1.5) });
    const b = runAll(soak, { now: () => (t += 7) });
    expect(strip(b.steps)).toEqual(strip(a.steps));
    const { wallMs: _a, ...sa } = a.runner.summary();
    const { wallMs: _b, ...sb } = b.runner.summary();
    expect(sb).toEqual(sa);
    expect(a.runner.machine.renderIomem()).toBe(b.runner.machine.renderIomem());
    const c = runAll(soak, { seed: 10 });
    expect(c.steps.map((m) => m.label)).not.toEqual(a.steps.map((m) => m.label));
  });
});

describe('presets that exercise the runner', () => {
  it('unplug-fragmentation: offline blocks go first and split the merged resource into 32 pieces', () => {
    const { steps } = runAll(getPreset('unplug-fragmentation')!);
    // 8 GiB = memory32-95 in one merged child; the guest offlines the 32 odd blocks; the 4 GiB
    // shrink removes exactly those, leaving 32 single-block pieces (2 boot + 32 RAM lines).
    expect(steps.map((m) => m.resources.systemRam)).toEqual([3, 3, 34, 34, 3, 3, 3, 2, 3]);
    expect(steps[4]!.result).toBe('timeout: vm0 plugged 4M of 0');
    expect(steps[7]!.plugged).toBe('0');
  });

  it('kdump-limit: without merging the hot-added lines run kexec-tools 2.0.20 out of crash ranges', () => {
    const none = runAll(getPreset('kdump-limit')!, { strategy: 'none' }).runner.summary();
    const merge = runAll(getPreset('kdump-limit')!, { strategy: 'mhp-merge' }).runner.summary();
    expect(none.kdump).toMatchObject({ cap: 2050, ok: false });
    expect(none.kdump.messages).toContain('Error: Number of crash memory ranges excedeed the max limit');
    expect(merge.kdump).toMatchObject({ cap: 2050, ok: true });
    expect(merge.resources.systemRam).toBe(3);
  });
});

describe('scale', () => {
  it('scale-64t: 524,288 blocks of 128 MiB on 52 physical address bits, one merged resource under mhp-merge', () => {
    const { runner, steps } = runAll(getPreset('scale-64t')!);
    // 512 steps of 128 GiB (1,024 blocks each), so the app can update between steps at >= 10 Hz.
    expect(steps).toHaveLength(512);
    expect(steps.every((s) => s.result === 'ok')).toBe(true);
    expect(steps.map((s, i) => BigInt(s.plugged) - BigInt(i === 0 ? '0' : steps[i - 1]!.plugged)).every((d) => d === 128n << 30n)).toBe(true);
    expect(steps.map((s) => s.blocks.online - 16)).toEqual(Array.from({ length: 512 }, (_, i) => (i + 1) * 1024));
    const s = runner.summary();
    expect(s.plugged).toBe(String(64n << 40n));
    expect(s.blocks.online).toBe(16 + 524_288);
    expect(s.resources.systemRam).toBe(3);
    expect(runner.machine.renderIomem()).toContain('\n10000000000-40ffffffffff : virtio0\n  10000000000-40ffffffffff : System RAM (virtio_mem)\n');
  });
});

describe('changed lines', () => {
  it('reports the /proc/iomem lines a step changed, for highlighting', () => {
    const { steps, runner } = runAll(scenario([VM], [
      { op: 'resize', device: 'vm0', size: '256M' },
      { op: 'mark' },
      { op: 'resize', device: 'vm0', size: '512M' },
      { op: 'resize', device: 'vm0', size: '0' },
    ]), { strategy: 'none' });
    const lines = (text: string) => text.split('\n');
    // Boot: "virtio0" is line 27 (after the 27 boot lines below 4 GiB); its children follow it.
    expect(lines(runner.machine.renderIomem())[27]).toBe('100000000-4ffffffff : virtio0');
    expect(steps.map((m) => m.changedLines)).toEqual([[[28, 30]], [], [[30, 32]], []]);
  });
});

describe('a broken invariant in the engine', () => {
  it('stops the run at that step: the step carries the error, the run is done, the summary says why', () => {
    // A stand-in driver whose host side trips a BUG_ON on the second request.
    let calls = 0;
    const standIn = {
      ...xenBalloonDriver,
      create: (spec: { id?: string }) => ({
        ok: true as const,
        device: {
          id: spec.id ?? 'xen0',
          kind: 'xen-balloon',
          request: () => {
            if (++calls === 2) throw new KernelBug('BUG at balloon.c: test');
            return 0;
          },
          work: () => 'idle' as const,
          state: () => ({ id: spec.id ?? 'xen0', kind: 'xen-balloon', plugged: 0n, requested: 0n, details: { targetPages: 0n } }),
        },
      }),
    };
    const drivers = createRegistry(DRIVERS.map((d) => (d.kind === 'xen-balloon' ? standIn : d)));
    {
      const r = Runner.create(scenario([{ kind: 'xen-balloon', id: 'xen0' }], [{ op: 'repeat', count: 5, steps: [{ op: 'xen-target', device: 'xen0', by: '+128M' }] }]), { drivers });
      if (!r.ok) throw new Error(r.error);
      const run = r.runner;
      expect(run.step()!.result).toBe('ok');
      const bad = run.step()!;
      expect(bad.error).toBe('KernelBug: BUG at balloon.c: test');
      expect(bad.result).toBe('error: KernelBug: BUG at balloon.c: test');
      expect(run.done).toBe(true);
      expect(run.step()).toBeNull();
      expect(run.summary()).toMatchObject({ steps: 2, totalSteps: 5, done: true, error: 'KernelBug: BUG at balloon.c: test' });
      expect(run.events().at(-1)!.message).toBe('the engine stopped the run: KernelBug: BUG at balloon.c: test');
    }
  });
});
