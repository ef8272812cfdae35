/**
 * The lab session as the renderer sees it: the latest engine snapshot (kept whole in a shallowRef,
 * replaced on each push), the run progress, the selected preset/strategy/profile, and the commands
 * that drive the worker. Events from the worker are routed to the stores that keep them.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { BridgeError, getBridge } from '../bridge/index.js';
import { commandMessage } from '../../../worker/protocol.js';
import type {
  CommandArgs,
  CommandName,
  CommandResult,
  DeviceSpecPayload,
  ExportFormat,
  GuestState,
  HelloInfo,
  LabError,
  LabEvent,
  MenuAction,
  ProfileName,
  Progress,
  Snapshot,
  StrategyName,
} from '../../../worker/protocol.js';
import { useMetricsStore } from './metrics.js';
import { useLogStore } from './log.js';
import { useUiStore } from './ui.js';
import { useIomemStore } from './iomem.js';

type LoadRequest =
  | { command: 'loadPreset'; args: CommandArgs<'loadPreset'> }
  | { command: 'loadScenario'; args: CommandArgs<'loadScenario'> }
  | { command: 'importIomem'; args: CommandArgs<'importIomem'> };

export interface RestartNotice {
  restarts: number;
  reason: string;
  /** Steps completed before the worker died: what "resume" runs back to. */
  resumeTo: number;
}

export const SPEEDS = [1, 10, 100, 1000, 0] as const;

export const useLabStore = defineStore('lab', () => {
  const metrics = useMetricsStore();
  const log = useLogStore();
  const ui = useUiStore();
  const iomem = useIomemStore();

  const hello = shallowRef<HelloInfo | null>(null);
  const snapshot = shallowRef<Snapshot | null>(null);
  const progress = shallowRef<Progress | null>(null);
  const error = shallowRef<LabError | null>(null);
  const restart = shallowRef<RestartNotice | null>(null);
  const busy = ref(0);
  const preset = ref('');
  const strategy = ref<StrategyName | ''>('');
  const profile = ref<ProfileName | ''>('');
  const speed = ref<number>(0);
  let lastLoad: LoadRequest | null = null;
  let acceptAnySeq = true;
  let unsubscribe: (() => void) | null = null;

  const loaded = computed(() => snapshot.value?.loaded ?? false);
  const running = computed(() => snapshot.value?.step.running ?? false);
  const done = computed(() => snapshot.value?.step.done ?? false);

  function applySnapshot(s: Snapshot): void {
    if (!acceptAnySeq && snapshot.value && s.seq <= snapshot.value.seq) return;
    acceptAnySeq = false;
    snapshot.value = s;
    metrics.sample(s);
    iomem.onSnapshot(s);
  }

  function onEvent(e: LabEvent): void {
    switch (e.type) {
      case 'snapshot':
        return applySnapshot(e.snapshot);
      case 'progress':
        progress.value = e.progress;
        return;
      case 'steps':
        return metrics.push(e.steps);
      case 'log':
        return log.push(e.entries);
      case 'error':
        error.value = e.error;
        ui.notify('error', `${e.error.code}: ${e.error.message}`);
        return;
      case 'worker':
        acceptAnySeq = true;
        restart.value = { restarts: e.restarts, reason: e.reason, resumeTo: snapshot.value?.step.index ?? 0 };
        if (snapshot.value) snapshot.value = { ...snapshot.value, step: { ...snapshot.value.step, running: false } };
        log.note('warn', `lab worker restarted (${e.reason})`);
        return;
      case 'menu':
        void menu(e.action);
        return;
      case 'ready':
        return;
    }
  }

  /** Runs a command; a coded failure is shown and recorded, and null is returned. */
  async function call<K extends CommandName>(command: K, args: CommandArgs<K>): Promise<CommandResult<K> | null> {
    busy.value++;
    try {
      const result = await getBridge().call(command, args);
      error.value = null;
      return result;
    } catch (e) {
      const err: LabError = e instanceof BridgeError ? e.error : { code: 'ENGINE_FAILED', message: String(e) };
      error.value = err;
      ui.notify('error', commandMessage(command, err.message));
      return null;
    } finally {
      busy.value--;
    }
  }

  /** Pulls the whole record of a freshly loaded or reset run (events may have raced the reply). */
  async function resync(s: Snapshot): Promise<void> {
    metrics.clear();
    log.clear();
    iomem.reset();
    acceptAnySeq = true;
    applySnapshot(s);
    const [steps, entries] = await Promise.all([call('metrics', { since: 0 }), call('log', { since: 0 })]);
    if (steps) metrics.push(steps);
    if (entries) log.push(entries);
  }

  function runOptions(): { profile?: ProfileName; strategy?: StrategyName } {
    return { ...(profile.value ? { profile: profile.value } : {}), ...(strategy.value ? { strategy: strategy.value } : {}) };
  }

  async function load(req: LoadRequest, opts: { resume?: boolean } = {}): Promise<boolean> {
    const s = (await call(req.command, req.args as never)) as Snapshot | null;
    if (!s) return false;
    lastLoad = req;
    restart.value = null;
    if (opts.resume) {
      acceptAnySeq = true;
      applySnapshot(s);
    } else await resync(s);
    if (speed.value !== 0) await call('setSpeed', { stepsPerSecond: speed.value });
    return true;
  }

  async function init(): Promise<void> {
    unsubscribe?.();
    unsubscribe = getBridge().onEvent(onEvent);
    hello.value = await call('hello', {});
    if (hello.value && !preset.value && hello.value.presets.length) preset.value = hello.value.presets[0]!.name;
  }

  function dispose(): void {
    unsubscribe?.();
    unsubscribe = null;
  }

  async function loadPreset(name = preset.value): Promise<boolean> {
    if (!name) return false;
    preset.value = name;
    return load({ command: 'loadPreset', args: { name, ...runOptions() } });
  }

  async function loadScenarioText(name: string, text: string): Promise<boolean> {
    const format = /\.json$/i.test(name) ? 'json' : /\.ya?ml$/i.test(name) ? 'yaml' : undefined;
    return load({ command: 'loadScenario', args: { text, source: name, ...(format ? { format } : {}), ...runOptions() } });
  }

  async function importIomemText(name: string, text: string): Promise<boolean> {
    return load({ command: 'importIomem', args: { text, source: name, ...runOptions() } });
  }

  async function openScenarioFile(): Promise<boolean> {
    const f = await pick('scenario');
    return f ? loadScenarioText(f.name, f.text) : false;
  }

  async function importIomemFile(): Promise<boolean> {
    const f = await pick('iomem');
    return f ? importIomemText(f.name, f.text) : false;
  }

  async function pick(kind: 'scenario' | 'iomem') {
    try {
      return await getBridge().openFile(kind);
    } catch (e) {
      ui.notify('error', e instanceof Error ? e.message : String(e));
      return null;
    }
  }

  /** A dropped or chosen file: a /proc/iomem dump when it looks like one, otherwise a scenario. */
  async function openDropped(name: string, text: string): Promise<boolean> {
    const looksIomem = /^\s*[0-9a-f]+-[0-9a-f]+ : /i.test(text);
    return looksIomem ? importIomemText(name, text) : loadScenarioText(name, text);
  }

  async function configure(next: { strategy?: StrategyName | ''; profile?: ProfileName | '' }): Promise<void> {
    if (next.strategy !== undefined) strategy.value = next.strategy;
    if (next.profile !== undefined) profile.value = next.profile;
    if (!loaded.value || !lastLoad) return;
    // Reload rather than `configure`, so '' goes back to the scenario's own default.
    const args = { ...lastLoad.args } as Record<string, unknown>;
    delete args.strategy;
    delete args.profile;
    await load({ command: lastLoad.command, args: { ...args, ...runOptions() } } as LoadRequest);
  }

  async function start(): Promise<void> {
    if (!loaded.value) await loadPreset();
    if (done.value) await reset();
    const s = await call('start', {});
    if (s) applySnapshot(s);
  }

  async function pause(): Promise<void> {
    const s = await call('pause', {});
    if (s) applySnapshot(s);
  }

  async function toggleRun(): Promise<void> {
    return running.value ? pause() : start();
  }

  async function step(count = 1): Promise<void> {
    if (!loaded.value) await loadPreset();
    const s = await call('step', { count });
    if (s) applySnapshot(s);
  }

  async function reset(): Promise<void> {
    const s = await call('reset', {});
    if (s) await resync(s);
  }

  async function setSpeed(stepsPerSecond: number): Promise<void> {
    speed.value = stepsPerSecond;
    if (loaded.value) await call('setSpeed', { stepsPerSecond });
  }

  /** After a worker restart: load the same thing again and run back to the last completed step. */
  async function resume(): Promise<void> {
    const r = restart.value;
    if (!r || !lastLoad) {
      restart.value = null;
      return;
    }
    if (!(await load(lastLoad, { resume: true }))) return;
    if (r.resumeTo > 0) {
      const s = await call('runTo', { stepIndex: r.resumeTo });
      if (s) applySnapshot(s);
    }
  }

  function dismissRestart(): void {
    restart.value = null;
  }

  async function mutate<K extends 'addDevice' | 'resizeDevice' | 'guestAction'>(command: K, args: CommandArgs<K>): Promise<boolean> {
    const s = (await call(command, args)) as Snapshot | null;
    if (s) applySnapshot(s);
    return s !== null;
  }
  const addDevice = (spec: DeviceSpecPayload) => mutate('addDevice', { spec });
  const resizeDevice = (device: string, size: string) => mutate('resizeDevice', { device, size });
  const guestAction = (block: number, state: GuestState) => mutate('guestAction', { block, state });

  async function exportData(format: ExportFormat): Promise<string | null> {
    const data = await call('exportData', { format });
    if (!data) return null;
    try {
      const where = await getBridge().saveFile(data.filename, data.text, data.mime);
      if (where) ui.notify('info', `saved ${where}`);
      return where;
    } catch (e) {
      ui.notify('error', e instanceof Error ? e.message : String(e));
      return null;
    }
  }

  async function menu(action: MenuAction): Promise<void> {
    switch (action) {
      case 'openScenario': return void (await openScenarioFile());
      case 'importIomem': return void (await importIomemFile());
      case 'start': return start();
      case 'pause': return pause();
      case 'step': return step();
      case 'reset': return reset();
      case 'toggleTheme': return ui.toggleTheme();
      case 'about': return;
      default:
        if (action.startsWith('export:')) await exportData(action.slice(7) as ExportFormat);
    }
  }

  return {
    hello, snapshot, progress, error, restart, busy, preset, strategy, profile, speed, loaded, running, done,
    init, dispose, onEvent, call, loadPreset, loadScenarioText, importIomemText, openScenarioFile, importIomemFile, openDropped,
    configure, start, pause, toggleRun, step, reset, setSpeed, resume, dismissRestart, addDevice, resizeDevice, guestAction,
    exportData, menu,
  };
});
