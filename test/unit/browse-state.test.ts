import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Key } from 'ink';
import type { NotebookItem, VersionItem } from '../../src/ops/browse-model.js';
import { keyIntent, NO_KEY, splitKeys } from '../../ui/keys.js';
import { keyHints, layoutFor, packHints, settleCursor } from '../../ui/layout.js';
import {
  type Action,
  type BrowseState,
  initialState,
  layoutOf,
  previewContent,
  previewId,
  previousVersion,
  reduce,
  selectedNotebook,
  selectedVersion,
  visibleNotebooks,
} from '../../ui/state.js';

const SIZE = { columns: 80, rows: 24 };

function notebook(path: string, prefix = 'workspace'): NotebookItem {
  return { key: `${prefix}/${path}`, path, lastModified: new Date(2026, 0, 1), size: 100 };
}

function version(key: string, id: string, extra: Partial<VersionItem> = {}): VersionItem {
  return {
    key,
    versionId: `${id}-full`,
    shortId: id,
    lastModified: new Date(2026, 0, 1),
    size: 100,
    isLatest: false,
    isDeleteMarker: false,
    message: id,
    published: false,
    base: false,
    ...extra,
  };
}

const NOTEBOOKS = Array.from({ length: 20 }, (_, i) => notebook(`nb${String(i + 1).padStart(2, '0')}.ipynb`));

function run(state: BrowseState, ...actions: Action[]): BrowseState {
  return actions.reduce(reduce, state);
}

/** A state with the 20 notebooks listed and `versions` versions of the first loaded. */
function loaded(versions = 3): BrowseState {
  const key = NOTEBOOKS[0]!.key;
  return run(
    initialState(SIZE),
    { type: 'notebooksLoaded', scope: 'workspace', generation: 0, items: NOTEBOOKS },
    { type: 'versionsLoaded', key, generation: 0, items: Array.from({ length: versions }, (_, i) => version(key, `v${versions - i}`)) },
  );
}

const down: Action = { type: 'move', by: 'line', direction: 1 };
const up: Action = { type: 'move', by: 'line', direction: -1 };

describe('browse layout', () => {
  it('fills an 80×24 terminal exactly: header, lists, preview, status line, two lines of keys', () => {
    const layout = layoutFor({ columns: 80, rows: 24 }, false);
    assert.equal(layout.tooSmall, false);
    assert.equal(layout.footer.length, 2);
    assert.ok(
      layout.footer.every((line) => line.length <= 80),
      layout.footer.join('\n'),
    );
    assert.equal(1 + layout.listsHeight + layout.previewHeight + 1 + layout.footer.length, 24);
    assert.equal(layout.notebooksWidth + layout.versionsWidth, 80);
    assert.ok(layout.listRows >= 5 && layout.previewRows >= 8, JSON.stringify(layout));
  });

  it('gives the whole body to the preview when it has the focus', () => {
    const layout = layoutFor({ columns: 80, rows: 24 }, true);
    assert.equal(layout.listsHeight, 0);
    assert.equal(layout.previewHeight, 24 - 1 - 1 - 2);
  });

  it('makes the notebook list as wide as its longest path needs, within limits', () => {
    assert.equal(layoutFor({ columns: 80, rows: 24 }, false, 'workspace', 10).notebooksWidth, 20);
    assert.equal(layoutFor({ columns: 80, rows: 24 }, false, 'workspace', 25).notebooksWidth, 28);
    assert.equal(layoutFor({ columns: 80, rows: 24 }, false, 'workspace', 90).notebooksWidth, 32);
    assert.equal(layoutFor({ columns: 200, rows: 24 }, false, 'workspace', 90).notebooksWidth, 80);
  });

  it('puts every key on one line in a wide terminal and says when one is too small', () => {
    assert.equal(layoutFor({ columns: 160, rows: 50 }, false).footer.length, 1);
    assert.equal(layoutFor({ columns: 39, rows: 24 }, false).tooSmall, true);
    assert.equal(layoutFor({ columns: 80, rows: 11 }, false).tooSmall, true);
  });

  it('packs key hints into lines no wider than asked, keeping each hint whole', () => {
    const hints = keyHints('workspace');
    for (const width of [30, 50, 80]) {
      const lines = packHints(hints, width);
      assert.ok(
        lines.every((line) => line.length <= width),
        `${width}: ${lines.join(' | ')}`,
      );
      assert.equal(lines.join('  '), hints.map(([k, label]) => `${k} ${label}`).join('  '));
    }
    assert.deepEqual(
      keyHints('published').find(([k]) => k === 't'),
      ['t', 'workspace'],
    );
  });

  it('scrolls a list as little as needed to keep the selection in view', () => {
    assert.deepEqual(settleCursor({ index: 0, offset: 0 }, 5, 20, 6), { index: 5, offset: 0 });
    assert.deepEqual(settleCursor({ index: 5, offset: 0 }, 6, 20, 6), { index: 6, offset: 1 });
    assert.deepEqual(settleCursor({ index: 6, offset: 1 }, 2, 20, 6), { index: 2, offset: 1 });
    assert.deepEqual(settleCursor({ index: 2, offset: 1 }, 0, 20, 6), { index: 0, offset: 0 });
    assert.deepEqual(settleCursor({ index: 0, offset: 0 }, 99, 20, 6), { index: 19, offset: 14 });
    assert.deepEqual(settleCursor({ index: 3, offset: 2 }, -4, 20, 6), { index: 0, offset: 0 });
    assert.deepEqual(settleCursor({ index: 3, offset: 2 }, 3, 0, 6), { index: 0, offset: 0 });
  });
});

describe('browse state', () => {
  it('starts loading the workspace notebooks and ignores a listing for another scope or an older reload', () => {
    const start = initialState(SIZE);
    assert.equal(start.notebooks.state, 'loading');
    assert.equal(
      reduce(start, { type: 'notebooksLoaded', scope: 'published', generation: 0, items: NOTEBOOKS }).notebooks.state,
      'loading',
    );
    assert.equal(
      reduce(start, { type: 'notebooksLoaded', scope: 'workspace', generation: 1, items: NOTEBOOKS }).notebooks.state,
      'loading',
    );
    const failed = reduce(start, { type: 'notebooksFailed', scope: 'workspace', generation: 0, error: 'endpoint unreachable' });
    assert.deepEqual(failed.notebooks, { state: 'failed', error: 'endpoint unreachable' });
    assert.deepEqual(failed.status, { tone: 'error', text: 'endpoint unreachable' });
  });

  it('moves through notebooks, scrolling the list, and starts each notebook at its newest version', () => {
    let state = run(loaded(), { type: 'cyclePane', step: 1 }, down, down);
    assert.equal(selectedVersion(state)?.shortId, 'v1');
    state = run(state, { type: 'cyclePane', step: -1 }, down);
    assert.equal(selectedNotebook(state)?.path, 'nb02.ipynb');
    assert.deepEqual(state.versionCursor, { index: 0, offset: 0 });
    const rows = layoutOf(state).listRows;
    state = run(state, ...Array.from({ length: 10 }, () => down));
    assert.equal(selectedNotebook(state)?.path, 'nb12.ipynb');
    assert.equal(state.notebookCursor.offset, 11 - rows + 1);
    state = run(state, { type: 'move', by: 'end', direction: 1 });
    assert.equal(selectedNotebook(state)?.path, 'nb20.ipynb');
    state = run(state, { type: 'move', by: 'page', direction: -1 });
    assert.equal(state.notebookCursor.index, 19 - (rows - 1));
    state = run(state, { type: 'move', by: 'end', direction: -1 }, up);
    assert.deepEqual(state.notebookCursor, { index: 0, offset: 0 });
  });

  it('moves the focus with Enter only when there is something to focus, and cycles panes both ways', () => {
    let state = reduce(initialState(SIZE), { type: 'enter' });
    assert.equal(state.focus, 'notebooks', 'nothing listed yet');
    state = run(loaded(), { type: 'enter' });
    assert.equal(state.focus, 'versions');
    state = run(state, { type: 'enter' });
    assert.equal(state.focus, 'preview');
    assert.equal(run(state, { type: 'cyclePane', step: 1 }).focus, 'notebooks');
    assert.equal(run(state, { type: 'cyclePane', step: -1 }).focus, 'versions');
  });

  it('filters notebooks by name, keeping the selection while it matches, and clears the filter', () => {
    let state = run(loaded(), down, down, down, { type: 'filterStart' });
    assert.equal(state.filtering, true);
    assert.equal(selectedNotebook(state)?.path, 'nb04.ipynb');
    state = run(state, { type: 'filterType', text: '0' });
    assert.equal(selectedNotebook(state)?.path, 'nb04.ipynb', 'still matches');
    state = run(state, { type: 'filterType', text: '1' }, { type: 'filterType', text: '.' });
    assert.deepEqual(
      visibleNotebooks(state).map((nb) => nb.path),
      ['nb01.ipynb'],
    );
    assert.equal(selectedNotebook(state)?.path, 'nb01.ipynb');
    state = run(state, { type: 'filterErase' }, { type: 'filterErase' }, { type: 'filterType', text: '2' });
    assert.deepEqual(
      visibleNotebooks(state).map((nb) => nb.path),
      ['nb02.ipynb'],
    );
    state = run(state, { type: 'filterEnd', keep: true });
    assert.equal(state.filtering, false);
    assert.equal(state.filter, '02');
    state = run(state, { type: 'filterEnd', keep: false });
    assert.equal(state.filter, '');
    assert.equal(visibleNotebooks(state).length, 20);
    assert.equal(selectedNotebook(state)?.path, 'nb02.ipynb', 'clearing the filter keeps the notebook selected');
    assert.equal(run(state, { type: 'filterType', text: 'zzz' }).notebookCursor.index, 0);
    assert.equal(selectedNotebook(run(state, { type: 'filterType', text: 'zzz' })), undefined);
  });

  it('matches the filter without regard to case', () => {
    const state = run(loaded(), { type: 'filterStart' }, { type: 'filterType', text: 'NB2' });
    assert.deepEqual(
      visibleNotebooks(state).map((nb) => nb.path),
      ['nb20.ipynb'],
    );
  });

  it('diffs against the previous version that is not a deletion, and has none for the first', () => {
    const key = NOTEBOOKS[0]!.key;
    let state = run(loaded(0), {
      type: 'versionsLoaded',
      key,
      generation: 0,
      items: [version(key, 'v3'), version(key, 'gone', { isDeleteMarker: true }), version(key, 'v1')],
    });
    assert.equal(previousVersion(state)?.shortId, 'v1');
    state = run(state, { type: 'cyclePane', step: 1 }, down, down);
    assert.equal(selectedVersion(state)?.shortId, 'v1');
    assert.equal(previousVersion(state), undefined);
  });

  it('shows a diff in the preview pane, scrolls it, and closes it on Esc or when the selection moves', () => {
    const title = 'diff nb01.ipynb  v2 → v3';
    let state = run(loaded(), { type: 'diffOpen', title });
    assert.equal(state.focus, 'preview');
    assert.equal(previewContent(state)?.state, 'loading');
    state = run(state, { type: 'diffLoaded', title: 'another diff', lines: ['x'] });
    assert.equal(previewContent(state)?.state, 'loading', 'a diff the user left is not shown');
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
    state = run(state, { type: 'diffLoaded', title, lines }, { type: 'move', by: 'page', direction: 1 });
    assert.equal(state.diff?.offset, layoutOf(state).previewRows - 1);
    state = run(state, { type: 'move', by: 'end', direction: 1 });
    assert.equal(state.diff?.offset, 100 - layoutOf(state).previewRows);
    assert.equal(run(state, { type: 'diffClose' }).diff, undefined);
    assert.equal(run(state, { type: 'diffClose' }).focus, 'notebooks', 'the focus goes back where it was');
    assert.equal(run(state, { type: 'cyclePane', step: -1 }, down).diff, undefined);
  });

  it('keeps a failed diff and a failed preview on screen as errors', () => {
    const title = 'diff x';
    const state = run(loaded(), { type: 'diffOpen', title }, { type: 'diffFailed', title, error: 'not a notebook' });
    assert.deepEqual(previewContent(state), { state: 'failed', error: 'not a notebook' });
    assert.equal(state.status?.tone, 'error');
    const version = selectedVersion(loaded());
    assert.ok(version);
    const id = previewId(version);
    assert.deepEqual(previewContent(run(loaded(), { type: 'previewFailed', id, error: 'checksum' })), {
      state: 'failed',
      error: 'checksum',
    });
  });

  it('scrolls the preview within its text', () => {
    const version = selectedVersion(loaded());
    assert.ok(version);
    const id = previewId(version);
    let state = run(
      loaded(),
      { type: 'previewLoaded', id, lines: Array.from({ length: 30 }, (_, i) => `l${i}`) },
      { type: 'enter' },
      { type: 'enter' },
    );
    assert.equal(state.focus, 'preview');
    state = run(state, ...Array.from({ length: 50 }, () => down));
    assert.equal(state.previewOffset, 30 - layoutOf(state).previewRows);
    state = run(state, { type: 'move', by: 'end', direction: -1 });
    assert.equal(state.previewOffset, 0);
  });

  it('keeps the selection in view when the terminal shrinks', () => {
    let state = run(loaded(), ...Array.from({ length: 15 }, () => down));
    assert.equal(state.notebookCursor.index, 15);
    state = reduce(state, { type: 'resize', size: { columns: 60, rows: 14 } });
    const rows = layoutOf(state).listRows;
    assert.ok(
      state.notebookCursor.offset <= 15 && 15 < state.notebookCursor.offset + rows,
      JSON.stringify({ cursor: state.notebookCursor, rows }),
    );
  });

  it('switches to the published notebooks and back, starting each listing afresh', () => {
    const state = run(loaded(), down, { type: 'toggleScope' });
    assert.equal(state.scope, 'published');
    assert.equal(state.notebooks.state, 'loading');
    assert.equal(state.generation, 1);
    assert.deepEqual(state.notebookCursor, { index: 0, offset: 0 });
    assert.equal(run(state, { type: 'toggleScope' }).scope, 'workspace');
  });

  it('reloads after a change and keeps the same notebook and version selected', () => {
    const key = NOTEBOOKS[2]!.key;
    let state = run(
      loaded(),
      down,
      down,
      { type: 'versionsLoaded', key, generation: 0, items: [version(key, 'a2'), version(key, 'a1')] },
      { type: 'cyclePane', step: 1 },
      down,
    );
    assert.equal(selectedVersion(state)?.shortId, 'a1');
    state = run(state, { type: 'reload' }, { type: 'versionsLoading', key });
    assert.equal(state.generation, 1);
    assert.equal(selectedVersion(state)?.shortId, 'a1', 'the old listing stays on screen while the new one loads');
    assert.equal(
      selectedVersion(run(state, { type: 'versionsLoaded', key, generation: 0, items: [] }))?.shortId,
      'a1',
      'a listing from before the reload is dropped',
    );
    state = run(
      state,
      { type: 'notebooksLoaded', scope: 'workspace', generation: 1, items: [notebook('new.ipynb'), ...NOTEBOOKS] },
      { type: 'versionsLoaded', key, generation: 1, items: [version(key, 'a3'), version(key, 'a2'), version(key, 'a1')] },
    );
    assert.equal(selectedNotebook(state)?.path, 'nb03.ipynb');
    assert.equal(selectedVersion(state)?.shortId, 'a1');
  });

  it('marks an operation busy until it is done, and holds a question until it is answered', () => {
    let state = run(loaded(), { type: 'busy', text: 'cloning…' });
    assert.equal(state.busy, true);
    assert.deepEqual(state.status, { tone: 'busy', text: 'cloning…' });
    state = run(state, { type: 'done', status: { tone: 'info', text: 'cloned' } });
    assert.equal(state.busy, false);
    const nb = selectedNotebook(state);
    const v = selectedVersion(state);
    assert.ok(nb && v);
    state = run(state, {
      type: 'prompt',
      prompt: { question: 'Overwrite?', answers: 'y · n', op: { kind: 'checkout', scope: 'workspace', notebook: nb, version: v } },
    });
    assert.equal(state.prompt?.question, 'Overwrite?');
    assert.equal(run(state, { type: 'promptClose' }).prompt, undefined);
  });
});

const key = (overrides: Partial<Key>): Key => ({ ...NO_KEY, ...overrides });

describe('browse keys', () => {
  it('maps the documented keys to moves, panes, the filter, operations and quitting', () => {
    const state = loaded();
    const intent = (input: string, k: Partial<Key> = {}) => keyIntent(state, input, key(k));
    assert.deepEqual(intent('j'), { kind: 'action', action: down });
    assert.deepEqual(intent('', { downArrow: true }), { kind: 'action', action: down });
    assert.deepEqual(intent('k'), { kind: 'action', action: up });
    assert.deepEqual(intent('', { upArrow: true }), { kind: 'action', action: up });
    assert.deepEqual(intent('', { pageDown: true }), { kind: 'action', action: { type: 'move', by: 'page', direction: 1 } });
    assert.deepEqual(intent('G'), { kind: 'action', action: { type: 'move', by: 'end', direction: 1 } });
    assert.deepEqual(intent('', { return: true }), { kind: 'action', action: { type: 'enter' } });
    assert.deepEqual(intent('', { tab: true }), { kind: 'action', action: { type: 'cyclePane', step: 1 } });
    assert.deepEqual(intent('', { tab: true, shift: true }), { kind: 'action', action: { type: 'cyclePane', step: -1 } });
    assert.deepEqual(intent('/'), { kind: 'action', action: { type: 'filterStart' } });
    assert.deepEqual(intent('t'), { kind: 'action', action: { type: 'toggleScope' } });
    assert.deepEqual(intent('r'), { kind: 'action', action: { type: 'reload' } });
    assert.deepEqual(intent('d'), { kind: 'op', op: 'diff' });
    assert.deepEqual(intent('D', { shift: true }), { kind: 'op', op: 'diffLocal' });
    assert.deepEqual(intent('c'), { kind: 'op', op: 'clone' });
    assert.deepEqual(intent('o'), { kind: 'op', op: 'checkout' });
    assert.deepEqual(intent('p'), { kind: 'op', op: 'publish' });
    assert.deepEqual(intent('y'), { kind: 'quit', printVersionId: true });
    assert.deepEqual(intent('q'), { kind: 'quit', printVersionId: false });
    assert.deepEqual(intent('', { escape: true, meta: true }), { kind: 'quit', printVersionId: false });
    assert.deepEqual(intent('c', { ctrl: true }), { kind: 'none' });
    assert.deepEqual(intent('j', { meta: true }), { kind: 'none' }, 'Alt+j is not j');
    assert.deepEqual(intent('constructor'), { kind: 'none' });
    assert.deepEqual(intent('x'), { kind: 'none' });
  });

  it('makes Esc close a diff, then clear the filter, before it quits', () => {
    const withDiff = reduce(loaded(), { type: 'diffOpen', title: 'd' });
    assert.deepEqual(keyIntent(withDiff, '', key({ escape: true })), { kind: 'action', action: { type: 'diffClose' } });
    const filtered = run(loaded(), { type: 'filterStart' }, { type: 'filterType', text: 'nb' }, { type: 'filterEnd', keep: true });
    assert.deepEqual(keyIntent(filtered, '', key({ escape: true })), { kind: 'action', action: { type: 'filterEnd', keep: false } });
  });

  it('makes Esc in the full-screen preview go back to the versions, not quit', () => {
    const preview = run(loaded(), { type: 'enter' }, { type: 'enter' });
    assert.equal(preview.focus, 'preview');
    const intent = keyIntent(preview, '', key({ escape: true }));
    assert.deepEqual(intent, { kind: 'action', action: { type: 'cyclePane', step: -1 } });
    assert.equal(reduce(preview, (intent as { action: Action }).action).focus, 'versions');
  });

  it('drops a status message about one notebook when another is selected, and keeps one about none', () => {
    const about = reduce(loaded(), { type: 'done', status: { tone: 'info', text: 'cloned nb01', about: NOTEBOOKS[0]!.key } });
    assert.equal(reduce(about, down).status, undefined);
    assert.equal(run(about, down, up).status, undefined, 'gone for good');
    const general = reduce(loaded(), { type: 'status', status: { tone: 'error', text: 'select a version' } });
    assert.equal(reduce(general, down).status?.text, 'select a version');
    const busy = reduce(loaded(), { type: 'busy', text: 'cloning…' });
    assert.equal(reduce({ ...busy, status: { ...busy.status!, about: NOTEBOOKS[0]!.key } }, down).status?.tone, 'busy');
  });

  it('types into the filter while filtering: letters that are keys elsewhere are text there', () => {
    const state = reduce(loaded(), { type: 'filterStart' });
    assert.deepEqual(keyIntent(state, 'q', NO_KEY), { kind: 'action', action: { type: 'filterType', text: 'q' } });
    assert.deepEqual(keyIntent(state, 'd', NO_KEY), { kind: 'action', action: { type: 'filterType', text: 'd' } });
    assert.deepEqual(keyIntent(state, '', key({ backspace: true })), { kind: 'action', action: { type: 'filterErase' } });
    assert.deepEqual(keyIntent(state, '', key({ return: true })), { kind: 'action', action: { type: 'filterEnd', keep: true } });
    assert.deepEqual(keyIntent(state, '', key({ escape: true })), { kind: 'action', action: { type: 'filterEnd', keep: false } });
    assert.deepEqual(keyIntent(state, '', key({ downArrow: true })), { kind: 'action', action: down });
    assert.deepEqual(keyIntent(state, '\x01', key({ ctrl: true })), { kind: 'none' });
  });

  it('answers a question with y or n, cancels it with Esc, and ignores other keys meanwhile', () => {
    const nb = selectedNotebook(loaded());
    const v = selectedVersion(loaded());
    assert.ok(nb && v);
    const state = reduce(loaded(), {
      type: 'prompt',
      prompt: { question: '?', answers: '', op: { kind: 'checkout', scope: 'workspace', notebook: nb, version: v } },
    });
    assert.deepEqual(keyIntent(state, 'y', NO_KEY), { kind: 'answer', yes: true });
    assert.deepEqual(keyIntent(state, 'n', NO_KEY), { kind: 'answer', yes: false });
    assert.deepEqual(keyIntent(state, '', key({ escape: true })), { kind: 'action', action: { type: 'promptClose' } });
    assert.deepEqual(keyIntent(state, 'q', NO_KEY), { kind: 'none' });
    assert.deepEqual(keyIntent(state, 'j', NO_KEY), { kind: 'none' });
  });

  it('splits input that arrives together into one key press per character', () => {
    assert.deepEqual(splitKeys('j', NO_KEY), [['j', NO_KEY]]);
    assert.deepEqual(splitKeys('', key({ upArrow: true })), [['', key({ upArrow: true })]]);
    assert.deepEqual(splitKeys('jD\r\t\x7f', NO_KEY), [
      ['j', NO_KEY],
      ['D', key({ shift: true })],
      ['', key({ return: true })],
      ['', key({ tab: true })],
      ['', key({ backspace: true })],
    ]);
  });
});
