import { describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { COMMAND_NAMES, HOST_COMMAND_NAMES, type LabApi, type LabEvent } from '../../worker/protocol.js';
import { state } from './electron-fake.js';

vi.mock('electron', async () => (await import('./electron-fake.js')).electronModule());
await import('../../main/preload.js');

describe('preload', () => {
  const api = state.exposed.get('lab') as LabApi;

  it('exposes window.lab with one method per command and nothing generic', () => {
    expect([...state.exposed.keys()]).toEqual(['lab']);
    const methods = Object.keys(api).filter((k) => typeof (api as Record<string, unknown>)[k] === 'function').sort();
    expect(methods).toEqual([...COMMAND_NAMES, ...HOST_COMMAND_NAMES, 'onEvent'].sort());
    for (const generic of ['send', 'invoke', 'sendSync', 'ipcRenderer', 'on']) expect(api).not.toHaveProperty(generic);
  });

  it('each method invokes its own lab:<command> channel with the payload untouched', async () => {
    await api.loadPreset({ name: 'seed-100g-virtio-mem', strategy: 'none' });
    await api.saveFile({ suggestedName: 'a.txt', text: 'x' });
    expect(state.invoked).toEqual([
      ['lab:loadPreset', { name: 'seed-100g-virtio-mem', strategy: 'none' }],
      ['lab:saveFile', { suggestedName: 'a.txt', text: 'x' }],
    ]);
  });

  it('onEvent delivers lab:event payloads (not the IPC event) and unsubscribes', () => {
    const got: LabEvent[] = [];
    const off = api.onEvent((e) => got.push(e));
    const [listener] = state.rendererListeners.get('lab:event')!;
    listener!({ sender: 'ipc-internals' }, { type: 'menu', action: 'start' });
    expect(got).toEqual([{ type: 'menu', action: 'start' }]);
    off();
    expect(state.rendererListeners.get('lab:event')).toEqual([]);
  });

  it('is built to one CommonJS file that requires only electron', () => {
    const built = readFileSync(path.resolve(__dirname, '../../out/preload/index.cjs'), 'utf8');
    const requires = [...built.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(requires).toEqual(['electron']);
    // protocol.ts is imported for its types only: none of its valibot schemas end up in the preload
    expect(built).not.toMatch(/strict_object|safeParse|COMMANDS/);
    expect(built).not.toMatch(/^import /m);
  });
});
