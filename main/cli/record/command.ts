/**
 * `memhp record <scenario|preset> --kernel <vmlinuz|bzImage|.deb> [--modules DIR|.deb ...]
 *  [--qemu PATH] [--accel kvm|tcg|auto] [--out trace.txt] [--check]`
 *
 * Plays a scenario on a real kernel in QEMU and writes the trace `memhp replay` checks the
 * emulator against; `--check` replays it at once and exits non-zero at the first divergence.
 * Everything that can be refused is refused before QEMU starts: steps and devices a VM cannot
 * play (one line each), a missing tool (what to install), a file that is not a kernel, a module
 * the kernel lacks. Ctrl-C stops the VM and keeps the steps recorded so far (exit 130).
 */
import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError } from '../errors.js';
import { originLabel, resolveScenario } from '../shared/index.js';
import { runReplay } from '../commands/replay.js';
import { planRecording, type VmPlan } from './plan.js';
import { requireQemu, requireStaticBusybox } from './tools.js';
import { resolveKernelInputs } from './kernel-inputs.js';
import { selectModules } from './initramfs.js';
import { recordScenario, RecordFailure, type AccelChoice } from './recorder.js';
import { Interrupted } from './wait.js';

export interface RecordCliOptions {
  kernel?: string;
  modules?: string[];
  qemu?: string;
  accel?: string;
  out?: string;
  check?: boolean;
}

export interface RecordIo {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

const ACCELS: readonly AccelChoice[] = ['auto', 'kvm', 'tcg'];

/** The plan of a scenario, or a CliError listing every refusal (one line each). */
export function planOrRefuse(arg: string): { plan: VmPlan; source: string } {
  const { scenario, origin } = resolveScenario(arg);
  const source = originLabel(origin);
  const r = planRecording(scenario);
  if (!r.ok) {
    const n = r.refusals.length;
    throw new CliError(`${source}: cannot be recorded in a VM (${n} refusal${n === 1 ? '' : 's'}); nothing was booted:\n${r.refusals.map((l) => `  ${l}`).join('\n')}`);
  }
  return { plan: r.plan, source };
}

function defaultOut(plan: VmPlan): string {
  return `${plan.name.replace(/[^A-Za-z0-9._-]+/g, '-') || 'scenario'}.trace.txt`;
}

/** The record command without commander: returns the exit code, throws CliError for bad input. */
export async function runRecord(arg: string, opts: RecordCliOptions, io: RecordIo): Promise<number> {
  const accel = (opts.accel ?? 'auto') as AccelChoice;
  if (!ACCELS.includes(accel)) throw new CliError(`--accel: one of ${ACCELS.join(', ')}, got "${opts.accel}"`);
  if (!opts.kernel) throw new CliError('--kernel <vmlinuz|bzImage|kernel .deb> is required');
  const { plan, source } = planOrRefuse(arg);
  const qemu = requireQemu(opts.qemu);
  const busybox = requireStaticBusybox();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'memhp-record-inputs-'));
  try {
    const kernel = resolveKernelInputs(opts.kernel, opts.modules ?? [], scratch);
    selectModules(plan.modules, kernel.modulesDir, kernel.release);
    const out = opts.out ?? defaultOut(plan);
    const r = await recordScenario({ plan, scenarioLabel: source, kernel, qemu: qemu.path, busybox, accel, out, err: io.err, signal: io.signal });
    io.err.write(`memhp record: wrote ${out} (${r.steps} step${r.steps === 1 ? '' : 's'} after boot, ${r.accel})\n`);
    if (r.interrupted) return 130;
    return opts.check ? runReplay(out, {}, io.out) : 0;
  } catch (e) {
    if (e instanceof RecordFailure) throw new CliError(`${e.message}${e.consoleFile ? ` (console tail: ${e.consoleFile})` : ''}`);
    if (e instanceof Interrupted) throw new CliError('interrupted before the first step; nothing recorded', 130);
    throw e;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function registerRecord(program: Command): void {
  program
    .command('record')
    .description('record a scenario on a real kernel in QEMU, as a trace `memhp replay` checks the emulator against')
    .argument('<scenario>', 'a scenario file (YAML/JSON) or a preset name')
    .option('--kernel <file>', 'the kernel: a vmlinuz/bzImage (modules from lib/modules/<kver> beside it or in /lib/modules) or a kernel .deb')
    .option('--modules <dir-or-debs...>', "the kernel's lib/modules/<kver> directory, or its .deb files")
    .option('--qemu <path>', 'qemu-system-x86_64 to use (default: the one on PATH)')
    .option('--accel <accel>', 'kvm, tcg, or auto: try KVM by booting with it, else TCG', 'auto')
    .option('--out <trace>', 'the trace to write (default <scenario name>.trace.txt)')
    .option('--check', 'replay the trace right after recording; exit 1 at the first divergence')
    .action(async (arg: string, opts: RecordCliOptions) => {
      const ac = new AbortController();
      const stop = (): void => ac.abort();
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      try {
        const code = await runRecord(arg, opts, { out: process.stdout, err: process.stderr, signal: ac.signal });
        if (code !== 0) process.exitCode = code;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
