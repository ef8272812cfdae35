/** Shared by the runner tests: build a validated scenario from plain data, and run one to its end. */
import { Runner } from '../../../worker/engine/runner/runner.js';
import type { StepRecord } from '../../../worker/engine/runner/step-record.js';
import { normalizeScenario } from '../../../worker/engine/scenario/normalize.js';
import type { Scenario } from '../../../worker/engine/scenario/scenario.js';

/** A q35 2 GiB guest (online_movable unless `machine` says otherwise) with these devices and steps. */
export function scenario(devices: unknown[], timeline: unknown[], machine: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Scenario {
  const r = normalizeScenario({ name: 't', machine: { boot: 'q35-2g', onlinePolicy: 'online_movable', ...machine }, devices, timeline, ...extra });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.scenario;
}

/** Runs `s` step by step (at most `maxSteps`), returning the runner and every step's metrics. */
export function runAll(s: Scenario, opts: Parameters<typeof Runner.create>[1] = {}, maxSteps = Infinity): { runner: Runner; steps: StepRecord[] } {
  const r = Runner.create(s, opts);
  if (!r.ok) throw new Error(r.error);
  const steps: StepRecord[] = [];
  while (steps.length < maxSteps) {
    const m = r.runner.step();
    if (!m) break;
    steps.push(m);
  }
  return { runner: r.runner, steps };
}
