/**
 * The browser's state and its transitions, as a pure reducer: every key and every answer from
 * the source is an action, so each behaviour is a unit test away.
 */

import type { NotebookItem, Scope, VersionItem } from '../src/ops/browse-model.js';
import { type Cursor, clampScroll, type Layout, layoutFor, type Size, settleCursor } from './layout.js';

export type Loadable<T> = { state: 'loading' } | { state: 'ready'; value: T } | { state: 'failed'; error: string };

export type Pane = 'notebooks' | 'versions' | 'preview';
export const PANES: readonly Pane[] = ['notebooks', 'versions', 'preview'];

/** An operation waiting for the user's yes or no. */
export interface PendingOp {
  kind: 'clone' | 'checkout' | 'publish';
  scope: Scope;
  notebook: NotebookItem;
  version: VersionItem;
}

export interface Prompt {
  question: string;
  /** What the answers do, for the footer: `y overwrite · n write a-1.ipynb · Esc cancel`. */
  answers: string;
  op: PendingOp;
}

export interface Status {
  tone: 'info' | 'error' | 'busy';
  text: string;
  /** The key of the notebook it is about: it goes when another notebook is selected. */
  about?: string;
}

/** A diff shown in place of the preview until Esc. */
export interface DiffView {
  title: string;
  content: Loadable<string[]>;
  offset: number;
  /** The pane that had the focus before; it gets it back when the diff closes. */
  from: Pane;
}

export interface BrowseState {
  size: Size;
  scope: Scope;
  focus: Pane;
  /** Bumped to reload the lists after something changed the store or the local files. */
  generation: number;
  notebooks: Loadable<NotebookItem[]>;
  filter: string;
  filtering: boolean;
  notebookCursor: Cursor;
  /**
   * Versions of each notebook seen, by key, with the generation they were listed in: a listing
   * from before a reload is listed again (and shown until the new one comes).
   */
  versions: Record<string, Loadable<VersionItem[]> & { generation: number }>;
  versionCursor: Cursor;
  /** Rendered previews by `previewId` (versions never change, so these never go stale). */
  previews: Record<string, Loadable<string[]>>;
  previewOffset: number;
  diff?: DiffView;
  status?: Status;
  prompt?: Prompt;
  /** An operation (clone, checkout…) is running; others wait for it. */
  busy: boolean;
}

export type MoveBy = 'line' | 'page' | 'end';

export type Action =
  | { type: 'resize'; size: Size }
  | { type: 'notebooksLoading'; scope: Scope }
  | { type: 'notebooksLoaded'; scope: Scope; generation: number; items: NotebookItem[] }
  | { type: 'notebooksFailed'; scope: Scope; generation: number; error: string }
  | { type: 'versionsLoading'; key: string }
  | { type: 'versionsLoaded'; key: string; generation: number; items: VersionItem[] }
  | { type: 'versionsFailed'; key: string; generation: number; error: string }
  | { type: 'previewLoading'; id: string }
  | { type: 'previewLoaded'; id: string; lines: string[] }
  | { type: 'previewFailed'; id: string; error: string }
  | { type: 'move'; by: MoveBy; direction: 1 | -1 }
  | { type: 'cyclePane'; step: 1 | -1 }
  | { type: 'enter' }
  | { type: 'filterStart' }
  | { type: 'filterType'; text: string }
  | { type: 'filterErase' }
  | { type: 'filterEnd'; keep: boolean }
  | { type: 'toggleScope' }
  | { type: 'diffOpen'; title: string }
  | { type: 'diffLoaded'; title: string; lines: string[] }
  | { type: 'diffFailed'; title: string; error: string }
  | { type: 'diffClose' }
  | { type: 'busy'; text: string }
  | { type: 'done'; status: Status }
  | { type: 'status'; status: Status }
  | { type: 'prompt'; prompt: Prompt }
  | { type: 'promptClose' }
  | { type: 'reload' };

export function initialState(size: Size, scope: Scope = 'workspace'): BrowseState {
  return {
    size,
    scope,
    focus: 'notebooks',
    generation: 0,
    notebooks: { state: 'loading' },
    filter: '',
    filtering: false,
    notebookCursor: { index: 0, offset: 0 },
    versions: {},
    versionCursor: { index: 0, offset: 0 },
    previews: {},
    previewOffset: 0,
    busy: false,
  };
}

/** The key under which a version's preview is kept. */
export function previewId(version: Pick<VersionItem, 'key' | 'versionId'>): string {
  return `${version.key}\u0000${version.versionId}`;
}

export function layoutOf(state: BrowseState): Layout {
  const longestPath = state.notebooks.state === 'ready' ? Math.max(0, ...state.notebooks.value.map((nb) => nb.path.length)) : undefined;
  return layoutFor(state.size, state.focus === 'preview', state.scope, longestPath);
}

/** The notebooks the filter lets through (case-insensitive substring of the path). */
export function visibleNotebooks(state: BrowseState): NotebookItem[] {
  if (state.notebooks.state !== 'ready') return [];
  const needle = state.filter.toLowerCase();
  return needle === '' ? state.notebooks.value : state.notebooks.value.filter((nb) => nb.path.toLowerCase().includes(needle));
}

export function selectedNotebook(state: BrowseState): NotebookItem | undefined {
  return visibleNotebooks(state)[state.notebookCursor.index];
}

export function versionsOfSelected(state: BrowseState): Loadable<VersionItem[]> | undefined {
  const notebook = selectedNotebook(state);
  return notebook ? state.versions[notebook.key] : undefined;
}

export function selectedVersion(state: BrowseState): VersionItem | undefined {
  const versions = versionsOfSelected(state);
  return versions?.state === 'ready' ? versions.value[state.versionCursor.index] : undefined;
}

/** The version before the selected one (the next older entry), which `d` diffs against. */
export function previousVersion(state: BrowseState): VersionItem | undefined {
  const versions = versionsOfSelected(state);
  if (versions?.state !== 'ready') return undefined;
  return versions.value.slice(state.versionCursor.index + 1).find((v) => !v.isDeleteMarker);
}

/** What the preview pane shows: the diff when one is open, else the selected version. */
export function previewContent(state: BrowseState): Loadable<string[]> | undefined {
  if (state.diff) return state.diff.content;
  const version = selectedVersion(state);
  return version && !version.isDeleteMarker ? state.previews[previewId(version)] : undefined;
}

export function reduce(state: BrowseState, action: Action): BrowseState {
  switch (action.type) {
    case 'resize':
      return resettle({ ...state, size: action.size });
    case 'notebooksLoading':
      return action.scope === state.scope ? { ...state, notebooks: { state: 'loading' } } : state;
    case 'notebooksLoaded': {
      if (action.scope !== state.scope || action.generation !== state.generation) return state;
      // A reload keeps the selection on the same notebook when it is still there.
      const selected = selectedNotebook(state)?.key;
      const next = { ...state, notebooks: { state: 'ready' as const, value: action.items } };
      const index = Math.max(
        0,
        visibleNotebooks(next).findIndex((nb) => nb.key === selected),
      );
      return resettle({ ...next, notebookCursor: { ...state.notebookCursor, index } });
    }
    case 'notebooksFailed':
      if (action.scope !== state.scope || action.generation !== state.generation) return state;
      return { ...state, notebooks: { state: 'failed', error: action.error }, status: { tone: 'error', text: action.error } };
    case 'versionsLoading': {
      const shown = state.versions[action.key];
      const entry =
        shown?.state === 'ready' ? { ...shown, generation: state.generation } : { state: 'loading' as const, generation: state.generation };
      return { ...state, versions: { ...state.versions, [action.key]: entry } };
    }
    case 'versionsLoaded': {
      if (action.generation !== state.generation) return state;
      // A new listing keeps the same version selected when it is still there.
      const selected = selectedVersion(state)?.versionId;
      const next = {
        ...state,
        versions: { ...state.versions, [action.key]: { state: 'ready' as const, value: action.items, generation: action.generation } },
      };
      if (selectedNotebook(state)?.key !== action.key) return next;
      const index = Math.max(
        0,
        action.items.findIndex((v) => v.versionId === selected),
      );
      return resettle({ ...next, versionCursor: { ...state.versionCursor, index } });
    }
    case 'versionsFailed':
      if (action.generation !== state.generation) return state;
      return {
        ...state,
        versions: { ...state.versions, [action.key]: { state: 'failed', error: action.error, generation: action.generation } },
      };
    case 'previewLoading':
      return { ...state, previews: { ...state.previews, [action.id]: { state: 'loading' } } };
    case 'previewLoaded':
      return resettle({ ...state, previews: { ...state.previews, [action.id]: { state: 'ready', value: action.lines } } });
    case 'previewFailed':
      return { ...state, previews: { ...state.previews, [action.id]: { state: 'failed', error: action.error } } };
    case 'move':
      return move(state, action.by, action.direction);
    case 'cyclePane': {
      const at = PANES.indexOf(state.focus);
      return resettle({ ...state, focus: PANES[(at + action.step + PANES.length) % PANES.length] as Pane });
    }
    case 'enter':
      if (state.focus === 'notebooks' && selectedNotebook(state)) return resettle({ ...state, focus: 'versions' });
      if (state.focus === 'versions' && selectedNotebook(state)) return resettle({ ...state, focus: 'preview' });
      return state;
    case 'filterStart':
      return resettle({ ...state, filtering: true, focus: 'notebooks', diff: undefined });
    case 'filterType':
      return refilter(state, state.filter + action.text);
    case 'filterErase':
      return refilter(state, state.filter.slice(0, -1));
    case 'filterEnd':
      return action.keep ? { ...state, filtering: false } : refilter({ ...state, filtering: false }, '');
    case 'toggleScope':
      return {
        ...initialState(state.size, state.scope === 'workspace' ? 'published' : 'workspace'),
        generation: state.generation + 1,
        previews: state.previews,
        ...(state.status ? { status: state.status } : {}),
        busy: state.busy,
      };
    case 'diffOpen':
      return resettle({
        ...state,
        focus: 'preview',
        diff: { title: action.title, content: { state: 'loading' }, offset: 0, from: state.diff?.from ?? state.focus },
      });
    case 'diffLoaded':
      if (state.diff?.title !== action.title) return state;
      return resettle({ ...state, diff: { ...state.diff, content: { state: 'ready', value: action.lines } } });
    case 'diffFailed':
      if (state.diff?.title !== action.title) return state;
      return {
        ...state,
        diff: { ...state.diff, content: { state: 'failed', error: action.error } },
        status: { tone: 'error', text: action.error },
      };
    case 'diffClose':
      return resettle({ ...state, diff: undefined, focus: state.diff?.from ?? state.focus });
    case 'busy':
      return { ...state, busy: true, status: { tone: 'busy', text: action.text } };
    case 'done':
      return { ...state, busy: false, status: action.status };
    case 'status':
      return { ...state, status: action.status };
    case 'prompt':
      return { ...state, prompt: action.prompt };
    case 'promptClose':
      return { ...state, prompt: undefined };
    case 'reload':
      // Notebooks and their versions may have changed; rendered versions cannot have.
      return { ...state, generation: state.generation + 1 };
  }
}

function move(state: BrowseState, by: MoveBy, direction: 1 | -1): BrowseState {
  const layout = layoutOf(state);
  const step = (rows: number, total: number) => (by === 'line' ? 1 : by === 'page' ? Math.max(1, rows - 1) : total) * direction;
  switch (state.focus) {
    case 'notebooks':
      return selectNotebook(state, state.notebookCursor.index + step(layout.listRows, visibleNotebooks(state).length));
    case 'versions': {
      const versions = versionsOfSelected(state);
      const total = versions?.state === 'ready' ? versions.value.length : 0;
      const index = state.versionCursor.index + step(layout.listRows, total);
      return {
        ...state,
        diff: undefined,
        previewOffset: 0,
        versionCursor: settleCursor(state.versionCursor, index, total, layout.listRows),
      };
    }
    case 'preview': {
      const content = previewContent(state);
      const total = content?.state === 'ready' ? content.value.length : 0;
      if (state.diff) {
        return {
          ...state,
          diff: { ...state.diff, offset: clampScroll(state.diff.offset + step(layout.previewRows, total), total, layout.previewRows) },
        };
      }
      return { ...state, previewOffset: clampScroll(state.previewOffset + step(layout.previewRows, total), total, layout.previewRows) };
    }
  }
}

/**
 * Selects the notebook at `index` of the visible list. Another notebook than `before` (the one
 * selected until now) starts at its newest version.
 */
function selectNotebook(state: BrowseState, index: number, before = selectedNotebook(state)?.key): BrowseState {
  const layout = layoutOf(state);
  const next = { ...state, notebookCursor: settleCursor(state.notebookCursor, index, visibleNotebooks(state).length, layout.listRows) };
  const selected = selectedNotebook(next)?.key;
  if (selected === before) return next;
  const { status, ...rest } = next;
  const keep = status && (status.about === undefined || status.about === selected || status.tone === 'busy');
  return { ...rest, ...(keep ? { status } : {}), versionCursor: { index: 0, offset: 0 }, previewOffset: 0, diff: undefined };
}

/** A new filter keeps the selected notebook when it still matches, else selects the first match. */
function refilter(state: BrowseState, filter: string): BrowseState {
  const before = selectedNotebook(state)?.key;
  const next = { ...state, filter };
  return selectNotebook(
    next,
    Math.max(
      0,
      visibleNotebooks(next).findIndex((nb) => nb.key === before),
    ),
    before,
  );
}

/** Keeps every cursor and scroll position valid after the layout or the content changed. */
function resettle(state: BrowseState): BrowseState {
  const layout = layoutOf(state);
  const notebooks = visibleNotebooks(state).length;
  const versions = versionsOfSelected(state);
  const versionCount = versions?.state === 'ready' ? versions.value.length : 0;
  const notebookCursor = settleCursor(state.notebookCursor, state.notebookCursor.index, notebooks, layout.listRows);
  const settled = { ...state, notebookCursor };
  const versionCursor =
    versions?.state === 'ready'
      ? settleCursor(state.versionCursor, state.versionCursor.index, versionCount, layout.listRows)
      : state.versionCursor;
  const withVersions = { ...settled, versionCursor };
  const content = previewContent(withVersions);
  const lines = content?.state === 'ready' ? content.value.length : 0;
  if (withVersions.diff)
    return { ...withVersions, diff: { ...withVersions.diff, offset: clampScroll(withVersions.diff.offset, lines, layout.previewRows) } };
  return {
    ...withVersions,
    previewOffset: content?.state === 'ready' ? clampScroll(state.previewOffset, lines, layout.previewRows) : state.previewOffset,
  };
}
