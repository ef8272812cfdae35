import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { setBridge } from '../../renderer/src/bridge/index.js';
import { useLabStore } from '../../renderer/src/stores/lab.js';
import { thin, useMetricsStore } from '../../renderer/src/stores/metrics.js';
import { LOG_KEEP, useLogStore } from '../../renderer/src/stores/log.js';
import { useIomemStore } from '../../renderer/src/stores/iomem.js';
import { useUiStore } from '../../renderer/src/stores/ui.js';
import { validateArgs, type StepPoint } from '../../worker/protocol.js';
import { FakeBridge, flush, snapshot } from './fake-bridge.js';

function rec(index: number, over: Partial<StepPoint> = {}): StepPoint {
  return { index, label: `s${index}`, op: 'resize', result: 'ok', simTimeMs: index, wallMs: 0.5, visits: index, resources: { total: 20 + index, topLevel: 18, systemRam: 7 }, iomem: { lines: 31, bytes: 1000 }, plugged: String(BigInt(index) << 27n), requested: String(BigInt(index) << 27n), blocks: { online: index, offline: 0 }, kdump: { ranges: 10, cap: 2050, ok: true }, ...over };
}

let bridge: FakeBridge;
beforeEach(() => {
  setActivePinia(createPinia());
  bridge = new FakeBridge();
  setBridge(bridge);
});

describe('lab store', () => {
  // Snapshots arm the iomem view's throttled refresh (100 ms); let it fire before the next test.
  afterEach(() => new Promise((r) => setTimeout(r, 120)));
  it('init says hello, subscribes, and picks the first preset', async () => {
    const lab = useLabStore();
    await lab.init();
    expect(lab.hello?.presets).toHaveLength(2);
    expect(lab.preset).toBe('seed-100g-virtio-mem');
    bridge.emit({ type: 'snapshot', snapshot: snapshot({ seq: 50 }) });
    expect(lab.snapshot?.seq).toBe(50);
  });

  it('loading a preset replaces the snapshot and re-syncs metrics and log from the worker', async () => {
    const lab = useLabStore();
    const metrics = useMetricsStore();
    await lab.init();
    metrics.push([rec(1), rec(2)]);
    bridge.handlers.metrics = () => [rec(1)];
    bridge.handlers.log = () => [{ seq: 0, t: 0, source: 'kernel', level: 'info', message: 'booted' }];
    expect(await lab.loadPreset('scale-64t')).toBe(true);
    expect(lab.snapshot?.scenario?.name).toBe('scale-64t');
    expect(metrics.count).toBe(1);
    expect(useLogStore().entries.map((e) => e.message)).toEqual(['booted']);
    expect(bridge.calls).toContainEqual(['loadPreset', { name: 'scale-64t' }]);
  });

  it('passes a chosen strategy and profile, and "" reloads with the scenario default', async () => {
    const lab = useLabStore();
    await lab.init();
    await lab.loadPreset();
    await lab.configure({ strategy: 'none' });
    expect(bridge.calls.at(-3)).toEqual(['loadPreset', { name: 'seed-100g-virtio-mem', strategy: 'none' }]);
    expect(lab.snapshot?.strategy).toBe('none');
    await lab.configure({ strategy: '', profile: '5.9' });
    expect(bridge.calls.filter(([c]) => c === 'loadPreset').at(-1)).toEqual(['loadPreset', { name: 'seed-100g-virtio-mem', profile: '5.9' }]);
  });

  it('a failed load keeps what was loaded, records the coded error and notifies', async () => {
    const lab = useLabStore();
    const ui = useUiStore();
    await lab.init();
    await lab.loadPreset();
    const before = lab.snapshot;
    bridge.fail('loadScenario', { code: 'SCENARIO_INVALID', message: 'bad.yaml: 1 problem(s)' });
    expect(await lab.loadScenarioText('bad.yaml', 'x: 1')).toBe(false);
    expect(lab.snapshot).toBe(before);
    expect(lab.error).toEqual({ code: 'SCENARIO_INVALID', message: 'bad.yaml: 1 problem(s)' });
    expect(ui.notices.at(-1)?.text).toContain('bad.yaml: 1 problem(s)');
  });

  it('ignores stale snapshots (lower seq) and routes steps, log and progress events', async () => {
    const lab = useLabStore();
    await lab.init();
    bridge.emit({ type: 'snapshot', snapshot: snapshot({ seq: 10 }) });
    bridge.emit({ type: 'snapshot', snapshot: snapshot({ seq: 9, resources: { total: 1, topLevel: 1, systemRam: 1 } }) });
    expect(lab.snapshot?.seq).toBe(10);
    bridge.emit({ type: 'steps', steps: [rec(1), rec(2)] });
    bridge.emit({ type: 'log', entries: [{ seq: 0, t: 0, source: 'virtio_mem', level: 'info', message: 'plugged' }] });
    bridge.emit({ type: 'progress', progress: { stepIndex: 2, totalSteps: 800, running: true, done: false, rate: 100, etaMs: 7980 } });
    expect(useMetricsStore().count).toBe(2);
    expect(useLogStore().total).toBe(1);
    expect(lab.progress?.etaMs).toBe(7980);
  });

  it('after a worker restart offers to resume from the last completed step, keeping recorded data', async () => {
    const lab = useLabStore();
    const metrics = useMetricsStore();
    await lab.init();
    await lab.loadPreset();
    bridge.emit({ type: 'steps', steps: [rec(1), rec(2), rec(3)] });
    bridge.emit({ type: 'snapshot', snapshot: snapshot({ seq: 20, step: { index: 3, total: 800, done: false, running: true, label: '' } }) });
    bridge.emit({ type: 'worker', state: 'restarted', restarts: 1, reason: 'worker exited' });
    expect(lab.restart).toEqual({ restarts: 1, reason: 'worker exited', resumeTo: 3 });
    expect(lab.running).toBe(false);
    bridge.calls = [];
    await lab.resume();
    expect(bridge.commands()).toEqual(['loadPreset', 'runTo']);
    expect(bridge.calls[1]).toEqual(['runTo', { stepIndex: 3 }]);
    expect(metrics.count).toBe(3);
    bridge.emit({ type: 'steps', steps: [rec(2), rec(3), rec(4)] });
    expect(metrics.count).toBe(4);
    expect(lab.restart).toBeNull();
    expect(useLogStore().entries.some((e) => e.message.includes('restarted'))).toBe(true);
  });

  it('start loads the selected preset first when nothing is loaded; toggleRun pauses a running run', async () => {
    const lab = useLabStore();
    await lab.init();
    await lab.start();
    expect(bridge.commands()).toEqual(['hello', 'loadPreset', 'metrics', 'log', 'start']);
    expect(lab.running).toBe(true);
    await lab.toggleRun();
    expect(bridge.commands().at(-1)).toBe('pause');
  });

  it('opens dropped files as a dump when they look like /proc/iomem, else as a scenario', async () => {
    const lab = useLabStore();
    await lab.init();
    await lab.openDropped('x.txt', '00000000-00000fff : Reserved\n');
    await lab.openDropped('s.yaml', 'name: s\n');
    await lab.openDropped('s.json', '{"name":"s"}');
    expect(bridge.calls.filter(([c]) => c === 'importIomem' || c === 'loadScenario')).toEqual([
      ['importIomem', { text: '00000000-00000fff : Reserved\n', source: 'x.txt' }],
      ['loadScenario', { text: 'name: s\n', source: 's.yaml', format: 'yaml' }],
      ['loadScenario', { text: '{"name":"s"}', source: 's.json', format: 'json' }],
    ]);
  });

  it('exports through the bridge and reports where it went; menu actions dispatch', async () => {
    const lab = useLabStore();
    await lab.init();
    await lab.loadPreset();
    expect(await lab.exportData('csv')).toBe('/tmp/run.csv');
    expect(bridge.saved).toEqual([['run.csv', 'data csv', 'text/plain']]);
    bridge.emit({ type: 'menu', action: 'step' });
    bridge.emit({ type: 'menu', action: 'toggleTheme' });
    await flush();
    expect(bridge.commands()).toContain('step');
    bridge.openResult = { name: 'dump.txt', text: '00000000-00000fff : Reserved\n' };
    bridge.emit({ type: 'menu', action: 'importIomem' });
    await flush();
    expect(bridge.commands()).toContain('importIomem');
  });

  it('device and guest actions apply the returned snapshot', async () => {
    const lab = useLabStore();
    await lab.init();
    await lab.loadPreset();
    expect(await lab.resizeDevice('vm0', '4G')).toBe(true);
    expect(await lab.guestAction(33, 'offline')).toBe(true);
    expect(await lab.addDevice({ kind: 'acpi-dimm', size: '1G' })).toBe(true);
    bridge.fail('guestAction', { code: 'KERNEL_ERRNO', message: 'echo offline > …/memory33/state: -EBUSY' });
    expect(await lab.guestAction(33, 'offline')).toBe(false);
    expect(lab.error?.code).toBe('KERNEL_ERRNO');
  });

  it('names the failed command once in the notice, whether or not the message already does', async () => {
    const lab = useLabStore();
    const ui = useUiStore();
    await lab.init();
    await lab.loadPreset();
    const bad = validateArgs('resizeDevice', { device: 'vm0', size: '4 gigs' })!;
    bridge.fail('resizeDevice', bad);
    expect(await lab.resizeDevice('vm0', '4 gigs')).toBe(false);
    expect(ui.notices.at(-1)?.text).toBe(bad.message);
    expect(bad.message.split('resizeDevice:')).toHaveLength(2);
    bridge.fail('resizeDevice', { code: 'NOT_FOUND', message: 'no device "vm9"' });
    expect(await lab.resizeDevice('vm9', '4G')).toBe(false);
    expect(ui.notices.at(-1)?.text).toBe('resizeDevice: no device "vm9"');
  });
});

describe('metrics store', () => {
  it('keeps records out of reactivity, de-duplicates by step index, bumps version', () => {
    const m = useMetricsStore();
    m.push([rec(1), rec(2)]);
    const v = m.version;
    m.push([rec(2), rec(3)]);
    expect(m.count).toBe(3);
    expect(m.version).toBe(v + 1);
    expect(Array.from(m.steps.pluggedGiB.view())).toEqual([0.125, 0.25, 0.375]);
    m.push([rec(3)]);
    expect(m.version).toBe(v + 1);
    m.clear();
    expect(m.count).toBe(0);
    expect(m.lastStepIndex()).toBe(-1);
  });

  it('samples latency once per advanced step index', () => {
    const m = useMetricsStore();
    m.sample(snapshot({ step: { index: 5, total: 9, done: false, running: true, label: '' } }));
    m.sample(snapshot({ step: { index: 5, total: 9, done: false, running: true, label: '' } }));
    m.sample(snapshot({ step: { index: 7, total: 9, done: false, running: true, label: '' } }));
    expect(Array.from(m.latency.step.view())).toEqual([5, 7]);
  });

  it.each([
    [10, 20, 10],
    [100, 10, 11],
    [0, 10, 0],
  ])('thin(%i points, max %i) keeps %i points including the last', (n, max, want) => {
    const col = Float64Array.from({ length: n }, (_, i) => i);
    const [out] = thin([col], max);
    expect(out).toHaveLength(want);
    if (n) expect(out!.at(-1)).toBe(n - 1);
  });
});

describe('log store', () => {
  it('de-duplicates by seq and keeps only the newest entries', () => {
    const log = useLogStore();
    const many = Array.from({ length: LOG_KEEP + 10 }, (_, i) => ({ seq: i, t: i, source: 's', level: 'info' as const, message: `m${i}` }));
    log.push(many);
    log.push(many.slice(0, 5));
    expect(log.entries).toHaveLength(LOG_KEEP);
    expect(log.entries[0]!.message).toBe('m10');
    expect(log.total).toBe(LOG_KEEP + 10);
  });
});

describe('iomem store', () => {
  it('fetches a padded window around the visible rows and only refetches outside it', async () => {
    const io = useIomemStore();
    io.setVisible(0, 3);
    await flush();
    expect(bridge.calls).toEqual([['iomemWindow', { from: 0, count: 203 }]]);
    expect(io.total).toBe(5);
    io.setVisible(1, 4);
    await flush();
    expect(bridge.calls).toHaveLength(1);
    expect(io.textOf(2, 4)).toBe('100000000-19ffffffff : virtio0\n  100000000-19ffffffff : System RAM (virtio_mem)\n');
    expect(io.isChanged(3)).toBe(true);
    expect(io.isChanged(2)).toBe(false);
  });

  it('filters by depth and searches from the top, cycling through matches', async () => {
    const io = useIomemStore();
    await io.setMaxDepth(0);
    expect(bridge.calls.at(-1)).toEqual(['iomemWindow', { from: 0, count: 260, maxDepth: 0 }]);
    expect(io.total).toBe(4);
    expect(await io.search('system ram')).toBe(1);
    expect(io.matches).toEqual([1, 3]);
    expect(io.nextMatch(1)).toBe(3);
    expect(io.nextMatch(1)).toBe(1);
    expect(io.nextMatch(-1)).toBe(3);
    expect(await io.search('')).toBeNull();
  });

  it('refreshes on a snapshot whose text changed, throttled', async () => {
    vi.useFakeTimers();
    try {
      const io = useIomemStore();
      io.onSnapshot(snapshot({ iomem: { lines: 5, bytes: 1, hash: 'a' } }));
      io.onSnapshot(snapshot({ iomem: { lines: 5, bytes: 1, hash: 'b' } }));
      await vi.advanceTimersByTimeAsync(150);
      expect(bridge.commands()).toEqual(['iomemWindow']);
      io.onSnapshot(snapshot({ iomem: { lines: 5, bytes: 1, hash: 'b' } }));
      await vi.advanceTimersByTimeAsync(150);
      expect(bridge.commands()).toEqual(['iomemWindow']);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('ui store', () => {
  it('toggles and remembers the theme on <html data-theme>', async () => {
    const ui = useUiStore();
    const first = ui.theme;
    ui.toggleTheme();
    await flush(1);
    expect(document.documentElement.dataset.theme).toBe(first === 'dark' ? 'light' : 'dark');
    expect(localStorage.getItem('memhp-lab.theme')).toBe(ui.theme);
  });

  it('keeps at most four notices and dismisses them', () => {
    const ui = useUiStore();
    for (let i = 0; i < 6; i++) ui.notify('info', `n${i}`, 0);
    expect(ui.notices.map((n) => n.text)).toEqual(['n2', 'n3', 'n4', 'n5']);
    ui.dismiss(ui.notices[0]!.id);
    expect(ui.notices).toHaveLength(3);
  });
});
