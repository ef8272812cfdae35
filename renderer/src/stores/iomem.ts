/**
 * The /proc/iomem view's state: a cache of the line window around what is on screen (the renderer
 * never holds the whole text), the depth filter, search matches, and the lines the last step changed.
 * Windows are re-fetched when the machine changes, at most every 100 ms.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { getBridge } from '../bridge/index.js';
import type { IomemWindow, Snapshot } from '../../../worker/protocol.js';

export const WINDOW_PAD = 100;
const REFRESH_MS = 100;

export const useIomemStore = defineStore('iomem', () => {
  const window = shallowRef<IomemWindow | null>(null);
  const total = ref(0);
  /** null = every line; n = only lines at depth ≤ n. */
  const maxDepth = ref<number | null>(null);
  const query = ref('');
  const matches = shallowRef<number[]>([]);
  const matchIndex = ref(-1);
  const moreMatches = ref(false);
  const changed = shallowRef<[number, number][]>([]);
  const error = ref<string | null>(null);
  let visible: [number, number] = [0, 60];
  let inflight = false;
  let again = false;
  let lastFetch = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let loadedHash: string | null = null;

  /** The rows on screen changed (virtual scroller): fetch when they are not all in the cache. */
  function setVisible(from: number, to: number): void {
    visible = [from, to];
    const w = window.value;
    if (!w || from < w.from || Math.min(to, total.value) > w.from + w.lines.length) void fetch();
  }

  async function fetch(): Promise<void> {
    if (inflight) {
      again = true;
      return;
    }
    inflight = true;
    try {
      do {
        again = false;
        const from = Math.max(0, visible[0] - WINDOW_PAD);
        const count = Math.min(5000, visible[1] - visible[0] + 2 * WINDOW_PAD);
        const args = { from, count, ...(maxDepth.value !== null ? { maxDepth: maxDepth.value } : {}) };
        lastFetch = Date.now();
        const w = await getBridge().call('iomemWindow', args);
        window.value = w;
        total.value = w.total;
        changed.value = w.changed;
        error.value = null;
      } while (again);
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
    } finally {
      inflight = false;
    }
  }

  /** A new snapshot: refresh the window if the text may have changed (throttled to 10 Hz). */
  function onSnapshot(s: Snapshot): void {
    if (!s.loaded) return;
    const key = s.iomem.hash ?? `${s.seq}`;
    if (key === loadedHash && s.iomem.lines === total.value) return;
    loadedHash = key;
    if (timer) return;
    const wait = Math.max(0, REFRESH_MS - (Date.now() - lastFetch));
    timer = setTimeout(() => {
      timer = null;
      void fetch();
    }, wait);
  }

  function reset(): void {
    window.value = null;
    total.value = 0;
    matches.value = [];
    matchIndex.value = -1;
    moreMatches.value = false;
    loadedHash = null;
  }

  async function setMaxDepth(d: number | null): Promise<void> {
    maxDepth.value = d;
    window.value = null;
    await fetch();
  }

  /** Searches from the top; returns the first match's line number (unfiltered), or null. */
  async function search(q: string): Promise<number | null> {
    query.value = q;
    matches.value = [];
    matchIndex.value = -1;
    if (!q) return null;
    try {
      const r = await getBridge().call('iomemSearch', { query: q, from: 0, limit: 10_000 });
      matches.value = r.matches;
      moreMatches.value = r.more;
      matchIndex.value = r.matches.length ? 0 : -1;
      return r.matches[0] ?? null;
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
      return null;
    }
  }

  function nextMatch(dir: 1 | -1): number | null {
    const n = matches.value.length;
    if (!n) return null;
    matchIndex.value = (matchIndex.value + dir + n) % n;
    return matches.value[matchIndex.value]!;
  }

  /** Text of the cached lines in [from, to) (view rows), for copying. */
  function textOf(from: number, to: number): string {
    const w = window.value;
    if (!w) return '';
    const a = Math.max(from, w.from) - w.from;
    const b = Math.min(to, w.from + w.lines.length) - w.from;
    return b > a ? w.lines.slice(a, b).join('\n') + '\n' : '';
  }

  function isChanged(lineNo: number): boolean {
    for (const [a, b] of changed.value) if (lineNo >= a && lineNo < b) return true;
    return false;
  }

  return { window, total, maxDepth, query, matches, matchIndex, moreMatches, changed, error, setVisible, fetch, onSnapshot, reset, setMaxDepth, search, nextMatch, textOf, isChanged };
});
