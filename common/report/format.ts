/** Report-only wording built on the shared number, size and time formatting (../format.ts). */
import { formatBytes, formatInt } from '../format.js';
import type { ReportSummary } from './model.js';

/** The kdump verdict of a lane in a few words: "ok (845 of 2,050 ranges)" or "FAILS (…)". */
export function kdumpVerdict(k: ReportSummary['kdump']): string {
  const ranges = `${formatInt(k.ranges)} of ${formatInt(k.cap)} ranges`;
  if (k.ok) {
    const headroom = k.headroomBlocks === null ? '' : `, headroom ${formatInt(k.headroomBlocks)} blocks`;
    return `ok (${ranges}${headroom})`;
  }
  const missed = k.missedBytes !== '0' ? `, ${formatBytes(k.missedBytes)} not dumped` : '';
  return `FAILS (${ranges}${missed})`;
}
