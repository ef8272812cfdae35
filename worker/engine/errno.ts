/**
 * The one error table of the engine: Linux errno values as the kernel returns them (negated).
 * Expected failures are results carrying one of these codes; exceptions are kept for broken
 * invariants (the kernel's BUG_ON / WARN paths that the emulator refuses to continue past).
 */
export const EPERM = -1;
export const ENOENT = -2;
export const EIO = -5;
export const E2BIG = -7;
export const EAGAIN = -11;
export const ENOMEM = -12;
export const EBUSY = -16;
export const EEXIST = -17;
export const ENODEV = -19;
export const EINVAL = -22;
export const ETXTBSY = -26;
export const ENOSPC = -28;
export const ERANGE = -34;

const NAMES: Record<number, string> = {
  [EPERM]: 'EPERM',
  [ENOENT]: 'ENOENT',
  [EIO]: 'EIO',
  [E2BIG]: 'E2BIG',
  [EAGAIN]: 'EAGAIN',
  [ENOMEM]: 'ENOMEM',
  [EBUSY]: 'EBUSY',
  [EEXIST]: 'EEXIST',
  [ENODEV]: 'ENODEV',
  [EINVAL]: 'EINVAL',
  [ETXTBSY]: 'ETXTBSY',
  [ENOSPC]: 'ENOSPC',
  [ERANGE]: 'ERANGE',
};

/** "-EBUSY" for -16, "0" for success, "-99" for a code outside the table. */
export function errnoName(code: number): string {
  if (code === 0) return '0';
  const name = NAMES[code];
  return name ? `-${name}` : String(code);
}

/** Thrown only when an invariant the kernel would BUG_ON is broken (never for bad user input). */
export class KernelBug extends Error {
  override readonly name = 'KernelBug';
}
