/**
 * The kernel command line's hot-plug parameters: what the machine reads from `cmdline` and hands
 * to the hot-plug core and the drivers (module parameters such as virtio_mem.force_bbm).
 */
/** Kernel parameters that change hotplug behaviour. */
export interface KernelParams {
  /** `movable_node`: a plain "online" prefers ZONE_MOVABLE when the zones do not decide. */
  movableNode: boolean;
  /** memory_hotplug.online_policy: contig-zones (default) or auto-movable (5.15+). */
  onlinePolicy: 'contig-zones' | 'auto-movable';
  /** memory_hotplug.auto_movable_ratio in percent (default 301). */
  autoMovableRatio: number;
  virtioMem: {
    /** virtio_mem.force_bbm (5.11+). */
    forceBbm: boolean;
    /** virtio_mem.bbm_block_size in bytes, 0 = auto (5.11+). */
    bbmBlockSize: bigint;
    /** virtio_mem.unplug_online (default on): off = only offline memory is unplugged. */
    unplugOnline: boolean;
  };
}

export const DEFAULT_KERNEL_PARAMS: KernelParams = { movableNode: false, onlinePolicy: 'contig-zones', autoMovableRatio: 301, virtioMem: { forceBbm: false, bbmBlockSize: 0n, unplugOnline: true } };

function kernelBool(v: string | undefined): boolean | null {
  if (v === undefined || v === '' || /^(1|y|Y|on|true)$/.test(v)) return true;
  if (/^(0|n|N|off|false)$/.test(v)) return false;
  return null;
}

/**
 * Reads the hotplug-relevant parameters of a kernel command line (the kernel's own spelling:
 * `-` and `_` are the same in parameter names). Unknown words are ignored; values that cannot be
 * read and parameters the emulator does not model come back as warnings.
 */
export function parseKernelCmdline(cmdline: string): { params: KernelParams; warnings: string[] } {
  const params: KernelParams = { ...DEFAULT_KERNEL_PARAMS, virtioMem: { ...DEFAULT_KERNEL_PARAMS.virtioMem } };
  const warnings: string[] = [];
  for (const word of String(cmdline).split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    const key = (eq < 0 ? word : word.slice(0, eq)).replace(/-/g, '_');
    const val = eq < 0 ? undefined : word.slice(eq + 1);
    switch (key) {
      case 'movable_node':
        params.movableNode = true;
        break;
      case 'virtio_mem.force_bbm':
      case 'virtio_mem.unplug_online': {
        const b = kernelBool(val);
        if (b === null) warnings.push(`${word}: not a boolean; ignored`);
        else if (key === 'virtio_mem.force_bbm') params.virtioMem.forceBbm = b;
        else params.virtioMem.unplugOnline = b;
        break;
      }
      case 'virtio_mem.bbm_block_size': {
        const n = val !== undefined && /^(0x[0-9a-fA-F]+|\d+)$/.test(val) ? BigInt(val) : null;
        if (n === null) warnings.push(`${word}: not a byte count; ignored`);
        else params.virtioMem.bbmBlockSize = n;
        break;
      }
      case 'memory_hotplug.online_policy':
        if (val === 'contig-zones' || val === 'auto-movable') params.onlinePolicy = val;
        else warnings.push(`${word}: unknown online policy; contig-zones used`);
        break;
      case 'memory_hotplug.auto_movable_ratio': {
        const n = val !== undefined && /^\d+$/.test(val) ? Number(val) : NaN;
        if (!Number.isSafeInteger(n)) warnings.push(`${word}: not a number; ignored`);
        else params.autoMovableRatio = n;
        break;
      }
      default:
        break;
    }
  }
  return { params, warnings };
}
