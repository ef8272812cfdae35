/** Number, size and time formatting shared by every report format (locale-free, so output is stable). */
import { GiB, KiB, MiB, TiB } from '../../worker/engine/sizes.js';
import type { ReportSummary } from './model.js';

/** 1234567 -> "1,234,567" (integers; other numbers are printed as they are). */
export function groupInt(n: number): string {
  if (!Number.isInteger(n)) return String(n);
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Wall time: "0.42 ms", "12.3 ms", "1.24 s". */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A decimal byte count as "106.0 GiB", "512.0 MiB", "4.0 KiB" or "17 B" (one decimal, rounded half up). */
export function formatBytes(decimal: string | number | bigint): string {
  const b = typeof decimal === 'bigint' ? decimal : BigInt(decimal);
  const units: [bigint, string][] = [
    [TiB, 'TiB'],
    [GiB, 'GiB'],
    [MiB, 'MiB'],
    [KiB, 'KiB'],
  ];
  for (const [unit, name] of units) {
    if (b >= unit) {
      const tenths = (b * 10n + unit / 2n) / unit;
      return `${tenths / 10n}.${tenths % 10n} ${name}`;
    }
  }
  return `${b} B`;
}

/** The kdump verdict of a lane in a few words: "ok (845 of 2,050 ranges)" or "FAILS (…)". */
export function kdumpVerdict(k: ReportSummary['kdump']): string {
  const ranges = `${groupInt(k.ranges)} of ${groupInt(k.cap)} ranges`;
  if (k.ok) {
    const headroom = k.headroomBlocks === null ? '' : `, headroom ${groupInt(k.headroomBlocks)} blocks`;
    return `ok (${ranges}${headroom})`;
  }
  const missed = k.missedBytes !== '0' ? `, ${formatBytes(k.missedBytes)} not dumped` : '';
  return `FAILS (${ranges}${missed})`;
}
