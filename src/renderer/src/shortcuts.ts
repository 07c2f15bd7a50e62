import { SCREENS, type ScreenId } from './screens';

/**
 * The studio's keyboard shortcuts, as data: what the key handler matches and
 * what the help overlay lists. Letters act only outside text fields and the
 * drawing pad, so typing and drawing never trigger one.
 */
export type ShortcutAction = { kind: 'screen'; screen: ScreenId } | { kind: 'start' } | { kind: 'pauseResume' } | { kind: 'stop' } | { kind: 'help' };

/** Every screen in the side bar's order, Settings last: Alt+1 … Alt+9, then Alt+0. */
export const SCREEN_ORDER: readonly ScreenId[] = [...SCREENS.map((s) => s.id), 'settings'];

/** "g" then this letter opens the screen (g d: Data …). */
export const GO_KEYS: Readonly<Record<ScreenId, string>> = {
  data: 'd',
  model: 'm',
  train: 't',
  runs: 'r',
  evaluate: 'e',
  playground: 'p',
  write: 'w',
  models: 'l',
  sweeps: 'h',
  settings: 's',
};

/** How long "g" waits for its letter. */
export const SEQUENCE_MS = 1500;

/** The keys of one line of the help, as shown (each a <kbd>); `then` joins a sequence ("g then d"). */
export interface ShortcutHelp {
  keys: string[];
  sequence?: boolean;
  action: ShortcutAction;
}

export function shortcutHelp(mac: boolean): { screens: ShortcutHelp[]; training: ShortcutHelp[]; general: ShortcutHelp[] } {
  const alt = mac ? '⌥' : 'Alt';
  const ctrl = mac ? '⌘' : 'Ctrl';
  return {
    screens: SCREEN_ORDER.map((screen, i) => ({ keys: [`${alt}+${(i + 1) % 10}`, 'g', GO_KEYS[screen]], action: { kind: 'screen', screen } })),
    training: [
      { keys: [`${ctrl}+Enter`], action: { kind: 'start' } },
      { keys: ['p'], action: { kind: 'pauseResume' } },
      { keys: ['Shift+X'], action: { kind: 'stop' } },
    ],
    general: [{ keys: ['?'], action: { kind: 'help' } }],
  };
}

/** The part of a key event the matcher reads (a plain object in tests). */
export interface KeyPress {
  key: string;
  code: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  /** Typing goes there: a text field, a select, an editable element, the drawing pad. */
  inField: boolean;
}

/**
 * The action a key press asks for, given whether "g" was pressed just
 * before; `g: true` means this press starts a "g" sequence. Null: not a
 * shortcut, the key does what it would anyway.
 */
export function matchShortcut(press: KeyPress, afterG: boolean): ShortcutAction | { g: true } | null {
  const { key, code, altKey, ctrlKey, metaKey, shiftKey } = press;
  // Ctrl+Enter types nothing, so it works from the hyperparameter fields too.
  if (key === 'Enter' && (ctrlKey || metaKey) && !altKey) return { kind: 'start' };
  if (press.inField) return null;
  // By physical key: Alt+digit types another character on some layouts (⌥1 is ¡ on a Mac).
  const digit = /^Digit([0-9])$/.exec(code);
  if (altKey && !ctrlKey && !metaKey && digit) {
    const screen = SCREEN_ORDER[(Number(digit[1]) + 9) % 10];
    return screen ? { kind: 'screen', screen } : null;
  }
  if (altKey || ctrlKey || metaKey) return null;
  if (key === '?') return { kind: 'help' };
  if (afterG) {
    const screen = (Object.keys(GO_KEYS) as ScreenId[]).find((s) => GO_KEYS[s] === key);
    return screen ? { kind: 'screen', screen } : null;
  }
  if (key === 'g') return { g: true };
  if (key === 'p') return { kind: 'pauseResume' };
  if (key === 'X' && shiftKey) return { kind: 'stop' };
  return null;
}
