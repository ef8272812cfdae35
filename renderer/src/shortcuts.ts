/** Keyboard shortcuts (ignored while typing in a field). */
export type ShortcutAction = 'toggleRun' | 'step' | 'reset' | 'search' | 'toggleTheme' | 'tab-lab' | 'tab-compare';

export const SHORTCUTS: Record<string, ShortcutAction> = {
  ' ': 'toggleRun',
  n: 'step',
  ArrowRight: 'step',
  r: 'reset',
  '/': 'search',
  t: 'toggleTheme',
  '1': 'tab-lab',
  '2': 'tab-compare',
};

export function shortcutFor(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'target'>): ShortcutAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const t = e.target as { tagName?: string; isContentEditable?: boolean } | null;
  const tag = t?.tagName?.toUpperCase();
  if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || t?.isContentEditable) return null;
  return SHORTCUTS[e.key] ?? null;
}
