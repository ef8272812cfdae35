/** Engine data to plain JSON: bigints become decimal strings, undefined and functions are dropped. */
import type { JsonObject, JsonValue } from './model.js';

const MAX_DEPTH = 64;

/** A JSON-safe copy of engine data (bigint -> decimal string; NaN/±Infinity -> null; cycles refused). */
export function toPlainJson(value: unknown, depth = 0): JsonValue {
  if (depth > MAX_DEPTH) throw new Error(`value nested deeper than ${MAX_DEPTH} levels`);
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'string':
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) return value.map((v) => (v === undefined || typeof v === 'function' ? null : toPlainJson(v, depth + 1)));
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
        out[k] = toPlainJson(v, depth + 1);
      }
      return out;
    }
    default:
      return null;
  }
}

/** `toPlainJson` for a value known to be an object (a scenario, a summary). */
export function toPlainObject(value: unknown): JsonObject {
  const v = toPlainJson(value);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}
