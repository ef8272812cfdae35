import { describe, expect, it } from 'vitest';
import { alignUp, formatSize, hex, isPowerOfTwo, parseSize, u64, GiB, MiB } from '../../worker/engine/sizes.js';
import { errnoName, EBUSY, EINVAL } from '../../worker/engine/errno.js';

describe('sizes', () => {
  it.each([
    ['128M', 128n * MiB],
    ['1G', GiB],
    ['0x8000000', 128n * MiB],
    ['0', 0n],
    ['4096', 4096n],
    ['2GiB', 2n * GiB],
  ])('parseSize(%s)', (text, want) => expect(parseSize(text)).toBe(want));

  it.each(['', '12X', '-1M', '1.5G', 'M'])('parseSize rejects %j', (text) => expect(parseSize(text)).toBeNull());

  it('formats sizes with the largest exact unit', () => {
    expect(formatSize(130n * MiB)).toBe('130M');
    expect(formatSize(4n * GiB)).toBe('4G');
    expect(formatSize(4097n)).toBe('4097');
  });

  it('wraps to 64 bits and pads hex like %0*llx', () => {
    expect(u64(-1n)).toBe((1n << 64n) - 1n);
    expect(hex(0xfffc0000n, 8)).toBe('fffc0000');
    expect(hex(0x1000n, 8)).toBe('00001000');
    expect(hex(0x3280000000n, 8)).toBe('3280000000');
  });

  it('aligns and tests powers of two', () => {
    expect(alignUp(1n, 128n * MiB)).toBe(128n * MiB);
    expect(isPowerOfTwo(128n * MiB)).toBe(true);
    expect(isPowerOfTwo(130n * MiB)).toBe(false);
  });

  it('names errno values', () => {
    expect(errnoName(EBUSY)).toBe('-EBUSY');
    expect(errnoName(EINVAL)).toBe('-EINVAL');
    expect(errnoName(0)).toBe('0');
  });
});
