import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHROME_MISSING, laneTarget, planLanes, runCompare } from '../../main/cli/commands/compare.js';
import { LaneProgressView } from '../../main/cli/shared/index.js';
import { CliError } from '../../main/cli/errors.js';
import { parseReportJson, STEP_METRICS } from '../../common/report/index.js';
import { CannedTransport } from './compare-fakes.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'memhp-compare-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function sink(isTTY = false) {
  let text = '';
  return { write: (s: string) => void (text += s), isTTY, columns: 100, get text() { return text; } };
}

describe('planLanes', () => {
  // [options, expected lanes as "profile/strategy" ("-" = the scenario's)]
  const cases: [Parameters<typeof planLanes>[0], string[]][] = [
    [{}, ['-/none', '-/rfc-v1', '-/mhp-merge']],
    [{ strategies: 'none,mhp-merge' }, ['-/none', '-/mhp-merge']],
    [{ strategies: 'none, rfc-v1 ,mhp-merge', profiles: '6.12' }, ['6.12/none', '6.12/rfc-v1', '6.12/mhp-merge']],
    [{ strategies: 'mhp-merge', profiles: '5.10,6.1,6.12' }, ['5.10/mhp-merge', '6.1/mhp-merge', '6.12/mhp-merge']],
    [{ strategies: 'none,rfc-v1,mhp-merge', profiles: '5.9,rfc-v1,5.10' }, ['5.9/none', 'rfc-v1/rfc-v1', '5.10/mhp-merge']],
    [{ strategies: 'none,mhp-merge', profiles: '5.10,6.12', cross: true }, ['5.10/none', '5.10/mhp-merge', '6.12/none', '6.12/mhp-merge']],
    [{ strategies: 'none,rfc-v1,mhp-merge', profiles: '6.1,6.12' }, ['6.1/none', '6.1/rfc-v1', '6.1/mhp-merge', '6.12/none', '6.12/rfc-v1', '6.12/mhp-merge']],
  ];
  for (const [opts, expected] of cases) {
    it(`${JSON.stringify(opts)} -> ${expected.join(' ')}`, () => {
      expect(planLanes(opts).map((l) => `${l.profile ?? '-'}/${l.strategy ?? '-'}`)).toEqual(expected);
    });
  }

  const bad: [Parameters<typeof planLanes>[0], string][] = [
    [{ strategies: 'none' }, 'compare runs 2 to 6 lanes; --strategies none gives 1'],
    [{ strategies: 'none,fast' }, '--strategies: unknown strategy "fast" (one of none, rfc-v1, mhp-merge)'],
    [{ strategies: ',' }, '--strategies: give at least one of'],
    [{ profiles: '4.19' }, '--profiles: unknown profile "4.19" (one of 5.9, rfc-v1, 5.10, 6.1, 6.12, 6.18, 7.3)'],
    [{ profiles: '5.9,5.10,6.1', strategies: 'none,rfc-v1,mhp-merge', cross: true }, 'gives 9'],
  ];
  for (const [opts, message] of bad) {
    it(`refuses ${JSON.stringify(opts)}`, () => {
      expect(() => planLanes(opts)).toThrow(CliError);
      expect(() => planLanes(opts)).toThrow(message);
    });
  }
});

describe('planLanes --lanes (the lane grammar)', () => {
  it('takes every lane as written: names, defaults and device parameters', () => {
    expect(planLanes({ lanes: '6.12/none[vm0.blockSize=4M;vm0.regionSize=128G], default/mhp-merge' })).toEqual([
      { profile: '6.12', strategy: 'none', params: [{ target: 'vm0', field: 'blockSize', value: '4M' }, { target: 'vm0', field: 'regionSize', value: '128G' }], text: '6.12/none[vm0.blockSize=4M;vm0.regionSize=128G]' },
      { strategy: 'mhp-merge', text: 'default/mhp-merge' },
    ]);
  });

  const bad: [Parameters<typeof planLanes>[0], string][] = [
    [{ lanes: '6.12/none' }, 'compare runs 2 to 6 lanes; --lanes 6.12/none gives 1'],
    [{ lanes: '6.12/none,6.12/quick' }, '--lanes: lane 2 "6.12/quick": character 6: the strategy is "quick", expected one of default, none, rfc-v1, mhp-merge'],
    [{ lanes: '6.12/none,real:bzImage' }, '--lanes: lane 2 "real:bzImage": not supported yet: real-kernel lanes (real:bzImage)'],
    [{ lanes: 'trace:t.txt,6.12/none' }, '--lanes: lane 1 "trace:t.txt": not supported yet: trace lanes (trace:t.txt)'],
    [{ lanes: '6.12/none[vm0.blockSize],6.12/none' }, '--lanes: lane 1 "6.12/none[vm0.blockSize]": device parameter "vm0.blockSize": the value must be 1 to 64 characters'],
    [{ lanes: '6.12/none,6.1/none', strategies: 'none' }, '--lanes already names every lane; leave out --strategies'],
  ];
  for (const [opts, message] of bad) {
    it(`refuses ${JSON.stringify(opts)} with one line`, () => {
      expect(() => planLanes(opts)).toThrow(CliError);
      expect(() => planLanes(opts)).toThrow(message);
    });
  }

  it('gives each job its lane\'s parameters and the report keys them', async () => {
    const t = new CannedTransport();
    const err = sink();
    await runCompare('unplug-fragmentation', { lanes: '6.12/none[vm0.blockSize=4M],6.12/mhp-merge' }, { transport: t, out: sink(), err });
    expect(t.jobs.map((j) => j.params)).toEqual([[{ target: 'vm0', field: 'blockSize', value: '4M' }], undefined]);
    expect(err.text).toContain('lane 1 6.12 / none [vm0.blockSize=4M]: 4/4 steps (100%)');
  });

  it('applies and validates every lane\'s parameters before any lane runs; the error names the lane and the field', async () => {
    const t = new CannedTransport();
    const run = (lanes: string) => runCompare('unplug-fragmentation', { lanes }, { transport: t, out: sink(), err: sink() });
    await expect(run('6.12/none,6.12/none[vm0.blockSize=3M]')).rejects.toThrow(
      /^--lanes: lane 2 "6\.12\/none\[vm0\.blockSize=3M\]": the lane's scenario is invalid \(1 problem\); nothing was run:\npreset:unplug-fragmentation lane 2 .*: devices\[0\]\.blockSize: /,
    );
    await expect(run('6.12/none,6.12/none[vm7.blockSize=4M]')).rejects.toThrow('vm7.blockSize: no device has the id or kind "vm7" (device ids: vm0)');
    expect(t.jobs).toEqual([]);
  });
});

describe('laneTarget', () => {
  it('takes a preset by name', () => {
    const r = laneTarget('seed-100g-virtio-mem');
    expect(r.lane).toEqual({ kind: 'preset', name: 'seed-100g-virtio-mem' });
    expect(r.source).toBe('preset:seed-100g-virtio-mem');
  });

  it('names the presets when the target is neither a file nor a preset', () => {
    expect(() => laneTarget('no-such-thing')).toThrow(/no-such-thing: no such file or preset \(presets: .*seed-100g-virtio-mem/);
  });

  it('refuses a bad scenario file with every problem and its path, before any lane runs', () => {
    const file = path.join(tmp, 'bad.yaml');
    writeFileSync(file, 'name: bad\nseed: -1\nmachine: 5\n');
    let message = '';
    try {
      laneTarget(file);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/bad\.yaml: the scenario is invalid \(\d+ problems?\); nothing was run:/);
    expect(message).toContain('bad.yaml: ');
    expect(message.split('\n').length).toBeGreaterThan(2);
  });
});

describe('runCompare (canned lanes)', () => {
  it('writes HTML, JSON, CSV and Markdown atomically and prints the Markdown summary', async () => {
    const dir = mkdtempSync(path.join(tmp, 'out-'));
    const out = sink();
    const err = sink();
    const files = { report: path.join(dir, 'r.html'), json: path.join(dir, 'r.json'), csv: path.join(dir, 'r.csv'), md: path.join(dir, 'r.md') };
    const r = await runCompare('seed-100g-virtio-mem', { strategies: 'none,rfc-v1,mhp-merge', profiles: '6.12', ...files }, {
      transport: new CannedTransport(),
      out,
      err,
      now: () => new Date('2026-11-26T09:00:00.000Z'),
    });
    expect(r.failedLanes).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['r.csv', 'r.html', 'r.json', 'r.md']);
    expect(out.text).toBe(readFileSync(files.md, 'utf8'));
    expect(out.text).toContain('| 6.12 / none | 6.12 | none |');
    const parsed = parseReportJson(readFileSync(files.json, 'utf8'));
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.report.lanes.map((l) => l.label)).toEqual(['6.12 / none', '6.12 / rfc-v1', '6.12 / mhp-merge']);
      expect(parsed.report.scenario.source).toBe('preset:seed-100g-virtio-mem');
      expect(parsed.report.environment.transport).toBe('canned (test)');
      expect(parsed.report.createdAt).toBe('2026-11-26T09:00:00.000Z');
    }
    const html = readFileSync(files.report, 'utf8');
    expect((html.match(/<svg/g) ?? []).length).toBe(STEP_METRICS.length);
    expect(readFileSync(files.csv, 'utf8').split('\r\n').length).toBe(1 + 3 * 4 + 1);
    // plain progress (not a TTY): one line per lane per quarter
    expect(err.text).toContain('lane 1 6.12 / none: 4/4 steps (100%)');
    expect(err.text).not.toContain('\x1b[');
  });

  it('marks a failed lane, reports it on stderr and still writes the report', async () => {
    const dir = mkdtempSync(path.join(tmp, 'fail-'));
    const err = sink();
    const r = await runCompare('seed-100g-virtio-mem', { json: path.join(dir, 'r.json') }, { transport: new CannedTransport(1), out: sink(), err });
    expect(r.failedLanes).toBe(1);
    expect(err.text).toContain('memhp: lane lane2 (');
    expect(err.text).toContain('KERNEL_ERRNO: add_memory: -EBUSY');
    const parsed = parseReportJson(readFileSync(path.join(dir, 'r.json'), 'utf8'));
    expect(parsed.ok && parsed.report.lanes[1]!.status).toBe('error');
  });

  it('checks output paths before running any lane', async () => {
    const t = new CannedTransport();
    await expect(runCompare('seed-100g-virtio-mem', { md: path.join(tmp, 'missing-dir', 'x.md') }, { transport: t, out: sink(), err: sink() })).rejects.toThrow(/--md: directory .* does not exist/);
    await expect(runCompare('seed-100g-virtio-mem', { md: path.join(tmp, 'same.x'), csv: path.join(tmp, 'same.x') }, { transport: t, out: sink(), err: sink() })).rejects.toThrow(/name the same file/);
    expect(t.jobs.length).toBe(0);
  });

  it('names the option and the file when an output cannot be written', async () => {
    // /proc accepts no new files, not even from root: the atomic write fails after every check passed.
    const target = '/proc/memhp-compare-test.md';
    await expect(runCompare('seed-100g-virtio-mem', { md: target }, { transport: new CannedTransport(), out: sink(), err: sink() })).rejects.toThrow(
      `--md: cannot write ${target}`,
    );
  });

  it('passes the seed to every lane and refuses a bad one', async () => {
    const t = new CannedTransport();
    await runCompare('seed-100g-virtio-mem', { strategies: 'none,mhp-merge', seed: '7' }, { transport: t, out: sink(), err: sink() });
    expect(t.jobs.map((j) => j.seed)).toEqual([7, 7]);
    await expect(runCompare('seed-100g-virtio-mem', { seed: '-3' }, { transport: t, out: sink(), err: sink() })).rejects.toThrow(/--seed: expected an integer/);
  });

  it('says what to install when --pdf finds no Chromium, after writing the other reports', async () => {
    const dir = mkdtempSync(path.join(tmp, 'nopdf-'));
    const md = path.join(dir, 'r.md');
    await expect(
      runCompare('seed-100g-virtio-mem', { md, pdf: path.join(dir, 'r.pdf') }, { transport: new CannedTransport(), out: sink(), err: sink(), findChrome: () => null }),
    ).rejects.toThrow(CHROME_MISSING);
    expect(existsSync(md)).toBe(true);
    expect(existsSync(path.join(dir, 'r.pdf'))).toBe(false);
  });

  it('prints a PDF with headless Chromium (needs /usr/bin/chromium or CHROME_PATH: apt-get install chromium)', async () => {
    const dir = mkdtempSync(path.join(tmp, 'pdf-'));
    const pdf = path.join(dir, 'r.pdf');
    await runCompare('seed-100g-virtio-mem', { pdf }, { transport: new CannedTransport(), out: sink(), err: sink() });
    expect(readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(readdirSync(dir)).toEqual(['r.pdf']);
  });
});

describe('LaneProgressView', () => {
  it('draws one bar per lane on a TTY and redraws in place', () => {
    const err = sink(true);
    let t = 0;
    const view = new LaneProgressView(['6.12 / none', '6.12 / mhp-merge'], err, () => (t += 200));
    view.update({ lane: 0, done: 5, total: 10 });
    view.update({ lane: 1, done: 10, total: 10 });
    view.finish();
    expect(err.text).toContain('lane 1 6.12 / none      [');
    expect(err.text).toContain(' 50% 5/10');
    expect(err.text).toContain('100% 10/10');
    expect(err.text).toContain('\x1b[2A');
  });
});
