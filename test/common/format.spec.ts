import { describe, expect, it } from 'vitest';
import { compact, formatBytes, formatInt, formatMs, formatSimTime } from '../../common/format.js';

const KiB = 1024n;
const MiB = KiB * 1024n;
const GiB = MiB * 1024n;
const TiB = GiB * 1024n;

describe('formatBytes', () => {
  it.each<[string | number | bigint, string]>([
    [0n, '0 B'],
    [17, '17 B'],
    [1023n, '1023 B'],
    [4096n, '4 KiB'],
    [130n * MiB, '130 MiB'],
    ['107374182400', '100 GiB'],
    [GiB, '1 GiB'],
    // memhp run's table used to print these as "≈1.0G" and "≈64.0T".
    [GiB + 4096n, '1 GiB'],
    [64n * TiB + 2n * GiB - 128n * KiB, '64 TiB'],
    [(3n * TiB) / 2n, '1.5 TiB'],
    [(1234n * GiB) / 1000n, '1.23 GiB'],
    [(123n * GiB) / 10n, '12.3 GiB'],
    [(1064n * GiB) / 10n, '106 GiB'],
    [1024n * MiB - 1n, '1 GiB'], // rounds up to 1024 MiB: shown in the next unit
    [999n * KiB, '999 KiB'],
    [-(128n * MiB), '-128 MiB'],
    [(1n << 64n) - 1n, '16 EiB'],
  ])('%s bytes -> %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('rounds half up, exactly, at 64 bits', () => {
    expect(formatBytes(1152n)).toBe('1.13 KiB'); // exactly 1.125 KiB
    expect(formatBytes(1151n)).toBe('1.12 KiB');
    expect(formatBytes(1152n * TiB * 1024n)).toBe('1.13 EiB');
  });

  it('shows text that is not a byte count as it is', () => {
    expect(formatBytes('n/a')).toBe('n/a');
  });
});

describe('formatMs', () => {
  it.each<[number | null | undefined, string]>([
    [null, '—'],
    [undefined, '—'],
    [Number.NaN, '—'],
    [0, '0 ms'],
    [0.004, '<0.01 ms'],
    [0.012, '0.012 ms'],
    [0.21 + 0.18 + 0.2 + 0.19, '0.78 ms'],
    [0.4234, '0.423 ms'],
    [1, '1 ms'],
    [12.34, '12.3 ms'],
    [456.7, '457 ms'],
    [999.7, '1 s'],
    [1240, '1.24 s'],
    [12_340, '12.3 s'],
    [105_600, '106 s'],
    [200_000, '3 min 20 s'],
    [-2.5, '-2.5 ms'],
  ])('%s -> %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });

  it('never prints "0.00 ms" for a time above zero', () => {
    for (const ms of [1e-9, 0.001, 0.0049, 0.0099]) expect(formatMs(ms)).toBe('<0.01 ms');
  });
});

describe('formatInt, formatSimTime, compact', () => {
  it('groups integers by thousands without a locale and rounds fractions', () => {
    expect([formatInt(0), formatInt(524288), formatInt(-1234567), formatInt(2.6), formatInt(Number.POSITIVE_INFINITY)]).toEqual(['0', '524,288', '-1,234,567', '3', '—']);
  });
  it('prints simulated time in seconds with millisecond precision', () => {
    expect([formatSimTime(0), formatSimTime(12345)]).toEqual(['0.000 s', '12.345 s']);
  });
  it('shortens axis labels', () => {
    expect([compact(null), compact(1234), compact(12_345), compact(4.3e9), compact(0.001), compact(2)]).toEqual(['', '1.2k', '12k', '4.3G', '1e-3', '2']);
  });
});
