/** The one CSV writer (`common/csv.ts`): RFC 4180 quoting and the formula-injection guard. */
import { describe, expect, it } from 'vitest';
import { csvField, csvRecord, csvText } from '../../common/csv.js';

describe('csvField', () => {
  // [value, field as written] (the first block moved here from test/common/report/csv-md.spec.ts)
  const fields: [string | number | boolean, string][] = [
    ['plain', 'plain'],
    [42, '42'],
    [0.25, '0.25'],
    [true, 'true'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['', ''],
    // Formula-like text gets a leading apostrophe (and is then quoted if it needs to be).
    ['=1+1', "'=1+1"],
    ['+cmd', "'+cmd"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tindent', "'\tindent"],
    ['\rstart', `"'\rstart"`],
    ['=HYPERLINK("x","y")', `"'=HYPERLINK(""x"",""y"")"`],
    ['-', "'-"],
    ['-Infinity', "'-Infinity"],
    // Plain numbers stay numbers, negative ones included.
    [-5, '-5'],
    ['-5', '-5'],
    [-0.125, '-0.125'],
    ['-1.5e3', '-1.5e3'],
    ['1e-7', '1e-7'],
    // Only the first character matters.
    ['a=b', 'a=b'],
    ['x-1', 'x-1'],
  ];
  for (const [value, written] of fields) it(`${JSON.stringify(value)} -> ${JSON.stringify(written)}`, () => expect(csvField(value)).toBe(written));
});

describe('csvRecord / csvText', () => {
  it('joins fields with commas and ends every record, the last included, with CRLF', () => {
    expect(csvRecord(['a', 1, '=x'])).toBe("a,1,'=x");
    expect(csvText(['h1', 'h2'], [['a', 'b,c'], [-1, true]])).toBe('h1,h2\r\na,"b,c"\r\n-1,true\r\n');
    expect(csvText(['only'], [])).toBe('only\r\n');
  });
});
