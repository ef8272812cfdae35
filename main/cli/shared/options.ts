/** Option values every command reads the same way: seeds, profile and strategy names. */
import { CliError } from '../errors.js';
import { isProfileName, isStrategyName, PROFILE_NAMES, STRATEGY_NAMES, type ProfileName, type StrategyName } from '../../../worker/engine/profiles.js';

/** `--seed n`: an integer from 0 to 2^32-1, or undefined when not given. */
export function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) throw new CliError(`--seed: expected an integer from 0 to 4294967295, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** A profile name given to `option`, checked. */
export function checkProfile(option: string, text: string): ProfileName {
  if (!isProfileName(text)) throw new CliError(`${option}: unknown profile ${JSON.stringify(text)} (one of ${PROFILE_NAMES.join(', ')})`);
  return text;
}

/** A strategy name given to `option`, checked. */
export function checkStrategy(option: string, text: string): StrategyName {
  if (!isStrategyName(text)) throw new CliError(`${option}: unknown strategy ${JSON.stringify(text)} (one of ${STRATEGY_NAMES.join(', ')})`);
  return text;
}

/** `--profile` / `--strategy` overrides (replay, iomem, run). */
export function checkOverrides(opts: { profile?: string; strategy?: string }): { profile?: ProfileName; strategy?: StrategyName } {
  return {
    profile: opts.profile === undefined ? undefined : checkProfile('--profile', opts.profile),
    strategy: opts.strategy === undefined ? undefined : checkStrategy('--strategy', opts.strategy),
  };
}

/** A comma-separated option (`--profiles a,b`): at least one item, each checked by `check`. */
export function parseList<T>(option: string, text: string | undefined, allowed: readonly string[], check: (option: string, item: string) => T): T[] | undefined {
  if (text === undefined) return undefined;
  const items = text.split(',').map((x) => x.trim()).filter(Boolean);
  if (items.length === 0) throw new CliError(`${option}: give at least one of ${allowed.join(', ')}`);
  return items.map((it) => check(option, it));
}
