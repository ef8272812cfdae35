/**
 * Validation of report data against `schema/report.schema.json` (through the standalone validator
 * generated from it: no eval at run time) plus the cross-field rules a JSON Schema cannot say.
 * Every violation is reported with its field path (`lanes[1].summary.iomem.lines`).
 */
import { validate as schemaValidate, type AjvError } from './report.validate.generated.js';
import { REPORT_SCHEMA_VERSION, type Report } from './model.js';

export interface ReportError {
  /** Field path such as `lanes[0].steps[3].plugged`; `(root)` for the document itself. */
  path: string;
  message: string;
}

const MAX_ERRORS = 50;

/** Checks a parsed value; returns the typed report or every violation found (at most 50, then a count). */
export function validateReport(data: unknown): { ok: true; report: Report } | { ok: false; errors: ReportError[] } {
  const version = versionError(data);
  if (version) return { ok: false, errors: [version] };
  const errors: ReportError[] = [];
  if (!schemaValidate(data)) {
    for (const e of schemaValidate.errors ?? []) {
      const err = fromAjv(e);
      if (err && !errors.some((x) => x.path === err.path && x.message === err.message)) errors.push(err);
    }
  } else {
    errors.push(...crossFieldErrors(data as Report));
  }
  if (errors.length === 0) return { ok: true, report: data as Report };
  if (errors.length > MAX_ERRORS) {
    const more = errors.length - MAX_ERRORS;
    errors.length = MAX_ERRORS;
    errors.push({ path: '(root)', message: `… and ${more} more error${more === 1 ? '' : 's'}` });
  }
  return { ok: false, errors };
}

/** A clear word first when the file is not a report at all, or from a newer memhp-lab. */
function versionError(data: unknown): ReportError | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { path: '(root)', message: 'must be a JSON object (a memhp-lab report)' };
  }
  const v = (data as Record<string, unknown>)['schemaVersion'];
  if (v === undefined) return { path: 'schemaVersion', message: 'is missing: this is not a memhp-lab report' };
  if (typeof v === 'number' && Number.isInteger(v) && v > REPORT_SCHEMA_VERSION) {
    return { path: 'schemaVersion', message: `${v} is newer than this memhp-lab reads (${REPORT_SCHEMA_VERSION}); update memhp-lab` };
  }
  return null;
}

/** `/lanes/0/summary` -> `lanes[0].summary` (JSON Pointer unescaped). */
export function pointerToPath(pointer: string, extra?: string): string {
  const parts = pointer === '' ? [] : pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const p of parts) {
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out || '(root)';
}

function fromAjv(e: AjvError): ReportError | null {
  const p = e.params;
  switch (e.keyword) {
    case 'if':
      return null; // the failing `then` branch reports the real cause
    case 'required':
      return { path: pointerToPath(e.instancePath, String(p['missingProperty'])), message: 'is required' };
    case 'additionalProperties':
      return { path: pointerToPath(e.instancePath, String(p['additionalProperty'])), message: 'is not a known field' };
    case 'type': {
      const t = Array.isArray(p['type']) ? (p['type'] as string[]).join(' or ') : String(p['type']);
      return { path: pointerToPath(e.instancePath), message: `must be ${article(t)}` };
    }
    case 'minimum':
      return { path: pointerToPath(e.instancePath), message: `must be ≥ ${String(p['limit'])}` };
    case 'const':
      return { path: pointerToPath(e.instancePath), message: `must be ${JSON.stringify(p['allowedValue'])}` };
    case 'enum':
      return { path: pointerToPath(e.instancePath), message: `must be one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'pattern':
      return { path: pointerToPath(e.instancePath), message: patternMessage(String(p['pattern'])) };
    case 'maxLength':
      return { path: pointerToPath(e.instancePath), message: `must be at most ${String(p['limit'])} characters long` };
    case 'minLength':
      return { path: pointerToPath(e.instancePath), message: `must be at least ${String(p['limit'])} character${p['limit'] === 1 ? '' : 's'} long` };
    case 'maxItems':
      return { path: pointerToPath(e.instancePath), message: `must have at most ${String(p['limit'])} items` };
    case 'minItems':
      return { path: pointerToPath(e.instancePath), message: `must have at least ${String(p['limit'])} item${p['limit'] === 1 ? '' : 's'}` };
    default:
      return { path: pointerToPath(e.instancePath), message: e.message ?? `fails "${e.keyword}"` };
  }
}

function article(t: string): string {
  const word = t === 'integer' ? 'an integer' : t === 'object' ? 'an object' : t === 'array' ? 'an array' : `a ${t}`;
  return t.includes(' or ') ? t : word;
}

function patternMessage(pattern: string): string {
  if (pattern.startsWith('^(0|[1-9]')) return 'must be a byte count written as a decimal string (e.g. "134217728")';
  if (pattern.startsWith('^\\d{4}')) return 'must be an ISO 8601 UTC time such as "2026-11-26T09:00:00.000Z"';
  if (pattern.startsWith('^[A-Za-z0-9_-]')) return 'must be 1 to 32 letters, digits, "-" or "_"';
  return `must match ${pattern}`;
}

/** Rules across fields: unique lane ids and labels, error lanes explained, ordered steps and excerpts. */
function crossFieldErrors(r: Report): ReportError[] {
  const errors: ReportError[] = [];
  const ids = new Map<string, number>();
  const labels = new Map<string, number>();
  r.lanes.forEach((lane, i) => {
    const at = `lanes[${i}]`;
    const seenId = ids.get(lane.id);
    if (seenId !== undefined) errors.push({ path: `${at}.id`, message: `"${lane.id}" is already used by lanes[${seenId}]` });
    else ids.set(lane.id, i);
    const seenLabel = labels.get(lane.label);
    if (seenLabel !== undefined) errors.push({ path: `${at}.label`, message: `"${lane.label}" is already used by lanes[${seenLabel}]` });
    else labels.set(lane.label, i);
    if (lane.status === 'error' && !lane.error) errors.push({ path: `${at}.error`, message: 'is required when status is "error"' });
    if (lane.status === 'ok' && lane.summary === null) errors.push({ path: `${at}.summary`, message: 'must not be null when status is "ok"' });
    for (let s = 1; s < lane.steps.length; s++) {
      if (lane.steps[s]!.index <= lane.steps[s - 1]!.index) {
        errors.push({ path: `${at}.steps[${s}].index`, message: `must be greater than the previous step's (${lane.steps[s - 1]!.index})` });
        break;
      }
    }
    if (lane.iomem) {
      let next = 0;
      lane.iomem.segments.forEach((seg, k) => {
        if (seg.from < next) errors.push({ path: `${at}.iomem.segments[${k}].from`, message: `must be ≥ ${next} (segments are ordered and do not overlap)` });
        next = seg.from + seg.lines.length;
      });
      if (next > lane.iomem.totalLines) {
        errors.push({ path: `${at}.iomem.totalLines`, message: `must be ≥ ${next}, the lines the segments reach` });
      }
    }
  });
  return errors;
}
