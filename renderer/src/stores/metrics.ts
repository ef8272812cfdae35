/**
 * Per-step records for the charts, kept out of Vue's reactivity in growable typed arrays; `version`
 * is the one reactive signal that new data arrived. Records are de-duplicated by step index, so a
 * resumed run (after a worker restart) does not record a step twice and loses nothing recorded.
 *
 * Bounded like the worker's step log (`worker/step-log.ts`): every step up to `METRICS_CAP`
 * points, then the stride doubles and every point off the new grid goes, so the store always holds
 * the steps whose ordinal (step index minus the first one's) is a multiple of the stride, plus the
 * latest step: an even history of the whole run, never more than the cap. Kept points keep their
 * own values (step index, simulated time, plugged memory), so the charts' x axes stay true.
 */
import { defineStore } from 'pinia';
import { markRaw, ref } from 'vue';
import type { Snapshot, StepRecord } from '../../../worker/protocol.js';

/** Points kept per series: 2^16 (the worker's `STEP_LOG_CAP`), 8 columns × 8 bytes ≈ 4 MiB. */
export const METRICS_CAP = 65_536;

export class Column {
  data: Float64Array;
  length = 0;
  constructor(size = 1024) {
    this.data = new Float64Array(size);
  }
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

/**
 * Named columns of one series set, thinned by ordinal: every point until `cap`, then the stride
 * doubles (as often as needed) and only points whose ordinal is on the grid stay, plus the latest.
 * Ordinals must increase; the first point (ordinal 0) is always on the grid.
 */
export class ThinnedColumns<K extends string> {
  readonly cols: Record<K, Column>;
  private ords: Column;
  private step = 1;

  constructor(
    private readonly keys: readonly K[],
    readonly cap: number,
  ) {
    if (!Number.isSafeInteger(cap) || cap < 2) throw new RangeError(`ThinnedColumns: cap must be an integer >= 2, got ${cap}`);
    const size = Math.min(1024, cap);
    this.cols = Object.fromEntries(keys.map((k) => [k, new Column(size)])) as Record<K, Column>;
    this.ords = new Column(size);
  }

  get length(): number {
    return this.ords.length;
  }

  get stride(): number {
    return this.step;
  }

  /** The ordinal of the last kept point (−1 when empty). */
  get lastOrdinal(): number {
    return this.ords.length ? this.ords.data[this.ords.length - 1]! : -1;
  }

  push(ord: number, values: Record<K, number>): void {
    const n = this.ords.length;
    // The previous latest stays only if it lies on the grid; off it, it was kept for being latest.
    if (n > 0 && this.ords.data[n - 1]! % this.step !== 0) this.truncate(n - 1);
    while (this.ords.length >= this.cap) this.thin();
    this.ords.push(ord);
    for (const k of this.keys) this.cols[k].push(values[k]);
  }

  clear(): void {
    this.ords.clear();
    for (const k of this.keys) this.cols[k].clear();
    this.step = 1;
  }

  private thin(): void {
    this.step *= 2;
    const o = this.ords.data;
    let w = 0;
    for (let r = 0; r < this.ords.length; r++) {
      if (o[r]! % this.step !== 0) continue;
      if (w !== r) {
        o[w] = o[r]!;
        for (const k of this.keys) this.cols[k].data[w] = this.cols[k].data[r]!;
      }
      w++;
    }
    this.truncate(w);
  }

  private truncate(n: number): void {
    this.ords.length = n;
    for (const k of this.keys) this.cols[k].length = n;
  }
}

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

  function push(records: readonly StepRecord[]): void {
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
