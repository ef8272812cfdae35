/**
 * `memhp iomem <file> [--user] [--profile p] [--strategy s]`
 *
 * Prints an emulated /proc/iomem:
 * - for an oracle trace: the state after replaying its last step (recorded dumps past step 0 are
 *   never read);
 * - for a raw /proc/iomem dump: the dump parsed and rendered back;
 * - for a scenario file (YAML/JSON with a timeline): the state after running it to the end.
 * `--user` prints what a reader without CAP_SYS_ADMIN sees (every address zeroed).
 */
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { checkOverrides, looksLikeScenario, readTextFile, scenarioIomem, type Out, type ScenarioIomemOptions } from '../shared/index.js';
import { replayTrace } from '../../../worker/engine/oracle/replay.js';
import { looksLikeTrace } from '../../../worker/engine/oracle/trace.js';
import { parseIomem, renderIomem } from '../../../worker/engine/kernel/iomem.js';

export interface IomemCliOptions {
  user?: boolean;
  profile?: string;
  strategy?: string;
}

/** What every input kind is rendered with. */
export type IomemRenderOptions = ScenarioIomemOptions;

function fromTrace(text: string, file: string, opts: IomemRenderOptions): string {
  const r = replayTrace(text, file, { profile: opts.profile, strategy: opts.strategy });
  if (r.error) throw new CliError(`${file}:${r.error.line}: ${r.error.message}`);
  return r.machine!.renderIomem({ user: opts.user });
}

function fromDump(text: string, file: string, opts: IomemRenderOptions): string {
  const p = parseIomem(text);
  if (!p.ok) throw new CliError(`${file}:${p.error.line}: ${p.error.message}`);
  return renderIomem(p.tree, { user: opts.user });
}

/** The iomem command without commander. */
export async function runIomem(file: string, opts: IomemCliOptions, out: Out): Promise<number> {
  const over = checkOverrides(opts);
  const text = readTextFile(file);
  const ro: IomemRenderOptions = { user: !!opts.user, ...over };
  let result: string;
  if (looksLikeTrace(text)) result = fromTrace(text, file, ro);
  else if (looksLikeScenario(text, file)) result = scenarioIomem(text, file, ro);
  else result = fromDump(text, file, ro);
  out.write(result);
  return 0;
}

export function registerIomem(program: Command): void {
  program
    .command('iomem')
    .description('print /proc/iomem after an oracle trace (replayed) or a scenario, or parse a raw /proc/iomem dump and render it back')
    .argument('<file>', 'an oracle trace, a scenario file, or a /proc/iomem dump')
    .option('--user', 'show what a reader without CAP_SYS_ADMIN sees (addresses zeroed)')
    .option('--profile <profile>', 'override the profile (traces and scenarios)')
    .option('--strategy <strategy>', 'override the merge strategy (traces and scenarios)')
    .action(async (file: string, opts: IomemCliOptions) => {
      await runIomem(file, opts, process.stdout);
    });
}
