/**
 * One QEMU process of a recording: started stopped (-S) in its own process group (so a Ctrl-C at
 * the terminal reaches the recorder, which tears the VM down itself), connected over QMP and the
 * guest channel, then let run until the guest says it is ready. A VM that exits or never gets
 * ready is described in one line from QEMU's stderr and the kernel console.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { GuestChannel, GuestTimeout, type GuestReady } from './guest-channel.js';
import { Qmp, type QemuVersion } from './qmp.js';
import { qemuArgs, type Accel, type QemuPaths } from './qemu-args.js';
import type { VmPlan } from './plan.js';
import { Interrupted } from './wait.js';

/** The VM could not be started or did not boot; `message` is the one line for the user. */
export class BootFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootFailure';
  }
}

/** The last `n` lines of the kernel console. */
export function consoleTail(file: string, n = 200): string {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  const lines = text.split('\n');
  return lines.slice(Math.max(0, lines.length - n - 1)).join('\n');
}

/** Why a boot failed, from what the kernel printed (a panic line, or how far it got). */
export function describeConsole(console: string): string {
  const panic = /Kernel panic - not syncing: ([^\n]*)/.exec(console);
  if (panic) return `the kernel panicked: ${panic[1]!.trim()}`;
  if (console.trim() === '') return 'the kernel printed nothing on the console (not a kernel QEMU can boot, or it died decompressing)';
  if (/Run \/init as init process/.test(console)) return 'the kernel started /init, but the guest never answered';
  const last = console.trim().split('\n').pop()!.replace(/^\[[\s\d.]+\]\s*/, '');
  return `the kernel stopped booting; its last console line: "${last.slice(0, 160)}"`;
}

export class Vm {
  private stderr = '';
  private exited: { code: number | null; signal: string | null } | null = null;
  private readonly exitWaiters: (() => void)[] = [];
  private readonly onExit = (): void => killGroup(this.proc);

  private constructor(
    private readonly proc: ChildProcess,
    readonly paths: QemuPaths,
    readonly qmp: Qmp,
    readonly guest: GuestChannel,
    readonly version: QemuVersion,
  ) {}

  /** Starts QEMU and connects; the guest CPU is still stopped. */
  static async start(qemu: string, plan: VmPlan, accel: Accel, paths: QemuPaths, signal: AbortSignal): Promise<Vm> {
    const proc = spawn(qemu, qemuArgs(plan, accel, paths), { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const early: { stderr: string; exit: { code: number | null; signal: string | null } | null } = { stderr: '', exit: null };
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (d: string) => (early.stderr += d));
    proc.on('exit', (code, sig) => (early.exit = { code, signal: sig }));
    const failed = (why: string): BootFailure => new BootFailure(`QEMU ${why}${early.stderr.trim() ? `: ${early.stderr.trim().split('\n').pop()}` : ''}`);
    try {
      const { qmp, version } = await Qmp.connect(paths.qmpSocket, 30_000, signal);
      const guest = await GuestChannel.connect(paths.guestSocket, 10_000, signal);
      const vm = new Vm(proc, paths, qmp, guest, version);
      // A detached QEMU would outlive a recorder that dies: take it down on the way out.
      process.on('exit', vm.onExit);
      vm.stderr = early.stderr;
      proc.stderr!.on('data', (d: string) => (vm.stderr += d));
      if (early.exit) vm.exited = early.exit;
      proc.on('exit', (code, sig) => {
        vm.exited = { code, signal: sig };
        for (const w of vm.exitWaiters.splice(0)) w();
      });
      return vm;
    } catch (e) {
      killGroup(proc);
      if (e instanceof Interrupted) throw e;
      await new Promise((r) => setTimeout(r, 200));
      const exit = early.exit;
      throw failed(exit ? `exited at start (status ${exit.code ?? exit.signal})` : `did not open its QMP socket (${(e as Error).message})`);
    }
  }

  /** Lets the guest run and waits for its `@@ready`; a VM that exits or times out becomes a BootFailure. */
  async boot(timeoutMs: number, signal: AbortSignal): Promise<GuestReady> {
    await this.qmp.execute('cont');
    const exited = new Promise<never>((_, reject) => {
      const check = (): void => reject(new BootFailure(this.exitText()));
      if (this.exited) check();
      else this.exitWaiters.push(check);
    });
    try {
      return await Promise.race([this.guest.ready(timeoutMs, signal), exited]);
    } catch (e) {
      if (e instanceof Interrupted || e instanceof BootFailure) throw e;
      // The guest channel closes when QEMU exits; give the exit a moment to be seen.
      if (await this.exitedWithin(2_000)) throw new BootFailure(this.exitText());
      const why = describeConsole(consoleTail(this.paths.consoleLog, 400));
      if (e instanceof GuestTimeout) throw new BootFailure(`the kernel did not boot within ${Math.round(timeoutMs / 1000)} s: ${why}`);
      throw new BootFailure(`the guest channel failed during boot (${(e as Error).message}): ${why}`);
    }
  }

  private exitedWithin(ms: number): Promise<boolean> {
    if (this.exited) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(this.exited !== null), ms);
      this.exitWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  private exitText(): string {
    const why = describeConsole(consoleTail(this.paths.consoleLog, 400));
    const err = this.stderr.trim().split('\n').filter(Boolean).pop();
    const how = this.exited?.code === 0 ? 'the VM reset or powered off during boot (QEMU runs with -no-reboot)' : `QEMU exited during boot (status ${this.exited?.code ?? this.exited?.signal})`;
    return `${how}${err ? `: ${err}` : ''}; ${why}`;
  }

  /** Quits QEMU (over QMP, then by signal) and closes the sockets. */
  async stop(): Promise<void> {
    if (this.exited === null) {
      const gone = new Promise<void>((r) => this.exitWaiters.push(r));
      this.qmp.execute('quit').catch(() => undefined);
      const t = setTimeout(() => killGroup(this.proc), 3_000);
      await gone;
      clearTimeout(t);
    }
    process.off('exit', this.onExit);
    this.qmp.close();
    this.guest.close();
  }
}

/** SIGKILL to QEMU's process group (it was started detached, in a group of its own). */
function killGroup(proc: ChildProcess): void {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  try {
    process.kill(-proc.pid, 'SIGKILL');
  } catch {
    proc.kill('SIGKILL');
  }
}
