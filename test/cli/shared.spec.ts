import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bar, checkOverrides, parseList, checkProfile, parseSeed, resolveScenario, SCENARIO_FILE_BYTES, StepProgress } from '../../main/cli/shared/index.js';
import { CliError } from '../../main/cli/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'memhp-shared-'));

describe('cli shared: scenarios', () => {
  it('takes a preset by name and a file by path, and says which', () => {
    expect(resolveScenario('unplug-fragmentation').origin).toEqual({ kind: 'preset', name: 'unplug-fragmentation' });
    const file = path.join(dir, 'ok.yaml');
    writeFileSync(file, 'name: ok\nmachine: { boot: q35-2g }\ndevices: []\ntimeline: []\n');
    const r = resolveScenario(file);
    expect(r.origin).toEqual({ kind: 'file', path: file });
    expect(r.scenario.name).toBe('ok');
  });

  it('refuses a directory, a missing name and a file over the limit with one line each', () => {
    const sub = path.join(dir, 'sub');
    mkdirSync(sub);
    expect(() => resolveScenario(sub)).toThrow(`${sub}: is a directory`);
    expect(() => resolveScenario(path.join(dir, 'nope'))).toThrow(/nope: no such file or preset \(presets: /);
    const big = path.join(dir, 'big.yaml');
    writeFileSync(big, 'x'.repeat(SCENARIO_FILE_BYTES + 1));
    expect(() => resolveScenario(big)).toThrow(`${big}: ${SCENARIO_FILE_BYTES + 1} bytes is too large (the limit is ${SCENARIO_FILE_BYTES})`);
  });
});

describe('cli shared: options', () => {
  it.each([['0', 0], ['4294967295', 4294967295], [undefined, undefined]])('seed %s', (text, seed) => {
    expect(parseSeed(text)).toBe(seed);
  });
  it.each(['-1', '4294967296', '1.5', 'x', ''])('refuses seed %j', (text) => {
    expect(() => parseSeed(text)).toThrow(CliError);
    expect(() => parseSeed(text)).toThrow(`--seed: expected an integer from 0 to 4294967295, got ${JSON.stringify(text)}`);
  });
  it('checks profile and strategy names, one message for all commands', () => {
    expect(checkOverrides({ profile: '6.1', strategy: 'none' })).toEqual({ profile: '6.1', strategy: 'none' });
    expect(() => checkOverrides({ profile: '4.19' })).toThrow('--profile: unknown profile "4.19" (one of 5.9, rfc-v1, 5.10, 6.1, 6.12, 6.18, 7.3)');
    expect(() => checkOverrides({ strategy: 'fast' })).toThrow('--strategy: unknown strategy "fast" (one of none, rfc-v1, mhp-merge)');
    expect(parseList('--profiles', ' 6.1, 6.12,', [], checkProfile)).toEqual(['6.1', '6.12']);
    expect(() => parseList('--profiles', ' , ', ['6.1'], checkProfile)).toThrow('--profiles: give at least one of 6.1');
  });
});

describe('cli shared: progress', () => {
  it('draws a bar of the fraction done', () => {
    expect([bar(0, 4), bar(0.5, 4), bar(1, 4), bar(2, 4)]).toEqual(['[....]', '[##..]', '[####]', '[####]']);
  });
  it('prints plain lines off a TTY: every step of a short run, and every step that is not ok', () => {
    let text = '';
    const p = new StepProgress({ write: (s: string) => (text += s) }, 3, () => 0);
    p.update({ index: 1, label: 'a', result: 'ok' }, false);
    p.update({ index: 2, label: 'b', result: 'timeout' }, false);
    expect(text).toBe('step 1/3 a: ok\nstep 2/3 b: timeout\n');
  });
});
