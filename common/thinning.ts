/**
 * Bounded, evenly thinned history of a run, shared by the worker's step log and the renderer's
 * chart store.
 *
 * Every point is kept until the table holds `cap` of them; then the stride doubles (as often as
 * needed) and only the points whose ordinal is a multiple of the stride stay, plus the latest. So
 * the table always holds the ordinals 0, stride, 2·stride, … and the newest point: an even history
 * of the whole run in at most `cap` slots. Ordinals are the caller's (they must increase) and never
 * change, so a reader's cursor (`lowerBound`) stays valid across thinning.
 */

/** A growable Float64Array column that never allocates more than `limit` slots. */
export class Column {
  data: Float64Array;
  length = 0;

  constructor(
    size = 1024,
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {
    this.data = new Float64Array(Math.max(1, size));
  }

  push(v: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = v;
  }

  clear(): void {
    this.length = 0;
  }

  /** The values held, as a view (no copy). */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }

  private grow(): void {
    const next = new Float64Array(Math.min(this.limit, this.data.length * 2));
    if (next.length <= this.data.length) throw new RangeError(`Column: full at ${this.data.length} slots`);
    next.set(this.data);
    this.data = next;
  }
}

/** Throws unless `cap` is an even integer of at least 2 (halving a full table must keep it whole). */
function checkCap(cap: number): void {
  if (!Number.isSafeInteger(cap) || cap < 2 || cap % 2 !== 0) throw new RangeError(`ThinnedColumns: cap must be an even integer >= 2, got ${cap}`);
}

/**
 * Named columns thinned by ordinal: numbers (`K`, in Float64Arrays) and optionally texts (`T`, in
 * string arrays). A point is one value per column, pushed with its ordinal.
 */
export class ThinnedColumns<K extends string, T extends string = never> {
  readonly cols: Record<K, Column>;
  readonly texts: Record<T, string[]>;
  private readonly ords: Column;
  private step = 1;

  constructor(
    private readonly keys: readonly K[],
    readonly cap: number,
    private readonly textKeys: readonly T[] = [],
    capacity = 1024,
  ) {
    checkCap(cap);
    const size = Math.min(capacity, cap);
    this.cols = Object.fromEntries(keys.map((k) => [k, new Column(size, cap)])) as Record<K, Column>;
    this.texts = Object.fromEntries(textKeys.map((k) => [k, [] as string[]])) as Record<T, string[]>;
    this.ords = new Column(size, cap);
  }

  /** Points kept. */
  get length(): number {
    return this.ords.length;
  }

  /** The current stride (1 until the table first filled up). */
  get stride(): number {
    return this.step;
  }

  /** Allocated slots per column (never above the cap). */
  get allocated(): number {
    return this.ords.data.length;
  }

  /** The ordinal of the last kept point (−1 when empty). */
  get lastOrdinal(): number {
    return this.ords.length ? this.ords.data[this.ords.length - 1]! : -1;
  }

  /** The ordinal of the i-th kept point. */
  ordinalAt(i: number): number {
    return this.ords.data[i]!;
  }

  /** The position of the first kept point whose ordinal is at least `since` (`length` when none). */
  lowerBound(since: number): number {
    let lo = 0;
    let hi = this.ords.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ords.data[mid]! < since) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  push(ord: number, values: Record<K, number> & Record<T, string>): void {
    const n = this.ords.length;
    // The previous latest stays only if it lies on the grid; off it, it was kept for being latest.
    if (n > 0 && this.ords.data[n - 1]! % this.step !== 0) this.truncate(n - 1);
    while (this.ords.length >= this.cap) this.thin();
    this.ords.push(ord);
    for (const k of this.keys) this.cols[k].push(values[k]);
    for (const k of this.textKeys) this.texts[k].push(values[k]);
  }

  clear(): void {
    this.truncate(0);
    this.step = 1;
  }

  /** Doubles the stride and keeps the points on the new grid (ordinal 0 always is). */
  private thin(): void {
    this.step *= 2;
    const o = this.ords.data;
    let w = 0;
    for (let r = 0; r < this.ords.length; r++) {
      if (o[r]! % this.step !== 0) continue;
      if (w !== r) {
        o[w] = o[r]!;
        for (const k of this.keys) this.cols[k].data[w] = this.cols[k].data[r]!;
        for (const k of this.textKeys) this.texts[k][w] = this.texts[k][r]!;
      }
      w++;
    }
    this.truncate(w);
  }

  private truncate(n: number): void {
    this.ords.length = n;
    for (const k of this.keys) this.cols[k].length = n;
    for (const k of this.textKeys) this.texts[k].length = n;
  }
}
