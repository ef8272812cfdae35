/** Fake bridges for the Compare view: lane workers are the protocol-speaking fake of test/cli. */
import { vi } from 'vitest';
import { browserBridge, type WorkerLike } from '../../../renderer/src/bridge/browser.js';
import type { LabBridge } from '../../../renderer/src/bridge/index.js';
import { fakeWorker, type FakeWorkerOptions } from '../../cli/compare-fakes.js';

/** A lane bridge over the in-process fake lab worker; `calls` records every command. */
export function laneBridge(o: FakeWorkerOptions = {}): LabBridge {
  return browserBridge(() => fakeWorker(o) as unknown as WorkerLike);
}

/** The app bridge: file dialogs and saves are spies; `opened` is what the next openFile returns. */
export function appBridge(opened: { name: string; text: string } | null = null) {
  const saved: { name: string; text: string; mime: string }[] = [];
  const bridge: LabBridge = {
    mode: 'browser',
    call: vi.fn(async () => {
      throw new Error('not used');
    }) as unknown as LabBridge['call'],
    onEvent: () => () => {},
    openFile: vi.fn(async () => opened),
    saveFile: vi.fn(async (name: string, text: string, mime: string) => {
      saved.push({ name, text, mime });
      return name;
    }),
    restartWorker: async () => {},
  };
  return { bridge, saved };
}
