/**
 * The renderer's metrics store stays bounded over long runs the way the worker's step log does:
 * every step up to METRICS_CAP points, then stride doubling, first and latest always kept, kept
 * points carrying their own x values (step index, simulated time, plugged memory).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { isReactive } from 'vue';
import { mount } from '@vue/test-utils';
import { METRICS_CAP, useMetricsStore } from '../../renderer/src/stores/metrics.js';
import type { StepPoint } from '../../worker/protocol.js';

const GiB = 1024 ** 3;

/** Step `index` of a run: simulated time 3 ms a step, 128 MiB plugged a step, so x values are checkable. */
function rec(index: number): StepPoint {
  return {
    index, label: `s${index}`, op: 'resize', result: 'ok', simTimeMs: index * 3, wallMs: (index % 7) / 4, visits: index % 11,
    resources: { total: index % 50, topLevel: 2, systemRam: index % 9 }, iomem: { lines: 30 + (index % 5), bytes: 1 },
    plugged: String(BigInt(index) << 27n), requested: String(BigInt(index) << 27n), blocks: { online: index, offline: 0 }, kdump: { ranges: 1, cap: 2, ok: true },
  };
}

/** Pushes steps first..last (inclusive) in batches of `batch`, checking the bound after each batch. */
function pushRun(m: ReturnType<typeof useMetricsStore>, first: number, last: number, batch: number): number {
  let maxCount = 0;
  for (let i = first; i <= last; i += batch) {
    const recs: StepPoint[] = [];
    for (let j = i; j <= Math.min(last, i + batch - 1); j++) recs.push(rec(j));
    m.push(recs);
    maxCount = Math.max(maxCount, m.count, m.steps.index.length);
  }
  return maxCount;
}

beforeEach(() => {
  setActivePinia(createPinia());
});

describe('metrics store: bounded like the worker', () => {
  it('10× the cap: count ≤ cap all along, first and last kept, no duplicates, an even grid', () => {
    const m = useMetricsStore();
    const last = 10 * METRICS_CAP; // steps 1..last, as the runner numbers them
    const maxCount = pushRun(m, 1, last, 4099);
    expect(maxCount).toBeLessThanOrEqual(METRICS_CAP);
    const idx = Array.from(m.steps.index.view());
    expect(idx.length).toBe(m.count);
    expect(idx[0]).toBe(1);
    expect(idx.at(-1)).toBe(last);
    expect(new Set(idx).size).toBe(idx.length);
    expect(idx.every((x, i) => i === 0 || x > idx[i - 1]!)).toBe(true);
    // 10 × 2^16 steps: the stride reached 16, so ordinals 0, 16, 32, … and the latest.
    expect(m.stride).toBe(16);
    const grid = idx.slice(0, -1).map((x) => (x - 1) % 16);
    expect(grid.every((r) => r === 0)).toBe(true);
    expect(idx.length).toBe(Math.ceil(last / 16) + ((last - 1) % 16 === 0 ? 0 : 1));
    // Still spans the whole run, so the charts do too.
    expect(m.count).toBeGreaterThan(METRICS_CAP / 2);
    expect(m.lastStepIndex()).toBe(last);
  });

  it('kept points carry their own x values (step index, simulated time, plugged GiB) and y values', () => {
    const m = useMetricsStore();
    pushRun(m, 1, 3 * METRICS_CAP + 5, 10_000);
    const idx = m.steps.index.view();
    const n = idx.length;
    for (const i of [0, 1, 2, Math.floor(n / 2), n - 2, n - 1]) {
      const r = rec(idx[i]!);
      expect(m.steps.simTimeMs.data[i]).toBe(r.simTimeMs);
      expect(m.steps.pluggedGiB.data[i]).toBe(Number(r.plugged) / GiB);
      expect(m.steps.total.data[i]).toBe(r.resources.total);
      expect(m.steps.systemRam.data[i]).toBe(r.resources.systemRam);
      expect(m.steps.visits.data[i]).toBe(r.visits);
      expect(m.steps.lines.data[i]).toBe(r.iomem.lines);
      expect(m.steps.wallMs.data[i]).toBe(r.wallMs);
    }
    // No column is longer than the kept points, and none allocates past the cap.
    for (const c of Object.values(m.steps)) {
      expect(c.length).toBe(n);
      expect(c.data.length).toBeLessThanOrEqual(METRICS_CAP);
    }
  });

  it('same steps, same kept points, whatever the batching (deterministic), and duplicates skipped', () => {
    const a = useMetricsStore();
    pushRun(a, 1, 2 * METRICS_CAP + 77, 1);
    const kept = Array.from(a.steps.index.view());
    setActivePinia(createPinia());
    const b = useMetricsStore();
    pushRun(b, 1, METRICS_CAP, 999);
    pushRun(b, 1, 2 * METRICS_CAP + 77, 31_337); // resent from the start: every step seen already or new
    expect(Array.from(b.steps.index.view())).toEqual(kept);
    expect(b.stride).toBe(a.stride);
  });

  it('records already thinned by the worker (every 4th step) are kept while they fit', () => {
    const m = useMetricsStore();
    const sparse = Array.from({ length: 1000 }, (_, i) => rec(1 + 4 * i));
    m.push(sparse);
    expect(m.count).toBe(1000);
    expect(m.stride).toBe(1);
    expect(Array.from(m.steps.index.view())).toEqual(sparse.map((r) => r.index));
  });

  it('stays out of Vue reactivity; clear() starts over unthinned', () => {
    const m = useMetricsStore();
    pushRun(m, 1, METRICS_CAP + 1, 50_000);
    expect(isReactive(m.steps)).toBe(false);
    expect(isReactive(m.steps.index)).toBe(false);
    expect(m.stride).toBe(2);
    m.clear();
    expect([m.count, m.stride, m.lastStepIndex(), m.steps.index.length]).toEqual([0, 1, -1, 0]);
    m.push([rec(5), rec(6)]);
    expect(Array.from(m.steps.index.view())).toEqual([5, 6]);
  });

  it('latency samples are bounded the same way', () => {
    const m = useMetricsStore();
    const snap = (index: number) => ({ step: { index }, timings: { steps: index, p50Ms: 1, p99Ms: 2 } }) as unknown as Parameters<typeof m.sample>[0];
    for (let i = 1; i <= 3 * METRICS_CAP; i++) m.sample(snap(i));
    expect(m.latency.step.length).toBeLessThanOrEqual(METRICS_CAP);
    expect(m.latency.step.data[0]).toBe(1);
    expect(m.latency.step.data[m.latency.step.length - 1]).toBe(3 * METRICS_CAP);
  });
});

describe('ChartsPanel header once thinned', () => {
  it('says the store keeps every stride-th step', async () => {
    const { default: ChartsPanel } = await import('../../renderer/src/components/ChartsPanel.vue');
    const pinia = createPinia();
    setActivePinia(pinia);
    const m = useMetricsStore();
    pushRun(m, 1, METRICS_CAP + 1, 20_000);
    const w = mount(ChartsPanel, { global: { plugins: [pinia], stubs: { UPlotChart: true } } });
    expect(w.text()).toContain('1 in 2 steps kept, and the latest');
    w.unmount();
  });
});
