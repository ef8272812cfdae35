import { describe, expect, it, vi } from 'vitest';

// Wrap lsmemInput so the test sees whether the binding reads the blocks through it.
vi.mock('../../worker/engine/userspace/lsmem.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../worker/engine/userspace/lsmem.js')>();
  return { ...real, lsmemInput: vi.fn(real.lsmemInput) };
});

import { createEngine } from '../../worker/engine-binding.js';
import { lsmem, lsmemInput } from '../../worker/engine/userspace/lsmem.js';
import type { EngineRun } from '../../worker/engine-port.js';

const GiB = 1n << 30n;
const MiB = 1n << 20n;

function run(yaml: string): EngineRun {
  const engine = createEngine();
  const r = engine.loadScenarioText(yaml, { source: 'test.yaml', format: 'yaml' });
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  const c = r.scenario.create({ now: () => 0 });
  if (!c.ok) throw new Error(c.error);
  return c.run;
}

const machine = `
name: t
machine: { boot: q35-2g, blockSize: 128M, physBits: 46, onlinePolicy: online_movable }
`;

describe('engine binding: lsmem', () => {
  it('describes the blocks through userspace/lsmem.ts lsmemInput (one source of truth)', () => {
    const r = run(`${machine}devices: [{ kind: virtio-mem, id: vm0, addr: 4G, regionSize: 4G, blockSize: 2M }]\ntimeline: [{ op: resize, device: vm0, size: 1G }, { op: offline, blocks: 33 }]\n`);
    while (!r.done) r.step();
    const spy = vi.mocked(lsmemInput);
    spy.mockClear();
    for (const all of [false, true]) {
      const text = r.lsmem(all);
      expect(spy).toHaveBeenCalledTimes(all ? 2 : 1);
      const desc = spy.mock.results.at(-1)!.value as ReturnType<typeof lsmemInput>;
      const want = lsmem(desc, { all });
      expect(want.ok).toBe(true);
      expect(text).toBe(want.ok ? want.text : '');
    }
    expect(r.lsmem(true)).toMatch(/0x0000000108000000-0x000000010fffffff\s+128M\s+offline/);
  });
});
