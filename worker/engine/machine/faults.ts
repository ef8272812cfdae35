/**
 * Faults the lab can inject into the emulated guest. They stand for things the kernel cannot
 * predict from the memory map alone: kernel allocations pinning pages in a block (so offlining it
 * or unplugging its subblocks fails with -EBUSY), a block that user space keeps offline, and
 * add_memory() failing (e.g. -ENOMEM while allocating the memmap).
 *
 * Pinned memory is recorded as a byte count per memory block, taken from the block's start; which
 * subblocks that covers is an emulator choice (the oracle's `hint: unmovable memoryN SIZE` lines
 * only say how much).
 */
import { ENOMEM } from '../errno.js';

export interface AddMemoryFailure {
  /** Fail only an add starting at this address (any address when undefined). */
  start?: bigint;
  err: number;
  remaining: number;
}

export class Faults {
  private readonly unmovable = new Map<number, bigint>();
  /** Memmaps of removed blocks that the kernel never gave back (6.18.12), by the block holding them. */
  private readonly leakedMemmaps = new Map<number, bigint>();
  private readonly keepOffline = new Set<number>();
  private addFailures: AddMemoryFailure[] = [];

  /** Pins `bytes` of block `block` (0 clears it). Negative sizes are ignored. */
  setUnmovable(block: number, bytes: bigint): void {
    if (!Number.isInteger(block) || block < 0) return;
    if (bytes <= 0n) this.unmovable.delete(block);
    else this.unmovable.set(block, bytes);
  }

  unmovableBytes(block: number): bigint {
    return this.unmovable.get(block) ?? 0n;
  }

  /**
   * Kernel state rather than an injected fault: `bytes` more of `block` stay allocated for good (a
   * removed block's memmap that was never freed). They are pinned after the injected pins, and
   * fault-clear does not remove them; only removing `block` does.
   */
  pinLeakedMemmap(block: number, bytes: bigint): void {
    if (!Number.isInteger(block) || block < 0 || bytes <= 0n) return;
    this.leakedMemmaps.set(block, (this.leakedMemmaps.get(block) ?? 0n) + bytes);
  }

  leakedMemmapBytes(block: number): bigint {
    return this.leakedMemmaps.get(block) ?? 0n;
  }

  /** Injected and leaked pins of a block together, from its start. */
  private pinnedBytes(block: number): bigint | undefined {
    const a = this.unmovable.get(block);
    const b = this.leakedMemmaps.get(block);
    return a === undefined && b === undefined ? undefined : (a ?? 0n) + (b ?? 0n);
  }

  /** Every block with pinned memory, ascending. */
  unmovableBlocks(): { block: number; bytes: bigint }[] {
    return [...this.unmovable.entries()].sort((a, b) => a[0] - b[0]).map(([block, bytes]) => ({ block, bytes }));
  }

  /**
   * Whether [start, start+size) touches pinned memory, the pinned bytes of block b being
   * [b*blockSize, b*blockSize + pinned).
   */
  rangeHasUnmovable(start: bigint, size: bigint, blockSize: bigint): boolean {
    const pinnedBlocks = this.unmovable.size + this.leakedMemmaps.size;
    if (pinnedBlocks === 0 || size <= 0n) return false;
    const first = Number(start / blockSize);
    const last = Number((start + size - 1n) / blockSize);
    const hit = (b: number): boolean => {
      const bytes = this.pinnedBytes(b);
      return bytes !== undefined && this.overlaps(b, bytes, start, size, blockSize);
    };
    if (last - first > pinnedBlocks) {
      for (const b of new Set([...this.unmovable.keys(), ...this.leakedMemmaps.keys()])) if (b >= first && b <= last && hit(b)) return true;
      return false;
    }
    for (let b = first; b <= last; b++) if (hit(b)) return true;
    return false;
  }

  private overlaps(block: number, bytes: bigint, start: bigint, size: bigint, blockSize: bigint): boolean {
    const pStart = BigInt(block) * blockSize;
    const pEnd = pStart + (bytes < blockSize ? bytes : blockSize);
    return start < pEnd && pStart < start + size;
  }

  /** Memory that is removed from the guest takes its pinned pages with it. */
  forgetBlocks(first: number, count: number): void {
    for (let b = first; b < first + count; b++) {
      this.unmovable.delete(b);
      this.leakedMemmaps.delete(b);
    }
  }

  /** User space keeps this block offline: auto-onlining skips it. */
  setKeepOffline(block: number, on: boolean): void {
    if (on) this.keepOffline.add(block);
    else this.keepOffline.delete(block);
  }

  keepsOffline(block: number): boolean {
    return this.keepOffline.has(block);
  }

  /** The next `count` add_memory() calls (at `start`, or anywhere) fail with `err` (default -ENOMEM). */
  failAddMemory(opts: { start?: bigint; err?: number; count?: number } = {}): void {
    const err = opts.err !== undefined && opts.err < 0 ? opts.err : ENOMEM;
    const remaining = Math.max(1, Math.floor(opts.count ?? 1));
    this.addFailures.push({ start: opts.start, err, remaining });
  }

  /** Consumes an injected failure for an add at `start`: 0 when none applies. */
  takeAddMemoryFailure(start: bigint): number {
    const i = this.addFailures.findIndex((f) => f.start === undefined || f.start === start);
    if (i < 0) return 0;
    const f = this.addFailures[i]!;
    f.remaining--;
    if (f.remaining <= 0) this.addFailures.splice(i, 1);
    return f.err;
  }

  clearAddMemoryFailures(): void {
    this.addFailures = [];
  }

  pendingAddFailures(): number {
    return this.addFailures.reduce((n, f) => n + f.remaining, 0);
  }
}
