/**
 * memhp — the headless face of memhp-lab (`npm run memhp -- <command>`).
 * Every command lives in its own module under ./commands and registers itself on the program.
 * Nothing reachable from here may import `electron` (importing it starts a download).
 */
import { Command, CommanderError } from 'commander';
import { registerReplay } from './commands/replay.js';
import { registerIomem } from './commands/iomem.js';
import { registerRun } from './commands/run.js';
import { registerCompare } from './commands/compare.js';
import { registerRecord } from './record/command.js';
import { CliError } from './errors.js';

export function buildProgram(): Command {
  const program = new Command('memhp')
    .description('Emulate Linux memory hot(un)plug: the iomem resource tree, memory blocks and the drivers that add memory.')
    .showHelpAfterError()
    .exitOverride();
  registerReplay(program);
  registerIomem(program);
  registerRun(program);
  registerCompare(program);
  registerRecord(program);
  return program;
}

/** Runs the CLI; bad input ends with one clear line on stderr and a non-zero exit, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof CliError) {
      process.stderr.write(`memhp: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`memhp: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 70;
  }
}

// Run when executed as the CLI (the built out/cli/memhp.js), not when imported by a test.
const invokedAsCli = process.argv[1] !== undefined && /memhp\.(m?js|ts)$/.test(process.argv[1]);
if (invokedAsCli) {
  main(process.argv.slice(2)).then(async (code) => {
    // process.exit() right away would drop what a pipe has not taken yet (Node writes to pipes
    // asynchronously: `memhp iomem big.txt | wc -c` stopped at 64 KiB). Wait until both streams
    // have handed everything over, then end with the command's status.
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    process.exit(code);
  });
}

/** Resolves once everything written to `stream` so far has been handed to the OS (or the stream failed). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}
