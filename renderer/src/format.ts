/** Display helpers (pure). Sizes arrive as exact decimal strings and are shown in binary units. */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** "100 GiB", "1.5 TiB", "130 MiB" — at most 3 significant decimals, exact when it divides. */
export function formatBytes(bytes: string | number | bigint): string {
  let v: number;
  try {
    v = Number(typeof bytes === 'bigint' ? bytes : BigInt(bytes));
  } catch {
    return String(bytes);
  }
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const text = Number.isInteger(v) ? String(v) : v.toFixed(v >= 100 ? 1 : v >= 10 ? 2 : 3).replace(/\.?0+$/, '');
  return `${text} ${UNITS[u]}`;
}

/** 524288 → "524,288". */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds, adaptive: "0.012 ms", "3.4 ms", "12 s", "3 min 20 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Simulated time in seconds with ms precision. */
export function formatSimTime(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

/** 1234 → "1.2k", 4.3e9 → "4.3G": axis labels that fit. */
export function compact(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '';
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(0)}k`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return a > 0 && a < 0.01 ? v.toExponential(0) : String(+v.toFixed(3));
}
