/**
 * Scenario resolution for every command: a preset name or a scenario file (YAML or JSON), one
 * set of size limits and messages. A file's `machine.boot.file` is read relative to it. Bad input
 * throws one CliError listing every problem, before anything runs.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';
import { readLimited } from './files.js';
import { getPreset, presetNames } from '../../../worker/engine/scenario/presets.js';
import { loadScenarioText, formatIssues, TEXT_LIMITS } from '../../../common/scenario-io/scenario-io.js';
import { Runner } from '../../../worker/engine/runner/runner.js';
import { SCENARIO_LIMITS, type Scenario } from '../../../worker/engine/scenario/scenario.js';
import type { ProfileName, StrategyName } from '../../../worker/engine/profiles.js';

/** The largest scenario file read, in bytes (a character may take up to 4). */
export const SCENARIO_FILE_BYTES = TEXT_LIMITS.chars * 4;
/** The largest file a scenario may refer to (`machine.boot.file`), in bytes. */
export const REFERENCED_FILE_BYTES = SCENARIO_LIMITS.iomemChars * 4;

/** Where a scenario came from. */
export type ScenarioOrigin = { kind: 'preset'; name: string } | { kind: 'file'; path: string };

export interface ResolvedScenario {
  scenario: Scenario;
  origin: ScenarioOrigin;
}

/** How messages name where a scenario came from: "preset <name>" or the file's path. */
export function originLabel(origin: ScenarioOrigin): string {
  return origin.kind === 'preset' ? `preset ${origin.name}` : origin.path;
}

/** "<n> problem(s)" */
function problems(n: number): string {
  return `${n} problem${n === 1 ? '' : 's'}`;
}

/** A scenario text from `file`, validated; references are read next to it. */
export function parseScenarioFile(text: string, file: string): Scenario {
  const dir = path.dirname(path.resolve(file));
  const r = loadScenarioText(text, {
    source: file,
    readFile: (rel) => {
      try {
        return readLimited(path.resolve(dir, rel), REFERENCED_FILE_BYTES);
      } catch (e) {
        return e instanceof Error ? e : new Error(String(e));
      }
    },
  });
  if (!r.ok) throw new CliError(`${file}: the scenario is invalid (${problems(r.errors.length)}); nothing was run:\n${formatIssues(r.errors, file)}`);
  return r.scenario;
}

/** A scenario from a file of that name, else a preset of that name. */
export function resolveScenario(arg: string): ResolvedScenario {
  const preset = getPreset(arg);
  const isDir = existsSync(arg) && statSync(arg).isDirectory();
  if (preset && (!existsSync(arg) || isDir)) return { scenario: preset, origin: { kind: 'preset', name: arg } };
  const text = readLimited(arg, SCENARIO_FILE_BYTES, `no such file or preset (presets: ${presetNames().join(', ')})`);
  return { scenario: parseScenarioFile(text, arg), origin: { kind: 'file', path: arg } };
}

/** How `memhp iomem` renders a scenario. */
export interface ScenarioIomemOptions {
  user: boolean;
  profile?: ProfileName;
  strategy?: StrategyName;
}

/** /proc/iomem after running a scenario text to the end. */
export function scenarioIomem(text: string, file: string, opts: ScenarioIomemOptions): string {
  const scenario = parseScenarioFile(text, file);
  const r = Runner.create(scenario, { profile: opts.profile, strategy: opts.strategy });
  if (!r.ok) throw new CliError(`${file}: ${r.error}`);
  while (r.runner.step());
  const s = r.runner.summary();
  if (s.error) throw new CliError(`${file}: the run stopped at step ${s.steps}: ${s.error}`);
  return r.runner.machine.renderIomem({ user: opts.user });
}

/** A scenario file, told apart from a trace or a raw dump: YAML/JSON with a timeline. */
export function looksLikeScenario(text: string, file: string): boolean {
  if (/\.(ya?ml|json)$/i.test(file)) return true;
  return /^\s*\{[\s\S]*"timeline"\s*:/.test(text) || /^timeline\s*:/m.test(text);
}
