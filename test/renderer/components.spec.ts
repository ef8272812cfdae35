import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createTestingPinia } from '@pinia/testing';
import { setBridge } from '../../renderer/src/bridge/index.js';
import { useLabStore } from '../../renderer/src/stores/lab.js';
import { useMetricsStore } from '../../renderer/src/stores/metrics.js';
import { useLogStore } from '../../renderer/src/stores/log.js';
import { useUiStore } from '../../renderer/src/stores/ui.js';
import MachinePanel from '../../renderer/src/components/MachinePanel.vue';
import CountersPanel from '../../renderer/src/components/CountersPanel.vue';
import RunControls from '../../renderer/src/components/RunControls.vue';
import DevicesPanel from '../../renderer/src/components/DevicesPanel.vue';
import IomemView from '../../renderer/src/components/IomemView.vue';
import LsmemView from '../../renderer/src/components/LsmemView.vue';
import EventLog from '../../renderer/src/components/EventLog.vue';
import ChartsPanel from '../../renderer/src/components/ChartsPanel.vue';
import UPlotChart from '../../renderer/src/components/UPlotChart.vue';
import AppHeader from '../../renderer/src/components/AppHeader.vue';
import RestartBanner from '../../renderer/src/components/RestartBanner.vue';
import NoticeList from '../../renderer/src/components/NoticeList.vue';
import SidePanel from '../../renderer/src/components/SidePanel.vue';
import { FakeBridge, flush, snapshot } from './fake-bridge.js';

// uPlot needs a real canvas; a recording fake stands in for it.
const plots = vi.hoisted(() => [] as { opts: unknown; data: unknown[]; destroyed: boolean; sizes: unknown[] }[]);
vi.mock('uplot', () => ({
  default: class {
    root = document.createElement('div');
    height = 100;
    rec: (typeof plots)[number];
    constructor(opts: unknown, data: unknown, el: HTMLElement) {
      this.rec = { opts, data: [data], destroyed: false, sizes: [] };
      plots.push(this.rec);
      el.appendChild(this.root);
    }
    setData(d: unknown) {
      this.rec.data.push(d);
    }
    setSize(s: unknown) {
      this.rec.sizes.push(s);
    }
    destroy() {
      this.rec.destroyed = true;
    }
  },
}));

let bridge: FakeBridge;
function pinia() {
  return createTestingPinia({ createSpy: vi.fn, stubActions: false });
}
async function loaded(over = {}) {
  const p = pinia();
  const lab = useLabStore(p);
  await lab.init();
  lab.snapshot = snapshot(over);
  return { p, lab };
}

beforeEach(() => {
  bridge = new FakeBridge();
  setBridge(bridge);
  plots.length = 0;
});

describe('MachinePanel', () => {
  it('offers the presets as option values of preset-select and loads the one picked', async () => {
    const { p, lab } = await loaded();
    const w = mount(MachinePanel, { global: { plugins: [p] } });
    const options = w.get('[data-testid="preset-select"]').findAll('option').map((o) => o.element.value);
    expect(options).toEqual(['seed-100g-virtio-mem', 'scale-64t']);
    await w.get('[data-testid="preset-select"]').setValue('scale-64t');
    await flushPromises();
    expect(lab.loadPreset).toHaveBeenCalledWith('scale-64t');
    expect(bridge.calls).toContainEqual(['loadPreset', { name: 'scale-64t' }]);
  });

  it('strategy-select lists the strategies and reconfigures', async () => {
    const { p, lab } = await loaded();
    const w = mount(MachinePanel, { global: { plugins: [p] } });
    const values = w.get('[data-testid="strategy-select"]').findAll('option').map((o) => o.element.value);
    expect(values).toEqual(['', 'none', 'rfc-v1', 'mhp-merge']);
    await w.get('[data-testid="strategy-select"]').setValue('none');
    expect(lab.configure).toHaveBeenCalledWith({ strategy: 'none' });
  });

  it('imports a /proc/iomem file chosen in the iomem-import input', async () => {
    const { p, lab } = await loaded();
    const w = mount(MachinePanel, { global: { plugins: [p] } });
    const input = w.get('[data-testid="iomem-import"]').element as HTMLInputElement;
    const file = new File(['00000000-00000fff : Reserved\n'], 'iomem.txt', { type: 'text/plain' });
    Object.defineProperty(input, 'files', { value: [file] });
    await w.get('[data-testid="iomem-import"]').trigger('change');
    await flush();
    expect(lab.importIomemText).toHaveBeenCalledWith('iomem.txt', '00000000-00000fff : Reserved\n');
  });
});

describe('CountersPanel', () => {
  it('shows the engine numbers, formatted, with the kdump verdict', async () => {
    const { p } = await loaded();
    const w = mount(CountersPanel, { global: { plugins: [p] } });
    expect(w.get('[data-testid="counter-system-ram"]').text()).toBe('7');
    expect(w.get('[data-testid="counter-resources"]').text()).toBe('31');
    expect(w.get('[data-testid="counter-iomem-bytes"]').text()).toBe('1,044');
    expect(w.get('[data-testid="counter-plugged"]').text()).toBe('100 GiB');
    expect(w.get('[data-testid="counter-kdump"]').text()).toBe('10 / 2,050');
    expect(w.get('[data-testid="counter-kdump-verdict"]').text()).toBe('FAILS');
    expect(w.get('[data-testid="counter-visits"]').text()).toBe('332,416');
  });

  it('asks to load something when nothing is loaded', () => {
    const w = mount(CountersPanel, { global: { plugins: [pinia()] } });
    expect(w.text()).toContain('Load a preset');
    expect(w.find('[data-testid="counter-system-ram"]').exists()).toBe(false);
  });
});

describe('RunControls', () => {
  it('runs and pauses with run-button, shows progress and status', async () => {
    const { p, lab } = await loaded({ step: { index: 200, total: 800, done: false, running: false, label: 'vm0 +128M' } });
    const w = mount(RunControls, { global: { plugins: [p] } });
    expect(w.get('[data-testid="progress-label"]').text()).toBe('step 200 / 800 · vm0 +128M');
    expect(w.get('[data-testid="run-status"]').text()).toBe('paused');
    await w.get('[data-testid="run-button"]').trigger('click');
    await flushPromises();
    expect(lab.toggleRun).toHaveBeenCalled();
    expect(bridge.commands()).toContain('start');
    expect(w.get('[data-testid="run-button"]').text()).toContain('Pause');
    expect(w.get('[data-testid="step-button"]').attributes('disabled')).toBeDefined();
  });

  it('sets the speed', async () => {
    const { p, lab } = await loaded();
    const w = mount(RunControls, { global: { plugins: [p] } });
    await w.get('[data-testid="speed-select"]').setValue('100');
    expect(lab.setSpeed).toHaveBeenCalledWith(100);
  });
});

describe('DevicesPanel', () => {
  it('lists devices and resizes one', async () => {
    const { p, lab } = await loaded();
    const w = mount(DevicesPanel, { global: { plugins: [p] } });
    expect(w.get('[data-testid="device-vm0"]').text()).toContain('100 GiB');
    await w.get('[data-testid="resize-vm0"]').setValue('4G');
    await w.get('[data-testid="resize-vm0"]').trigger('keydown', { key: 'Enter' });
    expect(lab.resizeDevice).toHaveBeenCalledWith('vm0', '4G');
  });

  it('attaches a DIMM and writes a block state', async () => {
    const { p, lab } = await loaded();
    const w = mount(DevicesPanel, { global: { plugins: [p] } });
    await w.get('[data-testid="device-kind"]').setValue('acpi-dimm');
    await w.get('[data-testid="device-size"]').setValue('1G');
    await w.get('[data-testid="device-add"]').trigger('click');
    expect(lab.addDevice).toHaveBeenCalledWith({ kind: 'acpi-dimm', size: '1G' });
    await w.get('[data-testid="guest-block"]').setValue('33');
    await w.get('[data-testid="guest-state"]').setValue('online_movable');
    await w.get('[data-testid="guest-apply"]').trigger('click');
    expect(lab.guestAction).toHaveBeenCalledWith(33, 'online_movable');
  });
  it.each([
    ['hv-balloon', '16G', '512M', { kind: 'hv-balloon', maxDynamicMemory: '16G', guestUsed: '512M' }],
    ['hv-balloon', '', '', { kind: 'hv-balloon' }],
    ['xen-balloon', '8G', '', { kind: 'xen-balloon', maxmem: '8G' }],
    ['xen-balloon', ' 3G ', '1G', { kind: 'xen-balloon', maxmem: '3G', guestUsed: '1G' }],
  ] as const)('attaches %s with maximum %j and workload %j', async (kind, max, used, want) => {
    const { p, lab } = await loaded();
    const w = mount(DevicesPanel, { global: { plugins: [p] } });
    await w.get('[data-testid="device-kind"]').setValue(kind);
    expect(w.find('[data-testid="device-size"]').exists()).toBe(false);
    await w.get('[data-testid="device-max"]').setValue(max);
    await w.get('[data-testid="device-used"]').setValue(used);
    await w.get('[data-testid="device-add"]').trigger('click');
    expect(lab.addDevice).toHaveBeenCalledWith(want);
  });
});

describe('IomemView', () => {
  it('renders fetched lines with line numbers, highlights changed lines, filters and searches', async () => {
    const { p } = await loaded();
    // happy-dom lays nothing out: give the scroller a size so the virtualizer shows rows.
    const h = vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(480);
    const wd = vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(800);
    const w = mount(IomemView, { global: { plugins: [p] }, attachTo: document.body });
    await flush();
    await w.vm.$nextTick();
    const rows = w.findAll('.line');
    expect(rows.map((r) => r.get('.text').text())).toEqual(['00000000-00000fff : Reserved', '00001000-0009ffff : System RAM', '100000000-19ffffffff : virtio0', '100000000-19ffffffff : System RAM (virtio_mem)', '3280000000-32ffffffff : PCI Bus 0000:00']);
    expect(rows[3]!.classes()).toContain('changed');
    expect(w.get('[data-testid="iomem-total"]').text()).toBe('5 lines');
    await w.get('[data-testid="iomem-depth"]').setValue('0');
    await flush();
    expect(w.get('[data-testid="iomem-total"]').text()).toBe('4 shown');
    await w.get('[data-testid="iomem-search"]').setValue('virtio');
    await w.get('[data-testid="iomem-search"]').trigger('keydown', { key: 'Enter' });
    await flush();
    expect(w.get('[data-testid="iomem-matches"]').text()).toBe('1/2');
    expect(w.findAll('.line.match')).toHaveLength(2);
    w.unmount();
    h.mockRestore();
    wd.mockRestore();
  });
});

describe('LsmemView, EventLog, SidePanel', () => {
  it('lsmem shows the worker text and --all asks again', async () => {
    const { p } = await loaded();
    const w = mount(LsmemView, { global: { plugins: [p] } });
    await flush();
    expect(w.get('[data-testid="lsmem-text"]').text()).toBe('RANGE SIZE STATE');
    await w.get('[data-testid="lsmem-all"]').setValue(true);
    await flush();
    expect(w.get('[data-testid="lsmem-text"]').text()).toBe('RANGE (all)');
  });

  it('the event log lists entries and filters by level', async () => {
    const { p } = await loaded();
    const log = useLogStore(p);
    log.push([
      { seq: 0, t: 1, source: 'virtio_mem', level: 'info', message: 'plugged' },
      { seq: 1, t: 2, source: 'virtio_mem', level: 'error', message: 'unplug failed' },
    ]);
    const w = mount(EventLog, { global: { plugins: [p] } });
    expect(w.findAll('.entry')).toHaveLength(2);
    await w.get('[data-testid="log-level"]').setValue('error');
    expect(w.findAll('.entry').map((e) => e.text())).toEqual(['[    0.002000] virtio_mem: unplug failed']);
  });

  it('the side panel switches between the log and lsmem', async () => {
    const { p } = await loaded();
    const w = mount(SidePanel, { global: { plugins: [p] } });
    expect(w.find('[data-testid="event-log"]').exists()).toBe(true);
    await w.get('[data-testid="side-lsmem"]').trigger('click');
    expect(w.find('[data-testid="lsmem-view"]').exists()).toBe(true);
  });
});

describe('charts', () => {
  it('UPlotChart creates one plot, feeds new data when version changes, destroys on unmount', async () => {
    let n = 1;
    const w = mount(UPlotChart, { props: { options: { series: [{}, {}] }, data: () => [[0], [n]], version: 0 } });
    expect(plots).toHaveLength(1);
    n = 2;
    await w.setProps({ version: 1 } as never);
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    await flush(2);
    expect(plots[0]!.data.at(-1)).toEqual([[0], [2]]);
    w.unmount();
    expect(plots[0]!.destroyed).toBe(true);
  });

  it('ChartsPanel draws three charts named in their headers from the metrics store', async () => {
    const { p } = await loaded();
    useMetricsStore(p).push([
      { index: 1, label: 'a', op: 'resize', result: 'ok', simTimeMs: 0, wallMs: 1, visits: 5, resources: { total: 20, topLevel: 18, systemRam: 3 }, iomem: { lines: 20, bytes: 9 }, plugged: String(1n << 30n), requested: String(1n << 30n), blocks: { online: 1, offline: 0 }, kdump: { ranges: 1, cap: 2, ok: true } },
    ]);
    const w = mount(ChartsPanel, { global: { plugins: [p] } });
    expect(plots).toHaveLength(3);
    expect(w.findAll('.chart-title').map((t) => t.text())).toEqual(['Resources and /proc/iomem lines', 'Kernel visits per operation', 'Step latency (wall, worker)']);
    expect(plots[0]!.data[0]).toEqual([[1], [20], [3], [20]]);
    expect(w.text()).toContain('1 steps');
  });
});

describe('AppHeader, RestartBanner, notices', () => {
  it('shows tabs, the scenario and toggles the theme', async () => {
    const { p } = await loaded();
    const ui = useUiStore(p);
    const w = mount(AppHeader, { props: { tabs: [{ id: 'lab', label: 'Lab', enabled: true }, { id: 'compare', label: 'Compare', enabled: false }], mode: 'browser' }, global: { plugins: [p] } });
    expect(w.get('[data-testid="tab-compare"]').attributes('disabled')).toBeDefined();
    expect(w.get('[data-testid="header-scenario"]').text()).toContain('seed-100g-virtio-mem');
    const before = ui.theme;
    await w.get('[data-testid="theme-toggle"]').trigger('click');
    expect(ui.theme).not.toBe(before);
  });

  it('offers to resume after a worker restart', async () => {
    const { p, lab } = await loaded();
    const w = mount(RestartBanner, { global: { plugins: [p] } });
    expect(w.find('[data-testid="restart-banner"]').exists()).toBe(false);
    lab.restart = { restarts: 1, reason: 'worker exited', resumeTo: 42 };
    await w.vm.$nextTick();
    expect(w.get('[data-testid="resume-button"]').text()).toBe('Resume from step 42');
    await w.get('[data-testid="resume-button"]').trigger('click');
    expect(lab.resume).toHaveBeenCalled();
  });

  it('lists notices and dismisses one on click', async () => {
    const p = pinia();
    const ui = useUiStore(p);
    ui.notify('error', 'SCENARIO_INVALID: bad', 0);
    const w = mount(NoticeList, { global: { plugins: [p] } });
    expect(w.get('[data-testid="notice"]').text()).toBe('SCENARIO_INVALID: bad');
    await w.get('[data-testid="notice"]').trigger('click');
    expect(w.find('[data-testid="notice"]').exists()).toBe(false);
  });
});
