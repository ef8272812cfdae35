/**
 * The machine's dmesg-like log, bounded like the kernel's printk ring buffer: it keeps the last
 * `capacity` entries and counts the ones it dropped, so a run of millions of steps costs a fixed
 * amount of memory. Entries are numbered from boot (`seq`); a reader that asks for entries from a
 * seq already dropped gets the oldest one still kept and can tell how many it missed (`dropped`).
 */
/** printk levels the emulator uses. */
export type LogLevel = 'info' | 'warn' | 'error';

export interface LogEntry {
  t: number;
  source: string;
  level: LogLevel;
  message: string;
}

/** Entries a machine keeps by default (a few MiB; about 7,000 runner steps of a busy virtio-mem soak). */
export const LOG_CAPACITY = 20_000;

export class MachineLog {
  readonly capacity: number;
  private buf: LogEntry[] = [];
  /** Index in `buf` of the oldest kept entry (once the ring is full). */
  private head = 0;
  private appended = 0;

  constructor(capacity = LOG_CAPACITY) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`log capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  /** Entries kept now. */
  get length(): number {
    return this.buf.length;
  }

  /** Entries appended since boot: the seq the next one gets. */
  get total(): number {
    return this.appended;
  }

  /** Entries dropped to stay within `capacity`: the seq of the oldest kept one. */
  get dropped(): number {
    return this.appended - this.buf.length;
  }

  push(e: LogEntry): void {
    if (this.buf.length < this.capacity) this.buf.push(e);
    else {
      this.buf[this.head] = e;
      this.head = (this.head + 1) % this.capacity;
    }
    this.appended++;
  }

  /** The kept entry with sequence number `seq`, or undefined when it was dropped or not written yet. */
  at(seq: number): LogEntry | undefined {
    const i = seq - this.dropped;
    if (!Number.isInteger(i) || i < 0 || i >= this.buf.length) return undefined;
    return this.buf[(this.head + i) % this.buf.length];
  }

  /** Kept entries from sequence number `seq` on (from the oldest kept one when `seq` was dropped), oldest first. */
  since(seq = 0, limit = Infinity): LogEntry[] {
    const from = Math.max(Number.isFinite(seq) ? Math.floor(seq) : 0, this.dropped);
    const end = Math.min(this.appended, from + Math.max(0, limit));
    const out: LogEntry[] = [];
    for (let s = from; s < end; s++) out.push(this.at(s)!);
    return out;
  }

  /** Every kept entry, oldest first. */
  entries(): LogEntry[] {
    return this.since(0);
  }

  /** Drops every entry (they still count in `total` and `dropped`). */
  clear(): void {
    this.buf = [];
    this.head = 0;
  }
}
