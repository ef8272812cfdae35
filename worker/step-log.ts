/**
 * Compact storage for per-step records and a latency histogram, so a soak run costs a few bytes per
 * step instead of an object each, and at most `cap` records whatever the run's length.
 */
import type { StepRecord } from './protocol.js';

const COLUMNS = [
  'index', 'simTimeMs', 'wallMs', 'visits', 'total', 'topLevel', 'systemRam', 'lines', 'bytes', 'plugged', 'online', 'offline', 'kranges', 'kcap', 'kok',
] as const;
type Column = (typeof COLUMNS)[number];

/**
 * Records kept by default: 2^16, so one `metrics` page (100,000 by default) always holds the whole
 * log, and the worker keeps about 13 MB of step records however long the run is.
 */
export const STEP_LOG_CAP = 65_536;

/** How a step log sampled the run: the fields exports carry next to the records. */
export interface StepSampling {
  /** Steps recorded since the run started (every step executed). */
  recorded: number;
  /** Records kept (at most the cap). */
  kept: number;
  /** Kept records are the steps whose ordinal (0-based) is a multiple of this, plus the latest. */
  stride: number;
  /** True once the stride is above 1, i.e. some records were dropped. */
  thinned: boolean;
}

/**
 * Column store of StepRecords (numbers in Float64Arrays; plugged bytes stay exact below 2^53),
 * bounded: every record is kept until `cap`; then the stride doubles and every other record goes,
 * so the log always holds the steps at ordinals 0, stride, 2·stride, … plus the latest step.
 * The ordinal of a record is its position among all records pushed since `clear`, thinned or not;
 * `from(since)` pages by it, so a reader's cursor stays valid across thinning.
 */
export class StepLog {
  private cols: Record<Column, Float64Array>;
  private ords: Float64Array;
  private labels: string[] = [];
  private results: string[] = [];
  private n = 0;
  private pushed = 0;
  private step = 1;
  readonly cap: number;

  constructor(capacity = 1024, cap = STEP_LOG_CAP) {
    if (!Number.isSafeInteger(cap) || cap < 2 || cap % 2 !== 0) throw new RangeError(`StepLog: cap must be an even integer >= 2, got ${cap}`);
    this.cap = cap;
    const size = Math.max(1, Math.min(capacity, cap));
    this.cols = Object.fromEntries(COLUMNS.map((c) => [c, new Float64Array(size)])) as Record<Column, Float64Array>;
    this.ords = new Float64Array(size);
  }

  /** Records kept. */
  get length(): number {
    return this.n;
  }

  /** Records pushed since `clear` (the ordinal the next one gets). */
  get recorded(): number {
    return this.pushed;
  }

  /** The current stride (1 until the log first filled up). */
  get stride(): number {
    return this.step;
  }

  /** Allocated slots per column (never above the cap): what a memory check looks at. */
  get allocated(): number {
    return this.ords.length;
  }

  sampling(): StepSampling {
    return { recorded: this.pushed, kept: this.n, stride: this.step, thinned: this.step > 1 };
  }

  clear(): void {
    this.n = 0;
    this.pushed = 0;
    this.step = 1;
    this.labels = [];
    this.results = [];
  }

  push(r: StepRecord): void {
    const ord = this.pushed++;
    // The previous latest stays only if it lies on the grid; off the grid it was kept for being latest.
    if (this.n > 0 && this.ords[this.n - 1]! % this.step !== 0) this.truncate(this.n - 1);
    if (this.n === this.cap) this.thin();
    if (this.n === this.ords.length) this.grow();
    const i = this.n++;
    const c = this.cols;
    this.ords[i] = ord;
    c.index[i] = r.index;
    c.simTimeMs[i] = r.simTimeMs;
    c.wallMs[i] = r.wallMs;
    c.visits[i] = r.visits;
    c.total[i] = r.resources.total;
    c.topLevel[i] = r.resources.topLevel;
    c.systemRam[i] = r.resources.systemRam;
    c.lines[i] = r.iomem.lines;
    c.bytes[i] = r.iomem.bytes;
    c.plugged[i] = Number(r.plugged);
    c.online[i] = r.blocks.online;
    c.offline[i] = r.blocks.offline;
    c.kranges[i] = r.kdump.ranges;
    c.kcap[i] = r.kdump.cap;
    c.kok[i] = r.kdump.ok ? 1 : 0;
    this.labels[i] = r.label;
    this.results[i] = r.result;
  }

  /** The ordinal of the i-th kept record. */
  ordinalAt(i: number): number {
    return this.ords[i]!;
  }

  at(i: number): StepRecord {
    const c = this.cols;
    return {
      index: c.index[i]!,
      label: this.labels[i]!,
      result: this.results[i]!,
      simTimeMs: c.simTimeMs[i]!,
      wallMs: c.wallMs[i]!,
      visits: c.visits[i]!,
      resources: { total: c.total[i]!, topLevel: c.topLevel[i]!, systemRam: c.systemRam[i]! },
      iomem: { lines: c.lines[i]!, bytes: c.bytes[i]! },
      plugged: BigInt(c.plugged[i]!).toString(),
      blocks: { online: c.online[i]!, offline: c.offline[i]! },
      kdump: { ranges: c.kranges[i]!, cap: c.kcap[i]!, ok: c.kok[i] === 1 },
    };
  }

  /** Up to `limit` kept records from position `from` (positions, not ordinals). */
  slice(from: number, limit: number): StepRecord[] {
    const out: StepRecord[] = [];
    const end = Math.min(this.n, from + limit);
    for (let i = Math.max(0, from); i < end; i++) out.push(this.at(i));
    return out;
  }

  /** Up to `limit` kept records whose ordinal is at least `since`, oldest first. */
  from(since: number, limit: number): StepRecord[] {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ords[mid]! < since) lo = mid + 1;
      else hi = mid;
    }
    return this.slice(lo, limit);
  }

  /** Every kept record, oldest first. */
  all(): StepRecord[] {
    return this.slice(0, this.n);
  }

  /** Doubles the stride and keeps the records on the new grid (ordinal 0 always is). */
  private thin(): void {
    this.step *= 2;
    let w = 0;
    for (let r = 0; r < this.n; r++) {
      if (this.ords[r]! % this.step !== 0) continue;
      if (w !== r) {
        this.ords[w] = this.ords[r]!;
        for (const k of COLUMNS) this.cols[k][w] = this.cols[k][r]!;
        this.labels[w] = this.labels[r]!;
        this.results[w] = this.results[r]!;
      }
      w++;
    }
    this.truncate(w);
  }

  private truncate(n: number): void {
    this.n = n;
    this.labels.length = n;
    this.results.length = n;
  }

  private grow(): void {
    const size = Math.min(this.cap, this.ords.length * 2);
    for (const k of COLUMNS) {
      const next = new Float64Array(size);
      next.set(this.cols[k]);
      this.cols[k] = next;
    }
    const ords = new Float64Array(size);
    ords.set(this.ords);
    this.ords = ords;
  }
}

/**
 * Log-scaled latency histogram: 1 µs to ~100 s in 2 % steps. Percentiles come out within the
 * bucket width, in O(buckets) whatever the number of samples.
 */
export class LatencyHistogram {
  private static readonly MIN_MS = 0.001;
  private static readonly RATIO = 1.02;
  private static readonly BUCKETS = 940;
  private counts = new Float64Array(LatencyHistogram.BUCKETS);
  private n = 0;

  get count(): number {
    return this.n;
  }

  clear(): void {
    this.counts.fill(0);
    this.n = 0;
  }

  add(ms: number): void {
    const b = ms <= LatencyHistogram.MIN_MS ? 0 : Math.ceil(Math.log(ms / LatencyHistogram.MIN_MS) / Math.log(LatencyHistogram.RATIO));
    this.counts[Math.min(LatencyHistogram.BUCKETS - 1, Math.max(0, b))]! += 1;
    this.n++;
  }

  /** The p-quantile (0..1) in ms: the upper edge of the bucket holding it; 0 with no samples. */
  quantile(p: number): number {
    if (this.n === 0) return 0;
    const rank = Math.max(1, Math.ceil(p * this.n));
    let seen = 0;
    for (let b = 0; b < LatencyHistogram.BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return LatencyHistogram.MIN_MS * LatencyHistogram.RATIO ** b;
    }
    return LatencyHistogram.MIN_MS * LatencyHistogram.RATIO ** (LatencyHistogram.BUCKETS - 1);
  }
}

/** A 64-bit fingerprint of a text as hex: FNV-1a 32 over the UTF-16 code units, with two offset bases. */
export function fingerprint(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
