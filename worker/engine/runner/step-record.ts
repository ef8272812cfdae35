/**
 * The one record of an executed step. The runner emits it (`Runner.step()`, and `Runner.initial`
 * for the booted machine); the worker's session, the CLI and the renderer use it as it is, or its
 * counters alone (`StepPoint`) where a bounded log keeps many of them.
 *
 * Plain data only: sizes are decimal strings, so a record crosses a thread boundary and goes into
 * JSON unchanged.
 */
import type { Device } from '../drivers/device.js';
import type { StepOp } from '../scenario/scenario.js';

/** A device's state as plain data (sizes as decimal strings; bigint details too). */
export interface LabDeviceState {
  id: string;
  kind: Device['kind'];
  plugged: string;
  requested: string;
  details: Record<string, string | number | boolean | null>;
}

/** One executed step: what it was, what came of it, and the machine's counters after it. */
export interface StepRecord {
  /** 1-based position in the expanded timeline (0 = the booted machine, before any step). */
  index: number;
  label: string;
  op: StepOp | 'boot';
  /** What happened: "ok", "timeout: …", "rejected: …", "partial: …", "error: …". */
  result: string;
  simTimeMs: number;
  /** Wall time of the step, from the injected timer (0 without one): differs from run to run. */
  wallMs: number;
  /** Nodes the kernel's list walks visited during the step (spec §3.0). */
  visits: number;
  resources: { total: number; topLevel: number; systemRam: number };
  iomem: { lines: number; bytes: number };
  /** Bytes the devices have plugged / the host asked for (decimal). */
  plugged: string;
  requested: string;
  blocks: { online: number; offline: number };
  /** `stale`: carried over from an earlier step (the file is too large to re-read every step). */
  kdump: { ranges: number; cap: number; ok: boolean; stale?: true };
  devices: LabDeviceState[];
  /** /proc/iomem line ranges [from, to) touched by the step, when known. */
  changedLines?: [number, number][];
  /** Set when the engine threw (a broken invariant): the run stops here. */
  error?: string;
}

/**
 * A step record without its per-step lists (device states, changed lines) and error: the fixed-size
 * counters a bounded step log keeps, the charts draw and the IPC `metrics` command returns. Every
 * `StepRecord` is a `StepPoint`.
 */
export type StepPoint = Omit<StepRecord, 'devices' | 'changedLines' | 'error'>;

/** The step's label as the UI shows it: with its result in brackets unless the result is "ok". */
export function stepTitle(step: Pick<StepRecord, 'label' | 'result'>): string {
  return step.result === 'ok' ? step.label : `${step.label} (${step.result})`;
}
