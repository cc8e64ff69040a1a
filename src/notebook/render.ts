import { createHash } from 'node:crypto';
import { isColouring, type Paint } from '../lib/paint.js';
import { plural } from '../lib/plural.js';
import { escapeControls } from '../lib/text.js';
import { type Cell, joinText, type Notebook, type Output } from './notebook.js';
import { resolveCarriageReturns, terminalLine } from './terminal-text.js';

/** How much of a long text output a rendering shows. */
export interface RenderOptions {
  maxOutputLines: number;
  paint: Paint;
  /** The notebook's widget models by id (widgetModels): widget outputs are named by their model. */
  widgets?: WidgetModels;
}

/** The mime type of a widget's view in an output: a reference to a model in the notebook's widget state. */
export const WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json';

/** Model id → model name (`IntSliderModel`), from the widget state a notebook saved. */
export type WidgetModels = Readonly<Record<string, string>>;

export function widgetModels(metadata: Record<string, unknown>): WidgetModels {
  const widgets = metadata.widgets as Record<string, { state?: Record<string, { model_name?: unknown }> }> | undefined;
  const state = widgets?.['application/vnd.jupyter.widget-state+json']?.state;
  if (typeof state !== 'object' || state === null) return {};
  return Object.fromEntries(
    Object.entries(state).flatMap(([id, model]) => (typeof model?.model_name === 'string' ? [[id, model.model_name]] : [])),
  );
}

/** Marks the lines of a cell's outputs, after its source. */
export const OUTPUT_MARK = '│ ';

/** Renders a whole notebook as readable text: cell number, type, source, outputs summarised. */
export function renderNotebook(nb: Notebook, options: RenderOptions): string {
  const { paint } = options;
  const language = (nb.metadata.kernelspec as { language?: string; display_name?: string } | undefined)?.display_name;
  const head = paint.dim(
    `${formatVersion(nb)} · ${plural(nb.cells.length, 'cell')}${language ? ` · ${escapeControls(String(language))}` : ''}`,
  );
  const withWidgets = { ...options, widgets: widgetModels(nb.metadata) };
  return `${[head, ...nb.cells.map((cell, i) => renderCell(cell, i, withWidgets))].join('\n\n')}\n`;
}

/** `nbformat 4.5`, or what is missing of it: a notebook some tool wrote without nbformat_minor. */
export function formatVersion(nb: Notebook): string {
  return typeof nb.nbformat_minor === 'number'
    ? `nbformat ${nb.nbformat}.${nb.nbformat_minor}`
    : `nbformat ${nb.nbformat} (no nbformat_minor)`;
}

export function cellHeading(cell: Cell, index: number): string {
  const count = cell.cell_type === 'code' ? ` [${escapeControls(String(cell.execution_count ?? ' '))}]` : '';
  return `cell ${index + 1} (${cellType(cell)})${count}`;
}

/** A cell's type as printed: it comes from the file, so nothing in it may reach the terminal raw. */
export function cellType(cell: Cell): string {
  return terminalLine(String(cell.cell_type), false);
}

export function renderCell(cell: Cell, index: number, options: RenderOptions): string {
  const { paint } = options;
  return [paint.bold(paint.cyan(`── ${cellHeading(cell, index)} ──`)), ...cellLines(cell, options)].join('\n');
}

/** A cell's source lines, its attachments as type, size and hash, then its outputs summarised, each output line after OUTPUT_MARK. */
export function cellLines(cell: Cell, options: RenderOptions): string[] {
  const lines = sourceLines(joinText(cell.source)).map((l) => terminalLine(l, false));
  for (const [name, bundle] of Object.entries(cell.attachments ?? {})) {
    const described = Object.entries(bundle).map(([mime, value]) => describeData(mime, value));
    lines.push(options.paint.magenta(`attachment ${terminalLine(name, false)}: ${described.join(', ')}`));
  }
  for (const output of cell.outputs ?? []) lines.push(...renderOutput(output, options).map((l) => options.paint.dim(OUTPUT_MARK) + l));
  return lines;
}

/** The lines of a text; an empty text has none, and a final newline ends the last line. */
export function sourceLines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** Rich data (anything but text/plain) as what it is: type, decoded size, short hash. */
export interface DataSummary {
  mime: string;
  bytes: number;
  hash: string;
  /** A widget view: the model it shows, by name (`IntSliderModel`), or `model <id>` when the notebook saved no widget state. */
  widget?: string;
}

/** What an output shows, untruncated and uncoloured. */
export interface OutputSummary {
  outputType: string;
  /** The stream (stdout, stderr) of a stream output. */
  name?: string;
  data: DataSummary[];
  /**
   * Stream text (carriage returns resolved: each line as last drawn), text/plain, or an error's
   * traceback (`ename: evalue` when it has none), as lines. Colour sequences stay: renderings
   * keep or drop them.
   */
  text: string[];
}

export function summariseOutput(output: Output, widgets: WidgetModels = {}): OutputSummary {
  const summary = (data: DataSummary[], text: string[]): OutputSummary => ({
    outputType: output.output_type,
    ...(output.name ? { name: output.name } : {}),
    data,
    text,
  });
  switch (output.output_type) {
    case 'stream':
      return summary([], sourceLines(resolveCarriageReturns(joinText(output.text))));
    case 'error': {
      const traceback = Array.isArray(output.traceback) ? output.traceback.filter((entry) => typeof entry === 'string') : [];
      if (traceback.length > 0) return summary([], sourceLines(resolveCarriageReturns(traceback.join('\n'))));
      return summary([], [`${output.ename ?? 'Error'}: ${output.evalue ?? ''}`]);
    }
    case 'execute_result':
    case 'display_data': {
      const data = output.data ?? {};
      const rich = Object.entries(data)
        .filter(([mime]) => mime !== 'text/plain')
        .map(([mime, value]) => (mime === WIDGET_VIEW ? summariseWidget(value, widgets) : summariseData(mime, value)));
      const text = data['text/plain'];
      return summary(rich, text === undefined ? [] : sourceLines(joinText(text as string | string[])));
    }
    default:
      return summary([], [`(${output.output_type} output)`]);
  }
}

/** An output summary as the lines a rendering shows: rich data first, then text. */
export function summaryLines(summary: OutputSummary): string[] {
  return [...summary.data.map(formatData), ...summary.text];
}

/**
 * One output as lines: text truncated, rich and binary data as type, size and a short hash.
 * Colour the output carries (a coloured traceback) is shown when `paint` colours, else dropped.
 */
export function renderOutput(output: Output, options: RenderOptions): string[] {
  const { paint } = options;
  const summary = summariseOutput(output, options.widgets);
  const colour = isColouring(paint);
  // A line with colour of its own keeps it; others take the colour of their kind of output.
  const shown = (kind?: (s: string) => string) => (line: string) => {
    const text = terminalLine(line, colour);
    return kind && !text.includes('\x1b') ? kind(text) : text;
  };
  switch (summary.outputType) {
    case 'stream':
      return truncate(summary.text, options.maxOutputLines, paint, shown(summary.name === 'stderr' ? paint.red : undefined));
    case 'error':
      return truncate(summary.text, options.maxOutputLines, paint, shown(paint.red));
    case 'execute_result':
    case 'display_data':
      return [...summary.data.map((d) => paint.magenta(formatData(d))), ...truncate(summary.text, options.maxOutputLines, paint, shown())];
    default:
      return summary.text.map(paint.dim);
  }
}

/**
 * Rich data reduced to what is shown of it (its decoded size and short hash) and a digest of
 * all of it, which compares as the data would: diffs hold this, not the data.
 */
export class DataDigest {
  constructor(
    readonly bytes: number,
    readonly hash: string,
    readonly sha256: string,
  ) {}
}

/** The digest of one rich data value (`value` as it stands in a notebook, under `mime`). */
export function digestData(mime: string, value: unknown): DataDigest {
  if (value instanceof DataDigest) return value;
  const raw = typeof value === 'string' || Array.isArray(value) ? joinText(value as string | string[]) : JSON.stringify(value);
  const isBase64 = mime.startsWith('image/') && mime !== 'image/svg+xml';
  const bytes = isBase64 ? Buffer.byteLength(raw.replace(/\s/g, ''), 'base64') : Buffer.byteLength(raw);
  const sha256 = createHash('sha256').update(raw).digest('hex');
  return new DataDigest(bytes, sha256.slice(0, 8), sha256);
}

function summariseData(mime: string, value: unknown): DataSummary {
  const { bytes, hash } = digestData(mime, value);
  return { mime, bytes, hash };
}

function formatData(data: DataSummary): string {
  if (data.widget !== undefined) return `widget ${data.widget}`;
  return `${terminalLine(data.mime, false)} ${formatSize(data.bytes)} ${data.hash}`;
}

/** A widget view by the model it shows: its name from the notebook's widget state, else its id. */
function summariseWidget(value: unknown, widgets: WidgetModels): DataSummary {
  const { bytes, hash } = digestData(WIDGET_VIEW, value);
  const id = typeof (value as { model_id?: unknown })?.model_id === 'string' ? (value as { model_id: string }).model_id : '';
  const name = Object.hasOwn(widgets, id) ? widgets[id] : undefined;
  const shownId = terminalLine(id.slice(0, 8), false);
  return {
    mime: WIDGET_VIEW,
    bytes,
    hash,
    widget: name ? `${terminalLine(name, false)} (model ${shownId})` : `model ${shownId} (no saved state)`,
  };
}

/** `image/png 12.3 KB 1a2b3c4d`: what a rich output is without printing it. */
export function describeData(mime: string, value: unknown): string {
  return formatData(summariseData(mime, value));
}

/** At most `maxLines` lines, then a line that says how many more there are. */
export function truncate(lines: readonly string[], maxLines: number, paint: Paint, colour?: (s: string) => string): string[] {
  const shown = lines.slice(0, maxLines).map((l) => (colour ? colour(l) : l));
  if (lines.length > maxLines) shown.push(paint.dim(`… ${plural(lines.length - maxLines, 'more line')}`));
  return shown;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
