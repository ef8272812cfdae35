/** The event log: the newest entries (bounded), out of reactivity; `version` signals changes. */
import { defineStore } from 'pinia';
import { markRaw, ref } from 'vue';
import type { LogEntry } from '../../../worker/protocol.js';

export const LOG_KEEP = 5000;

export const useLogStore = defineStore('log', () => {
  const entries = markRaw<LogEntry[]>([]);
  const total = ref(0);
  const version = ref(0);
  let lastSeq = -1;

  function push(batch: readonly LogEntry[]): void {
    let added = 0;
    for (const e of batch) {
      if (e.seq <= lastSeq) continue;
      lastSeq = e.seq;
      entries.push(e);
      added++;
    }
    if (entries.length > LOG_KEEP) entries.splice(0, entries.length - LOG_KEEP);
    if (added) {
      total.value += added;
      version.value++;
    }
  }

  /** A local note (UI-side event such as "worker restarted"), shown in the same log. */
  function note(level: LogEntry['level'], message: string): void {
    entries.push({ seq: lastSeq + 0.5, t: -1, source: 'lab', level, message });
    total.value++;
    version.value++;
  }

  function clear(): void {
    entries.length = 0;
    lastSeq = -1;
    total.value = 0;
    version.value++;
  }

  return { entries, total, version, push, note, clear };
});
