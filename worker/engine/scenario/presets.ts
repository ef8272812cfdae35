/**
 * The scenarios shipped with the lab. Each is written as a scenario file would be (sizes as
 * "128M"), so each is also a valid scenario file: test/engine/scenario/presets.spec.ts validates every one
 * through the published JSON Schema and `normalizeScenario`.
 *
 * The three seed presets are the case of the seed series' cover letter: 100 GiB added in
 * 128 MiB blocks, on the oracle's q35 guest (2 GiB boot RAM), from 4 GiB up. The guest is
 * started with `maxmem` 102G so QEMU's 64-bit PCI window sits above the 100 GiB (see
 * ./boot-maps.ts); with the recorded maxmem of 66G it would sit at 72 GiB, inside the range.
 */
import { normalizeScenario } from './normalize.js';
import type { Scenario } from './scenario.js';

export interface PresetEntry {
  name: string;
  description: string;
  /** The scenario as written in a file (sizes as text). */
  input: Record<string, unknown>;
}

/** The oracle's q35 guest with a larger maxmem; the 6.18 presets boot on 6.18's map, the 5.9 one on q35-2g. */
const q35 = (maxmem: string, map = 'q35-2g-6.18') => ({ map, maxmem, slots: 4 });

/**
 * The virtio-mem presets read the kdump view with kexec-tools 2.0.22, the first release that
 * counts "System RAM (virtio_mem)" lines (before it they were not dumped at all, so every
 * strategy would look equally broken); its cap is 32768 ranges.
 */
const VIRTIO_KDUMP = { kexecTools: '2.0.22', loadPath: 'kexec_load' };

const PRESETS: PresetEntry[] = [
  {
    name: 'seed-100g-virtio-mem',
    description: 'The seed case with virtio-mem: a 100 GiB device at 4 GiB grows 128 MiB at a time to 100 GiB (800 memory blocks under "virtio0").',
    input: {
      name: 'seed-100g-virtio-mem',
      description: '800 × 128 MiB added by virtio-mem, nested under virtio0.',
      seed: 1,
      profile: '6.18',
      machine: { boot: q35('102G'), blockSize: '128M', physBits: 46, onlinePolicy: 'online_movable', kdump: VIRTIO_KDUMP },
      devices: [{ kind: 'virtio-mem', id: 'vm0', addr: '4G', regionSize: '100G', blockSize: '2M' }],
      timeline: [{ op: 'repeat', count: 800, steps: [{ op: 'resize', device: 'vm0', by: '+128M', label: 'vm0 +128M' }] }],
    },
  },
  {
    name: 'seed-100g-hv-balloon',
    description: 'The seed case with the Hyper-V balloon: 800 hot-add requests of 128 MiB from 4 GiB up, each one add_memory() of one top-level "System RAM".',
    input: {
      name: 'seed-100g-hv-balloon',
      description: '800 × 128 MiB hot-added by hv_balloon at the top level of iomem.',
      seed: 1,
      profile: '6.18',
      machine: { boot: q35('102G'), blockSize: '128M', physBits: 46, onlinePolicy: 'online_movable' },
      devices: [{ kind: 'hv-balloon', id: 'hv0', hotAddBase: '4G' }],
      timeline: [{ op: 'repeat', count: 800, steps: [{ op: 'hv-hot-add', device: 'hv0', size: '128M', label: 'hv0 hot-add 128M' }] }],
    },
  },
  {
    name: 'seed-100g-xen-balloon',
    description: 'The seed case with the Xen balloon: the target is raised 128 MiB at a time, 800 times; each raise makes one "System RAM" resource (Xen adds its whole outstanding credit at once).',
    input: {
      name: 'seed-100g-xen-balloon',
      description: '800 target raises of 128 MiB; memory placed first-fit from 4 GiB up.',
      seed: 1,
      profile: '6.18',
      machine: { boot: q35('102G'), blockSize: '128M', physBits: 46, onlinePolicy: 'online_movable' },
      devices: [{ kind: 'xen-balloon', id: 'xen0' }],
      timeline: [{ op: 'repeat', count: 800, steps: [{ op: 'xen-target', device: 'xen0', by: '+128M', label: 'xen0 target +128M' }] }],
    },
  },
  {
    name: 'kdump-limit',
    description: 'Hyper-V adds 300 GiB in 128 MiB chunks on a 5.9 kernel with kexec-tools 2.0.20 (cap 2050 crash ranges): without merging kdump stops loading past about 256 GiB; compare with mhp-merge.',
    input: {
      name: 'kdump-limit',
      description: 'One crash range per hot-added block until kexec-tools runs out of slots.',
      seed: 1,
      profile: '5.9',
      machine: {
        boot: q35('302G', 'q35-2g'), blockSize: '128M', physBits: 46, onlinePolicy: 'online',
        kdump: { kexecTools: '2.0.20', loadPath: 'kexec_load' },
      },
      devices: [{ kind: 'hv-balloon', id: 'hv0', hotAddBase: '4G' }],
      timeline: [{ op: 'repeat', count: 2400, steps: [{ op: 'hv-hot-add', device: 'hv0', size: '128M', label: 'hv0 hot-add 128M' }] }],
    },
  },
  {
    name: 'unplug-fragmentation',
    description: 'virtio-mem plugs 8 GiB (one merged resource), the guest offlines every other block, the next shrink removes those first and splits the resource into 32 pieces; a pinned block then holds up the unplug until the fault is cleared.',
    input: {
      name: 'unplug-fragmentation',
      description: 'Merging undone by unplug: offline blocks go first, each removal splits the merged resource.',
      seed: 1,
      profile: '6.18',
      machine: { boot: 'q35-2g-6.18', blockSize: '128M', physBits: 46, onlinePolicy: 'online_movable', kdump: VIRTIO_KDUMP },
      devices: [{ kind: 'virtio-mem', id: 'vm0', addr: '4G', regionSize: '64G', blockSize: '2M' }],
      timeline: [
        { op: 'resize', device: 'vm0', size: '8G', label: 'plug 8 GiB (memory32-95)' },
        { op: 'offline', blocks: '33-95/2', label: 'guest offlines every other block' },
        { op: 'resize', device: 'vm0', by: '-4G', label: 'shrink by 4 GiB: the offline blocks go first' },
        { op: 'fault-unmovable', blocks: 32, size: '4M', label: 'pin 4 MiB of memory32' },
        { op: 'resize', device: 'vm0', size: '0', label: 'shrink to 0: memory32 stays' },
        { op: 'wait', duration: '120s', label: 'virtio-mem retries with back-off' },
        { op: 'fault-clear', fault: 'unmovable', label: 'the pinned pages are freed' },
        { op: 'wait', duration: '300s', label: 'the next retry unplugs the rest' },
        { op: 'resize', device: 'vm0', size: '4G', label: 'plug 4 GiB again: one merged resource' },
      ],
    },
  },
  {
    name: 'scale-64t',
    description: 'A 64 TiB virtio-mem device at 1 TiB (52 physical address bits) grows 128 GiB at a time to 64 TiB in 512 steps: 524,288 memory blocks of 128 MiB.',
    input: {
      name: 'scale-64t',
      description: 'Scale test: 524,288 blocks; one merged resource, or 524,288 lines without merging.',
      seed: 1,
      profile: '6.18',
      machine: { boot: q35('64T'), blockSize: '128M', physBits: 52, onlinePolicy: 'online_movable', kdump: VIRTIO_KDUMP },
      devices: [{ kind: 'virtio-mem', id: 'vm0', addr: '1T', regionSize: '64T', blockSize: '128M' }],
      // 128 GiB (1,024 blocks) per step: short enough for the worker to report between steps at
      // 10 Hz or more (a whole TiB took about 150 ms of engine time).
      timeline: [{ op: 'repeat', count: 512, steps: [{ op: 'resize', device: 'vm0', by: '+128G', label: 'vm0 +128G' }] }],
    },
  },
  {
    name: 'soak-virtio-mem',
    description: 'Soak: 500 random virtio-mem resizes between 0 and 16 GiB (seeded), then back to 0.',
    input: {
      name: 'soak-virtio-mem',
      description: 'Random plug/unplug within bounds; the seed reproduces the run.',
      seed: 42,
      profile: '6.18',
      machine: { boot: 'q35-2g-6.18', blockSize: '128M', physBits: 46, onlinePolicy: 'online_movable', kdump: VIRTIO_KDUMP },
      devices: [{ kind: 'virtio-mem', id: 'vm0', addr: '4G', regionSize: '64G', blockSize: '2M' }],
      timeline: [
        { op: 'soak', device: 'vm0', count: 500, min: '0', max: '16G', granularity: '128M' },
        { op: 'resize', device: 'vm0', size: '0', label: 'back to 0' },
      ],
    },
  },
];

const cache = new Map<string, Scenario>();

export function presetNames(): string[] {
  return PRESETS.map((p) => p.name);
}

/** Name and description of every preset, for pickers. */
export function presetInfo(): { name: string; description: string }[] {
  return PRESETS.map((p) => ({ name: p.name, description: p.description }));
}

/** The preset as written in a file (for validation through the schema and for export). */
export function presetInput(name: string): Record<string, unknown> | undefined {
  const p = PRESETS.find((x) => x.name === name);
  return p ? clonePlain(p.input) : undefined;
}

/** The normalized preset scenario (a fresh copy each call), or undefined for an unknown name. */
export function getPreset(name: string): Scenario | undefined {
  let s = cache.get(name);
  if (!s) {
    const p = PRESETS.find((x) => x.name === name);
    if (!p) return undefined;
    const r = normalizeScenario(p.input);
    // A preset that fails its own validation is a bug in this file, caught by the preset tests.
    if (!r.ok) return undefined;
    s = r.scenario;
    cache.set(name, s);
  }
  return clonePlain(s);
}

/** A deep copy of plain JSON data (scenarios hold no bigint, functions or cycles). */
function clonePlain<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
