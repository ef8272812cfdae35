/**
 * The seed's headline in one command, through the built CLI and the real lab workers:
 * `memhp compare <seed-100g-*> --strategies none,rfc-v1,mhp-merge --md …` lists, per lane,
 * the /proc/iomem line count and the kdump verdict; the JSON lanes carry `memhp run --json`'s summary.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { parseReportJson } from '../../common/report/index.js';
import { presetInput } from '../../worker/engine/scenario/presets.js';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'out/cli/memhp.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'memhp-seed-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function memhp(args: string[]): string {
  return execFileSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

const ROW = /^\| (\S+) \/ (\S+) \| (\S+) \| (\S+) \| \**([\d,]+)\** \| \**([\d,]+)\** \| \**([\d,]+)\** \| \**([\d,]+)\** \| \**[\d.]+ m?s\** \| \**((?:ok|FAILS) \([^)]*\))\** \|$/;
const num = (s: string) => Number(s.replace(/,/g, ''));

describe.each(['seed-100g-virtio-mem', 'seed-100g-hv-balloon', 'seed-100g-xen-balloon'])('memhp compare %s', (preset) => {
  it('prints and writes a Markdown summary with /proc/iomem lines and the kdump verdict per lane', () => {
    const md = path.join(tmp, `${preset}.md`);
    const json = path.join(tmp, `${preset}.json`);
    const out = memhp(['compare', preset, '--strategies', 'none,rfc-v1,mhp-merge', '--md', md, '--json', json]);
    expect(out).toBe(readFileSync(md, 'utf8'));
    expect(out).toContain('| Lane | Profile | Strategy | "System RAM" lines | /proc/iomem lines | /proc/iomem bytes | Kernel visits | Wall time | kdump |');
    const rows = out.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Lane') && !l.startsWith('| ---')).map((l) => ROW.exec(l));
    expect(rows.every((r) => r !== null), out).toBe(true);
    const lanes = rows.map((r) => ({ strategy: r![4], systemRam: num(r![5]!), iomemLines: num(r![6]!), kdump: r![9]! }));
    expect(lanes.map((l) => l.strategy)).toEqual(['none', 'rfc-v1', 'mhp-merge']);
    // 100 GiB in 128 MiB blocks: 800 more "System RAM" lines without merging, a handful with.
    expect(lanes[0]!.systemRam).toBeGreaterThanOrEqual(800);
    for (const merged of lanes.slice(1)) {
      expect(merged.systemRam).toBeLessThan(10);
      expect(lanes[0]!.iomemLines - merged.iomemLines).toBeGreaterThanOrEqual(790);
    }
    for (const l of lanes) expect(l.kdump).toMatch(/^(ok|FAILS) \([\d,]+ of [\d,]+ ranges/);

    const parsed = parseReportJson(readFileSync(json, 'utf8'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.report.lanes.map((l) => l.summary!.iomem.lines)).toEqual(lanes.map((l) => l.iomemLines));
  });
});

describe('compare lanes agree with memhp run', () => {
  it('a lane summary has the same figures as `memhp run --json` for the same preset and strategy', () => {
    const json = path.join(tmp, 'cmp.json');
    const runJson = path.join(tmp, 'run.json');
    memhp(['compare', 'seed-100g-virtio-mem', '--strategies', 'none,mhp-merge', '--json', json]);
    memhp(['run', 'seed-100g-virtio-mem', '--strategy', 'none', '--json', runJson]);
    const lane = JSON.parse(readFileSync(json, 'utf8')).lanes[0].summary;
    const run = JSON.parse(readFileSync(runJson, 'utf8')).summary;
    // Every field of memhp run's summary, field by field; only the wall time differs between runs.
    expect(Object.keys(lane).sort()).toEqual(Object.keys(run).sort());
    for (const key of Object.keys(run).filter((k) => k !== 'wallMs')) expect(lane[key], key).toEqual(run[key]);
    expect(lane.kdump.messages).toEqual(run.kdump.messages);
  });
});

describe('memhp compare <scenario file>', () => {
  it('validates the file once and runs it in every lane (profiles paired with strategies)', () => {
    const file = path.join(tmp, 'frag.yaml');
    writeFileSync(file, stringify(presetInput('unplug-fragmentation')));
    const json = path.join(tmp, 'frag.json');
    const out = memhp(['compare', file, '--strategies', 'none,mhp-merge', '--profiles', '5.10,6.12', '--json', json]);
    expect(out).toContain('Scenario `unplug-fragmentation` (frag.yaml)');
    const r = JSON.parse(readFileSync(json, 'utf8'));
    expect(r.lanes.map((l: { label: string; status: string }) => `${l.label}:${l.status}`)).toEqual(['5.10 / none:ok', '6.12 / mhp-merge:ok']);
    expect(r.scenario.source).toBe('frag.yaml');
    expect(r.scenario.definition.name).toBe('unplug-fragmentation');
  });

  it('refuses a bad file with every problem, exit code 1 and nothing run', () => {
    const file = path.join(tmp, 'bad.yaml');
    writeFileSync(file, 'name: bad\nseed: x\nmachine: {}\n');
    let err = '';
    let code = 0;
    try {
      memhp(['compare', file]);
    } catch (e) {
      err = String((e as { stderr?: string }).stderr);
      code = (e as { status?: number }).status ?? -1;
    }
    expect(code).toBe(1);
    expect(err).toMatch(/^memhp: .*bad\.yaml: the scenario is invalid \(\d+ problems\); nothing was run:\n/);
    expect(err).toContain('bad.yaml: seed');
  });
});

describe('memhp compare --lanes (built CLI, real workers)', () => {
  it('runs lanes with device parameters applied in their workers; the report keys the parameters', () => {
    const json = path.join(tmp, 'lanes.json');
    memhp(['compare', 'unplug-fragmentation', '--lanes', '6.12/none[vm0.blockSize=4M],6.12/none', '--json', json]);
    const parsed = parseReportJson(readFileSync(json, 'utf8'));
    if (!parsed.ok) throw new Error('bad report');
    const [withParams, plain] = parsed.report.lanes;
    expect(withParams!.status).toBe('ok');
    expect(withParams!.params).toEqual({ 'vm0.blockSize': '4M' });
    expect(withParams!.label).toBe('6.12 / none (vm0.blockSize=4M)');
    expect(plain!.params).toBeUndefined();
    // Same lane but for the device block size: the runs differ, so the parameter reached the engine.
    expect(JSON.stringify(withParams!.steps)).not.toBe(JSON.stringify(plain!.steps));
  });

  it('refuses a lane whose parameters make the scenario invalid, with one message and exit 1', () => {
    let err = '';
    let code = 0;
    try {
      memhp(['compare', 'unplug-fragmentation', '--lanes', '6.12/none,6.12/none[vm0.blockSize=3M]']);
    } catch (e) {
      err = String((e as { stderr?: string }).stderr);
      code = (e as { status?: number }).status ?? -1;
    }
    expect(code).toBe(1);
    expect(err).toMatch(/^memhp: --lanes: lane 2 "6\.12\/none\[vm0\.blockSize=3M\]": the lane's scenario is invalid/);
    expect(err).toContain('devices[0].blockSize');
  });
});

