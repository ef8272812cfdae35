/**
 * Progress on stderr: a bar redrawn in place on a TTY, plain lines now and then otherwise.
 * `StepProgress` follows one run step by step (`memhp run`); `LaneProgressView` shows one bar per
 * compare lane (`memhp compare`). Both draw the same bar.
 */

/** Where progress goes. */
export interface ProgressSink {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Redraw at most this often on a TTY, in ms. */
const REDRAW_MS = 100;

/** `[####......]` for `fraction` (0…1) of `width` cells. */
export function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** A bar's width: what the terminal has left after `reserved` columns, 10 to 40. */
export function barWidth(sink: ProgressSink, reserved: number): number {
  return Math.max(10, Math.min(40, (sink.columns ?? 80) - reserved));
}

/** What `StepProgress` needs of a step. */
export interface ProgressStep {
  index: number;
  label: string;
  result: string;
}

/** One run's progress: the bar and the step label on a TTY; else every step of a short run, every 5 %, and every step that is not ok. */
export class StepProgress {
  private lastDraw = -Infinity;
  private lastPct = -1;
  constructor(
    private readonly err: ProgressSink,
    private readonly total: number,
    private readonly now: () => number,
  ) {}

  update(m: ProgressStep, done: boolean): void {
    if (this.err.isTTY === true) {
      const t = this.now();
      if (!done && t - this.lastDraw < REDRAW_MS) return;
      this.lastDraw = t;
      const label = m.label.length > 28 ? `${m.label.slice(0, 27)}…` : m.label;
      const fraction = this.total === 0 ? 1 : m.index / this.total;
      this.err.write(`\r${bar(fraction, barWidth(this.err, 60))} ${m.index}/${this.total} ${label.padEnd(28)}${done ? '\n' : ''}`);
      return;
    }
    const pct = this.total === 0 ? 100 : Math.floor((m.index * 20) / this.total) * 5;
    if (this.total <= 50 || pct !== this.lastPct || done || m.result !== 'ok') {
      this.lastPct = pct;
      this.err.write(`step ${m.index}/${this.total} ${m.label}: ${m.result}\n`);
    }
  }
}

/** One lane's progress as the lane driver reports it. */
export interface LaneTick {
  lane: number;
  done: number;
  total: number;
}

/** Progress per lane: redrawn bars on a TTY, else a plain line at every quarter. */
export class LaneProgressView {
  private readonly state: { done: number; total: number; shownQuarter: number }[];
  private drawn = false;
  private lastDraw = 0;

  constructor(
    private readonly names: string[],
    private readonly err: ProgressSink,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.state = names.map(() => ({ done: 0, total: 0, shownQuarter: -1 }));
  }

  update(p: LaneTick): void {
    const s = this.state[p.lane];
    if (!s) return;
    s.done = p.done;
    s.total = p.total;
    if (this.err.isTTY) {
      const t = this.clock();
      if (t - this.lastDraw >= REDRAW_MS || p.done >= p.total) this.draw(t);
      return;
    }
    const quarter = p.total > 0 ? Math.floor((4 * p.done) / p.total) : 4;
    if (quarter > s.shownQuarter) {
      s.shownQuarter = quarter;
      this.err.write(`lane ${p.lane + 1} ${this.names[p.lane]}: ${p.done}/${p.total} steps (${quarter * 25}%)\n`);
    }
  }

  finish(): void {
    if (this.err.isTTY) this.draw(this.clock());
  }

  private draw(t: number): void {
    this.lastDraw = t;
    const width = barWidth(this.err, 50);
    const nameWidth = Math.max(...this.names.map((n) => n.length));
    const lines = this.state.map((s, i) => {
      const frac = s.total > 0 ? Math.min(1, s.done / s.total) : 0;
      return `lane ${i + 1} ${this.names[i]!.padEnd(nameWidth)} ${bar(frac, width)} ${String(Math.floor(frac * 100)).padStart(3)}% ${s.done}/${s.total}`;
    });
    const up = this.drawn ? `\x1b[${lines.length}A` : '';
    this.err.write(`${up}${lines.map((l) => `\r\x1b[2K${l}`).join('\n')}\n`);
    this.drawn = true;
  }
}
