/**
 * What each key does, apart from the view: `keyIntent` maps a key press in a given state to an
 * intent (pure, unit-tested), and `useBrowseKeys` feeds Ink's key presses through it.
 */
import { type Key, useInput } from 'ink';
import type { Action, BrowseState } from './state.js';

/** Operations on the selected version that need the source. */
export type Op = 'diff' | 'diffLocal' | 'clone' | 'checkout' | 'publish';

export type Intent =
  | { kind: 'action'; action: Action }
  | { kind: 'op'; op: Op }
  | { kind: 'answer'; yes: boolean }
  | { kind: 'quit'; printVersionId: boolean }
  | { kind: 'none' };

const act = (action: Action): Intent => ({ kind: 'action', action });
const NONE: Intent = { kind: 'none' };

/** The keys that are characters (vi's moves among them). */
const CHARACTER_KEYS = new Map<string, Intent>([
  ['k', act({ type: 'move', by: 'line', direction: -1 })],
  ['j', act({ type: 'move', by: 'line', direction: 1 })],
  [' ', act({ type: 'move', by: 'page', direction: 1 })],
  ['g', act({ type: 'move', by: 'end', direction: -1 })],
  ['G', act({ type: 'move', by: 'end', direction: 1 })],
  ['h', act({ type: 'cyclePane', step: -1 })],
  ['l', act({ type: 'cyclePane', step: 1 })],
  ['/', act({ type: 'filterStart' })],
  ['t', act({ type: 'toggleScope' })],
  ['r', act({ type: 'reload' })],
  ['d', { kind: 'op', op: 'diff' }],
  ['D', { kind: 'op', op: 'diffLocal' }],
  ['c', { kind: 'op', op: 'clone' }],
  ['o', { kind: 'op', op: 'checkout' }],
  ['p', { kind: 'op', op: 'publish' }],
  ['q', { kind: 'quit', printVersionId: false }],
  ['y', { kind: 'quit', printVersionId: true }],
]);

export function keyIntent(state: BrowseState, input: string, key: Key): Intent {
  if (state.prompt) {
    if (input === 'y' || input === 'Y') return { kind: 'answer', yes: true };
    if (input === 'n' || input === 'N') return { kind: 'answer', yes: false };
    return key.escape ? act({ type: 'promptClose' }) : NONE;
  }
  if (state.filtering) {
    if (key.escape) return act({ type: 'filterEnd', keep: false });
    if (key.return) return act({ type: 'filterEnd', keep: true });
    if (key.backspace || key.delete) return act({ type: 'filterErase' });
    if (key.upArrow) return act({ type: 'move', by: 'line', direction: -1 });
    if (key.downArrow) return act({ type: 'move', by: 'line', direction: 1 });
    if (input !== '' && !key.ctrl && !key.meta && !key.tab && /^[^\p{Cc}]+$/u.test(input)) return act({ type: 'filterType', text: input });
    return NONE;
  }
  if (key.escape) {
    if (state.diff) return act({ type: 'diffClose' });
    // The full-screen preview goes back to the lists, as a diff does.
    if (state.focus === 'preview') return act({ type: 'cyclePane', step: -1 });
    if (state.filter !== '') return act({ type: 'filterEnd', keep: false });
    return { kind: 'quit', printVersionId: false };
  }
  if (key.upArrow) return act({ type: 'move', by: 'line', direction: -1 });
  if (key.downArrow) return act({ type: 'move', by: 'line', direction: 1 });
  if (key.pageUp) return act({ type: 'move', by: 'page', direction: -1 });
  if (key.pageDown) return act({ type: 'move', by: 'page', direction: 1 });
  if (key.home) return act({ type: 'move', by: 'end', direction: -1 });
  if (key.end) return act({ type: 'move', by: 'end', direction: 1 });
  if (key.return) return act({ type: 'enter' });
  if (key.tab) return act({ type: 'cyclePane', step: key.shift ? -1 : 1 });
  if (key.leftArrow) return act({ type: 'cyclePane', step: -1 });
  if (key.rightArrow) return act({ type: 'cyclePane', step: 1 });
  // Characters typed with Ctrl or Alt held are other keys.
  if (key.ctrl || key.meta) return NONE;
  return CHARACTER_KEYS.get(input) ?? NONE;
}

/** A key press with no key flags set: a plain character. */
export const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/**
 * Ink hands over text typed faster than it reads (or pasted) as one input; each character of it
 * is a key press of its own here, so `jjj` moves three rows and `/abc` filters by `abc`.
 */
export function splitKeys(input: string, key: Key): Array<[string, Key]> {
  if ([...input].length <= 1) return [[input, key]];
  return [...input].map((char) => {
    if (char === '\r' || char === '\n') return ['', { ...NO_KEY, return: true }];
    if (char === '\t') return ['', { ...NO_KEY, tab: true }];
    if (char === '\x7f' || char === '\b') return ['', { ...NO_KEY, backspace: true }];
    return [char, { ...NO_KEY, shift: /[A-Z]/.test(char) }];
  });
}

/**
 * Calls `onIntent` for each key press. `current` returns the state as it is after the previous
 * key's intent was handled, so several keys in one input each see the state the last one left.
 */
export function useBrowseKeys(current: () => BrowseState, onIntent: (intent: Intent) => void): void {
  useInput((input, key) => {
    for (const [char, charKey] of splitKeys(input, key)) onIntent(keyIntent(current(), char, charKey));
  });
}
