/**
 * Per-step records for the charts, kept out of Vue's reactivity in growable typed arrays; `version`
 * is the one reactive signal that new data arrived. Records are de-duplicated by step index, so a
 * resumed run (after a worker restart) does not record a step twice and loses nothing recorded.
 */
import { defineStore } from 'pinia';
import { markRaw, ref } from 'vue';
import type { Snapshot, StepRecord } from '../../../worker/protocol.js';

export class Column {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  clear(): void {
    this.length = 0;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

export const STEP_SERIES = ['index', 'simTimeMs', 'pluggedGiB', 'total', 'systemRam', 'visits', 'lines', 'wallMs'] as const;
export type StepSeries = (typeof STEP_SERIES)[number];
export const LATENCY_SERIES = ['step', 'p50', 'p99'] as const;
export type LatencySeries = (typeof LATENCY_SERIES)[number];

const GiB = 1024 ** 3;

export const useMetricsStore = defineStore('metrics', () => {
  const count = ref(0);
  const version = ref(0);
  const steps = markRaw(Object.fromEntries(STEP_SERIES.map((k) => [k, new Column()])) as Record<StepSeries, Column>);
  const latency = markRaw(Object.fromEntries(LATENCY_SERIES.map((k) => [k, new Column()])) as Record<LatencySeries, Column>);
  let lastIndex = -1;

  function push(records: readonly StepRecord[]): void {
    let added = 0;
    for (const r of records) {
      if (r.index <= lastIndex) continue;
      lastIndex = r.index;
      steps.index.push(r.index);
      steps.simTimeMs.push(r.simTimeMs);
      steps.pluggedGiB.push(Number(r.plugged) / GiB);
      steps.total.push(r.resources.total);
      steps.systemRam.push(r.resources.systemRam);
      steps.visits.push(r.visits);
      steps.lines.push(r.iomem.lines);
      steps.wallMs.push(r.wallMs);
      added++;
    }
    if (added) {
      count.value = steps.index.length;
      version.value++;
    }
  }

  /** Samples the worker's latency percentiles (one point per snapshot that advanced the run). */
  function sample(s: Snapshot): void {
    if (s.timings.steps === 0) return;
    const last = latency.step.length ? latency.step.data[latency.step.length - 1]! : -1;
    if (s.step.index <= last) return;
    latency.step.push(s.step.index);
    latency.p50.push(s.timings.p50Ms);
    latency.p99.push(s.timings.p99Ms);
    version.value++;
  }

  function clear(): void {
    for (const c of Object.values(steps)) c.clear();
    for (const c of Object.values(latency)) c.clear();
    lastIndex = -1;
    count.value = 0;
    version.value++;
  }

  /** The last step index recorded (−1 when none): where a resumed run must continue from. */
  function lastStepIndex(): number {
    return lastIndex;
  }

  return { count, version, steps, latency, push, sample, clear, lastStepIndex };
});

/**
 * Thins columns for drawing: at most `max` points, evenly strided, always keeping the last point.
 * Returns plain arrays uPlot can take.
 */
export function thin(columns: Float64Array[], max: number): number[][] {
  const n = columns[0]?.length ?? 0;
  const stride = Math.max(1, Math.ceil(n / max));
  return columns.map((c) => {
    const out: number[] = [];
    for (let i = 0; i < n; i += stride) out.push(c[i]!);
    if (n > 0 && (n - 1) % stride !== 0) out.push(c[n - 1]!);
    return out;
  });
}
