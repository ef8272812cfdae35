import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Machine, type MachineConfig } from '../../../worker/engine/machine/machine.js';
import type { VirtioMemDevice } from '../../../worker/engine/drivers/virtio-mem.js';

const d = readFileSync(path.resolve(__dirname, '../../fixtures/oracle/d-split-on-unplug.txt'), 'utf8');
const s0 = d.split(/^=== step 1:/m)[0]!;
/** The q35 2 GiB boot map of the oracle traces (with the virtio0 container already present). */
export const BOOT_IOMEM = s0.split('--- iomem\n')[1]!.split('--- memory-blocks\n')[0]!;
export const BOOT_BLOCKS = s0.split('--- memory-blocks\n')[1]!.split('--- meminfo')[0]!;
/** The same boot map without the virtio0 container line. */
export const BOOT_IOMEM_NO_VIRTIO = BOOT_IOMEM.replace(/^100000000-10ffffffff : virtio0\n/m, '');

export const MiB = 1n << 20n;
export const GiB = 1n << 30n;
export const BLOCK = 128n * MiB;

export function machine(over: Partial<MachineConfig> = {}): Machine {
  const r = Machine.create({ bootIomem: BOOT_IOMEM_NO_VIRTIO, physBits: 40, blockSize: BLOCK, onlinePolicy: 'online_movable', profile: '6.12', ...over });
  if (!r.ok) throw new Error(r.error);
  return r.machine;
}

/** A machine with a 64 GiB virtio-mem device at 4 GiB (as in the oracle traces). */
export function withVirtioMem(over: Partial<MachineConfig> = {}, dev: { blockSize?: bigint; regionSize?: bigint; plugged?: bigint } = {}): { m: Machine; vm: VirtioMemDevice } {
  const m = machine(over);
  const r = m.addDevice({ kind: 'virtio-mem', id: 'vm0', addr: 4n * GiB, regionSize: dev.regionSize ?? 64n * GiB, blockSize: dev.blockSize ?? 2n * MiB, plugged: dev.plugged });
  if (!r.ok) throw new Error(r.error);
  m.settle();
  return { m, vm: r.device as VirtioMemDevice };
}

/** The /proc/iomem lines at or above 4 GiB that hold hot-added memory or containers. */
export function hotLines(m: Machine): string[] {
  return m
    .renderIomem()
    .split('\n')
    .filter((l) => /^ *[0-9a-f]{9,}-[0-9a-f]+ : (System RAM|virtio)/.test(l));
}

/** "32:online:Movable"-style summary of blocks >= 32 (hot-added ones). */
export function hotBlocks(m: Machine): string[] {
  return m
    .renderMemoryBlocks()
    .split('\n')
    .map((l) => /^memory(\d+) (\S+) ?(.*)$/.exec(l))
    .filter((x): x is RegExpExecArray => x !== null && Number(x[1]) >= 32)
    .map((x) => `${x[1]}:${x[2]}:${x[3]!.replace(/ /g, '/')}`);
}
