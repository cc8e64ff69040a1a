import { isDeepStrictEqual } from 'node:util';
import { structuredPatch } from 'diff';
import { yieldingEvery } from '../lib/concurrency.js';
import { type CellPair, matchCells } from './cell-match.js';
import { type Cell, joinText, type Notebook, type Output, parseNotebookWith } from './notebook.js';
import {
  describeData,
  digestData,
  type OutputSummary,
  sourceLines,
  summariseOutput,
  summaryLines,
  WIDGET_VIEW,
  type WidgetModels,
  widgetModels,
} from './render.js';

export interface DiffOptions {
  /** Outputs do not count as changes. */
  ignoreOutputs?: boolean;
  /** Metadata (of cells and of the notebook, and the nbformat version) does not count. */
  ignoreMetadata?: boolean;
  /** Count what is noise by default: execution counts, cell ids, volatile metadata, a final newline. */
  includeAll?: boolean;
}

/** How long a diff (or its parse) computes at most before it lets the event loop run (and Ctrl-C act). */
const YIELD_EVERY_MS = 20;

/**
 * Cell metadata that changes when a notebook is run or looked at, not when it is edited:
 * timings (ExecuteTime from the ExecuteTime extension, JupyterLab's `execution`) and view state
 * (`collapsed`, `scrolled`, `jupyter.source_hidden` / `outputs_hidden`).
 */
const VOLATILE_CELL_METADATA: readonly string[] = ['ExecuteTime', 'execution', 'collapsed', 'scrolled', 'jupyter'];

/** A unified-diff hunk: line numbers 1-based, each line prefixed by ' ', '-' or '+'. */
export interface LineHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: string[];
}

/** A value that differs at `path`; `old` or `new` is absent where the key is. */
export interface ValueChange {
  path: string;
  old?: unknown;
  new?: unknown;
}

export interface OutputsChange {
  old: OutputSummary[];
  new: OutputSummary[];
  /** Hunks over the outputs' summary lines (text in full, rich data as type, size, hash). */
  hunks: LineHunk[];
}

/** Indices are 0-based positions in the old or the new notebook. */
export interface AddedCell {
  change: 'added';
  newIndex: number;
  cell: Cell;
}

export interface RemovedCell {
  change: 'removed';
  oldIndex: number;
  cell: Cell;
}

/** A cell on both sides: `modified` when its content changed, `moved` when it only moved. */
export interface ChangedCell {
  change: 'modified' | 'moved';
  oldIndex: number;
  newIndex: number;
  moved: boolean;
  oldCell: Cell;
  newCell: Cell;
  source?: LineHunk[];
  outputs?: OutputsChange;
  metadata?: ValueChange[];
  /** The cell's other fields: cell_type, attachments (summarised), and with includeAll execution_count and id. */
  fields?: ValueChange[];
}

export type CellDiff = AddedCell | RemovedCell | ChangedCell;

export interface DiffStat {
  added: number;
  removed: number;
  modified: number;
  moved: number;
  /** Source lines added and removed, over added, removed and modified cells. */
  linesAdded: number;
  linesRemoved: number;
  /** Cells on both sides whose outputs or metadata changed. */
  outputsChanged: number;
  metadataChanged: number;
  notebookChanged: boolean;
}

export interface NotebookDiff {
  matchedBy: 'id' | 'content';
  /** The cells that differ, in reading order: the new notebook's, each removed cell after the cell it followed. */
  cells: CellDiff[];
  /** The notebook's own changes: its metadata, and `nbformat`. */
  notebook: ValueChange[];
  stat: DiffStat;
  /** Each side's widget models, by which widget outputs are named. */
  widgets: { old: WidgetModels; new: WidgetModels };
}

export function hasDifferences(diff: NotebookDiff): boolean {
  return diff.cells.length > 0 || diff.notebook.length > 0;
}

/**
 * Parses a notebook for diffing: rich output data and attachments are kept as digests, which
 * compare and show as a diff compares and shows them (type, size, hash), so that two versions
 * of a notebook heavy with images fit in memory together.
 */
export function parseForDiff(bytes: Uint8Array, source: string): Promise<Notebook> {
  return parseNotebookWith(bytes, source, digestCellData, yieldingEvery(YIELD_EVERY_MS));
}

function digestCellData(cell: Cell): Cell {
  const digested: Cell = { ...cell };
  const digest = (bundle: Record<string, unknown>, keep: readonly string[] = []) =>
    Object.fromEntries(Object.entries(bundle).map(([mime, value]) => [mime, keep.includes(mime) ? value : digestData(mime, value)]));
  // Text, and a widget view's reference to its model (a few bytes), are kept as they are.
  if (cell.outputs)
    digested.outputs = cell.outputs.map((output) =>
      output.data ? { ...output, data: digest(output.data, ['text/plain', WIDGET_VIEW]) } : output,
    );
  if (cell.attachments) {
    digested.attachments = Object.fromEntries(
      Object.entries(cell.attachments).map(([name, bundle]) => [name, digest(bundle)]),
    ) as Cell['attachments'];
  }
  return digested;
}

/**
 * The differences between two versions of a notebook, noise left out as `options` say. Async
 * only to yield to the event loop now and then: the result is plain data, computed in full.
 */
export async function diffNotebooks(oldNb: Notebook, newNb: Notebook, options: DiffOptions = {}): Promise<NotebookDiff> {
  const pause = yieldingEvery(YIELD_EVERY_MS);
  const match = await matchCells(oldNb.cells, newNb.cells, pause);
  const widgets = { old: widgetModels(oldNb.metadata), new: widgetModels(newNb.metadata) };
  const placed: Array<{ at: [number, number, number]; diff: CellDiff }> = [];
  for (const pair of match.pairs) {
    await pause();
    const changed = diffPair(pair, oldNb.cells[pair.old] as Cell, newNb.cells[pair.new] as Cell, options, widgets);
    if (changed) placed.push({ at: [pair.new, 0, 0], diff: changed });
  }
  for (const index of match.added)
    placed.push({ at: [index, 0, 0], diff: { change: 'added', newIndex: index, cell: newNb.cells[index] as Cell } });
  const followed = precedingStablePair(match.pairs, oldNb.cells.length);
  for (const index of match.removed) {
    placed.push({ at: [followed[index] ?? -1, 1, index], diff: { change: 'removed', oldIndex: index, cell: oldNb.cells[index] as Cell } });
  }
  placed.sort((x, y) => x.at[0] - y.at[0] || x.at[1] - y.at[1] || x.at[2] - y.at[2]);
  const cells = placed.map((p) => p.diff);
  const notebook = options.ignoreMetadata ? [] : notebookChanges(oldNb, newNb);
  return { matchedBy: match.by, cells, notebook, stat: statOf(cells, notebook), widgets };
}

/** For each old index, the new index of the nearest earlier old cell that kept its place. */
function precedingStablePair(pairs: readonly CellPair[], oldCount: number): Array<number | undefined> {
  const newOfOld = new Map(pairs.filter((p) => !p.moved).map((p) => [p.old, p.new]));
  const out: Array<number | undefined> = [];
  let last: number | undefined;
  for (let i = 0; i < oldCount; i++) {
    out.push(last);
    last = newOfOld.get(i) ?? last;
  }
  return out;
}

function diffPair(
  pair: CellPair,
  oldCell: Cell,
  newCell: Cell,
  options: DiffOptions,
  widgets: NotebookDiff['widgets'],
): ChangedCell | undefined {
  const changed: ChangedCell = { change: 'modified', oldIndex: pair.old, newIndex: pair.new, moved: pair.moved, oldCell, newCell };
  const oldSource = sourceOf(oldCell, options);
  const newSource = sourceOf(newCell, options);
  if (!isDeepStrictEqual(oldSource, newSource)) changed.source = lineHunks(oldSource, newSource);
  if (!options.ignoreOutputs) {
    const outputs = outputsChange(oldCell.outputs ?? [], newCell.outputs ?? [], options, widgets);
    if (outputs) changed.outputs = outputs;
  }
  if (!options.ignoreMetadata) {
    const metadata = valueChanges(comparableMetadata(oldCell, options), comparableMetadata(newCell, options));
    if (metadata.length > 0) changed.metadata = metadata;
  }
  const fields = valueChanges(otherFields(oldCell, options), otherFields(newCell, options));
  if (fields.length > 0) changed.fields = fields;
  if (changed.source || changed.outputs || changed.metadata || changed.fields) return changed;
  return pair.moved ? { ...changed, change: 'moved' } : undefined;
}

function sourceOf(cell: Cell, options: DiffOptions): string[] {
  const text = joinText(cell.source);
  // Only with includeAll does a final newline count: it shows as a last, empty line.
  return options.includeAll && text !== '' ? text.split('\n') : sourceLines(text);
}

/** Line hunks between two lists of lines, with three lines of context. */
function lineHunks(oldLines: readonly string[], newLines: readonly string[]): LineHunk[] {
  const text = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join('');
  // Very different long texts are not worth an edit script: shown as all removed, all added.
  const patch = structuredPatch('', '', text(oldLines), text(newLines), undefined, undefined, { context: 3, maxEditLength: 5_000 });
  if (patch)
    return patch.hunks.map(({ oldStart, oldLines: o, newStart, newLines: n, lines }) => ({
      oldStart,
      oldLines: o,
      newStart,
      newLines: n,
      lines,
    }));
  return [
    {
      oldStart: 1,
      oldLines: oldLines.length,
      newStart: 1,
      newLines: newLines.length,
      lines: [...oldLines.map((l) => `-${l}`), ...newLines.map((l) => `+${l}`)],
    },
  ];
}

function outputsChange(
  oldOutputs: readonly Output[],
  newOutputs: readonly Output[],
  options: DiffOptions,
  widgets: NotebookDiff['widgets'],
): OutputsChange | undefined {
  const comparable = (outputs: readonly Output[]) =>
    options.includeAll ? outputs : outputs.map(({ execution_count: _, ...rest }) => rest);
  if (isDeepStrictEqual(comparable(oldOutputs), comparable(newOutputs))) return undefined;
  const old = oldOutputs.map((output) => summariseOutput(output, widgets.old));
  const now = newOutputs.map((output) => summariseOutput(output, widgets.new));
  return { old, new: now, hunks: lineHunks(old.flatMap(summaryLines), now.flatMap(summaryLines)) };
}

function comparableMetadata(cell: Cell, options: DiffOptions): Record<string, unknown> {
  const metadata = cell.metadata ?? {};
  if (options.includeAll) return metadata;
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => !VOLATILE_CELL_METADATA.includes(key)));
}

const COMPARED_APART = new Set(['cell_type', 'source', 'metadata', 'outputs', 'execution_count', 'id', 'attachments']);

/** Everything of a cell besides source, outputs and metadata, in a form worth printing. */
function otherFields(cell: Cell, options: DiffOptions): Record<string, unknown> {
  const fields: Record<string, unknown> = { cell_type: cell.cell_type };
  for (const [key, value] of Object.entries(cell)) if (!COMPARED_APART.has(key)) fields[key] = value;
  if (cell.attachments) {
    // Attachments are base64 data: compared, and shown, by type, size and hash.
    fields.attachments = Object.fromEntries(
      Object.entries(cell.attachments).map(([name, bundle]) => [
        name,
        Object.entries(bundle)
          .map(([mime, value]) => describeData(mime, value))
          .join(', '),
      ]),
    );
  }
  if (options.includeAll) {
    if (cell.execution_count !== undefined) fields.execution_count = cell.execution_count;
    if (cell.id !== undefined) fields.id = cell.id;
  }
  return fields;
}

function notebookChanges(oldNb: Notebook, newNb: Notebook): ValueChange[] {
  const changes = valueChanges(oldNb.metadata, newNb.metadata);
  const oldFormat = `${oldNb.nbformat}.${oldNb.nbformat_minor}`;
  const newFormat = `${newNb.nbformat}.${newNb.nbformat_minor}`;
  if (oldFormat !== newFormat) changes.push({ path: 'nbformat', old: oldFormat, new: newFormat });
  return changes;
}

/** Where two JSON values differ, down to the keys of objects both sides have. */
export function valueChanges(oldValue: unknown, newValue: unknown, path = ''): ValueChange[] {
  if (isDeepStrictEqual(oldValue, newValue)) return [];
  if (isObject(oldValue) && isObject(newValue)) {
    const keys = [...new Set([...Object.keys(oldValue), ...Object.keys(newValue)])].sort();
    return keys.flatMap((key) => valueChanges(oldValue[key], newValue[key], joinPath(path, key)));
  }
  return [{ path, ...(oldValue === undefined ? {} : { old: oldValue }), ...(newValue === undefined ? {} : { new: newValue }) }];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function joinPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** Source lines added and removed in one cell's diff; an added or removed cell's are all of them. */
export function sourceLineCounts(cell: CellDiff): { added: number; removed: number } {
  if (cell.change === 'added') return { added: sourceLines(joinText(cell.cell.source)).length, removed: 0 };
  if (cell.change === 'removed') return { added: 0, removed: sourceLines(joinText(cell.cell.source)).length };
  const lines = (cell.source ?? []).flatMap((h) => h.lines);
  return { added: lines.filter((l) => l.startsWith('+')).length, removed: lines.filter((l) => l.startsWith('-')).length };
}

function statOf(cells: readonly CellDiff[], notebook: readonly ValueChange[]): DiffStat {
  const stat: DiffStat = {
    added: 0,
    removed: 0,
    modified: 0,
    moved: 0,
    linesAdded: 0,
    linesRemoved: 0,
    outputsChanged: 0,
    metadataChanged: 0,
    notebookChanged: notebook.length > 0,
  };
  for (const cell of cells) {
    const lines = sourceLineCounts(cell);
    stat.linesAdded += lines.added;
    stat.linesRemoved += lines.removed;
    if (cell.change === 'added') stat.added++;
    else if (cell.change === 'removed') stat.removed++;
    else {
      if (cell.change === 'modified') stat.modified++;
      if (cell.moved) stat.moved++;
      if (cell.outputs) stat.outputsChanged++;
      if (cell.metadata) stat.metadataChanged++;
    }
  }
  return stat;
}
