/**
 * The typed, validated scenario: plain data that fully describes a lab run (machine, devices,
 * timeline, seed). It crosses worker and IPC boundaries, so it holds no bigint: every size and
 * address is a **decimal string of bytes** ("134217728"), exact at 64 bits and JSON-safe, as in
 * worker/protocol.ts. Scenario files may write sizes as "128M", "0x8000000" or plain numbers;
 * `normalizeScenario` (./normalize.ts) turns them into this form and checks every field.
 */

import type { OnlinePolicy, ProfileName, StrategyName } from '../names.js';

// The profile, strategy and online-policy lists are declared once, in ../names.ts.
export { ONLINE_POLICIES, PROFILE_NAMES, STRATEGY_NAMES, type OnlinePolicy, type ProfileName, type StrategyName } from '../names.js';

export type OnlineType = 'online' | 'online_kernel' | 'online_movable';

export const ONLINE_TYPES: readonly OnlineType[] = ['online', 'online_kernel', 'online_movable'];
/** Device kinds and their declarations come from the drivers (one file per kind, listed in DRIVERS). */
export { DEVICE_KINDS } from '../drivers/index.js';
export type { DeviceKind, DeviceDecl } from '../drivers/index.js';
export type { VirtioMemDecl } from '../drivers/virtio-mem.js';
export type { AcpiDimmDecl } from '../drivers/acpi-dimm.js';
export type { HvBalloonDecl } from '../drivers/hv-balloon.js';
export type { XenBalloonDecl } from '../drivers/xen-balloon.js';
import type { DeviceDecl } from '../drivers/index.js';

/** A size or address in bytes as a decimal string (non-negative). */
export type SizeText = string;
/** A signed byte delta as a decimal string ("-134217728"). */
export type DeltaText = string;

/** The named boot memory maps built into the engine (see ./boot-maps.ts). */
export type BootMapName = 'q35-2g' | 'q35-2g-6.1' | 'q35-2g-6.18' | 'q35-2g-7.3';
export const BOOT_MAP_NAMES: readonly BootMapName[] = ['q35-2g', 'q35-2g-6.1', 'q35-2g-6.18', 'q35-2g-7.3'];

/**
 * The boot /proc/iomem: a built-in map (optionally re-laid out for a larger `maxmem`, as QEMU
 * would place its device-memory area and 64-bit PCI window) or an inline root-view dump.
 */
export type BootSpec =
  | { map: BootMapName; maxmem?: SizeText; slots?: number }
  | { iomem: string; source?: string };

/** How the kdump view reads the memory map (passed to userspace/kexec.ts). */
export interface KdumpSpec {
  /** kexec-tools release, e.g. "2.0.20" (the range cap and name matching follow it). */
  kexecTools?: string;
  /** kexec_load parses /proc/iomem; kexec_file_load lets the kernel build the ranges. */
  loadPath?: 'kexec_load' | 'kexec_file_load';
  /** crashkernel= size reserved in boot RAM below 4 GiB when the boot map shows none (default 256M; "0" = none). */
  crashKernel?: SizeText;
}

export interface MachineSpec {
  boot: BootSpec;
  /** Memory block size (memory_block_size_bytes()); a power of two ≥ 128 MiB. */
  blockSize: SizeText;
  /** iomem_resource.end = 2^physBits - 1 (46, or 52 with 5-level paging). */
  physBits: number;
  /** memhp_default_state / auto_online_blocks. */
  onlinePolicy: OnlinePolicy;
  /** Optional recorded "--- memory-blocks" section for the boot blocks. */
  bootBlocks?: string;
  kdump?: KdumpSpec;
}


/**
 * Memory blocks named by a step, canonical text: "33", "33-40" or "33-95/2" (every 2nd). Kept as
 * text so a normalized scenario is itself a valid scenario file; `parseBlocks` expands it.
 */
export type BlocksText = string[];

/** Blocks first..last (inclusive), every `stride`-th. */
export interface BlockRange {
  first: number;
  last: number;
  stride: number;
}

/**
 * What a `fault-host` makes the host do: each driver lists its own (`host.faults` in
 * drivers/<kind>.ts, e.g. virtio-mem busy/nack/error, hv-balloon hot-add-cancel/hot-add-fail,
 * xen-balloon populate-fail/maxmem), and normalization accepts only the named device's.
 */
export type HostResponse = string;
export type FaultKind = 'all' | 'unmovable' | 'add-memory' | 'host' | 'keep-offline';
/** Errors an injected add_memory failure may return. */
export type AddMemoryErrno = 'ENOMEM' | 'EBUSY' | 'EEXIST' | 'EINVAL' | 'E2BIG' | 'ENOSPC';
export const ADD_MEMORY_ERRNOS: readonly AddMemoryErrno[] = ['ENOMEM', 'EBUSY', 'EEXIST', 'EINVAL', 'E2BIG', 'ENOSPC'];

interface StepBase {
  /** Shown in progress lines, metrics and charts; a default is derived from the step. */
  label?: string;
}

/** Host: set a virtio-mem device's requested-size (`size`) or change it by `by`. */
export interface ResizeStep extends StepBase { op: 'resize'; device: string; size?: SizeText; by?: DeltaText }
/** Host: a Hyper-V DM_MEM_HOT_ADD_REQUEST of `size` bytes at `start` (default: right after the previous one). */
export interface HvHotAddStep extends StepBase { op: 'hv-hot-add'; device: string; size: SizeText; start?: SizeText }
/** Host: set the Xen balloon target (`target`, total guest memory) or raise/lower it by `by`. */
export interface XenTargetStep extends StepBase { op: 'xen-target'; device: string; target?: SizeText; by?: DeltaText }
/** Host: plug / eject an ACPI DIMM declared in `devices`. */
export interface DimmAddStep extends StepBase { op: 'dimm-add'; device: string }
export interface DimmRemoveStep extends StepBase { op: 'dimm-remove'; device: string }
/** Guest: echo <type> > /sys/devices/system/memory/memoryN/state for each block. */
export interface OnlineStep extends StepBase { op: 'online'; blocks: BlocksText; type: OnlineType }
export interface OfflineStep extends StepBase { op: 'offline'; blocks: BlocksText }
/** Fault: `size` bytes (default the whole block) of each block are pinned by unmovable pages. */
export interface FaultUnmovableStep extends StepBase { op: 'fault-unmovable'; blocks: BlocksText; size?: SizeText }
/** Fault: the next `count` add_memory calls fail with `error`. */
export interface FaultAddMemoryStep extends StepBase { op: 'fault-add-memory'; count: number; error: AddMemoryErrno }
/** Fault: from now until a `fault-clear` (host), the host misbehaves as `response` says (see HostResponse). */
export interface FaultHostStep extends StepBase {
  op: 'fault-host';
  device: string;
  response: HostResponse;
  /** populate-fail: how many populate calls fail (default 1). */
  count?: number;
  /** maxmem: the new domain maximum. */
  size?: SizeText;
}
/** Fault: the guest keeps these blocks offline when they are added (auto-onlining skips them); an explicit `online` step still onlines them. */
export interface FaultKeepOfflineStep extends StepBase { op: 'fault-keep-offline'; blocks: BlocksText }
/** Removes injected faults of one kind (or all). */
export interface FaultClearStep extends StepBase { op: 'fault-clear'; fault: FaultKind }
/** Lets `duration` ms of simulated time pass (drivers' timers fire). */
export interface WaitStep extends StepBase { op: 'wait'; duration: number }
/** Records the state without changing anything. */
export interface MarkStep extends StepBase { op: 'mark' }
/** Runs `steps` `count` times (each inner step is one runner step). */
export interface RepeatStep extends StepBase { op: 'repeat'; count: number; steps: Step[] }
/**
 * `count` random host requests, drawn with the scenario's seeded RNG: a new size in
 * [min, max], a multiple of `granularity` (virtio-mem requested-size, Xen target), or a DIMM of
 * the listed ones plugged/ejected.
 */
export interface SoakStep extends StepBase { op: 'soak'; device: string; count: number; min: SizeText; max: SizeText; granularity: SizeText }

export type Step =
  | ResizeStep
  | HvHotAddStep
  | XenTargetStep
  | DimmAddStep
  | DimmRemoveStep
  | OnlineStep
  | OfflineStep
  | FaultUnmovableStep
  | FaultAddMemoryStep
  | FaultHostStep
  | FaultKeepOfflineStep
  | FaultClearStep
  | WaitStep
  | MarkStep
  | RepeatStep
  | SoakStep;

export type StepOp = Step['op'];
export const STEP_OPS: readonly StepOp[] = [
  'resize', 'hv-hot-add', 'xen-target', 'dimm-add', 'dimm-remove', 'online', 'offline',
  'fault-unmovable', 'fault-add-memory', 'fault-host', 'fault-keep-offline', 'fault-clear',
  'wait', 'mark', 'repeat', 'soak',
];

export interface Scenario {
  name: string;
  description?: string;
  /** Seeds the runner's SeededRng (soak steps); 0 … 2^32-1. */
  seed: number;
  machine: MachineSpec;
  profile?: ProfileName;
  strategy?: StrategyName;
  /** Simulated ms a host request may take to converge before the next step starts (default 60 s). */
  stepTimeout?: number;
  /** Simulated ms from one step's start to the next one's (default 1 s); see DEFAULT_STEP_INTERVAL_MS. */
  stepInterval?: number;
  devices: DeviceDecl[];
  timeline: Step[];
}

/** The default of `stepTimeout`: the oracle recorder's step timeout. */
export const DEFAULT_STEP_TIMEOUT_MS = 60_000;

/**
 * The default of `stepInterval`: a timeline step starts at least this long after the previous one
 * started (the first one this long after boot). The oracle recorder's steps take about a second
 * each (its settle loop), so simulated time, dmesg timestamps and the drivers' timers move on.
 */
export const DEFAULT_STEP_INTERVAL_MS = 1000;

/**
 * Limits on what one scenario may ask for, so a hostile file cannot make the lab run forever or
 * exhaust memory. Documented in common/scenario-io/README.md (with the text-level limits there).
 */
export const SCENARIO_LIMITS = {
  nameChars: 128,
  descriptionChars: 4096,
  labelChars: 200,
  devices: 64,
  /** Step objects written in the file, nested ones included. */
  stepEntries: 10_000,
  /** How deep `repeat` may nest. */
  repeatDepth: 8,
  /** Largest `count` of one repeat or soak step. */
  repeatCount: 1_000_000,
  /** Runner steps after expanding every repeat and soak. */
  expandedSteps: 10_000_000,
  /** Largest single wait, in simulated ms (30 days). */
  waitMs: 30 * 24 * 3600 * 1000,
  /** Blocks one online/offline/fault step may name. */
  blocksPerStep: 1 << 22,
  /** Inline or imported boot /proc/iomem text. */
  iomemChars: 64 * 1024 * 1024,
} as const;
