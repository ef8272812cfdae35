/** View state: theme, top-level tab, side panel, transient notices. */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

export type Theme = 'dark' | 'light';
export type Tab = 'lab' | 'compare';
export type SidePanel = 'lsmem' | 'log';
export interface Notice {
  id: number;
  level: 'info' | 'error';
  text: string;
}

function initialTheme(): Theme {
  try {
    const saved = globalThis.localStorage?.getItem('memhp-lab.theme');
    if (saved === 'light' || saved === 'dark') return saved;
  } catch {
    // storage blocked: fall through
  }
  return globalThis.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

export const useUiStore = defineStore('ui', () => {
  const theme = ref<Theme>(initialTheme());
  const tab = ref<Tab>('lab');
  const side = ref<SidePanel>('log');
  const notices = ref<Notice[]>([]);
  let nextId = 1;

  watch(
    theme,
    (t) => {
      if (typeof document !== 'undefined') document.documentElement.dataset.theme = t;
      try {
        globalThis.localStorage?.setItem('memhp-lab.theme', t);
      } catch {
        // storage blocked
      }
    },
    { immediate: true },
  );

  function toggleTheme(): void {
    theme.value = theme.value === 'dark' ? 'light' : 'dark';
  }

  function notify(level: Notice['level'], text: string, ms = level === 'error' ? 8000 : 3000): void {
    const id = nextId++;
    notices.value = [...notices.value, { id, level, text }].slice(-4);
    if (ms > 0) setTimeout(() => dismiss(id), ms);
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  return { theme, tab, side, notices, toggleTheme, notify, dismiss };
});
