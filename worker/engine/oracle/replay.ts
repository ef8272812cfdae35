/**
 * Replays an oracle trace on the emulator (oracle/README.md "Replaying a trace").
 *
 * Inputs, and the only ones: the `#` header (kernel version → profile by major.minor, the
 * `# device:` line, memhp_default_state= from the command line), step 0's `--- iomem` and
 * `--- memory-blocks` (the boot state), every step's command, its `dimm:` lines and hand-added
 * `hint:` lines. The recorded results of steps ≥ 1 are only compared against, after every step:
 * the plugged size, the `--- iomem` section and the `--- memory-blocks` section byte for byte, and
 * whether a guest command's exit status was zero.
 */
import { Machine } from '../machine/machine.js';
import { PROFILES, profileForKernel, type ProfileName, type StrategyName } from '../profiles.js';
import { parseMemoryBlocks, ONLINE_POLICIES, type OnlinePolicy } from '../base/memory.js';
import { NIL } from '../kernel/resource.js';
import { formatSize, parseSize } from '../sizes.js';
import { errnoName, EINVAL } from '../errno.js';
import { parseTrace, type StepExpected, type StepInput, type Trace } from './trace.js';
import { parseGuestCommand, runGuestCommand } from './guest-shell.js';
import { unifiedDiff } from './diff.js';

export interface ReplayOptions {
  /** Override the profile picked from the kernel version. */
  profile?: ProfileName;
  /** Override the profile's merge strategy ("what if"). */
  strategy?: StrategyName;
  /** Physical address bits of the guest (QEMU TCG's default of 40 unless told). */
  physBits?: number;
  /** Simulated time a `size` step may take (the recorder's step timeout, 60 s). */
  stepTimeoutMs?: number;
}

export type MismatchKind = 'plugged' | 'iomem' | 'memory-blocks' | 'guest-rc';

export interface Mismatch {
  what: MismatchKind;
  expected: string;
  actual: string;
  /** Unified diff for the text sections, '' otherwise. */
  diff: string;
}

export interface StepActual {
  plugged: bigint | null;
  iomem: string;
  blocks: string;
  guestRc: number | null;
}

export interface StepOutcome {
  index: number;
  command: string;
  line: number;
  actual: StepActual;
  mismatches: Mismatch[];
  ok: boolean;
}

export interface ReplayReport {
  ok: boolean;
  source: string;
  kernel: string | null;
  profile: ProfileName | null;
  strategy: StrategyName | null;
  warnings: string[];
  steps: StepOutcome[];
  /** Why the replay could not run (malformed trace, unsupported command), with the trace line. */
  error: { line: number; message: string } | null;
  machine: Machine | null;
}

/** QEMU TCG's default guest physical address width (the AMD HT hole in the traces ends at 2^40-1). */
export const DEFAULT_PHYS_BITS = 40;
export const DEFAULT_STEP_TIMEOUT_MS = 60_000;
/** Simulated time given to steps that are not `size` (a guest command, a DIMM, a dump). */
const SHORT_STEP_MS = 1_000;

function plugText(x: bigint | null): string {
  return x === null ? '(none)' : `0x${x.toString(16)} (${formatSize(x)})`;
}

/** Compares one step's emulated output with the recording. */
function compareStep(index: number, expected: StepExpected, actual: StepActual): Mismatch[] {
  const out: Mismatch[] = [];
  if (expected.plugged !== null && actual.plugged !== null && expected.plugged !== actual.plugged) {
    out.push({ what: 'plugged', expected: plugText(expected.plugged), actual: plugText(actual.plugged), diff: '' });
  }
  if (expected.iomem !== null && expected.iomem.text !== actual.iomem) {
    out.push({ what: 'iomem', expected: expected.iomem.text, actual: actual.iomem, diff: unifiedDiff(expected.iomem.text, actual.iomem, { expected: `trace step ${index} /proc/iomem`, actual: `emulated step ${index} /proc/iomem` }) });
  }
  const expBlocks = expected.blocks?.text ?? null;
  if (expBlocks !== null && expBlocks !== actual.blocks) {
    out.push({ what: 'memory-blocks', expected: expBlocks, actual: actual.blocks, diff: unifiedDiff(expBlocks, actual.blocks, { expected: `trace step ${index} memory-blocks`, actual: `emulated step ${index} memory-blocks` }) });
  }
  if (expected.guestRc !== null && actual.guestRc !== null && (expected.guestRc === 0) !== (actual.guestRc === 0)) {
    out.push({ what: 'guest-rc', expected: `rc=${expected.guestRc}`, actual: `rc=${actual.guestRc}`, diff: '' });
  }
  return out;
}

class Replayer {
  readonly warnings: string[] = [];
  private readonly deviceId: string | null;

  constructor(
    readonly machine: Machine,
    deviceId: string | null,
    private readonly stepTimeoutMs: number,
  ) {
    this.deviceId = deviceId;
  }

  plugged(): bigint | null {
    if (this.deviceId === null) return null;
    return this.machine.device(this.deviceId)?.state().plugged ?? 0n;
  }

  snapshot(guestRc: number | null): StepActual {
    return { plugged: this.plugged(), iomem: this.machine.renderIomem(), blocks: this.machine.renderMemoryBlocks(), guestRc };
  }

  /**
   * Runs one step from its inputs only; every step takes at least SHORT_STEP_MS of simulated time
   * (the recorder's settle loop), so retry timers keep running across steps as they did in the VM.
   * Returns the guest exit status (or null) or an error text.
   */
  run(input: StepInput): { rc: number | null } | { error: string } {
    const t0 = this.machine.clock.now;
    const r = this.runStep(input);
    const left = t0 + SHORT_STEP_MS - this.machine.clock.now;
    if (!('error' in r) && left > 0) this.machine.advance(left);
    return r;
  }

  private runStep(input: StepInput): { rc: number | null } | { error: string } {
    const m = this.machine;
    for (const h of input.hints) m.faults.setUnmovable(h.block, h.bytes);
    const cmd = input.command.trim();
    const verb = cmd.split(/\s+/, 1)[0]!;
    const args = cmd.split(/\s+/).slice(1);
    switch (verb) {
      case 'size': {
        const size = args.length === 1 ? parseSize(args[0]!) : null;
        if (size === null) return { error: `malformed command at step ${input.index}: "${cmd}" (expected "size <N>")` };
        const dev = this.deviceId === null ? undefined : m.device(this.deviceId);
        if (!dev) return { error: `step ${input.index}: "size" needs a virtio-mem device, but the trace has none` };
        const rc = dev.request({ type: 'resize', size });
        if (rc) this.warnings.push(`step ${input.index}: the host refused requested-size ${formatSize(size)} (${errnoName(rc)})`);
        const t0 = m.clock.now;
        m.settle(this.stepTimeoutMs);
        // The recorder waits the whole step timeout when the size is not reached.
        const st = dev.state();
        if (st.plugged !== st.requested) m.advance(Math.max(0, t0 + this.stepTimeoutMs - m.clock.now));
        return { rc: null };
      }
      case 'dimm-add': {
        if (args.length !== 2 || parseSize(args[1]!) === null) return { error: `malformed command at step ${input.index}: "${cmd}" (expected "dimm-add <id> <size>")` };
        const id = args[0]!;
        const line = input.dimms.find((d) => d.id === id);
        if (!line) {
          this.warnings.push(`step ${input.index}: no "dimm: ${id}" line, so QEMU did not add it; nothing happens in the guest`);
        } else if (m.device(id)) {
          this.warnings.push(`step ${input.index}: DIMM ${id} already exists`);
        } else {
          const r = m.addDevice({ kind: 'acpi-dimm', id, addr: line.addr, size: line.size });
          if (!r.ok) this.warnings.push(`step ${input.index}: ${r.error}`);
        }
        m.settle(SHORT_STEP_MS);
        return { rc: null };
      }
      case 'dimm-del': {
        if (args.length !== 1) return { error: `malformed command at step ${input.index}: "${cmd}" (expected "dimm-del <id>")` };
        const dev = m.device(args[0]!);
        if (!dev) this.warnings.push(`step ${input.index}: no DIMM "${args[0]}" to delete`);
        else dev.request({ type: 'eject' });
        m.settle(SHORT_STEP_MS);
        return { rc: null };
      }
      case 'dump':
        m.settle(0);
        return { rc: null };
      case 'sleep': {
        const s = Number(args[0]);
        if (args.length !== 1 || !Number.isFinite(s) || s < 0) return { error: `malformed command at step ${input.index}: "${cmd}"` };
        m.advance(s * 1000);
        return { rc: null };
      }
      case 'guest':
        return this.guest(input, cmd.slice(verb.length).trim());
      default:
        return { error: `unsupported command at step ${input.index}: "${cmd.slice(0, 80)}"` };
    }
  }

  private guest(input: StepInput, src: string): { rc: number | null } | { error: string } {
    const p = parseGuestCommand(src);
    if (!p.ok) return { error: `unsupported guest command at step ${input.index}: ${p.message}` };
    let unsupported: string | null = null;
    const rc = runGuestCommand(p.list, (path, value) => {
      const mb = /^\/sys\/devices\/system\/memory\/memory(\d+)\/(state|online)$/.exec(path);
      if (mb) return mb[2] === 'state' ? this.machine.guestWriteState(Number(mb[1]), value) : this.machine.blocks.guestWriteOnline(Number(mb[1]), value);
      if (path === '/sys/module/virtio_mem/parameters/unplug_online') {
        const b = /^(1|y|Y|on)$/.test(value) ? true : /^(0|n|N|off)$/.test(value) ? false : null;
        if (b === null) return EINVAL;
        this.machine.params.virtioMem.unplugOnline = b;
        return 0;
      }
      if (path === '/sys/devices/system/memory/auto_online_blocks') return this.machine.guestWriteAutoOnline(value);
      unsupported ??= path;
      return EINVAL;
    });
    if (unsupported !== null) return { error: `unsupported guest command at step ${input.index}: writes to ${unsupported}` };
    this.machine.settle(SHORT_STEP_MS);
    return { rc };
  }
}

function failed(source: string, trace: Trace | null, error: { line: number; message: string }, extra: Partial<ReplayReport> = {}): ReplayReport {
  return { ok: false, source, kernel: trace?.header.kernel ?? null, profile: null, strategy: null, warnings: [], steps: [], error, machine: null, ...extra };
}

/**
 * The profile a trace replays with: the one of its kernel's major.minor, or the forced one. A
 * kernel that no profile stands for is refused (a replay must not pass for one of that kernel),
 * naming the nearest profile to force; a header without a readable version falls back to 6.12
 * with a warning, as before.
 */
function pickProfile(trace: Trace, opts: ReplayOptions): { profile: ProfileName; warning?: string } | { error: { line: number; message: string } } {
  if (opts.profile) return { profile: opts.profile };
  const kernel = trace.header.kernel;
  const pf = profileForKernel(kernel ?? '');
  if (pf.exact || kernel === null || !/^\s*v?\d+\.\d+/.test(kernel)) return { profile: pf.profile.name, warning: pf.warning };
  const message = `no profile for kernel ${kernel}; the nearest is ${pf.profile.name}: pass --profile ${pf.profile.name} to replay with it`;
  return { error: { line: trace.header.kernelLine ?? 1, message } };
}

/** Sets up the machine from a parsed trace's boot inputs. */
function boot(trace: Trace, opts: ReplayOptions): { ok: true; replayer: Replayer; profile: ProfileName; strategy: StrategyName; warnings: string[] } | { ok: false; error: { line: number; message: string } } {
  const warnings: string[] = [];
  const s0 = trace.steps[0]!;
  const picked = pickProfile(trace, opts);
  if ('error' in picked) return { ok: false, error: picked.error };
  if (picked.warning) warnings.push(picked.warning);
  const profile = picked.profile;
  let policy: OnlinePolicy;
  const p = trace.header.onlinePolicy;
  if (p === null) {
    // The build's default online type (Debian's 6.12 and later set one, 6.1 does not).
    policy = PROFILES[profile].defaultOnlinePolicy;
    warnings.push(`no memhp_default_state= on the command line; assuming "${policy}"`);
  } else if ((ONLINE_POLICIES as readonly string[]).includes(p)) policy = p as OnlinePolicy;
  else return { ok: false, error: { line: 1, message: `memhp_default_state=${p} is not one of ${ONLINE_POLICIES.join(', ')}` } };
  const blocks = parseMemoryBlocks(s0.expected.blocks!.text);
  if (!blocks.ok) return { ok: false, error: { line: s0.expected.blocks!.line + blocks.line, message: blocks.message } };
  const mr = Machine.create({
    bootIomem: s0.expected.iomem!.text,
    physBits: opts.physBits ?? DEFAULT_PHYS_BITS,
    blockSize: blocks.blockSize,
    onlinePolicy: policy,
    profile,
    strategy: opts.strategy,
    bootBlocks: s0.expected.blocks!.text,
    cmdline: trace.header.cmdline ?? undefined,
  });
  if (!mr.ok) {
    const m = /^bootIomem line (\d+): (.*)$/.exec(mr.error);
    if (m) return { ok: false, error: { line: s0.expected.iomem!.line + Number(m[1]), message: m[2]! } };
    return { ok: false, error: { line: s0.input.line, message: mr.error } };
  }
  const machine = mr.machine;
  for (const l of machine.log.entries()) if (l.source === 'kernel' && l.level === 'warn') warnings.push(l.message);
  let deviceId: string | null = null;
  const dev = trace.header.device;
  if (dev) {
    const t = machine.tree;
    let name = 'virtio0';
    for (let c = t.child(t.root); c !== NIL; c = t.sibling(c)) {
      if (t.start(c) === dev.addr && /^virtio\d+$/.test(t.name(c) ?? '')) name = t.name(c)!;
    }
    const r = machine.addDevice({ kind: 'virtio-mem', id: dev.id, addr: dev.addr, regionSize: dev.regionEnd - dev.addr + 1n, blockSize: dev.blockSize, requested: 0n, name });
    if (!r.ok) return { ok: false, error: { line: 1, message: r.error } };
    deviceId = r.device.id;
  }
  // DIMMs plugged at boot: their memory is already in the boot map; the driver finds it there
  // (add_memory -EEXIST counts as enabled), so a later dimm-del can eject them.
  for (const dimm of s0.input.dimms) {
    const r = machine.addDevice({ kind: 'acpi-dimm', id: dimm.id, addr: dimm.addr, size: dimm.size });
    if (!r.ok) warnings.push(`boot DIMM ${dimm.id}: ${r.error}`);
  }
  machine.settle(0);
  const replayer = new Replayer(machine, deviceId, opts.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS);
  replayer.warnings.push(...warnings);
  return { ok: true, replayer, profile, strategy: machine.strategy, warnings };
}

/** Replays a parsed trace. Never throws for bad input. */
export function replayParsed(trace: Trace, opts: ReplayOptions = {}): ReplayReport {
  const b = boot(trace, opts);
  if (!b.ok) return failed(trace.source, trace, b.error);
  const { replayer, profile, strategy } = b;
  const steps: StepOutcome[] = [];
  const s0 = trace.steps[0]!;
  const boot0 = replayer.snapshot(null);
  const m0 = compareStep(0, s0.expected, boot0);
  steps.push({ index: 0, command: s0.input.command, line: s0.input.line, actual: boot0, mismatches: m0, ok: m0.length === 0 });
  let error: ReplayReport['error'] = null;
  for (const st of trace.steps.slice(1)) {
    const r = replayer.run(st.input);
    if ('error' in r) {
      error = { line: st.input.line, message: r.error };
      break;
    }
    const actual = replayer.snapshot(r.rc);
    const mm = compareStep(st.input.index, st.expected, actual);
    steps.push({ index: st.input.index, command: st.input.command, line: st.input.line, actual, mismatches: mm, ok: mm.length === 0 });
  }
  return {
    ok: error === null && steps.every((s) => s.ok),
    source: trace.source,
    kernel: trace.header.kernel,
    profile,
    strategy,
    warnings: replayer.warnings,
    steps,
    error,
    machine: replayer.machine,
  };
}

/** Parses and replays a trace text. Never throws for bad input. */
export function replayTrace(text: string, source = 'trace', opts: ReplayOptions = {}): ReplayReport {
  const p = parseTrace(text, source);
  if (!p.ok) return failed(source, null, p.error);
  return replayParsed(p.trace, opts);
}
