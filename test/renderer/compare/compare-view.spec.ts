import { beforeEach, describe, expect, it, vi } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setBridge } from '../../../renderer/src/bridge/index.js';
import { useCompareStore } from '../../../renderer/src/stores/compare.js';
import { setLaneBridgeFactory } from '../../../renderer/src/bridge/lanes.js';
import { appBridge, laneBridge } from './fakes.js';

const golden = readFileSync(path.join(__dirname, '../../common/report/golden/report.json'), 'utf8');
// uPlot needs a canvas; the chart component is stubbed, its inputs are checked instead.
const stubs = { UPlotChart: { props: ['options', 'data', 'version'], template: '<div class="uplot-stub" :data-series="options.series.length" :data-title="options.title" />' } };

// Imported dynamically: the test tsconfig has no *.vue module declarations (Vite compiles it).
const CompareView = (await import('../../../renderer/src/views/CompareView.vue' as string)).default;

function mountView() {
  return mount(CompareView, { global: { stubs } });
}

beforeEach(() => {
  setActivePinia(createPinia());
  setBridge(appBridge().bridge);
  setLaneBridgeFactory(() => laneBridge({ totalSteps: 12 }));
});

describe('CompareView', () => {
  it('starts with three lanes (none, rfc-v1, mhp-merge), 2–6 allowed', async () => {
    const w = mountView();
    expect(w.findAll('[data-testid="compare-lane-row"]').length).toBe(3);
    expect(w.findAll('[data-testid="compare-lane-strategy"]').map((s) => (s.element as HTMLSelectElement).value)).toEqual(['none', 'rfc-v1', 'mhp-merge']);
    for (let i = 0; i < 4; i++) await w.get('[data-testid="compare-add-lane"]').trigger('click');
    expect(w.findAll('[data-testid="compare-lane-row"]').length).toBe(6);
    expect(w.get('[data-testid="compare-add-lane"]').attributes('disabled')).toBeDefined();
    expect(w.get('[data-testid="compare-export-json"]').attributes('disabled')).toBeDefined();
  });

  it('runs the lanes and shows progress, the final table, one overlaid chart per metric and the diff', async () => {
    const w = mountView();
    const s = useCompareStore();
    await w.get('[data-testid="compare-run"]').trigger('click');
    await vi.waitFor(() => expect(s.report).not.toBeNull(), { timeout: 5000 });
    await flushPromises();
    expect(s.laneStates.map((l) => l.status)).toEqual(['done', 'done', 'done']);
    expect(w.text()).toContain('12/12');
    expect(w.findAll('[data-testid="compare-final-table"] tbody tr').length).toBe(3);
    const charts = w.findAll('.uplot-stub');
    expect(charts.map((c) => c.attributes('data-title'))).toEqual(['"System RAM" resources (resources)', '/proc/iomem lines (lines)', 'Kernel visits per step (nodes visited)', 'Wall time per step (ms)']);
    expect(charts.every((c) => c.attributes('data-series') === '4')).toBe(true);
    expect(w.find('[data-testid="compare-diff"]').exists()).toBe(true);
    expect(w.get('[data-testid="compare-export-html"]').attributes('disabled')).toBeUndefined();
  });

  it('shows a re-opened report: best values marked, /proc/iomem side by side with the changed lines', async () => {
    const w = mountView();
    useCompareStore().loadReportText('r.json', golden);
    await flushPromises();
    const rows = w.findAll('[data-testid="compare-final-table"] tbody tr');
    expect(rows.map((r) => r.findAll('[data-best="true"]').length)).toEqual([0, 4, 6]);
    expect(rows[2]!.text()).toContain('★');
    const diffRows = w.findAll('[data-testid="compare-diff-row"]');
    const changed = diffRows.filter((r) => r.classes('chg') || r.classes('del'));
    expect(changed.length).toBe(4);
    expect(changed[0]!.text()).toContain('100000000-107ffffff : System RAM (virtio_mem)');
    expect(changed[0]!.text()).toContain('100000000-11fffffff : System RAM (virtio_mem)');
    expect(w.get('[data-testid="compare-diff-stat"]').text()).toBe('−4 +1 lines');
    // Pick the same lane on both sides: identical.
    await w.get('[data-testid="compare-diff-b"]').setValue('lane1');
    expect(w.find('[data-testid="compare-diff-same"]').exists()).toBe(true);
  });

  it('reads every lane at one step of the shared timeline', async () => {
    const w = mountView();
    useCompareStore().loadReportText('r.json', golden);
    await flushPromises();
    expect(w.get('[data-testid="compare-timeline-step"]').text()).toBe('step 3 (4/4)');
    const cells = () => w.findAll('[data-testid="compare-timeline-row"]').map((r) => r.findAll('td').map((td) => td.text()));
    expect(cells()[0]).toEqual(['6.12 / none', '6', '29', '47', '0.19 ms']);
    await w.get('[data-testid="compare-timeline-range"]').setValue(0);
    expect(w.get('[data-testid="compare-timeline-step"]').text()).toBe('step 0 (1/4)');
    expect(cells().map((c) => c[1])).toEqual(['3', '3', '3']);
    expect(cells()[1]).toEqual(['rfc-v1 / rfc-v1', '3', '26', '41', '0.25 ms']);
  });

  it('lists every problem of a bad report with its field path', async () => {
    const bad = JSON.parse(golden);
    delete bad.lanes[0].label;
    bad.lanes[2].strategy = 'fast';
    setBridge(appBridge({ name: 'bad.json', text: JSON.stringify(bad) }).bridge);
    const w = mountView();
    await w.get('[data-testid="compare-open-report"]').trigger('click');
    await flushPromises();
    const errors = w.get('[data-testid="compare-errors"]');
    expect(errors.text()).toContain('bad.json is not a report this app can open');
    expect(errors.findAll('li').map((li) => li.text())).toEqual(['lanes[0].label: is required', 'lanes[2].strategy: must be one of "none", "rfc-v1", "mhp-merge"']);
  });

  it('exports through the bridge from the toolbar', async () => {
    const app = appBridge();
    setBridge(app.bridge);
    const w = mountView();
    useCompareStore().loadReportText('r.json', golden);
    await flushPromises();
    await w.get('[data-testid="compare-export-md"]').trigger('click');
    await flushPromises();
    expect(app.saved.map((f) => f.name)).toEqual(['fixture-virtio-mem-512m-compare.md']);
    expect(app.saved[0]!.text).toBe(readFileSync(path.join(__dirname, '../../common/report/golden/report.md'), 'utf8'));
  });
});
