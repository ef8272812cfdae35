/**
 * How a number, a size or a time is printed for people: one module for the app, the CLI and the
 * reports, so the same value reads the same everywhere. Locale-free (the output never depends on
 * the machine it runs on) and pure.
 *
 * Not for text the kernel prints: the engine's log messages and everything a trace replay compares
 * keep the kernel's own style ("128M", worker/engine/sizes.ts `formatSize`).
 */

/** Binary units, smallest first: a 64-bit byte count ends at EiB. */
const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/** What a value that cannot be printed shows (no value yet, NaN, ±Infinity). */
const NO_VALUE = '—';

/** 1234567 -> "1,234,567"; a fraction is rounded to the nearest integer first. */
export function formatInt(n: number): string {
  if (!Number.isFinite(n)) return NO_VALUE;
  const r = Math.round(n);
  const sign = r < 0 ? '-' : '';
  return sign + String(Math.abs(r)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A byte count in the largest binary unit it reaches, with three significant digits and no
 * trailing zeros: "17 B", "4 KiB", "130 MiB", "1.5 TiB", "106 GiB", "1.23 GiB". Exact (bigint
 * arithmetic, rounded half up) at any 64-bit size. Text that is not an integer is shown as it is.
 */
export function formatBytes(bytes: string | number | bigint): string {
  let b: bigint;
  try {
    b = typeof bytes === 'bigint' ? bytes : BigInt(bytes);
  } catch {
    return String(bytes);
  }
  if (b < 0n) return `-${formatBytes(-b)}`;
  let u = 0;
  while (u < BYTE_UNITS.length - 1 && b >= 1024n ** BigInt(u + 1)) u++;
  for (;;) {
    const unit = 1024n ** BigInt(u);
    const whole = b / unit;
    const decimals = whole >= 100n ? 0 : whole >= 10n ? 1 : 2;
    const scale = 10n ** BigInt(decimals);
    const scaled = (b * scale + unit / 2n) / unit;
    // 1023.6 MiB rounds to 1024 MiB: say 1 GiB instead.
    if (scaled >= 1024n * scale && u < BYTE_UNITS.length - 1) {
      u++;
      continue;
    }
    return `${withDecimals(scaled, decimals)} ${BYTE_UNITS[u]}`;
  }
}

/** `scaled / 10^decimals` as text, trailing zeros (and a bare point) dropped. */
function withDecimals(scaled: bigint, decimals: number): string {
  if (decimals === 0) return String(scaled);
  const digits = String(scaled).padStart(decimals + 1, '0');
  const text = `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return trimZeros(text);
}

/** "1.50" -> "1.5", "2.00" -> "2", "120" stays. */
function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** `v` with three significant digits, trailing zeros dropped (v between 0.01 and 1000). */
function threeDigits(v: number): string {
  return trimZeros(v.toPrecision(3));
}

/**
 * A duration in milliseconds (wall times, p50/p99, an ETA) with three significant digits:
 * "0 ms", "<0.01 ms", "0.42 ms", "12.3 ms", "456 ms", "1.24 s", "12.3 s", "3 min 20 s"; "—" when
 * there is no value. Never "0.00 ms": anything above zero and below 0.01 ms says so.
 */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return NO_VALUE;
  if (ms < 0) return `-${formatMs(-ms)}`;
  if (ms === 0) return '0 ms';
  if (ms < 0.01) return '<0.01 ms';
  if (Number(ms.toPrecision(3)) < 1000) return `${threeDigits(ms)} ms`;
  const s = ms / 1000;
  if (Number(s.toPrecision(3)) < 120) return `${threeDigits(s)} s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

/** Simulated time (ms) in seconds with millisecond precision: "12.345 s". */
export function formatSimTime(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

/** 1234 -> "1.2k", 4.3e9 -> "4.3G": short chart axis labels. */
export function compact(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '';
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(0)}k`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return a > 0 && a < 0.01 ? v.toExponential(0) : String(+v.toFixed(3));
}
