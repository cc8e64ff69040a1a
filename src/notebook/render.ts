import { createHash } from 'node:crypto';
import type { Paint } from '../lib/paint.js';
import { escapeControls, escapeControlsButTabs } from '../lib/text.js';
import { type Cell, joinText, type Notebook, type Output } from './notebook.js';

/** How much of a long text output a rendering shows. */
export interface RenderOptions {
  maxOutputLines: number;
  paint: Paint;
}

/** Marks the lines of a cell's outputs, after its source. */
export const OUTPUT_MARK = '│ ';

/** Renders a whole notebook as readable text: cell number, type, source, outputs summarised. */
export function renderNotebook(nb: Notebook, options: RenderOptions): string {
  const { paint } = options;
  const language = (nb.metadata.kernelspec as { language?: string; display_name?: string } | undefined)?.display_name;
  const head = paint.dim(
    `nbformat ${nb.nbformat}.${nb.nbformat_minor} · ${nb.cells.length} cell${nb.cells.length === 1 ? '' : 's'}${language ? ` · ${escapeControls(String(language))}` : ''}`,
  );
  return `${[head, ...nb.cells.map((cell, i) => renderCell(cell, i, options))].join('\n\n')}\n`;
}

export function cellHeading(cell: Cell, index: number): string {
  const count = cell.cell_type === 'code' ? ` [${escapeControls(String(cell.execution_count ?? ' '))}]` : '';
  return `cell ${index + 1} (${escapeControls(cell.cell_type)})${count}`;
}

export function renderCell(cell: Cell, index: number, options: RenderOptions): string {
  const { paint } = options;
  return [paint.bold(paint.cyan(`── ${cellHeading(cell, index)} ──`)), ...cellLines(cell, options)].join('\n');
}

/** A cell's source lines, then its outputs summarised, each output line after OUTPUT_MARK. */
export function cellLines(cell: Cell, options: RenderOptions): string[] {
  // A source from the store may hold what a terminal acts on; outputs are rendered on their own terms.
  const lines = sourceLines(joinText(cell.source)).map(escapeControlsButTabs);
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
}

/** What an output shows, untruncated and uncoloured. */
export interface OutputSummary {
  outputType: string;
  /** The stream (stdout, stderr) of a stream output. */
  name?: string;
  data: DataSummary[];
  /** Stream text, text/plain, or `ename: evalue` of an error, as lines. */
  text: string[];
}

export function summariseOutput(output: Output): OutputSummary {
  const summary = (data: DataSummary[], text: string[]): OutputSummary => ({
    outputType: output.output_type,
    ...(output.name ? { name: output.name } : {}),
    data,
    text,
  });
  switch (output.output_type) {
    case 'stream':
      return summary([], sourceLines(joinText(output.text)));
    case 'error':
      return summary([], [`${output.ename ?? 'Error'}: ${output.evalue ?? ''}`]);
    case 'execute_result':
    case 'display_data': {
      const data = output.data ?? {};
      const rich = Object.entries(data)
        .filter(([mime]) => mime !== 'text/plain')
        .map(([mime, value]) => summariseData(mime, value));
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

/** One output as lines: text truncated, rich and binary data as type, size and a short hash. */
export function renderOutput(output: Output, options: RenderOptions): string[] {
  const { paint } = options;
  const summary = summariseOutput(output);
  switch (summary.outputType) {
    case 'stream':
      return truncate(summary.text, options.maxOutputLines, paint, summary.name === 'stderr' ? paint.red : undefined);
    case 'error':
      return summary.text.map(paint.red);
    case 'execute_result':
    case 'display_data':
      return [...summary.data.map((d) => paint.magenta(formatData(d))), ...truncate(summary.text, options.maxOutputLines, paint)];
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
  return `${data.mime} ${formatSize(data.bytes)} ${data.hash}`;
}

/** `image/png 12.3 KB 1a2b3c4d`: what a rich output is without printing it. */
export function describeData(mime: string, value: unknown): string {
  return formatData(summariseData(mime, value));
}

/** At most `maxLines` lines, then a line that says how many more there are. */
export function truncate(lines: readonly string[], maxLines: number, paint: Paint, colour?: (s: string) => string): string[] {
  const shown = lines.slice(0, maxLines).map((l) => (colour ? colour(l) : l));
  if (lines.length > maxLines) shown.push(paint.dim(`… ${lines.length - maxLines} more line${lines.length - maxLines === 1 ? '' : 's'}`));
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
