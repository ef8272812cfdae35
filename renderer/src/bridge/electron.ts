/** The Electron bridge: a thin adapter over the preload's typed `window.lab`. */
import type { CommandName, IpcReply, LabApi } from '../../../worker/protocol.js';
import { BridgeError, type LabBridge } from './types.js';

function unwrap<T>(reply: IpcReply<T>): T {
  if (!reply.ok) throw new BridgeError(reply.error);
  return reply.value;
}

export function electronBridge(lab: LabApi): LabBridge {
  return {
    mode: 'electron',
    async call(command, args) {
      const method = lab[command as CommandName] as (a: unknown) => Promise<IpcReply<never>>;
      return unwrap(await method(args));
    },
    onEvent: (listener) => lab.onEvent(listener),
    async openFile(kind) {
      return unwrap(await (kind === 'scenario' ? lab.openScenarioFile({}) : lab.openIomemFile({})));
    },
    async saveFile(name, text) {
      return unwrap(await lab.saveFile({ suggestedName: name, text }));
    },
    async restartWorker() {
      unwrap(await lab.restartWorker({}));
    },
  };
}

/**
 * A compare lane in Electron: lane `lane`'s worker, which main starts on first use (the same
 * worker host as the session). Lanes push no events; files go through the window's dialogs.
 */
export function electronLaneBridge(lab: LabApi, lane: number): LabBridge {
  const main = electronBridge(lab);
  return {
    ...main,
    async call(command, args) {
      return unwrap(await lab.laneCall({ lane, command, args })) as never;
    },
    onEvent: () => () => {},
    async restartWorker() {
      unwrap(await lab.laneStop({ lane }));
    },
  };
}
