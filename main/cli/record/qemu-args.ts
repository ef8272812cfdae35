/**
 * The QEMU command line of a plan: a q35 guest with one vCPU, `-m <ram>,maxmem=…,slots=…`, the
 * virtio-mem device at its memaddr, cold-plugged DIMMs at their addresses, the kernel and the
 * initramfs, ttyS0 to a console log, ttyS1 to the guest's command channel, QMP on a socket, and
 * the CPU stopped (-S) until the recorder has connected to both sockets.
 */
import type { VmDimm, VmPlan } from './plan.js';

export type Accel = 'kvm' | 'tcg';

export interface QemuPaths {
  kernel: string;
  initrd: string;
  consoleLog: string;
  qmpSocket: string;
  guestSocket: string;
}

/** A size as QEMU reads it: with a K/M/G/T suffix when exact (QEMU's -m takes a bare number as MiB). */
export function qemuSize(bytes: bigint): string {
  for (const [unit, shift] of [['T', 40n], ['G', 30n], ['M', 20n], ['K', 10n]] as const) {
    if (bytes !== 0n && bytes % (1n << shift) === 0n) return `${bytes >> shift}${unit}`;
  }
  return `${bytes}B`;
}

function hexAddr(x: bigint): string {
  return `0x${x.toString(16)}`;
}

/** The kernel command line: console on ttyS0, fixed kernel addresses (nokaslr), the scenario's online policy. */
export function kernelCmdline(plan: VmPlan): string {
  return `console=ttyS0 nokaslr panic=-1 memhp_default_state=${plan.machine.onlinePolicy}`;
}

/** The -object/-device pair of a DIMM (QEMU's memory-backend-ram and pc-dimm). */
function dimmArgs(d: VmDimm): string[] {
  return ['-object', `memory-backend-ram,id=mem-${d.id},size=${qemuSize(d.size)},reserve=off`, '-device', `pc-dimm,id=${d.id},memdev=mem-${d.id},addr=${hexAddr(d.addr)}`];
}

/** The full argv after the QEMU binary. */
export function qemuArgs(plan: VmPlan, accel: Accel, paths: QemuPaths): string[] {
  const m = plan.machine;
  const args = ['-accel', accel, '-machine', 'q35', '-cpu', accel === 'kvm' ? 'host' : 'max', '-smp', '1'];
  args.push('-m', `${qemuSize(m.ram)},maxmem=${qemuSize(m.maxmem)},slots=${m.slots}`);
  const v = plan.virtioMem;
  if (v) {
    args.push('-object', `memory-backend-ram,id=mem-${v.id},size=${qemuSize(v.regionSize)},reserve=off`);
    args.push('-device', `virtio-mem-pci,id=${v.id},memdev=mem-${v.id},memaddr=${hexAddr(v.addr)},block-size=${qemuSize(v.blockSize)},requested-size=0`);
  }
  for (const d of plan.dimms) if (d.present) args.push(...dimmArgs(d));
  args.push('-kernel', paths.kernel, '-initrd', paths.initrd, '-append', kernelCmdline(plan));
  args.push('-nodefaults', '-display', 'none', '-no-reboot');
  args.push('-serial', `file:${paths.consoleLog}`);
  args.push('-chardev', `socket,id=guest,path=${paths.guestSocket},server=on,wait=off`, '-serial', 'chardev:guest');
  args.push('-qmp', `unix:${paths.qmpSocket},server=on,wait=off`, '-S');
  return args;
}
