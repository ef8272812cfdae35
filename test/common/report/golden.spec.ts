import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderReportCsv, renderReportJson, renderReportMarkdown } from '../../../common/report/index.js';
import { fixtureReport } from './fixtures/report-input.js';

// Golden text compared byte for byte. To accept an intended change: UPDATE_GOLDEN=1 npx vitest run test/common/report
const golden = (name: string) => path.join(__dirname, 'golden', name);

function checkGolden(name: string, text: string): void {
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(golden(name), text);
  expect(text).toBe(readFileSync(golden(name), 'utf8'));
}

describe('report goldens (fixed input)', () => {
  const cases: [string, () => string][] = [
    ['report.json', () => renderReportJson(fixtureReport())],
    ['report.csv', () => renderReportCsv(fixtureReport())],
    ['report.md', () => renderReportMarkdown(fixtureReport())],
  ];
  for (const [name, render] of cases) {
    it(`${name} matches the golden file byte for byte`, () => checkGolden(name, render()));
  }

  it('is deterministic: the same input renders the same bytes twice', () => {
    for (const [, render] of cases) expect(render()).toBe(render());
  });
});
