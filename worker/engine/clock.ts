/**
 * The simulated clock. The engine never reads wall time: drivers arm timers here (virtio-mem's
 * retry timer, Hyper-V's wait for onlining, the Xen balloon thread's pacing) and the runner moves
 * time forward. Timers due at the same instant fire in the order they were armed, so a run is
 * fully determined by its inputs.
 */
export type TimerCallback = () => void;

interface Timer {
  id: number;
  at: number;
  seq: number;
  fn: TimerCallback;
}

export class SimClock {
  private nowMs = 0;
  private seq = 0;
  private nextId = 1;
  private timers: Timer[] = [];

  /** Simulated milliseconds since the machine booted. */
  get now(): number {
    return this.nowMs;
  }

  /** Arms a one-shot timer `delayMs` from now; returns its id for `cancel`. */
  setTimer(delayMs: number, fn: TimerCallback): number {
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError(`timer delay must be a finite number ≥ 0, got ${delayMs}`);
    const t: Timer = { id: this.nextId++, at: this.nowMs + delayMs, seq: this.seq++, fn };
    // Keep the list ordered by (at, seq); it holds a handful of timers at most.
    let i = this.timers.length;
    while (i > 0 && (this.timers[i - 1]!.at > t.at || (this.timers[i - 1]!.at === t.at && this.timers[i - 1]!.seq > t.seq))) i--;
    this.timers.splice(i, 0, t);
    return t.id;
  }

  cancel(id: number): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Time of the earliest pending timer, or null when none is armed. */
  nextDue(): number | null {
    return this.timers[0]?.at ?? null;
  }

  pending(): number {
    return this.timers.length;
  }

  /** Moves time to `t` (never backwards), firing every timer due on the way, in order. */
  advanceTo(t: number): number {
    if (t < this.nowMs) throw new RangeError(`the simulated clock cannot go back from ${this.nowMs} to ${t}`);
    let fired = 0;
    for (;;) {
      const next = this.timers[0];
      if (!next || next.at > t) break;
      this.timers.shift();
      this.nowMs = next.at;
      next.fn();
      fired++;
    }
    this.nowMs = t;
    return fired;
  }

  advanceBy(ms: number): number {
    return this.advanceTo(this.nowMs + ms);
  }

  /**
   * Fires timers one after another (jumping time to each) until none is left or `limitMs` of
   * simulated time has passed; returns how many fired. Timers armed by callbacks are included.
   */
  runUntilIdle(limitMs = Number.POSITIVE_INFINITY): number {
    const end = this.nowMs + limitMs;
    let fired = 0;
    for (let next = this.nextDue(); next !== null && next <= end; next = this.nextDue()) fired += this.advanceTo(next);
    return fired;
  }
}
