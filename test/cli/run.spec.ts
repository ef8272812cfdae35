import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { runRun, jsonStride, summaryTable } from '../../main/cli/commands/run.js';
import { resolveScenario, scenarioIomem, looksLikeScenario } from '../../main/cli/shared/index.js';
import { stepsCsv, withoutVaryingFields, type RunDocument } from '../../common/run-export/index.js';
import { loadScenarioText, formatIssues } from '../../common/scenario-io/scenario-io.js';
import { runIomem } from '../../main/cli/commands/iomem.js';
import { CliError } from '../../main/cli/errors.js';
import { Runner } from '../../worker/engine/runner/runner.js';

const root = path.resolve(__dirname, '../..');

function sink(tty = false) {
  const chunks: string[] = [];
  return { write: (s: string) => chunks.push(s), isTTY: tty, columns: 100, text: () => chunks.join('') };
}

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'memhp-run-'));
}

const SMALL = `name: small
seed: 3
machine: { boot: q35-2g, blockSize: 128M, onlinePolicy: online_movable }
devices: [{ kind: virtio-mem, id: vm0, regionSize: 8G }]
timeline:
  - { op: resize, device: vm0, size: 1G }
  - { op: soak, device: vm0, count: 5, min: 0, max: 2G }
  - { op: offline, blocks: "33-35" }
`;


describe('memhp run', () => {
  it('runs a preset: plain progress lines off a TTY and a summary table on stdout', async () => {
    const out = sink();
    const err = sink(false);
    const code = await runRun('unplug-fragmentation', {}, { out, err });
    expect(code).toBe(0);
    expect(err.text()).toMatch(/^running unplug-fragmentation \(preset unplug-fragmentation\): 9 steps, profile 6.18, strategy mhp-merge, seed 1\n/);
    expect(err.text()).toContain('step 3/9 shrink by 4 GiB: the offline blocks go first: ok\n');
    expect(err.text()).toContain('step 5/9 shrink to 0: memory32 stays: timeout: vm0 plugged 4M of 0\n');
    expect(err.text()).not.toContain('\r');
    const table = out.text();
    expect(table).toMatch(/^unplug-fragmentation: profile 6.18, strategy mhp-merge, seed 1; 9\/9 steps/);
    expect(table).toMatch(/"System RAM" lines\s+2\s+3\n/);
    expect(table).toContain('steps that timed out: 2\n');
    expect(table).toContain('peak: 62 resources, 34 "System RAM" lines, 62 /proc/iomem lines\n');
  });

  it('draws a progress bar on a TTY', async () => {
    const err = sink(true);
    await runRun('unplug-fragmentation', { strategy: 'none' }, { out: sink(), err, now: () => 0 });
    expect(err.text()).toMatch(/\r\[#+\] 9\/9 /);
    expect(err.text().endsWith('\n')).toBe(true);
  });

  it('--json writes scenario, environment, summary and steps; two runs differ only in wall time and environment', async () => {
    const dir = tmp();
    const file = path.join(dir, 'small.yaml');
    writeFileSync(file, SMALL);
    let t = 0;
    await runRun(file, { json: path.join(dir, 'a.json') }, { out: sink(), err: sink(), now: () => (t += 3), date: () => new Date('2026-01-01T00:00:00Z') });
    await runRun(file, { json: path.join(dir, 'b.json') }, { out: sink(), err: sink(), now: () => (t += 11), date: () => new Date('2026-06-01T00:00:00Z') });
    const a = JSON.parse(readFileSync(path.join(dir, 'a.json'), 'utf8')) as RunDocument;
    const b = JSON.parse(readFileSync(path.join(dir, 'b.json'), 'utf8')) as RunDocument;
    expect(Object.keys(a)).toEqual(['format', 'version', 'scenario', 'environment', 'options', 'summary', 'boot', 'devices', 'stepStride', 'stepSampling', 'steps']);
    expect([a.format, a.version]).toEqual(['memhp-run', 2]);
    expect(a.stepSampling).toEqual({ recorded: 7, kept: 7, stride: 1, thinned: false });
    expect(a.steps[0]).toHaveProperty('devices');
    expect(a.stepStride).toBe(1);
    expect(a.environment).toMatchObject({ node: process.version, platform: process.platform, date: '2026-01-01T00:00:00.000Z' });
    expect(a.steps).toHaveLength(7);
    expect(a.summary).toMatchObject({ steps: 7, seed: 3, strategy: 'mhp-merge' });
    expect(a.summary.resources).toHaveProperty('systemRam');
    expect(a.steps[0]!.wallMs).not.toBe(b.steps[0]!.wallMs);
    expect(withoutVaryingFields(b)).toEqual(withoutVaryingFields(a));
    expect(b).not.toEqual(a);
    // Atomic write: nothing but the two outputs and the scenario is left behind.
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.json', 'small.yaml']);
    // --seed changes the soak's draws.
    await runRun(file, { json: path.join(dir, 'c.json'), seed: '4' }, { out: sink(), err: sink() });
    const c = JSON.parse(readFileSync(path.join(dir, 'c.json'), 'utf8')) as RunDocument;
    expect(c.options.seed).toBe(4);
    expect(c.steps.map((s) => s.label)).not.toEqual(a.steps.map((s) => s.label));
  });

  it('--csv writes the steps CSV the app exports, atomically', async () => {
    const dir = tmp();
    const file = path.join(dir, 'small.yaml');
    writeFileSync(file, SMALL);
    const err = sink();
    await runRun(file, { json: path.join(dir, 'a.json'), csv: path.join(dir, 'a.csv') }, { out: sink(), err, now: () => 0 });
    const doc = JSON.parse(readFileSync(path.join(dir, 'a.json'), 'utf8')) as RunDocument;
    const csv = readFileSync(path.join(dir, 'a.csv'), 'utf8');
    expect(csv).toBe(stepsCsv(doc.steps, doc.stepStride));
    expect(csv.split('\r\n')).toHaveLength(doc.steps.length + 2);
    expect(err.text()).toContain(`wrote ${path.join(dir, 'a.csv')}\n`);
  });

  it.each([
    [800, 1], [100_000, 1], [100_001, 2], [1_000_000, 10], [10_000_000, 100],
  ])('--json keeps every n-th of %i steps: n = %i', (total, stride) => {
    expect(jsonStride(total)).toBe(stride);
  });

  it('a bad scenario file reports every violation with its path and runs nothing', async () => {
    const dir = tmp();
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, SMALL.replace('blockSize: 128M', 'blockSize: 100M').replace('size: 1G', 'size: lots').replace('regionSize: 8G', 'regionSize: 8G, blockSize: 3M'));
    const err = sink();
    const e = await runRun(file, { json: path.join(dir, 'out.json') }, { out: sink(), err }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CliError);
    const msg = (e as CliError).message;
    expect(msg).toContain(`${file}: the scenario is invalid (3 problems); nothing was run:`);
    expect(msg).toContain(`${file}: timeline[0].size: must be a size`);
    expect(msg).toContain(`${file}: machine.blockSize: must be a power of two from 128 MiB to 2 GiB`);
    expect(msg).toContain(`${file}: devices[0].blockSize: must be a power of two ≥ 4 KiB`);
    expect(err.text()).toBe('');
    expect(existsSync(path.join(dir, 'out.json'))).toBe(false);
  });

  it('refuses YAML bombs, huge files, unknown presets and bad options with one clear line', async () => {
    const dir = tmp();
    const bomb = path.join(dir, 'bomb.yaml');
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    writeFileSync(bomb, lines.join('\n'));
    await expect(runRun(bomb, {}, { out: sink(), err: sink() })).rejects.toThrow(/aliases; at most 50 are accepted/);
    const huge = path.join(dir, 'huge.yaml');
    writeFileSync(huge, `# ${'x'.repeat(5 * 1024 * 1024)}\n`);
    await expect(runRun(huge, {}, { out: sink(), err: sink() })).rejects.toThrow(/too large/);
    await expect(runRun('no-such-preset', {}, { out: sink(), err: sink() })).rejects.toThrow(/no-such-preset: no such file or preset \(presets: seed-100g-virtio-mem/);
    await expect(runRun('unplug-fragmentation', { seed: 'x' }, { out: sink(), err: sink() })).rejects.toThrow('--seed: expected an integer from 0 to 4294967295, got "x"');
    await expect(runRun('unplug-fragmentation', { strategy: 'fast' }, { out: sink(), err: sink() })).rejects.toThrow(/--strategy: unknown strategy "fast"/);
  });

  it('reads a boot dump named by machine.boot.file relative to the scenario', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'boot.txt'), '00000000-00000fff : Reserved\n00001000-7fffffff : System RAM\n');
    writeFileSync(path.join(dir, 's.yaml'), SMALL.replace('boot: q35-2g', 'boot: { file: boot.txt }'));
    const { scenario } = resolveScenario(path.join(dir, 's.yaml'));
    expect(scenario.machine.boot).toEqual({ iomem: '00000000-00000fff : Reserved\n00001000-7fffffff : System RAM\n', source: 'boot.txt' });
    writeFileSync(path.join(dir, 't.yaml'), SMALL.replace('boot: q35-2g', 'boot: { file: missing.txt }'));
    expect(() => resolveScenario(path.join(dir, 't.yaml'))).toThrow(/machine.boot.file: cannot read "missing.txt"/);
  });

  it('the summary table lists the kdump verdict and messages', () => {
    // kexec-tools 2.0.20 does not dump "System RAM (virtio_mem)": 1 GiB would be missing.
    const r = loadScenarioText(SMALL.replace('onlinePolicy: online_movable }', 'onlinePolicy: online_movable, kdump: { kexecTools: "2.0.20" } }'));
    if (!r.ok) throw new Error(formatIssues(r.errors));
    const c = Runner.create({ ...r.scenario, timeline: r.scenario.timeline.slice(0, 1) });
    if (!c.ok) throw new Error(c.error);
    while (c.runner.step());
    const t = summaryTable(c.runner.summary(), c.runner.initial);
    expect(t).toMatch(/kdump ranges \/ cap\s+10 \/ 2050\s+10 \/ 2050\n/);
    expect(t).toContain('kdump would miss 1 GiB of RAM\n');
  });
});

describe('memhp iomem <scenario>', () => {
  it('prints /proc/iomem after the whole scenario, through the iomem command\'s scenario branch', async () => {
    const dir = tmp();
    const file = path.join(dir, 'small.yaml');
    writeFileSync(file, SMALL);
    const out = sink();
    expect(await runIomem(file, { user: false }, out)).toBe(0);
    expect(out.text()).toBe(scenarioIomem(SMALL, file, { user: false }));
    expect(out.text()).toContain('100000000-2ffffffff : virtio0\n');
    const user = sink();
    await runIomem(file, { user: true, strategy: 'none' }, user);
    expect(user.text()).toMatch(/^00000000-00000000 : Reserved\n/);
    expect(looksLikeScenario('00000000-00000fff : Reserved\n', 'dump.txt')).toBe(false);
    expect(looksLikeScenario('{"name":"x","timeline":[]}', 'x')).toBe(true);
  });
});

describe('the built CLI', () => {
  it('memhp run <preset> --json exits 0 and writes the file', () => {
    const dir = tmp();
    const out = path.join(dir, 'r.json');
    const r = spawnSync(process.execPath, [path.join(root, 'out/cli/memhp.js'), 'run', 'unplug-fragmentation', '--strategy', 'none', '--json', out], { encoding: 'utf8' });
    expect(r.stderr).toContain('wrote ');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/"System RAM" lines\s+2\s+34\n/);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as RunDocument;
    expect(doc.options.strategy).toBe('none');
    expect(doc.summary.peak.systemRam).toBe(66); // 8 GiB = 64 unmerged blocks + 2 boot lines
  });

  it('a bad file exits 1 with the violations on stderr and no stack trace', () => {
    const dir = tmp();
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ name: 'x', machine: { boot: 'q35-9g' }, timeline: [{ op: 'resize' }] }));
    const r = spawnSync(process.execPath, [path.join(root, 'out/cli/memhp.js'), 'run', file], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('machine.boot: must be one of "q35-2g", "q35-2g-6.1"');
    expect(r.stderr).toContain('timeline[0].device: is required');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

/** "863 ms" / "2.02 s" / "2 min 3 s" back to milliseconds. */
function msOf(text: string): number {
  const m = /^(?:(\d+) min (\d+) s|([\d.]+) (ms|s))$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  if (m[1] !== undefined) return (Number(m[1]) * 60 + Number(m[2])) * 1000;
  return Number(m[3]) * (m[4] === 's' ? 1000 : 1);
}

describe('memhp run: the printed wall time', () => {
  it('is the whole run as the user waited for it (process start included), the engine time labelled beside it', () => {
    // A preload that keeps the process busy for 700 ms before the CLI even loads: a slow start
    // the user waits through, outside the engine.
    const dir = tmp();
    const slow = path.join(dir, 'slow-start.cjs');
    writeFileSync(slow, 'const end = Date.now() + 700; while (Date.now() < end) {}\n');
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['-r', slow, path.join(root, 'out/cli/memhp.js'), 'run', 'unplug-fragmentation'], { cwd: root, encoding: 'utf8' });
    const waited = Date.now() - t0;
    expect(r.status, r.stderr).toBe(0);
    const m = /wall time: (.+?) \(engine time: (.+?)\)\n/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const wall = msOf(m![1]!);
    const engine = msOf(m![2]!);
    expect(wall).toBeGreaterThanOrEqual(700);
    expect(wall).toBeLessThanOrEqual(waited);
    expect(engine).toBeLessThan(wall);
  });
});
