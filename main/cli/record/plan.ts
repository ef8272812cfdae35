/**
 * From a scenario to what a QEMU q35 guest can be asked to do: the machine (memory, maxmem and
 * slots, memhp_default_state), the virtio-mem device and the DIMMs, and each runner step as the
 * trace command the recorder plays and `memhp replay` reads back (`size 1G`, `dimm-add d1 512M`,
 * `guest echo offline > /sys/devices/system/memory/memory34/state`, `sleep 5`, `dump`). Whatever a
 * VM cannot play is refused here, before anything boots, one line per step or device.
 */
import type { AcpiDimmDecl, BootMapName, DeviceDecl, OnlinePolicy, Scenario, Step, VirtioMemDecl } from '../../../worker/engine/scenario/scenario.js';
import { BOOT_MAP_NAMES, DEFAULT_STEP_TIMEOUT_MS } from '../../../worker/engine/scenario/scenario.js';
import { TimelineCursor, describeStep, type TimelineLeaf } from '../../../worker/engine/scenario/timeline.js';
import { parseBlocks } from '../../../worker/engine/scenario/normalize.js';
import { SeededRng } from '../../../worker/engine/rng.js';
import { GiB, MiB, formatSize } from '../../../worker/engine/sizes.js';

/** q35 guests are started with this much boot RAM (the built-in boot maps are of 2 GiB guests). */
export const BOOT_RAM = 2n * GiB;
/** The memory block size x86 picks for such a guest (probe_memory_block_size()). */
export const X86_BLOCK_SIZE = 128n * MiB;
/** QEMU's defaults for the built-in maps (boot-maps.ts): `-m 2G,maxmem=66G,slots=4`. */
export const DEFAULT_MAXMEM = 66n * GiB;
export const DEFAULT_SLOTS = 4;
/** More runner steps than this are not recorded (each is seconds of a real VM). */
export const MAX_RECORD_STEPS = 10_000;
/** At most this many refusal lines are listed; the rest are counted. */
const MAX_REFUSAL_LINES = 20;

export interface VmMachine {
  bootMap: BootMapName;
  ram: bigint;
  maxmem: bigint;
  slots: number;
  onlinePolicy: OnlinePolicy;
}

export interface VmVirtioMem {
  id: string;
  addr: bigint;
  regionSize: bigint;
  blockSize: bigint;
}

export interface VmDimm {
  id: string;
  addr: bigint;
  size: bigint;
  /** Cold-plugged: on QEMU's command line instead of added by a step. */
  present: boolean;
}

export type VmAction =
  | { kind: 'size'; size: bigint }
  | { kind: 'dimm-add'; dimm: VmDimm }
  | { kind: 'dimm-del'; id: string }
  | { kind: 'guest'; shell: string }
  | { kind: 'sleep'; ms: number }
  | { kind: 'dump' };

/** One recorded step: `command` is the trace's `=== step N: <command>` text. */
export type VmStep = VmAction & { command: string; label: string };

type Planned = VmAction & { command: string };

export interface VmPlan {
  name: string;
  machine: VmMachine;
  virtioMem: VmVirtioMem | null;
  dimms: VmDimm[];
  steps: VmStep[];
  /** Modules the guest loads (with their dependencies, from modules.dep). */
  modules: string[];
  /** How long one step may take to reach what the host asked for, in ms. */
  stepTimeoutMs: number;
  /** Scenario settings a VM does not use (said once, not refused). */
  notes: string[];
}

export type PlanResult = { ok: true; plan: VmPlan } | { ok: false; refusals: string[] };

/** QEMU's rule for device and object ids (id_wellformed()). */
const QEMU_ID = /^[A-Za-z][A-Za-z0-9_.-]*$/;

function deviceLine(d: DeviceDecl, i: number): string {
  return `devices[${i}] (${d.kind} ${d.id})`;
}

/** The machine section; refusals are pushed onto `out`. */
function planMachine(s: Scenario, out: string[]): VmMachine | null {
  const boot = s.machine.boot;
  if (!('map' in boot)) {
    out.push(`machine.boot: an inline /proc/iomem${boot.source ? ` (${boot.source})` : ''} is not a machine QEMU can be asked for; use one of the q35 boot maps (${BOOT_MAP_NAMES.join(', ')})`);
    return null;
  }
  if (BigInt(s.machine.blockSize) !== X86_BLOCK_SIZE) {
    out.push(`machine.blockSize ${formatSize(BigInt(s.machine.blockSize))}: the kernel of a 2 GiB q35 guest uses 128M memory blocks; a VM cannot be given another size`);
  }
  return { bootMap: boot.map, ram: BOOT_RAM, maxmem: boot.maxmem !== undefined ? BigInt(boot.maxmem) : DEFAULT_MAXMEM, slots: boot.slots ?? DEFAULT_SLOTS, onlinePolicy: s.machine.onlinePolicy };
}

/** The devices: one virtio-mem device at most, ACPI DIMMs, nothing else. */
function planDevices(s: Scenario, out: string[]): { virtioMem: VmVirtioMem | null; dimms: VmDimm[] } {
  let virtioMem: VmVirtioMem | null = null;
  const dimms: VmDimm[] = [];
  s.devices.forEach((d, i) => {
    const where = deviceLine(d, i);
    if (d.kind === 'xen-balloon') return void out.push(`${where}: a QEMU VM has no Xen balloon (Xen guests need a Xen hypervisor)`);
    if (d.kind === 'hv-balloon') return void out.push(`${where}: QEMU's hv-balloon needs Hyper-V enlightenments (KVM with SynIC), which memhp record does not set up`);
    if (!QEMU_ID.test(d.id)) return void out.push(`${where}: QEMU ids are a letter followed by letters, digits, "-", "." or "_"`);
    if (d.node !== 0) return void out.push(`${where}: node ${d.node}: the q35 boot maps have one NUMA node (0)`);
    if (d.kind === 'virtio-mem') virtioMem = planVirtioMem(d, where, virtioMem, out) ?? virtioMem;
    else dimms.push(planDimm(d));
  });
  return { virtioMem, dimms };
}

function planVirtioMem(d: VirtioMemDecl, where: string, existing: VmVirtioMem | null, out: string[]): VmVirtioMem | null {
  if (existing) return void out.push(`${where}: a second virtio-mem device; a recorded trace holds one (${existing.id})`), null;
  if (BigInt(d.requestedSize) !== 0n) return void out.push(`${where}: requestedSize ${formatSize(BigInt(d.requestedSize))} at boot; a recording starts the device empty (add a resize step instead)`), null;
  return { id: d.id, addr: BigInt(d.addr), regionSize: BigInt(d.regionSize), blockSize: BigInt(d.blockSize) };
}

function planDimm(d: AcpiDimmDecl): VmDimm {
  return { id: d.id, addr: BigInt(d.addr), size: BigInt(d.size), present: d.present };
}

/** The guest command that writes `value` to the state file of each block. */
export function stateWriteCommand(blocks: readonly number[], value: string): string {
  const file = (n: string): string => `/sys/devices/system/memory/memory${n}/state`;
  if (blocks.length === 1) return `echo ${value} > ${file(String(blocks[0]))}`;
  return `for v in ${blocks.join(' ')}; do echo ${value} > ${file('$v')}; done`;
}

function blockList(text: readonly string[]): number[] {
  const ranges = parseBlocks(text);
  const out: number[] = [];
  if (typeof ranges === 'string') return out;
  for (const r of ranges) for (let b = r.first; b <= r.last; b += r.stride) out.push(b);
  return out;
}

/** Plays the timeline forward, turning each leaf into a VmStep or a refusal. */
class StepPlanner {
  readonly steps: VmStep[] = [];
  readonly refusals: string[] = [];
  private requested = 0n;
  private readonly rng: SeededRng;

  constructor(
    private readonly scenario: Scenario,
    private readonly virtioMem: VmVirtioMem | null,
    private readonly dimms: ReadonlyMap<string, VmDimm>,
  ) {
    this.rng = new SeededRng(scenario.seed);
  }

  add(leaf: TimelineLeaf, index: number): void {
    const s = leaf.step;
    const drawn = s.op === 'soak' ? this.drawSoak(s) : undefined;
    const label = describeStep(s, leaf.iteration, drawn === undefined ? undefined : formatSize(drawn));
    const r = this.translate(s, drawn);
    if (typeof r === 'string') this.refusals.push(`step ${index} (${label}): ${r}`);
    else this.steps.push({ ...r, label });
  }

  private drawSoak(s: Extract<Step, { op: 'soak' }>): bigint {
    // The runner's own draw (runner.ts soak()): the same seed gives the same sizes.
    const min = BigInt(s.min);
    const gran = BigInt(s.granularity);
    return min + gran * BigInt(this.rng.int(0, Number((BigInt(s.max) - min) / gran)));
  }

  private resize(device: string, target: bigint): Planned | string {
    if (!this.virtioMem || this.virtioMem.id !== device) return `no virtio-mem device ${device} in the VM`;
    const size = target < 0n ? 0n : target;
    this.requested = size;
    return { kind: 'size', size, command: `size ${formatSize(size)}` };
  }

  private translate(s: Exclude<Step, { op: 'repeat' }>, drawn: bigint | undefined): Planned | string {
    switch (s.op) {
      case 'resize':
        return this.resize(s.device, s.size !== undefined ? BigInt(s.size) : this.requested + BigInt(s.by!));
      case 'soak':
        return this.resize(s.device, drawn!);
      case 'dimm-add': {
        const dimm = this.dimms.get(s.device);
        if (!dimm) return `no ACPI DIMM ${s.device} in the VM`;
        return { kind: 'dimm-add', dimm, command: `dimm-add ${dimm.id} ${formatSize(dimm.size)}` };
      }
      case 'dimm-remove':
        return this.dimms.has(s.device) ? { kind: 'dimm-del', id: s.device, command: `dimm-del ${s.device}` } : `no ACPI DIMM ${s.device} in the VM`;
      case 'online':
      case 'offline': {
        const shell = stateWriteCommand(blockList(s.blocks), s.op === 'online' ? s.type : 'offline');
        return { kind: 'guest', shell, command: `guest ${shell}` };
      }
      case 'wait':
        return { kind: 'sleep', ms: s.duration, command: `sleep ${s.duration / 1000}` };
      case 'mark':
        return { kind: 'dump', command: 'dump' };
      case 'hv-hot-add':
        return 'Hyper-V hot-add requests need QEMU\'s hv-balloon with KVM and Hyper-V enlightenments';
      case 'xen-target':
        return 'a Xen balloon target needs a Xen hypervisor';
      default:
        return `the fault injection "${s.op}" has no equivalent in a real guest`;
    }
  }
}

/** The modules a guest needs for the plan's devices (ACPI memory hot-plug is built into x86 kernels). */
function wantedModules(virtioMem: VmVirtioMem | null): string[] {
  return virtioMem ? ['virtio_pci', 'virtio_mem'] : [];
}

function capRefusals(lines: string[]): string[] {
  if (lines.length <= MAX_REFUSAL_LINES) return lines;
  return [...lines.slice(0, MAX_REFUSAL_LINES), `… and ${lines.length - MAX_REFUSAL_LINES} more`];
}

/** Plans a VM recording of the scenario, or lists every reason it cannot be recorded. */
export function planRecording(s: Scenario): PlanResult {
  const refusals: string[] = [];
  const machine = planMachine(s, refusals);
  const { virtioMem, dimms } = planDevices(s, refusals);
  const planner = new StepPlanner(s, virtioMem, new Map(dimms.map((d) => [d.id, d])));
  const cursor = new TimelineCursor(s.timeline);
  let index = 0;
  for (let leaf = cursor.next(); leaf; leaf = cursor.next()) {
    if (++index > MAX_RECORD_STEPS) {
      refusals.push(`timeline: more than ${MAX_RECORD_STEPS} steps; a VM recording that long is not supported`);
      break;
    }
    planner.add(leaf, index);
  }
  refusals.push(...planner.refusals);
  if (refusals.length > 0 || !machine) return { ok: false, refusals: capRefusals(refusals) };
  const notes: string[] = [];
  if (s.profile !== undefined || s.strategy !== undefined) notes.push('the scenario\'s profile/strategy are not used: replay picks the profile from the guest\'s uname -r');
  return {
    ok: true,
    plan: { name: s.name, machine, virtioMem, dimms, steps: planner.steps, modules: wantedModules(virtioMem), stepTimeoutMs: s.stepTimeout ?? DEFAULT_STEP_TIMEOUT_MS, notes },
  };
}
