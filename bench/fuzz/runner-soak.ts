/**
 * Soak through the scenario runner: a seeded random plug/unplug workload (a `soak` step of
 * virtio-mem resizes, or Hyper-V hot-adds) run step by step on the Machine, with the heap sampled
 * after a forced GC. The runner keeps no step records (each is returned and dropped here), so
 * anything that still grows with the number of steps shows up as a heap ratio above 1.
 */
import { Runner } from '../../worker/engine/runner/runner.js';
import { normalizeScenario } from '../../worker/engine/scenario/normalize.js';
import { heapNow, type SoakSample } from './soak.js';

export interface RunnerSoakResult {
  steps: number;
  samples: (SoakSample & { logEntries: number })[];
  seconds: number;
  error?: string;
}

/** The soak scenario: `count` random virtio-mem sizes in [0, 2 GiB] in 128 MiB steps. */
export function soakScenarioInput(count: number, seed: number): Record<string, unknown> {
  return {
    name: 'fuzz-runner-soak',
    seed,
    profile: '6.12',
    machine: { boot: 'q35-2g', blockSize: '128M', physBits: 46, onlinePolicy: 'online_movable' },
    devices: [{ kind: 'virtio-mem', id: 'vm0', addr: '4G', regionSize: '16G', blockSize: '2M' }],
    timeline: [{ op: 'soak', device: 'vm0', count, min: '0', max: '2G', granularity: '128M' }],
  };
}

/**
 * Runs the soak scenario for `steps` steps, sampling at each of `sampleAt`.
 * `clearLog` (diagnosis) empties the machine log whenever it passes 10,000 entries.
 */
export function soakRunner(steps: number, sampleAt: readonly number[], seed: number, clearLog = false): RunnerSoakResult {
  const norm = normalizeScenario(soakScenarioInput(steps, seed));
  if (!norm.ok) return { steps: 0, samples: [], seconds: 0, error: norm.errors.map((e) => `${e.path}: ${e.message}`).join('; ') };
  const created = Runner.create(norm.scenario, { seed, now: () => performance.now() });
  if (!created.ok) return { steps: 0, samples: [], seconds: 0, error: created.error };
  const r = created.runner;
  const want = new Set(sampleAt);
  const out: RunnerSoakResult = { steps: 0, samples: [], seconds: 0 };
  const t0 = performance.now();
  for (let i = 1; i <= steps; i++) {
    const m = r.step();
    if (!m) break;
    if (m.error) {
      out.error = `step ${i}: ${m.error}`;
      break;
    }
    out.steps = i;
    // Diagnosis only: empties the machine log now and then, to show what else grows.
    if (clearLog && r.machine.log.length > 10_000) r.machine.log.clear();
    if (want.has(i)) {
      out.samples.push({ ops: i, heapBytes: heapNow(), nodes: r.machine.tree.count(), storageBytes: r.machine.tree.heapBytes(), logEntries: r.machine.log.length });
    }
  }
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}
