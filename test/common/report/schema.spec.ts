import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { generateValidator, OUT_PATH, SCHEMA_PATH } from '../../../common/report/gen-validator.mjs';
import { renderReportJson, validateReport } from '../../../common/report/index.js';
import { fixtureReport, type BrokenReport } from './fixtures/report-input.js';

const schemaText = readFileSync(SCHEMA_PATH, 'utf8');

describe('schema/report.schema.json', () => {
  it('the committed standalone validator is generated from the current schema (run: node common/report/gen-validator.mjs)', () => {
    expect(readFileSync(OUT_PATH, 'utf8')).toBe(generateValidator(schemaText));
  });

  it('the generated validator does not eval or require at run time', () => {
    const code = readFileSync(OUT_PATH, 'utf8');
    expect(code).not.toMatch(/\bnew Function\b|\beval\(|\brequire\(/);
  });

  it('declares schemaVersion 1 and is a valid draft-07 schema', () => {
    const schema = JSON.parse(schemaText) as { properties: { schemaVersion: { const: number } } };
    expect(schema.properties.schemaVersion.const).toBe(1);
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('the golden JSON report validates with a fresh Ajv and with the generated validator', () => {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    const check = ajv.compile(JSON.parse(schemaText));
    const golden = JSON.parse(readFileSync(path.join(__dirname, 'golden/report.json'), 'utf8'));
    expect(check(golden), JSON.stringify(check.errors)).toBe(true);
    expect(validateReport(golden).ok).toBe(true);
  });

  it('the fresh Ajv and the generated validator agree on broken reports', () => {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    const check = ajv.compile(JSON.parse(schemaText));
    const breakers: ((r: BrokenReport) => void)[] = [
      (r) => (r.lanes[0].summary.iomem.lines = -1),
      (r) => (r.lanes[0].steps[0].plugged = 5),
      (r) => (r.lanes[1].strategy = 'fast'),
      (r) => (r.kind = 'something-else'),
      (r) => delete r.lanes[2].label,
      (r) => (r.lanes[0].iomem = 'text'),
      (r) => (r.environment.extra = { nested: true }),
    ];
    for (const breakIt of breakers) {
      const r = JSON.parse(renderReportJson(fixtureReport()));
      breakIt(r);
      expect(check(r)).toBe(false);
      expect(validateReport(r).ok).toBe(false);
    }
  });
});
