/**
 * Determinism: one scenario and seed, run to the end through a lab worker, must export the same
 * data every time and in every runtime (the Node worker via web-worker, the browser's Web
 * Worker). The driver only needs a `call` function, so the same code talks to a worker in Node
 * and to one inside Chromium (through page.evaluate). Wall-clock measurements are the only
 * fields allowed to differ; they are removed before comparing.
 */
import type { IpcReply } from '../../worker/protocol.js';

export type Call = (command: string, args: unknown) => Promise<IpcReply<unknown>>;

export interface DeterminismCase {
  preset: string;
  seed: number;
  strategy?: 'none' | 'rfc-v1' | 'mhp-merge';
}

/** A seeded random soak, a fault-free grow/shrink pattern, and an unmerged variant. */
export const DETERMINISM_CASES: DeterminismCase[] = [
  { preset: 'soak-virtio-mem', seed: 7 },
  { preset: 'soak-virtio-mem', seed: 7, strategy: 'none' },
  { preset: 'unplug-fragmentation', seed: 3 },
];

export interface RunExport {
  /** The JSON export with wall-clock fields removed, re-serialized. */
  json: string;
  iomem: string;
  lsmem: string;
  log: string;
  /** The snapshot's 64-bit /proc/iomem fingerprint. */
  hash: string | null;
  steps: number;
}

/** Keys holding wall-clock measurements (ms of real time), which no run can reproduce. */
const WALL_CLOCK_KEYS = new Set(['wallMs', 'lastMs', 'totalMs', 'p50Ms', 'p99Ms', 'timings', 'rate', 'etaMs']);

/** A deep copy without wall-clock fields. */
export function stripWallClock(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripWallClock);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!WALL_CLOCK_KEYS.has(k)) out[k] = stripWallClock(x);
    return out;
  }
  return v;
}

async function must<T>(what: string, p: Promise<IpcReply<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${what}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

/** Loads the case, runs every step, and collects the exports. */
export async function runCase(call: Call, c: DeterminismCase): Promise<RunExport> {
  const loaded = await must<{ step: { total: number } }>(`loadPreset ${c.preset}`, call('loadPreset', { name: c.preset, seed: c.seed, ...(c.strategy ? { strategy: c.strategy } : {}) }));
  const snap = await must<{ step: { index: number; done: boolean }; iomem: { hash: string | null } }>('step', call('step', { count: Math.max(1, loaded.step.total) }));
  const text = async (format: string): Promise<string> => (await must<{ text: string }>(`exportData ${format}`, call('exportData', { format }))).text;
  const json = JSON.stringify(stripWallClock(JSON.parse(await text('json'))), null, 2);
  return { json, iomem: await text('iomem'), lsmem: await text('lsmem'), log: await text('log'), hash: snap.iomem.hash, steps: snap.step.index };
}

/** The first line where two texts differ, for a readable failure. */
export function firstDifference(a: string, b: string): string | null {
  if (a === b) return null;
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: ${JSON.stringify(la[i]?.slice(0, 160))} vs ${JSON.stringify(lb[i]?.slice(0, 160))}`;
  }
  return 'texts differ only in length';
}

/** Compares two runs field by field; the differences found (empty when identical). */
export function compareRuns(a: RunExport, b: RunExport): string[] {
  const out: string[] = [];
  for (const k of ['json', 'iomem', 'lsmem', 'log'] as const) {
    const d = firstDifference(a[k], b[k]);
    if (d) out.push(`${k} differs at ${d}`);
  }
  if (a.hash !== b.hash) out.push(`iomem hash ${a.hash} vs ${b.hash}`);
  if (a.steps !== b.steps) out.push(`steps ${a.steps} vs ${b.steps}`);
  return out;
}
