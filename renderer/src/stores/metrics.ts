/**
 * Per-step records for the charts, kept out of Vue's reactivity in growable typed arrays; `version`
 * is the one reactive signal that new data arrived. Records are de-duplicated by step index, so a
 * resumed run (after a worker restart) does not record a step twice and loses nothing recorded.
 *
 * Bounded by the thinning the worker's step log uses too (`common/thinning.ts`): every step up to
 * `METRICS_CAP` points, then the stride doubles and every point off the new grid goes, so it holds
 * the steps whose ordinal (step index minus the first one's) is a multiple of the stride, plus the
 * latest step: an even history of the whole run, never more than the cap. Kept points keep their
 * own values (step index, simulated time, plugged memory), so the charts' x axes stay true.
 */
import { defineStore } from 'pinia';
import { markRaw, ref } from 'vue';
import type { Snapshot, StepPoint } from '../../../worker/protocol.js';
import { ThinnedColumns } from '../../../common/thinning.js';

/** Points kept per series: 2^16 (the worker's `STEP_LOG_CAP`), 8 columns × 8 bytes ≈ 4 MiB. */
export const METRICS_CAP = 65_536;

export const STEP_SERIES = ['index', 'simTimeMs', 'pluggedGiB', 'total', 'systemRam', 'visits', 'lines', 'wallMs'] as const;
export type StepSeries = (typeof STEP_SERIES)[number];
export const LATENCY_SERIES = ['step', 'p50', 'p99'] as const;
export type LatencySeries = (typeof LATENCY_SERIES)[number];

const GiB = 1024 ** 3;

export const useMetricsStore = defineStore('metrics', () => {
  /** Points kept (at most METRICS_CAP). */
  const count = ref(0);
  /** 1 until the store first filled up; then every stride-th step is kept (plus the latest). */
  const stride = ref(1);
  const version = ref(0);
  const stepSet = markRaw(new ThinnedColumns(STEP_SERIES, METRICS_CAP));
  const latencySet = markRaw(new ThinnedColumns(LATENCY_SERIES, METRICS_CAP));
  const steps = markRaw(stepSet.cols);
  const latency = markRaw(latencySet.cols);
  let lastIndex = -1;
  let firstIndex = 0;
  let samples = 0;

  function push(records: readonly StepPoint[]): void {
    let added = 0;
    for (const r of records) {
      if (r.index <= lastIndex) continue;
      if (stepSet.length === 0) firstIndex = r.index;
      lastIndex = r.index;
      stepSet.push(r.index - firstIndex, {
        index: r.index,
        simTimeMs: r.simTimeMs,
        pluggedGiB: Number(r.plugged) / GiB,
        total: r.resources.total,
        systemRam: r.resources.systemRam,
        visits: r.visits,
        lines: r.iomem.lines,
        wallMs: r.wallMs,
      });
      added++;
    }
    if (added) {
      count.value = stepSet.length;
      stride.value = stepSet.stride;
      version.value++;
    }
  }

  /** Samples the worker's latency percentiles (one point per snapshot that advanced the run). */
  function sample(s: Snapshot): void {
    if (s.timings.steps === 0) return;
    const last = latency.step.length ? latency.step.data[latency.step.length - 1]! : -1;
    if (s.step.index <= last) return;
    latencySet.push(samples++, { step: s.step.index, p50: s.timings.p50Ms, p99: s.timings.p99Ms });
    version.value++;
  }

  function clear(): void {
    stepSet.clear();
    latencySet.clear();
    lastIndex = -1;
    firstIndex = 0;
    samples = 0;
    count.value = 0;
    stride.value = 1;
    version.value++;
  }

  /** The last step index recorded (−1 when none): where a resumed run must continue from. */
  function lastStepIndex(): number {
    return lastIndex;
  }

  return { count, stride, version, steps, latency, push, sample, clear, lastStepIndex };
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
