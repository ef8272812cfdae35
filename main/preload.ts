/**
 * The preload: exposes one narrow, typed `window.lab` — one method per protocol command, each
 * bound to its own `lab:<command>` channel, plus an event subscription. No generic send. It runs
 * sandboxed, so it imports only `electron` (and protocol types) and is bundled to one CJS file.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { CommandName, HostCommandName, IpcReply, LabApi, LabEvent } from '../worker/protocol.js';

// Channel names follow protocol.ts's `channelOf` (`lab:<command>`); the LabApi type below makes
// this object list every command exactly once, so a missing or extra method fails the type check.
const invoke =
  <K extends CommandName | HostCommandName>(command: K) =>
  (args: unknown): Promise<IpcReply<never>> =>
    ipcRenderer.invoke(`lab:${command}`, args);

const api: LabApi = {
  hello: invoke('hello'),
  loadPreset: invoke('loadPreset'),
  loadScenario: invoke('loadScenario'),
  loadLane: invoke('loadLane'),
  importIomem: invoke('importIomem'),
  configure: invoke('configure'),
  start: invoke('start'),
  pause: invoke('pause'),
  step: invoke('step'),
  runTo: invoke('runTo'),
  reset: invoke('reset'),
  setSpeed: invoke('setSpeed'),
  addDevice: invoke('addDevice'),
  resizeDevice: invoke('resizeDevice'),
  guestAction: invoke('guestAction'),
  iomemWindow: invoke('iomemWindow'),
  iomemSearch: invoke('iomemSearch'),
  lsmem: invoke('lsmem'),
  metrics: invoke('metrics'),
  log: invoke('log'),
  summary: invoke('summary'),
  exportData: invoke('exportData'),
  openScenarioFile: invoke('openScenarioFile'),
  openIomemFile: invoke('openIomemFile'),
  saveFile: invoke('saveFile'),
  restartWorker: invoke('restartWorker'),
  laneCall: invoke('laneCall'),
  laneStop: invoke('laneStop'),
  onEvent: (listener: (event: LabEvent) => void) => {
    const wrapped = (_event: IpcRendererEvent, payload: LabEvent): void => listener(payload);
    ipcRenderer.on('lab:event', wrapped);
    return () => {
      ipcRenderer.removeListener('lab:event', wrapped);
    };
  },
  platform: process.platform,
};

contextBridge.exposeInMainWorld('lab', api);
