import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { isColouring, noColours, type Paint } from '../lib/paint.js';
import { plural } from '../lib/plural.js';
import { type Cell, joinText } from './notebook.js';
import {
  type CellDiff,
  type ChangedCell,
  hasDifferences,
  type LineHunk,
  type NotebookDiff,
  sourceLineCounts,
  type ValueChange,
} from './notebook-diff.js';
import {
  cellLines,
  cellType,
  formatSize,
  OUTPUT_MARK,
  type RenderOptions,
  sourceLines,
  summariseOutput,
  truncate,
  type WidgetModels,
} from './render.js';
import { terminalLine } from './terminal-text.js';

/** What the two sides are called in headers: `mine.ipynb@<version id>`, `mine.ipynb (local file)`. */
export interface DiffLabels {
  old: string;
  new: string;
}

/** Longest metadata value printed in full. */
const MAX_VALUE_CHARS = 100;
/** Widest bar of + and - in --stat. */
const STAT_BAR = 40;

/**
 * The unified view of a notebook diff, git-like: a `@@ cell N (type) @@` header per changed cell,
 * source hunks with +/-, outputs summarised as `show` renders them, metadata changes as values.
 * Nothing at all when there are no differences.
 */
export function renderNotebookDiff(diff: NotebookDiff, labels: DiffLabels, options: RenderOptions): string {
  if (!hasDifferences(diff)) return '';
  const { paint } = options;
  const lines = [paint.bold(`--- ${labels.old}`), paint.bold(`+++ ${labels.new}`)];
  for (const cell of diff.cells) lines.push(...renderCellDiff(cell, diff.widgets, options));
  if (diff.notebook.length > 0) lines.push(paint.cyan('@@ notebook @@'), ...valueLines(diff.notebook, '', paint));
  return `${lines.join('\n')}\n`;
}

function renderCellDiff(cell: CellDiff, widgets: NotebookDiff['widgets'], options: RenderOptions): string[] {
  const { paint } = options;
  // Whole cells are rendered as `show` renders them, then marked and coloured line by line.
  const whole = (c: Cell, sign: string, colour: (s: string) => string, models: WidgetModels) =>
    cellLines(c, { ...options, paint: noColours, widgets: models }).map((line) => colour(`${sign}${line}`));
  switch (cell.change) {
    case 'added':
      return [
        paint.cyan(`@@ cell ${cell.newIndex + 1} (${cellType(cell.cell)}) added @@`),
        ...whole(cell.cell, '+', paint.green, widgets.new),
      ];
    case 'removed':
      return [
        paint.cyan(`@@ cell ${cell.oldIndex + 1} (${cellType(cell.cell)}) removed @@`),
        ...whole(cell.cell, '-', paint.red, widgets.old),
      ];
    default:
      return renderChangedCell(cell, options);
  }
}

function renderChangedCell(cell: ChangedCell, options: RenderOptions): string[] {
  const { paint } = options;
  const type =
    cell.oldCell.cell_type === cell.newCell.cell_type ? cellType(cell.newCell) : `${cellType(cell.oldCell)} → ${cellType(cell.newCell)}`;
  // As git names the function a hunk is in: the cell's first line, unless the diff starts there.
  const firstLine = terminalLine(sourceLines(joinText(cell.newCell.source)).find((l) => l.trim() !== '') ?? '', false);
  const startsAtTop = cell.source !== undefined && (cell.source[0]?.newStart ?? 0) <= 1;
  const context = firstLine === '' || startsAtTop ? '' : ` ${firstLine.length > 60 ? `${firstLine.slice(0, 60)}…` : firstLine}`;
  const lines = [`${paint.cyan(`@@ cell ${cellNumber(cell)} (${type})${cell.moved ? ' moved' : ''} @@`)}${context}`];
  if (cell.fields) lines.push(...valueLines(cell.fields, '', paint));
  if (cell.source) lines.push(...sourceHunkLines(cell.source, paint));
  if (cell.outputs) lines.push(...outputHunkLines(cell.outputs.hunks, options));
  if (cell.metadata) lines.push(...valueLines(cell.metadata, 'metadata', paint));
  return lines;
}

/**
 * A cell on both sides by its number in each, `4 -> 3`, where they differ: added cells carry
 * their new number and removed ones their old, so no number is ever read against the wrong side.
 */
function cellNumber(cell: ChangedCell): string {
  return cell.oldIndex === cell.newIndex ? `${cell.newIndex + 1}` : `${cell.oldIndex + 1} -> ${cell.newIndex + 1}`;
}

/**
 * A diff line (`+`, `-` or ` ` first) coloured by its sign, control characters dropped. Output
 * text that has colour of its own (`ownColour`, on a colour terminal) keeps it: then only the
 * sign and mark take the sign's colour.
 */
function signed(line: string, paint: Paint, mark = '', ownColour = false): string {
  const sign = line.slice(0, 1);
  const body = terminalLine(line.slice(1), ownColour);
  const colour = sign === '+' ? paint.green : sign === '-' ? paint.red : (s: string) => s;
  return body.includes('\x1b') ? `${colour(`${sign}${mark}`)}${body}` : colour(`${sign}${mark}${body}`);
}

function sourceHunkLines(hunks: readonly LineHunk[], paint: Paint): string[] {
  const first = hunks[0];
  // A hunk that starts the cell needs no line numbers; elsewhere they say where it is.
  const numbered = hunks.length > 1 || (first !== undefined && (first.oldStart > 1 || first.newStart > 1));
  return hunks.flatMap((h) => [
    ...(numbered ? [paint.dim(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`)] : []),
    ...h.lines.map((line) => signed(line, paint)),
  ]);
}

function outputHunkLines(hunks: readonly LineHunk[], options: RenderOptions): string[] {
  const { paint } = options;
  if (hunks.length === 0)
    return [
      paint.dim(` ${OUTPUT_MARK}(the outputs differ only in what this summary leaves out: execution counts, metadata, how text is split)`),
    ];
  const lines = hunks.flatMap((h, i) => [
    ...(i > 0 ? [paint.dim(` ${OUTPUT_MARK}⋯`)] : []),
    ...h.lines.map((line) => signed(line, paint, OUTPUT_MARK, isColouring(paint))),
  ]);
  // Long output diffs are cut as long outputs are in `show`.
  const shown = truncate(lines, options.maxOutputLines, paint);
  if (shown.length > options.maxOutputLines) shown[shown.length - 1] = `${paint.dim(` ${OUTPUT_MARK}`)}${shown[shown.length - 1]}`;
  return shown;
}

/** Changed values as -/+ lines, `path: JSON`; paths under `root` when one is given. */
function valueLines(changes: readonly ValueChange[], root: string, paint: Paint): string[] {
  return changes.flatMap(({ path, ...values }) => {
    const at = root === '' ? path : path.startsWith('[') ? `${root}${path}` : `${root}.${path}`;
    return [
      ...('old' in values ? [paint.red(`-${at}: ${formatValue(values.old)}`)] : []),
      ...('new' in values ? [paint.green(`+${at}: ${formatValue(values.new)}`)] : []),
    ];
  });
}

function formatValue(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length <= MAX_VALUE_CHARS ? json : `${json.slice(0, MAX_VALUE_CHARS)}… (${formatSize(Buffer.byteLength(json))})`;
}

/** `--stat`: one line per changed cell, then the totals; nothing when there are no differences. */
export function renderDiffStat(diff: NotebookDiff, options: Pick<RenderOptions, 'paint'>): string {
  if (!hasDifferences(diff)) return '';
  const { paint } = options;
  const { stat } = diff;
  const most = Math.max(
    0,
    ...diff.cells.map((cell) => {
      const counts = sourceLineCounts(cell);
      return counts.added + counts.removed;
    }),
  );
  // Bars are scaled down, as git's are, when the largest would not fit.
  const scale = most > STAT_BAR ? STAT_BAR / most : 1;
  const bar = (n: number) => (n > 0 ? Math.max(1, Math.round(n * scale)) : 0);
  const rows = diff.cells.map((cell): [string, string] => {
    const { added, removed } = sourceLineCounts(cell);
    const source =
      added + removed > 0 ? `source ${added + removed} ${paint.green('+'.repeat(bar(added)))}${paint.red('-'.repeat(bar(removed)))}` : '';
    if (cell.change === 'added') return [`cell ${cell.newIndex + 1} (${cellType(cell.cell)}) added`, source || 'empty'];
    if (cell.change === 'removed') return [`cell ${cell.oldIndex + 1} (${cellType(cell.cell)}) removed`, source || 'empty'];
    const parts = [
      source,
      cell.outputs ? 'outputs' : '',
      cell.metadata ? 'metadata' : '',
      ...(cell.fields ?? []).map((f) => f.path),
    ].filter(Boolean);
    return [`cell ${cellNumber(cell)} (${cellType(cell.newCell)})${cell.moved ? ' moved' : ''}`, parts.join(', ') || 'moved'];
  });
  if (diff.notebook.length > 0)
    rows.push(['notebook', [...new Set(diff.notebook.map((c) => (c.path === 'nbformat' ? 'nbformat' : 'metadata')))].join(', ')]);
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  const totals = [
    `${plural(diff.cells.length, 'cell')} changed: ${stat.added} added, ${stat.removed} removed, ${stat.modified} modified, ${stat.moved} moved`,
    `source lines ${paint.green(`+${stat.linesAdded}`)} ${paint.red(`-${stat.linesRemoved}`)}`,
    `outputs changed in ${plural(stat.outputsChanged, 'cell')}`,
    `metadata in ${plural(stat.metadataChanged, 'cell')}${stat.notebookChanged ? ' and the notebook' : ''}`,
  ];
  return `${[...rows.map(([label, what]) => ` ${label.padEnd(width)} | ${what}`), ` ${totals.join('; ')}`].join('\n')}\n`;
}

/** The structured diff for `--json`: cells summarised as in the unified view (no base64 data). */
export function notebookDiffJson(diff: NotebookDiff): Record<string, unknown> {
  return {
    changed: hasDifferences(diff),
    matchedBy: diff.matchedBy,
    stat: diff.stat,
    cells: diff.cells.map((cell) => {
      switch (cell.change) {
        case 'added':
          return { change: cell.change, newIndex: cell.newIndex, ...wholeCellJson(cell.cell, diff.widgets.new) };
        case 'removed':
          return { change: cell.change, oldIndex: cell.oldIndex, ...wholeCellJson(cell.cell, diff.widgets.old) };
        default: {
          const { oldCell: _old, newCell, ...rest } = cell;
          return { ...rest, cellType: newCell.cell_type };
        }
      }
    }),
    notebook: diff.notebook,
  };
}

function wholeCellJson(cell: Cell, widgets: WidgetModels): Record<string, unknown> {
  return { cellType: cell.cell_type, source: joinText(cell.source), outputs: (cell.outputs ?? []).map((o) => summariseOutput(o, widgets)) };
}

/** `--raw`: a unified line diff of the stored bytes, coloured; nothing when they are equal. */
export function renderRawDiff(oldText: string, newText: string, labels: DiffLabels, paint: Paint): string {
  if (oldText === newText) return '';
  const patch = createTwoFilesPatch(labels.old, labels.new, oldText, newText, undefined, undefined, {
    context: 3,
    headerOptions: FILE_HEADERS_ONLY,
  });
  return patch
    .split('\n')
    .map((line, i) => (i < 2 ? paint.bold(line) : line.startsWith('@@') ? paint.cyan(line) : signed(line, paint)))
    .join('\n');
}
