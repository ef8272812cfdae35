import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setBridge } from '../../../renderer/src/bridge/index.js';
import { useCompareStore } from '../../../renderer/src/stores/compare.js';
import { setLaneBridgeFactory } from '../../../renderer/src/bridge/lanes.js';
import { printCss } from '../../../renderer/src/composables/usePrint.js';
import { exportReport } from '../../../renderer/src/composables/useReportExport.js';
import { useUiStore } from '../../../renderer/src/stores/ui.js';
import { parseReportJson } from '../../../common/report/index.js';
import { appBridge, laneBridge } from './fakes.js';

const golden = readFileSync(path.join(__dirname, '../../common/report/golden/report.json'), 'utf8');

let calls: { command: string; args: unknown }[][] = [];

beforeEach(() => {
  setActivePinia(createPinia());
  calls = [];
  setLaneBridgeFactory(() => {
    const c: { command: string; args: unknown }[] = [];
    calls.push(c);
    return laneBridge({ totalSteps: 40, calls: c });
  });
  setBridge(appBridge().bridge);
});

describe('compare store: running lanes', () => {
  it('runs every lane in its own worker and builds the report', async () => {
    const s = useCompareStore();
    s.lanes[0]!.profile = '5.10';
    await s.run();
    expect(calls.length).toBe(3);
    expect(s.laneStates.map((l) => l.status)).toEqual(['done', 'done', 'done']);
    expect(s.report?.lanes.map((l) => l.label)).toEqual(['5.10 / none', '6.12 / rfc-v1', '6.12 / mhp-merge']);
    expect(s.report?.scenario.name).toBe('fake-scenario');
    expect(s.report?.scenario.seed).toBe(3);
    expect(s.series.map((x) => x.index.length)).toEqual([40, 40, 40]);
    expect(s.view?.final.rows.length).toBe(3);
    const loads = calls.map((c) => c.find((x) => x.command === 'loadPreset' && (x.args as { strategy?: string }).strategy));
    expect(loads.map((l) => (l!.args as { strategy: string }).strategy)).toEqual(['none', 'rfc-v1', 'mhp-merge']);
    // The scenario for the report comes from lane 0's worker (validated there), not from parsing it here.
    expect(calls[0]!.find((x) => x.command === 'loadLane')).toEqual({ command: 'loadLane', args: { scenario: { kind: 'preset', name: 'seed-100g-virtio-mem' } } });
    expect(s.report?.scenario.definition).toMatchObject({ devices: [{ id: 'vm0', blockSize: '2097152' }] });
  });

  it('gives a lane its device parameters through loadLane, applied in the lane\'s worker', async () => {
    const s = useCompareStore();
    s.lanes[1]!.params = 'virtio-mem.blockSize=4M';
    await s.run();
    const load = calls[1]!.find((x) => x.command === 'loadLane');
    expect(load?.args).toEqual({ scenario: { kind: 'preset', name: 'seed-100g-virtio-mem' }, params: 'virtio-mem.blockSize=4M', strategy: 'rfc-v1' });
    expect(calls[2]!.some((x) => x.command === 'loadLane')).toBe(false);
    expect(s.report?.lanes[1]!.params).toEqual({ 'virtio-mem.blockSize': '4M' });
    expect(s.report?.lanes[1]!.label).toBe('6.12 / rfc-v1 (virtio-mem.blockSize=4M)');
    expect(s.laneStates[1]!.label).toBe('6.12 / rfc-v1 (virtio-mem.blockSize=4M)');
  });

  it('sends a picked file to the workers as its text, never parsing it here', async () => {
    const s = useCompareStore();
    s.file = { name: 'mine.yaml', text: 'name: mine\n' };
    s.scenarioKind = 'file';
    s.lanes[0]!.params = 'vm0.blockSize=8M';
    await s.run();
    const base = { kind: 'text', text: 'name: mine\n', source: 'mine.yaml', format: 'yaml' };
    expect(calls[0]!.find((x) => x.command === 'loadLane')).toEqual({ command: 'loadLane', args: { scenario: base } });
    expect(calls[0]!.find((x) => x.command === 'loadLane' && (x.args as { params?: string }).params)?.args).toMatchObject({ scenario: base, params: 'vm0.blockSize=8M' });
    expect(calls[1]!.find((x) => x.command === 'loadScenario')?.args).toMatchObject({ text: 'name: mine\n', source: 'mine.yaml', format: 'yaml' });
    expect(s.report?.scenario.source).toBe('mine.yaml');
  });

  it('refuses bad device parameters before starting anything', async () => {
    const s = useCompareStore();
    s.lanes[2]!.params = 'virtio-mem.blockSize';
    await s.run();
    expect(calls.length).toBe(0);
    expect(useUiStore().notices.at(-1)?.text).toContain('lane 3: "virtio-mem.blockSize": the value must be 1 to 64 characters');
  });

  it('shows an invalid lane scenario from the worker as that lane\'s error', async () => {
    setLaneBridgeFactory(() => laneBridge({ totalSteps: 5, fail: { loadLane: { code: 'SCENARIO_INVALID', message: 'preset:x [vm0.blockSize=3M]: 1 problem(s)' } } }));
    const s = useCompareStore();
    s.lanes[0]!.params = 'vm0.blockSize=3M';
    await s.run();
    expect(useUiStore().notices.at(-1)?.text).toContain('compare: preset:x [vm0.blockSize=3M]: 1 problem(s)');
    expect(s.laneStates.map((l) => l.status)).toEqual(['error', 'error', 'error']);
  });

  it('keeps 2 to 6 lanes', () => {
    const s = useCompareStore();
    for (let i = 0; i < 5; i++) s.addLane();
    expect(s.lanes.length).toBe(6);
    for (const l of [...s.lanes]) s.removeLane(l.key);
    expect(s.lanes.length).toBe(2);
  });

  it('shows a lane that fails with its error and still builds the report', async () => {
    setLaneBridgeFactory(() => laneBridge({ totalSteps: 5, fail: { step: { code: 'KERNEL_ERRNO', message: 'add_memory: -EBUSY' } } }));
    const s = useCompareStore();
    await s.run();
    expect(s.laneStates[0]!.status).toBe('error');
    expect(s.laneStates[0]!.error).toBe('KERNEL_ERRNO: add_memory: -EBUSY');
    expect(s.report?.lanes.every((l) => l.status === 'error')).toBe(true);
  });
});

describe('compare store: reports', () => {
  it('re-opens a JSON report into the same view', () => {
    const s = useCompareStore();
    expect(s.loadReportText('r.json', golden)).toBe(true);
    const parsed = parseReportJson(golden);
    expect(parsed.ok && s.view).toEqual(parsed.ok && parsed.view);
    expect(s.lanes.map((l) => `${l.profile}/${l.strategy}`)).toEqual(['6.12/none', 'rfc-v1/rfc-v1', '6.12/mhp-merge']);
    expect(s.series.map((x) => x.values.systemRam)).toEqual([[3, 4, 5, 6], [3, 3, 3, 3], [3, 3, 3, 3]]);
  });

  it('rejects a bad report with its field path and keeps what was shown', () => {
    const s = useCompareStore();
    s.loadReportText('r.json', golden);
    const before = s.report;
    const bad = JSON.parse(golden);
    bad.lanes[1].summary.iomem.lines = 'many';
    expect(s.loadReportText('bad.json', JSON.stringify(bad))).toBe(false);
    expect(s.report).toBe(before);
    expect(s.reportErrors?.errors).toContainEqual({ path: 'lanes[1].summary.iomem.lines', message: 'must be an integer' });
    expect(useUiStore().notices.at(-1)?.text).toBe('bad.json: lanes[1].summary.iomem.lines: must be an integer');
  });

  it('opens a report through the bridge file picker', async () => {
    const app = appBridge({ name: 'picked.json', text: golden });
    setBridge(app.bridge);
    const s = useCompareStore();
    await s.openReport();
    expect(s.report?.scenario.name).toBe('fixture-virtio-mem-512m');
  });

  it('exports JSON, CSV, Markdown and HTML through the bridge', async () => {
    const app = appBridge();
    setBridge(app.bridge);
    const s = useCompareStore();
    s.loadReportText('r.json', golden);
    for (const k of ['json', 'csv', 'md', 'html'] as const) await exportReport(s.report, s.view ?? undefined, k, useUiStore().notify);
    expect(app.saved.map((f) => [f.name, f.mime])).toEqual([
      ['fixture-virtio-mem-512m-compare.json', 'application/json'],
      ['fixture-virtio-mem-512m-compare.csv', 'text/csv'],
      ['fixture-virtio-mem-512m-compare.md', 'text/markdown'],
      ['fixture-virtio-mem-512m-compare.html', 'text/html'],
    ]);
    expect(app.saved[0]!.text).toBe(golden);
    expect((app.saved[3]!.text.match(/<svg/g) ?? []).length).toBe(4);
  });
});

describe('compare store: PDF through the print dialog', () => {
  it('lays the report into the page for printing only, then removes it after printing', async () => {
    const print = vi.fn();
    const had = window.print;
    window.print = print;
    const s = useCompareStore();
    s.loadReportText('r.json', golden);
    await exportReport(s.report, s.view ?? undefined, 'pdf', useUiStore().notify);
    expect(print).toHaveBeenCalledTimes(1);
    const host = document.getElementById('memhp-print');
    expect(host?.querySelector('h1')?.textContent).toBe('memhp-lab compare: fixture | 4 × 128M');
    expect(host?.querySelectorAll('svg').length).toBe(4);
    window.dispatchEvent(new Event('afterprint'));
    expect(document.getElementById('memhp-print')).toBeNull();
    window.print = had;
  });

  it('scopes the report CSS to the print host and hides the app on paper only', () => {
    const css = printCss(':root { --fg: #000; }\nbody { margin: 0; }\ntd, body { x: 1; }\n.tbody { y: 2; }');
    expect(css).toContain('#memhp-print { --fg: #000; }');
    expect(css).toContain('#memhp-print { margin: 0; }');
    expect(css).toContain('td, #memhp-print { x: 1; }');
    expect(css).toContain('.tbody { y: 2; }');
    expect(css).toMatch(/^@media screen \{ #memhp-print \{ display: none !important; \} \}\n@media print \{\n  body > :not\(#memhp-print\) \{ display: none !important; \}/);
  });
});
