/**
 * The kdump verdict the runner records per step: userspace/kexec.ts's view of the current
 * /proc/iomem for the scenario's kexec-tools release and load path. The boot maps the lab ships
 * were recorded without crashkernel=, so unless the map shows a "Crash kernel" line the
 * reservation is placed as the x86 kernel would put a `crashkernel=<size>` (16 MiB aligned, as
 * high as it fits in boot RAM below 4 GiB); it is not drawn into /proc/iomem.
 */
import { iomemEntries } from '../kernel/iomem.js';
import { NIL } from '../kernel/resource.js';
import type { ResourceTree } from '../kernel/resource.js';
import { kdumpView } from './kexec.js';
import type { KdumpSettings } from './kexec.js';
import { GiB, MiB } from '../sizes.js';
import type { KdumpSpec } from '../scenario/scenario.js';

/** The kexec-tools release used when a scenario names none: current when the seed series was posted (Jul 2020). */
export const DEFAULT_KEXEC_TOOLS = '2.0.20';
const DEFAULT_CRASHKERNEL = 256n * MiB;
const CRASH_ALIGN = 16n * MiB;

export interface KdumpVerdict {
  /** Ranges kexec-tools recorded (every kept line type counts against the cap), or the kernel's RAM ranges. */
  ranges: number;
  /** The fixed limit that applies; 0 when none does (kexec_file_load without crash hotplug). */
  cap: number;
  ok: boolean;
  /** RAM bytes a dump taken now would miss (decimal). */
  missedBytes: string;
  /** Further hot-added blocks before the load breaks; null when no fixed limit applies. */
  headroomBlocks: number | null;
  /** What kexec would print. */
  messages: string[];
}

/** Where `crashkernel=<size>` would land: the highest 16 MiB-aligned fit in top-level boot RAM below 4 GiB. */
export function placeCrashKernel(tree: ResourceTree, size: bigint): { start: bigint; end: bigint } | null {
  if (size <= 0n) return null;
  let best: { start: bigint; end: bigint } | null = null;
  for (let r = tree.child(tree.root); r !== NIL; r = tree.sibling(r)) {
    if (tree.name(r) !== 'System RAM' || tree.start(r) >= 4n * GiB) continue;
    const top = (tree.end(r) < 4n * GiB ? tree.end(r) : 4n * GiB - 1n) + 1n;
    const start = ((top - size) / CRASH_ALIGN) * CRASH_ALIGN;
    if (top >= size && start >= tree.start(r) && (!best || start > best.start)) best = { start, end: start + size - 1n };
  }
  return best;
}

/** The settings for kexec.ts from the scenario's kdump spec, the profile's walk scope and the boot tree. */
export function kdumpSettings(spec: KdumpSpec | undefined, tree: ResourceTree, walkScope: 'top-level' | 'whole-tree', blockSize: bigint): KdumpSettings {
  const settings: KdumpSettings = {
    release: spec?.kexecTools ?? DEFAULT_KEXEC_TOOLS,
    syscall: spec?.loadPath ?? 'kexec_load',
    blockSize,
    kernel: { walkScope, crashHotplug: null, possibleCpus: 1 },
  };
  let shown = false;
  for (const e of iomemEntries(tree)) if (e.name === 'Crash kernel') shown = true;
  if (!shown) {
    const place = placeCrashKernel(tree, spec?.crashKernel !== undefined ? BigInt(spec.crashKernel) : DEFAULT_CRASHKERNEL);
    settings.crashKernel = place ? [place] : [];
  }
  return settings;
}

/** The verdict for the tree as it is now (O(lines)). */
export function kdumpVerdict(tree: ResourceTree, settings: KdumpSettings): KdumpVerdict {
  const r = kdumpView(iomemEntries(tree), settings);
  if (!r.ok) return { ranges: 0, cap: 0, ok: false, missedBytes: '0', headroomBlocks: null, messages: [r.error] };
  const v = r.view;
  return {
    ranges: v.recorded,
    cap: v.cap ?? 0,
    ok: v.ok,
    missedBytes: String(v.missedBytes),
    headroomBlocks: v.headroom ? v.headroom.blocks : null,
    messages: v.messages,
  };
}
