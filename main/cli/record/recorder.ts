/**
 * Records a planned scenario on a real kernel: builds the initramfs, boots QEMU (KVM when asked
 * and it works, else TCG), dumps the boot state as step 0, plays every step over QMP and the guest
 * channel and records after each one what the oracle records: the virtio-mem sizes, the DIMMs
 * QEMU placed, the result, the guest command's output and the settled dump. The trace is rewritten
 * (atomically) after every step, so an interrupted or failed recording keeps the steps done.
 */
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import { CliError } from '../errors.js';
import { buildInitramfs, selectModules } from './initramfs.js';
import type { KernelInputs } from './kernel-inputs.js';
import type { VmPlan, VmStep } from './plan.js';
import { kernelCmdline, type Accel, type QemuPaths } from './qemu-args.js';
import { QmpError } from './qmp.js';
import { GuestTimeout } from './guest-channel.js';
import { formatDump, traceHeader, traceStep, type DumpText, type StepRecord, type TraceHeaderInfo } from './trace-text.js';
import { BootFailure, consoleTail, Vm } from './vm.js';
import { Interrupted, sleep } from './wait.js';

export type AccelChoice = Accel | 'auto';

export interface RecordOptions {
  plan: VmPlan;
  /** How the header names the scenario ("unplug-fragmentation (preset)"). */
  scenarioLabel: string;
  kernel: KernelInputs;
  qemu: string;
  busybox: string;
  accel: AccelChoice;
  out: string;
  /** Progress lines. */
  err: { write(s: string): unknown };
  signal: AbortSignal;
  /** How long a TCG boot may take (default 240 s: a busy 2-core host). */
  bootTimeoutMs?: number;
  /** How long `--accel auto` gives KVM to boot before falling back to TCG (default 30 s). */
  kvmProbeMs?: number;
}

export interface RecordResult {
  accel: Accel;
  /** Steps recorded after step 0. */
  steps: number;
  bootMs: number;
  interrupted: boolean;
}

/** A recording that failed after it started; `consoleFile` holds the kernel console's tail. */
export class RecordFailure extends Error {
  constructor(
    message: string,
    readonly consoleFile: string | null,
  ) {
    super(message);
    this.name = 'RecordFailure';
  }
}

const SETTLE_MS = 300;
const SETTLE_ROUNDS = 20;
const POLL_MS = 100;

/** Whether /dev/kvm can be opened at all (whether it can run this kernel only a boot tells). */
function kvmUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Plays the steps on a booted VM and collects their trace text. */
class StepPlayer {
  private readonly device: string | null;

  constructor(
    private readonly vm: Vm,
    private readonly plan: VmPlan,
    private readonly signal: AbortSignal,
  ) {
    this.device = plan.virtioMem ? `/machine/peripheral/${plan.virtioMem.id}` : null;
  }

  private get timeoutMs(): number {
    return this.plan.stepTimeoutMs;
  }

  private dumpOnce(): Promise<DumpText> {
    return this.vm.guest.request('dump', '', Math.max(this.timeoutMs, 30_000), this.signal).then((r) => formatDump(r.text));
  }

  /** Dumps until two dumps SETTLE_MS apart agree (virtio-mem reports its size before the last block is added). */
  async settledDump(): Promise<DumpText> {
    let prev = await this.dumpOnce();
    for (let i = 0; i < SETTLE_ROUNDS; i++) {
      await sleep(SETTLE_MS, this.signal);
      const cur = await this.dumpOnce();
      if (cur === prev) return cur;
      prev = cur;
    }
    return prev;
  }

  private async sizes(): Promise<StepRecord['sizes']> {
    if (!this.device) return null;
    const requested = BigInt(await this.vm.qmp.get<number>(this.device, 'requested-size'));
    const plugged = BigInt(await this.vm.qmp.get<number>(this.device, 'size'));
    return { requested, plugged };
  }

  private async dimms(): Promise<StepRecord['dimms']> {
    const list = await this.vm.qmp.execute<{ type: string; data: { id?: string; addr: number; size: number } }[]>('query-memory-devices');
    return list.filter((d) => d.type === 'dimm').map((d) => ({ id: d.data.id ?? '', addr: BigInt(d.data.addr), size: BigInt(d.data.size) }));
  }

  /** The record of a step whose action is done: sizes, DIMMs and the settled dump. */
  async snapshot(index: number, command: string, result: string, guest: StepRecord['guest'] = null): Promise<StepRecord> {
    const dump = await this.settledDump();
    return { index, command, sizes: await this.sizes(), dimms: await this.dimms(), result, guest, dump };
  }

  /** Runs one step; QMP errors become `error: …` results, as in the oracle. */
  async play(index: number, step: VmStep): Promise<StepRecord> {
    let guest: StepRecord['guest'] = null;
    let result: string;
    try {
      if (step.kind === 'guest') {
        const r = await this.runGuest(step.shell);
        guest = r.guest;
        result = r.result;
      } else result = await this.act(step);
    } catch (e) {
      if (!(e instanceof QmpError)) throw e;
      result = `error: ${e.desc}`;
    }
    return this.snapshot(index, step.command, result, guest);
  }

  private async act(step: Exclude<VmStep, { kind: 'guest' }>): Promise<string> {
    switch (step.kind) {
      case 'size':
        return this.resize(step.size);
      case 'dimm-add':
        return this.dimmAdd(step.dimm.id, step.dimm.addr, step.dimm.size);
      case 'dimm-del':
        return this.dimmDel(step.id);
      case 'sleep':
        await sleep(step.ms, this.signal);
        return 'ok';
      case 'dump':
        return 'ok';
    }
  }

  private async runGuest(shell: string): Promise<{ result: string; guest: StepRecord['guest'] }> {
    try {
      const r = await this.vm.guest.request('run', shell, this.timeoutMs, this.signal);
      return { result: 'ok', guest: { rc: r.rc, output: r.text } };
    } catch (e) {
      if (!(e instanceof GuestTimeout)) throw e;
      return { result: `timeout after ${this.timeoutMs / 1000}s (the guest command did not finish)`, guest: null };
    }
  }

  /** virtio-mem requested-size, then wait until the device's size matches. */
  private async resize(want: bigint): Promise<string> {
    const v = this.plan.virtioMem!;
    if (want % v.blockSize !== 0n) return 'rejected (not a multiple of block-size)';
    await this.vm.qmp.execute('qom-set', { path: this.device, property: 'requested-size', value: Number(want) });
    const deadline = Date.now() + this.timeoutMs;
    let got = BigInt(await this.vm.qmp.get<number>(this.device!, 'size'));
    while (got !== want && Date.now() < deadline) {
      await sleep(POLL_MS, this.signal);
      got = BigInt(await this.vm.qmp.get<number>(this.device!, 'size'));
    }
    return got === want ? 'ok' : `timeout after ${this.timeoutMs / 1000}s (plugged 0x${got.toString(16)} != requested 0x${want.toString(16)})`;
  }

  /** object-add + device_add pc-dimm at its address, then wait until the guest's dump changes. */
  private async dimmAdd(id: string, addr: bigint, size: bigint): Promise<string> {
    const before = await this.dumpOnce();
    await this.vm.qmp.execute('object-add', { 'qom-type': 'memory-backend-ram', id: `mem-${id}`, size: Number(size), reserve: false });
    try {
      await this.vm.qmp.execute('device_add', { driver: 'pc-dimm', id, memdev: `mem-${id}`, addr: Number(addr) });
    } catch (e) {
      await this.vm.qmp.execute('object-del', { id: `mem-${id}` }).catch(() => undefined);
      throw e;
    }
    const deadline = Date.now() + this.timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.dumpOnce()) !== before) return 'ok';
      await sleep(200, this.signal);
    }
    return `timeout after ${this.timeoutMs / 1000}s (guest dump unchanged)`;
  }

  /** device_del; the guest offlines and ejects the DIMM, QEMU says DEVICE_DELETED; then its backend goes. */
  private async dimmDel(id: string): Promise<string> {
    this.vm.qmp.events.length = 0;
    await this.vm.qmp.execute('device_del', { id });
    const gone = await this.vm.qmp.waitEvent((e) => e.event === 'DEVICE_DELETED' && e.data?.['device'] === id, this.timeoutMs, this.signal);
    if (!gone) return `timeout after ${this.timeoutMs / 1000}s (no DEVICE_DELETED; guest did not eject)`;
    await this.vm.qmp.execute('object-del', { id: `mem-${id}` });
    return 'ok';
  }
}

/** Boots one VM and waits for the guest; a failed boot leaves no QEMU behind. */
async function bootVm(o: RecordOptions, accel: Accel, paths: QemuPaths, timeoutMs: number): Promise<{ vm: Vm; uname: string; failed: string[]; bootMs: number }> {
  const vm = await Vm.start(o.qemu, o.plan, accel, paths, o.signal);
  const t0 = Date.now();
  try {
    const ready = await vm.boot(timeoutMs, o.signal);
    return { vm, uname: ready.uname, failed: ready.failedModules, bootMs: Date.now() - t0 };
  } catch (e) {
    await vm.stop();
    throw e;
  }
}

/** Boots with the accelerator asked for; `auto` tries KVM by booting with it and falls back to TCG. */
async function bootWithAccel(o: RecordOptions, paths: QemuPaths): Promise<{ vm: Vm; uname: string; failed: string[]; bootMs: number; accel: Accel }> {
  const tcgMs = o.bootTimeoutMs ?? 240_000;
  if (o.accel !== 'auto') {
    o.err.write(`memhp record: accel ${o.accel}\n`);
    return { ...(await bootVm(o, o.accel, paths, o.accel === 'kvm' ? (o.kvmProbeMs ?? 60_000) : tcgMs)), accel: o.accel };
  }
  let why = '/dev/kvm cannot be opened';
  if (kvmUsable()) {
    try {
      const r = await bootVm(o, 'kvm', paths, o.kvmProbeMs ?? 30_000);
      o.err.write('memhp record: accel kvm (auto: KVM booted the kernel)\n');
      return { ...r, accel: 'kvm' };
    } catch (e) {
      if (!(e instanceof BootFailure)) throw e;
      why = `KVM could not boot it: ${e.message}`;
    }
  }
  o.err.write(`memhp record: accel tcg (auto: ${why.slice(0, 300)})\n`);
  return { ...(await bootVm(o, 'tcg', paths, tcgMs)), accel: 'tcg' };
}

function saveConsole(paths: QemuPaths, out: string): string | null {
  const tail = consoleTail(paths.consoleLog);
  if (!tail) return null;
  const file = `${out}.console.txt`;
  writeFileSync(file, tail);
  return file;
}

/** Records the plan into `o.out`. Throws RecordFailure (boot, guest) with the console tail saved. */
export async function recordScenario(o: RecordOptions): Promise<RecordResult> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'memhp-record-'));
  const paths: QemuPaths = {
    kernel: o.kernel.kernel,
    initrd: path.join(scratch, 'initramfs.cpio.gz'),
    consoleLog: path.join(scratch, 'console.log'),
    qmpSocket: path.join(scratch, 'qmp.sock'),
    guestSocket: path.join(scratch, 'guest.sock'),
  };
  let vm: Vm | null = null;
  try {
    const mods = selectModules(o.plan.modules, o.kernel.modulesDir, o.kernel.release);
    writeFileSync(paths.initrd, buildInitramfs(o.busybox, o.kernel.modulesDir, mods.files));
    const booted = await bootWithAccel(o, paths);
    vm = booted.vm;
    for (const n of o.plan.notes) o.err.write(`memhp record: note: ${n}\n`);
    o.err.write(`memhp record: ${booted.uname} booted in ${(booted.bootMs / 1000).toFixed(1)} s\n`);
    if (booted.failed.length > 0) throw new BootFailure(`the guest could not load module${booted.failed.length > 1 ? 's' : ''} ${booted.failed.join(', ')} (insmod refused; see the console)`);
    const header: TraceHeaderInfo = {
      scenario: o.scenarioLabel,
      uname: booted.uname,
      qemuVersion: `${vm.version.major}.${vm.version.minor}.${vm.version.micro}${vm.version.package ? ' ' + vm.version.package : ''}`,
      accel: booted.accel,
      cmdline: kernelCmdline(o.plan),
      memaddr: o.plan.virtioMem ? BigInt(await vm.qmp.get<number>(`/machine/peripheral/${o.plan.virtioMem.id}`, 'memaddr')) : null,
    };
    const done = await playAll(o, vm, header);
    return { accel: booted.accel, steps: done.steps, bootMs: booted.bootMs, interrupted: done.interrupted };
  } catch (e) {
    if (e instanceof Interrupted || e instanceof CliError || !(e instanceof Error)) throw e;
    // The steps recorded so far are already in the trace; what broke is said in one line.
    const what = e instanceof BootFailure ? e.message : `the VM failed: ${e.message}`;
    throw new RecordFailure(what, saveConsole(paths, o.out));
  } finally {
    if (vm) await vm.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Step 0 and every planned step, the trace rewritten after each; Ctrl-C ends it with what is done. */
async function playAll(o: RecordOptions, vm: Vm, header: TraceHeaderInfo): Promise<{ steps: number; interrupted: boolean }> {
  const player = new StepPlayer(vm, o.plan, o.signal);
  const body: string[] = [];
  const write = (extra?: string): Promise<void> => writeFileAtomic(o.out, traceHeader(o.plan, { ...header, interrupted: extra }) + body.join(''));
  const total = o.plan.steps.length;
  try {
    body.push(traceStep(await player.snapshot(0, 'boot', 'ok')));
    await write();
    for (let i = 0; i < total; i++) {
      const step = o.plan.steps[i]!;
      const t0 = Date.now();
      o.err.write(`step ${i + 1}/${total}  ${step.command.slice(0, 100)}  (${step.label}) ...`);
      const rec = await player.play(i + 1, step);
      body.push(traceStep(rec));
      await write();
      o.err.write(` ${rec.result} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
    }
    return { steps: total, interrupted: false };
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    const n = Math.max(0, body.length - 1);
    o.err.write(`\nmemhp record: interrupted; the VM is stopped and ${o.out} keeps steps 0-${n}\n`);
    if (body.length > 0) await write(`Ctrl-C after step ${n} of ${total}`);
    return { steps: n, interrupted: true };
  }
}
