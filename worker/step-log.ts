/**
 * Compact storage for per-step records and a latency histogram, so a soak run costs a few bytes per
 * step instead of an object each, and at most `cap` records whatever the run's length.
 */
import { ThinnedColumns } from '../common/thinning.js';
import type { StepPoint } from './protocol.js';

const COLUMNS = [
  'index', 'simTimeMs', 'wallMs', 'visits', 'total', 'topLevel', 'systemRam', 'lines', 'bytes', 'plugged', 'requested', 'online', 'offline', 'kranges', 'kcap', 'kok', 'kstale',
] as const;
const TEXTS = ['label', 'op', 'result'] as const;

/**
 * Records kept by default: 2^16, so one `metrics` page (100,000 by default) always holds the whole
 * log, and the worker keeps about 14 MB of step records however long the run is.
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
 * The step points of a run in columns (numbers in Float64Arrays; plugged and requested bytes stay
 * exact below 2^53), bounded by `common/thinning.ts`: every record until `cap`, then an evenly
 * thinned history holding the first and the latest step. The ordinal of a record is its position
 * among all records pushed since `clear`, thinned or not; `from(since)` pages by it, so a reader's
 * cursor stays valid across thinning.
 */
export class StepLog {
  private readonly table: ThinnedColumns<(typeof COLUMNS)[number], (typeof TEXTS)[number]>;
  private pushed = 0;

  constructor(capacity = 1024, cap = STEP_LOG_CAP) {
    this.table = new ThinnedColumns(COLUMNS, cap, TEXTS, Math.max(1, capacity));
  }

  get cap(): number {
    return this.table.cap;
  }

  /** Records kept. */
  get length(): number {
    return this.table.length;
  }

  /** Records pushed since `clear` (the ordinal the next one gets). */
  get recorded(): number {
    return this.pushed;
  }

  /** The current stride (1 until the log first filled up). */
  get stride(): number {
    return this.table.stride;
  }

  /** Allocated slots per column (never above the cap): what a memory check looks at. */
  get allocated(): number {
    return this.table.allocated;
  }

  sampling(): StepSampling {
    return { recorded: this.pushed, kept: this.length, stride: this.stride, thinned: this.stride > 1 };
  }

  clear(): void {
    this.pushed = 0;
    this.table.clear();
  }

  /** Keeps the point of a step (a whole `StepRecord` may be passed: its lists are not kept). */
  push(r: StepPoint): void {
    this.table.push(this.pushed++, {
      index: r.index,
      label: r.label,
      op: r.op,
      result: r.result,
      simTimeMs: r.simTimeMs,
      wallMs: r.wallMs,
      visits: r.visits,
      total: r.resources.total,
      topLevel: r.resources.topLevel,
      systemRam: r.resources.systemRam,
      lines: r.iomem.lines,
      bytes: r.iomem.bytes,
      plugged: Number(r.plugged),
      requested: Number(r.requested),
      online: r.blocks.online,
      offline: r.blocks.offline,
      kranges: r.kdump.ranges,
      kcap: r.kdump.cap,
      kok: r.kdump.ok ? 1 : 0,
      kstale: r.kdump.stale ? 1 : 0,
    });
  }

  /** The ordinal of the i-th kept record. */
  ordinalAt(i: number): number {
    return this.table.ordinalAt(i);
  }

  at(i: number): StepPoint {
    const c = this.table.cols;
    const t = this.table.texts;
    const num = (k: (typeof COLUMNS)[number]): number => c[k].data[i]!;
    return {
      index: num('index'),
      label: t.label[i]!,
      op: t.op[i]! as StepPoint['op'],
      result: t.result[i]!,
      simTimeMs: num('simTimeMs'),
      wallMs: num('wallMs'),
      visits: num('visits'),
      resources: { total: num('total'), topLevel: num('topLevel'), systemRam: num('systemRam') },
      iomem: { lines: num('lines'), bytes: num('bytes') },
      plugged: BigInt(num('plugged')).toString(),
      requested: BigInt(num('requested')).toString(),
      blocks: { online: num('online'), offline: num('offline') },
      kdump: { ranges: num('kranges'), cap: num('kcap'), ok: num('kok') === 1, ...(num('kstale') === 1 ? { stale: true as const } : {}) },
    };
  }

  /** Up to `limit` kept records from position `from` (positions, not ordinals). */
  slice(from: number, limit: number): StepPoint[] {
    const out: StepPoint[] = [];
    const end = Math.min(this.length, from + limit);
    for (let i = Math.max(0, from); i < end; i++) out.push(this.at(i));
    return out;
  }

  /** Up to `limit` kept records whose ordinal is at least `since`, oldest first. */
  from(since: number, limit: number): StepPoint[] {
    return this.slice(this.table.lowerBound(since), limit);
  }

  /** Every kept record, oldest first. */
  all(): StepPoint[] {
    return this.slice(0, this.length);
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
