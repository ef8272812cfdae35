import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayTrace } from '../../worker/engine/oracle/replay.js';
import { bootSections } from './oracle/helpers.js';

// Extra real-kernel traces recorded with the oracle harness (../shared/oracle beside the repo) from the scenario files next to them
// (`<name>.steps`): 6.12 at the top level, 6.1 in `6.1.*/`. Only traces the emulator replays
// cleanly live here; see the folder's README for what each one exercises.
const EXTRA_DIR = path.resolve(__dirname, '../fixtures/oracle-extra');

interface ExtraTrace {
  name: string;
  file: string;
  text: string;
}

/** Every `.txt` trace below the extra folder, sorted by relative path. */
function extraTraces(dir = EXTRA_DIR): ExtraTrace[] {
  const out: ExtraTrace[] = [];
  for (const f of readdirSync(dir).sort()) {
    const file = path.join(dir, f);
    if (statSync(file).isDirectory()) out.push(...extraTraces(file));
    else if (f.endsWith('.txt')) out.push({ name: path.relative(EXTRA_DIR, file), file, text: readFileSync(file, 'utf8') });
  }
  return out;
}

const traces = extraTraces();

describe('replaying the extra real-kernel traces', () => {
  it('finds the recorded traces, each with the scenario file it was recorded from', () => {
    expect(traces.length).toBeGreaterThanOrEqual(10);
    const missing = traces
      .map((t) => path.join(EXTRA_DIR, path.basename(t.name, '.txt') + '.steps'))
      .filter((s) => !existsSync(s));
    expect(missing).toEqual([]);
  });

  it.each(traces.map((t) => [t.name, t] as const))('%s matches the kernel at every step', (_name, t) => {
    const boot = bootSections(t.text);
    expect(boot.iomem).toContain('System RAM');
    const r = replayTrace(t.text, t.name);
    expect(r.error).toBeNull();
    const failing = r.steps
      .filter((s) => !s.ok)
      .map((s) => `step ${s.index}: ${s.mismatches.map((m) => m.diff || `${m.what} ${m.expected} != ${m.actual}`).join('\n')}`);
    expect(failing).toEqual([]);
    const recordedSteps = (t.text.match(/^=== step \d+:/gm) ?? []).length;
    expect(r.steps.length).toBe(recordedSteps);
    expect(r.ok).toBe(true);
    // traces in a `6.1.*` folder were recorded on 6.1, the others on 6.12
    expect(r.profile).toBe(t.name.startsWith('6.1.') ? '6.1' : '6.12');
  });
});
