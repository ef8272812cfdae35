/**
 * `memhp replay <trace> [--profile p] [--strategy s] [--all-diffs]`
 *
 * Replays a real-kernel oracle trace on the emulator and compares every step: prints one OK/FAIL
 * line per step and a unified diff at the first difference; exits 0 only if every step matches.
 * A malformed trace or an unsupported command ends with one line naming the file and line.
 */
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { checkOverrides, readTextFile, type Out } from '../shared/index.js';
import { replayTrace, type ReplayReport } from '../../../worker/engine/oracle/replay.js';
import { PROFILE_NAMES, STRATEGY_NAMES } from '../../../worker/engine/profiles.js';

export interface ReplayCliOptions {
  profile?: string;
  strategy?: string;
  allDiffs?: boolean;
}

/** Prints the per-step report; returns the exit code (0 only if every step matched). */
export function printReplay(file: string, r: ReplayReport, out: Out, allDiffs = false): number {
  out.write(`replay ${file}: kernel ${r.kernel ?? '?'} -> profile ${r.profile}, strategy ${r.strategy}\n`);
  for (const w of r.warnings) out.write(`  note: ${w}\n`);
  let diffs = 0;
  const width = Math.min(60, Math.max(...r.steps.map((s) => s.command.length), 4));
  for (const s of r.steps) {
    const label = s.command.length > width ? s.command.slice(0, width - 1) + '…' : s.command.padEnd(width);
    out.write(`step ${String(s.index).padStart(3)}  ${label}  ${s.ok ? 'OK' : 'FAIL (' + s.mismatches.map((m) => m.what).join(', ') + ')'}\n`);
    if (!s.ok && (diffs === 0 || allDiffs)) {
      diffs++;
      for (const m of s.mismatches) {
        if (m.diff) out.write(m.diff);
        else out.write(`  ${m.what}: trace ${m.expected}, emulated ${m.actual}\n`);
      }
    }
  }
  const good = r.steps.filter((s) => s.ok).length;
  out.write(`${good}/${r.steps.length} steps match${r.error ? ' (replay stopped early)' : ''}\n`);
  return r.ok ? 0 : 1;
}

/** The replay command without commander: returns the exit code, throws CliError for bad input. */
export function runReplay(file: string, opts: ReplayCliOptions, out: Out): number {
  const over = checkOverrides(opts);
  const text = readTextFile(file);
  const r = replayTrace(text, file, over);
  if (r.error && r.steps.length === 0) throw new CliError(`${file}:${r.error.line}: ${r.error.message}`);
  const code = printReplay(file, r, out, !!opts.allDiffs);
  if (r.error) throw new CliError(`${file}:${r.error.line}: ${r.error.message}`);
  return code;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('replay a real-kernel oracle trace and compare every step (plugged size, /proc/iomem, memory blocks); exit 0 only if all match')
    .argument('<trace>', 'a golden trace recorded by the oracle (e.g. test/fixtures/oracle/d-split-on-unplug.txt)')
    .option('--profile <profile>', `override the profile picked from the kernel version (${PROFILE_NAMES.join(', ')})`)
    .option('--strategy <strategy>', `override the merge strategy (${STRATEGY_NAMES.join(', ')})`)
    .option('--all-diffs', 'print a diff for every failing step, not only the first')
    .action((file: string, opts: ReplayCliOptions) => {
      const code = runReplay(file, opts, process.stdout);
      if (code !== 0) process.exitCode = code;
    });
}
