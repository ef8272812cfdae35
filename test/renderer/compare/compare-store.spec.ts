import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setBridge } from '../../../renderer/src/bridge/index.js';
import { applyParams, parseParams, printCss, setLaneBridgeFactory, useCompareStore } from '../../../renderer/src/stores/compare.js';
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
  });

  it('gives a lane its device parameters through a patched scenario', async () => {
    const s = useCompareStore();
    s.lanes[1]!.params = 'virtio-mem.blockSize=4M';
    await s.run();
    const load = calls[1]!.find((x) => x.command === 'loadScenario');
    expect(load).toBeDefined();
    expect(JSON.parse((load!.args as { text: string }).text).devices[0].blockSize).toBe('4M');
    expect(s.report?.lanes[1]!.params).toEqual({ 'virtio-mem.blockSize': '4M' });
    expect(s.report?.lanes[1]!.label).toBe('6.12 / rfc-v1 (virtio-mem.blockSize=4M)');
    expect(s.laneStates[1]!.label).toBe('6.12 / rfc-v1 (virtio-mem.blockSize=4M)');
  });

  it('refuses bad device parameters before starting anything', async () => {
    const s = useCompareStore();
    s.lanes[2]!.params = 'virtio-mem.blockSize';
    await s.run();
    expect(calls.length).toBe(0);
    expect(useUiStore().notices.at(-1)?.text).toContain('lane 3: "virtio-mem.blockSize": the value must be 1 to 64 characters');
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
    for (const k of ['json', 'csv', 'md', 'html'] as const) await s.exportAs(k);
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
    await s.exportAs('pdf');
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

describe('device parameters', () => {
  it('parses kind.field=value pairs and names a bad one', () => {
    expect(parseParams(' virtio-mem.blockSize=2M, virtio-mem.regionSize = 64G ')).toEqual({ ok: true, params: { 'virtio-mem.blockSize': '2M', 'virtio-mem.regionSize': '64G' } });
    expect(parseParams('')).toEqual({ ok: true, params: {} });
    expect(parseParams('gpu.x=1')).toEqual({ ok: false, error: '"gpu.x=1": expected <device kind>.<field>=<value>, e.g. virtio-mem.blockSize=2M' });
  });

  it('applies them to every device of that kind, on a copy', () => {
    const def = { devices: [{ kind: 'virtio-mem', id: 'a', blockSize: '2M' }, { kind: 'acpi-dimm', id: 'd' }, { kind: 'virtio-mem', id: 'b' }] };
    const out = applyParams(def, { 'virtio-mem.blockSize': '4M' }) as typeof def;
    expect(out.devices.map((d) => (d as { blockSize?: string }).blockSize)).toEqual(['4M', undefined, '4M']);
    expect(def.devices[0]!.blockSize).toBe('2M');
  });
});
