/** Where each pane goes on a terminal of a given size: pure, so resizing is a matter of arithmetic. */
import type { Scope } from '../src/ops/browse-model.js';

export interface Size {
  columns: number;
  rows: number;
}

/** Below this the browser asks for a bigger terminal instead of drawing a broken one. */
export const MIN_SIZE: Size = { columns: 40, rows: 12 };

/** The keys the footer lists, in order: [key, what it does]. */
export function keyHints(scope: Scope): Array<readonly [string, string]> {
  return [
    ['↑↓/jk', 'move'],
    ['⏎', 'focus'],
    ['Tab', 'pane'],
    ['/', 'filter'],
    ['d', 'diff'],
    ['D', 'diff local'],
    ['c', 'clone'],
    ['o', 'checkout'],
    ['p', 'publish'],
    ['t', scope === 'workspace' ? 'published' : 'workspace'],
    ['r', 'reload'],
    ['y', 'print id'],
    ['q', 'quit'],
  ];
}

export interface Layout {
  width: number;
  height: number;
  tooSmall: boolean;
  /** The key hints, packed into lines no wider than the terminal. */
  footer: string[];
  /** Outer height of the row holding the notebook and version lists; 0 when the preview fills the screen. */
  listsHeight: number;
  notebooksWidth: number;
  versionsWidth: number;
  /** Rows inside the list panes (one per item). */
  listRows: number;
  previewHeight: number;
  /** Lines inside the preview pane. */
  previewRows: number;
}

/** A pane is a title line, its rows and a bottom border. */
const PANE_CHROME = 2;
const HEADER_LINES = 1;
const STATUS_LINES = 1;

/**
 * The layout of the screen: a header line, the notebook and version lists side by side, the
 * preview below them (or alone when `zoomed`, the preview having the focus), a status line and the
 * key hints. The notebook list is as wide as its longest path (`longestPath` characters, once
 * listed) needs, within limits.
 */
export function layoutFor(size: Size, zoomed: boolean, scope: Scope = 'workspace', longestPath?: number): Layout {
  const width = Math.max(1, size.columns);
  const height = Math.max(1, size.rows);
  const tooSmall = width < MIN_SIZE.columns || height < MIN_SIZE.rows;
  const footer = packHints(keyHints(scope), width);
  const body = Math.max(0, height - HEADER_LINES - STATUS_LINES - footer.length);
  const listsHeight = zoomed ? 0 : Math.min(Math.max(PANE_CHROME + 3, Math.round(body * 0.4)), Math.max(0, body - PANE_CHROME - 3));
  const previewHeight = body - listsHeight;
  // The path, the selection mark and two borders; before the notebooks are listed, a third.
  const wanted = longestPath === undefined ? Math.floor(width * 0.3) : longestPath + 3;
  const notebooksWidth = Math.min(Math.max(20, wanted), Math.floor(width * 0.4));
  return {
    width,
    height,
    tooSmall,
    footer,
    listsHeight,
    notebooksWidth,
    versionsWidth: Math.max(0, width - notebooksWidth),
    listRows: Math.max(0, listsHeight - PANE_CHROME),
    previewHeight,
    previewRows: Math.max(0, previewHeight - PANE_CHROME),
  };
}

/** `key label` pairs, two spaces apart, wrapped to `width`. */
export function packHints(hints: ReadonlyArray<readonly [string, string]>, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const [key, label] of hints) {
    const item = `${key} ${label}`;
    if (line !== '' && line.length + 2 + item.length > width) {
      lines.push(line);
      line = item;
    } else {
      line = line === '' ? item : `${line}  ${item}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** A scrolled window onto a list: the first row shown and the selected row. */
export interface Cursor {
  index: number;
  offset: number;
}

/**
 * The cursor moved to `index` (clamped to the list) with the window scrolled as little as needed
 * to keep it in view on `rows` rows.
 */
export function settleCursor(cursor: Cursor, index: number, total: number, rows: number): Cursor {
  if (total <= 0) return { index: 0, offset: 0 };
  const clamped = Math.min(Math.max(0, index), total - 1);
  const visible = Math.max(1, rows);
  let offset = Math.min(cursor.offset, clamped);
  if (clamped >= offset + visible) offset = clamped - visible + 1;
  offset = Math.min(Math.max(0, offset), Math.max(0, total - visible));
  return { index: clamped, offset };
}

/** The first line shown of a text of `total` lines scrolled to `offset` on `rows` lines. */
export function clampScroll(offset: number, total: number, rows: number): number {
  return Math.min(Math.max(0, offset), Math.max(0, total - Math.max(1, rows)));
}
