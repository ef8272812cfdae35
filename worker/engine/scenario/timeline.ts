/**
 * Walks a normalized timeline one runner step at a time, expanding `repeat` and `soak` lazily
 * (a soak of a million iterations is never materialized), and names each step for progress
 * lines and charts.
 */
import { formatSize } from '../sizes.js';
import type { RepeatStep, SoakStep, Step } from './scenario.js';

/** One runner step: a leaf step, and for soaks the iteration number. */
export interface TimelineLeaf {
  step: Exclude<Step, RepeatStep>;
  /** 0-based iteration of a soak step. */
  iteration?: number;
  /** Iteration numbers of the enclosing repeats, outermost first (1-based). */
  repeats: number[];
}

interface Frame {
  steps: readonly Step[];
  i: number;
  iter: number;
  count: number;
  /** Iteration inside the soak at index i. */
  sub: number;
}

export class TimelineCursor {
  private readonly stack: Frame[];

  constructor(timeline: readonly Step[]) {
    this.stack = [{ steps: timeline, i: 0, iter: 0, count: 1, sub: 0 }];
  }

  /** The next leaf, or null at the end. */
  next(): TimelineLeaf | null {
    for (;;) {
      const f = this.stack[this.stack.length - 1];
      if (!f) return null;
      if (f.i >= f.steps.length) {
        f.iter++;
        if (f.iter < f.count) f.i = 0;
        else this.stack.pop();
        continue;
      }
      const s = f.steps[f.i]!;
      if (s.op === 'repeat') {
        f.i++;
        this.stack.push({ steps: s.steps, i: 0, iter: 0, count: s.count, sub: 0 });
        continue;
      }
      const repeats = this.stack.slice(1).map((x) => x.iter + 1);
      if (s.op === 'soak') {
        const iteration = f.sub++;
        if (f.sub >= s.count) {
          f.sub = 0;
          f.i++;
        }
        return { step: s, iteration, repeats };
      }
      f.i++;
      return { step: s, repeats };
    }
  }
}

function size(text: string): string {
  return formatSize(BigInt(text));
}

function signed(text: string): string {
  const n = BigInt(text);
  return n < 0n ? `-${formatSize(-n)}` : `+${formatSize(n)}`;
}

/** "250 ms", "1.5 s", "120 s", "2 h" */
export function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** A default label when the step has none: "resize vm0 to 4G", "offline 33-95/2", … */
export function describeStep(step: Exclude<Step, RepeatStep>, iteration?: number, drawn?: string): string {
  if (step.label !== undefined && step.op !== 'soak') return step.label;
  switch (step.op) {
    case 'resize':
      return step.size !== undefined ? `resize ${step.device} to ${size(step.size)}` : `resize ${step.device} ${signed(step.by!)}`;
    case 'hv-hot-add':
      return `hot-add ${size(step.size)} on ${step.device}${step.start !== undefined ? ` at 0x${BigInt(step.start).toString(16)}` : ''}`;
    case 'xen-target':
      return step.target !== undefined ? `${step.device} target ${size(step.target)}` : `${step.device} target ${signed(step.by!)}`;
    case 'dimm-add':
      return `plug DIMM ${step.device}`;
    case 'dimm-remove':
      return `eject DIMM ${step.device}`;
    case 'online':
      return `${step.type} ${step.blocks.join(',')}`;
    case 'offline':
      return `offline ${step.blocks.join(',')}`;
    case 'fault-unmovable':
      return `fault: pin ${step.size !== undefined ? size(step.size) : 'all'} of ${step.blocks.join(',')}`;
    case 'fault-add-memory':
      return `fault: next ${step.count} add_memory fail -${step.error}`;
    case 'fault-host':
      return hostFaultText(step);
    case 'fault-keep-offline':
      return `fault: keep ${step.blocks.join(',')} offline`;
    case 'fault-clear':
      return `clear faults: ${step.fault}`;
    case 'wait':
      return `wait ${duration(step.duration)}`;
    case 'mark':
      return 'mark';
    case 'soak':
      return `${step.label ?? `soak ${step.device}`} #${(iteration ?? 0) + 1}${drawn ? `: ${drawn}` : ''}`;
  }
}

/** Used by tests: every leaf of a timeline, in order. */
export function leaves(timeline: readonly Step[], limit = Number.POSITIVE_INFINITY): TimelineLeaf[] {
  const c = new TimelineCursor(timeline);
  const out: TimelineLeaf[] = [];
  for (let l = c.next(); l && out.length < limit; l = c.next()) out.push(l);
  return out;
}

export type { SoakStep };

/** The default label of a fault-host step. */
function hostFaultText(step: Extract<Step, { op: 'fault-host' }>): string {
  switch (step.response) {
    case 'hot-add-cancel':
      return `fault: host cancels its hot-add requests (${step.device})`;
    case 'hot-add-fail':
      return `fault: the guest's hot-add fails (${step.device})`;
    case 'populate-fail':
      return `fault: host refuses ${step.count ?? 1} populate call${(step.count ?? 1) === 1 ? '' : 's'} (${step.device})`;
    case 'maxmem':
      return `fault: host sets maxmem ${formatSize(BigInt(step.size ?? '0'))} (${step.device})`;
    default:
      return `fault: host answers ${step.response.toUpperCase()} (${step.device})`;
  }
}
