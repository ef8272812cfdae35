/**
 * Device parameters applied to a scenario, generically: `<target>.<field>=<value>` sets `field` on
 * the declaration of the device whose id is `target` (or, when no device has that id, on every
 * device of kind `target`), then the whole changed scenario is validated again exactly as a file
 * would be (`loadScenarioText`: the JSON Schema, then `normalizeScenario`). Nothing here knows a
 * device kind's fields: the scenario format decides what is valid.
 *
 * Used by `memhp compare` (to refuse a bad lane before any lane starts) and by the lab worker's
 * `loadLane` command (the app's Compare view), so both apply a lane the same way.
 */
import { loadScenarioText, type ScenarioIssue } from '../scenario-io/scenario-io.js';
import type { Scenario } from '../../worker/engine/scenario/scenario.js';
import type { LaneParam } from './lane-grammar.js';

export type LaneScenarioResult = { ok: true; scenario: Scenario } | { ok: false; errors: ScenarioIssue[] };

/** A parameter's text as scenario data: `true`/`false`, a safe integer, else the text itself ("4M"). */
export function paramValue(text: string): string | number | boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  return text;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The indices of the devices a target names: by id first, else by kind. */
function devicesFor(devices: readonly Record<string, unknown>[], target: string): number[] {
  const byId = devices.flatMap((d, i) => (d['id'] === target ? [i] : []));
  return byId.length ? byId : devices.flatMap((d, i) => (d['kind'] === target ? [i] : []));
}

/**
 * A plain-data copy of `definition` with every parameter set on its device(s); the input is not
 * changed. A target no device answers to is an issue at `devices`, naming the ids there are.
 */
export function applyLaneParams(definition: unknown, params: readonly LaneParam[]): { ok: true; definition: Record<string, unknown> } | { ok: false; errors: ScenarioIssue[] } {
  const copy = JSON.parse(JSON.stringify(definition ?? {})) as unknown;
  if (!isRecord(copy)) return { ok: false, errors: [{ path: '', message: 'the scenario must be an object' }] };
  const devices = Array.isArray(copy['devices']) ? copy['devices'].filter(isRecord) : [];
  const errors: ScenarioIssue[] = [];
  for (const p of params) {
    const hit = devicesFor(devices, p.target);
    if (hit.length === 0) {
      const ids = devices.map((d) => String(d['id'])).join(', ') || 'none';
      errors.push({ path: 'devices', message: `${p.target}.${p.field}: no device has the id or kind "${p.target}" (device ids: ${ids})` });
      continue;
    }
    for (const i of hit) devices[i]![p.field] = paramValue(p.value);
  }
  return errors.length ? { ok: false, errors } : { ok: true, definition: copy };
}

/**
 * The lane's scenario: `base` with the parameters applied and validated again. No parameters
 * give `base` itself. Errors carry the scenario paths (`devices[0].blockSize: …`).
 */
export function laneScenario(base: Scenario, params: readonly LaneParam[]): LaneScenarioResult {
  if (params.length === 0) return { ok: true, scenario: base };
  const applied = applyLaneParams(base, params);
  if (!applied.ok) return applied;
  return loadScenarioText(JSON.stringify(applied.definition), { format: 'json' });
}
