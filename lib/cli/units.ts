// Parsing and printing of sizes, durations and counts, the way fio spells them.

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/**
 * Parses a byte size such as `4k`, `64m`, `1g`, `512`, `4KiB` or `1.5g`.
 * Units are powers of 1024, as fio's default `kb_base=1024`.
 * @returns the size in bytes, or `undefined` when the text is not a size.
 */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?\s*$/i.exec(text);
  if (m === null) return undefined;
  const bytes = Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()];
  if (!Number.isFinite(bytes)) return undefined;
  const rounded = Math.round(bytes);
  return Number.isSafeInteger(rounded) ? rounded : undefined;
}

const DURATION_UNITS: Record<string, number> = {
  '': 1000, // fio's runtime is in seconds when no unit is given
  us: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};

/**
 * Parses a duration such as `5s`, `500ms`, `1m`, `1.5s` or `10` (seconds).
 * @returns milliseconds, or `undefined` when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|m|h|)\s*$/i.exec(text);
  if (m === null) return undefined;
  const ms = Number(m[1]) * DURATION_UNITS[m[2].toLowerCase()];
  return Number.isFinite(ms) ? ms : undefined;
}

/** `4096` → `4KiB`, `1073741824` → `1GiB`, `1536` → `1.5KiB`. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const text = Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1).replace(/\.?0+$/, '');
  return `${text}${units[i]}`;
}

/** `500` → `500ms`, `5000` → `5s`, `90000` → `1.5min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${trim(ms)}ms`;
  if (ms < 60_000) return `${trim(ms / 1000)}s`;
  return `${trim(ms / 60_000)}min`;
}

function trim(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, '');
}

/** IOPS and similar counts: `83214` → `83.2k`, `1234567` → `1.23M`. */
export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 1 : 2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)}k`;
  return String(Math.round(n));
}

/** A number with about three significant digits, for table cells. */
export function formatNumber(n: number): string {
  const a = Math.abs(n);
  if (a >= 1000) return String(Math.round(n));
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toFixed(3);
}
