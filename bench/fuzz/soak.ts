/**
 * Soak: a long random plug/unplug workload on one resource tree, the way virtio-mem (blocks under
 * its "virtio0" container, merged) and the Hyper-V balloon (top-level System RAM, merged) drive
 * it, with heap samples after a forced GC. Memory must stay flat: freed nodes are reused.
 */
import {
  IORESOURCE_BUSY,
  IORESOURCE_EXCLUSIVE,
  IORESOURCE_SYSRAM_DRIVER_MANAGED,
  IORESOURCE_SYSTEM_RAM,
  NIL,
  ResourceTree,
} from '../../worker/engine/kernel/resource.js';
import type { U32Source } from './model-run.js';

const BLOCK = 128n << 20n;
const VIRTIO_BASE = 1n << 32n;
const HV_BASE = 1n << 40n;
export const SOAK_BLOCKS = 512;

export interface SoakSample {
  ops: number;
  heapBytes: number;
  nodes: number;
  storageBytes: number;
}

export interface SoakResult {
  ops: number;
  samples: SoakSample[];
  plugs: number;
  unplugs: number;
  maxNodes: number;
}

/** heapUsed + arrayBuffers after two forced GCs (needs --expose-gc; otherwise as found). */
export function heapNow(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Runs `ops` plug/unplug operations; samples the heap at each of `sampleAt` (operation counts). */
export function soakResourceTree(src: U32Source, ops: number, sampleAt: readonly number[]): SoakResult {
  const tree = new ResourceTree({ rootEnd: (1n << 46n) - 1n });
  const ramName = tree.internName('System RAM');
  const vmName = tree.internName('System RAM (virtio_mem)');
  const container = tree.alloc(tree.internName('virtio0'), VIRTIO_BASE, VIRTIO_BASE + BigInt(SOAK_BLOCKS) * BLOCK - 1n, (IORESOURCE_SYSTEM_RAM | IORESOURCE_EXCLUSIVE) >>> 0);
  if (tree.requestResource(tree.root, container).err !== 0) throw new Error('soak: cannot place the container');
  const plugged = [new Uint8Array(SOAK_BLOCKS), new Uint8Array(SOAK_BLOCKS)];
  const result: SoakResult = { ops: 0, samples: [], plugs: 0, unplugs: 0, maxNodes: 0 };
  const samples = new Set(sampleAt);
  for (let i = 1; i <= ops; i++) {
    const dev = src.u32() & 1;
    const b = src.u32() % SOAK_BLOCKS;
    const start = (dev === 0 ? VIRTIO_BASE : HV_BASE) + BigInt(b) * BLOCK;
    if (plugged[dev]![b] === 0) {
      const flags = (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY | (dev === 0 ? IORESOURCE_SYSRAM_DRIVER_MANAGED : 0)) >>> 0;
      const r = tree.alloc(dev === 0 ? vmName : ramName, start, start + BLOCK - 1n, flags);
      if (tree.requestResource(dev === 0 ? container : tree.root, r).err !== 0) throw new Error(`soak: block ${b} of device ${dev} was free but the request failed`);
      tree.mergeSystemRamResource(r);
      plugged[dev]![b] = 1;
      result.plugs++;
    } else {
      tree.releaseMemRegionAdjustable(start, BLOCK);
      plugged[dev]![b] = 0;
      result.unplugs++;
    }
    const n = tree.count();
    if (n > result.maxNodes) result.maxNodes = n;
    if (samples.has(i)) result.samples.push({ ops: i, heapBytes: heapNow(), nodes: n, storageBytes: tree.heapBytes() });
    result.ops = i;
  }
  // The tree must still hold exactly what was plugged.
  let bytes = 0n;
  tree.walkSystemRamRes(0n, (1n << 46n) - 1n, (c) => {
    bytes += c.end - c.start + 1n;
    return 0;
  });
  const want = BigInt(plugged[0]!.reduce((a, x) => a + x, 0) + plugged[1]!.reduce((a, x) => a + x, 0)) * BLOCK;
  if (bytes !== want) throw new Error(`soak: the tree holds ${bytes} bytes of System RAM, ${want} were plugged`);
  if (tree.child(container) === NIL && plugged[0]!.some((x) => x === 1)) throw new Error('soak: plugged virtio-mem blocks are missing');
  return result;
}
