/**
 * Compact, append-only storage for per-step records and a latency histogram, so a soak run of
 * hundreds of thousands of steps costs a few bytes per step instead of an object each.
 */
import type { StepRecord } from './protocol.js';

const COLUMNS = [
  'index', 'simTimeMs', 'wallMs', 'visits', 'total', 'topLevel', 'systemRam', 'lines', 'bytes', 'plugged', 'online', 'offline', 'kranges', 'kcap', 'kok',
] as const;
type Column = (typeof COLUMNS)[number];

/** Column store of StepRecords (numbers in Float64Arrays; plugged bytes stay exact below 2^53). */
export class StepLog {
  private cols: Record<Column, Float64Array>;
  private labels: string[] = [];
  private results: string[] = [];
  private n = 0;

  constructor(capacity = 1024) {
    this.cols = Object.fromEntries(COLUMNS.map((c) => [c, new Float64Array(capacity)])) as Record<Column, Float64Array>;
  }

  get length(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
    this.labels = [];
    this.results = [];
  }

  push(r: StepRecord): void {
    if (this.n === this.cols.index.length) this.grow();
    const i = this.n++;
    const c = this.cols;
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
    this.labels.push(r.label);
    this.results.push(r.result);
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

  slice(from: number, limit: number): StepRecord[] {
    const out: StepRecord[] = [];
    const end = Math.min(this.n, from + limit);
    for (let i = Math.max(0, from); i < end; i++) out.push(this.at(i));
    return out;
  }

  private grow(): void {
    for (const k of COLUMNS) {
      const next = new Float64Array(this.cols[k].length * 2);
      next.set(this.cols[k]);
      this.cols[k] = next;
    }
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
