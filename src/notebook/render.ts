import { createHash } from 'node:crypto';
import type { Paint } from '../io.js';
import { type Cell, type Notebook, type Output, joinText } from './notebook.js';

/** How much of a long text output a rendering shows. */
export interface RenderOptions {
  maxOutputLines: number;
  paint: Paint;
}

/** Renders a whole notebook as readable text: cell number, type, source, outputs summarised. */
export function renderNotebook(nb: Notebook, options: RenderOptions): string {
  const { paint } = options;
  const language = (nb.metadata.kernelspec as { language?: string; display_name?: string } | undefined)?.display_name;
  const head = paint.dim(`nbformat ${nb.nbformat}.${nb.nbformat_minor} · ${nb.cells.length} cell${nb.cells.length === 1 ? '' : 's'}${language ? ` · ${language}` : ''}`);
  return [head, ...nb.cells.map((cell, i) => renderCell(cell, i, options))].join('\n\n') + '\n';
}

export function cellHeading(cell: Cell, index: number): string {
  const count = cell.cell_type === 'code' ? ` [${cell.execution_count ?? ' '}]` : '';
  return `cell ${index + 1} (${cell.cell_type})${count}`;
}

export function renderCell(cell: Cell, index: number, options: RenderOptions): string {
  const { paint } = options;
  const lines = [paint.bold(paint.cyan(`── ${cellHeading(cell, index)} ──`))];
  const source = joinText(cell.source);
  if (source !== '') lines.push(...source.replace(/\n$/, '').split('\n'));
  for (const output of cell.outputs ?? []) lines.push(...renderOutput(output, options).map((l) => paint.dim('│ ') + l));
  return lines.join('\n');
}

/** One output as lines: text truncated, rich and binary data as type, size and a short hash. */
export function renderOutput(output: Output, options: RenderOptions): string[] {
  const { paint } = options;
  switch (output.output_type) {
    case 'stream':
      return truncate(joinText(output.text), options.maxOutputLines, paint, output.name === 'stderr' ? paint.red : undefined);
    case 'error':
      return [paint.red(`${output.ename ?? 'Error'}: ${output.evalue ?? ''}`)];
    case 'execute_result':
    case 'display_data':
      return renderData(output.data ?? {}, options);
    default:
      return [paint.dim(`(${output.output_type} output)`)];
  }
}

function renderData(data: Record<string, unknown>, options: RenderOptions): string[] {
  const text = data['text/plain'];
  const lines: string[] = [];
  for (const [mime, value] of Object.entries(data)) {
    if (mime === 'text/plain') continue;
    lines.push(options.paint.magenta(describeData(mime, value)));
  }
  if (text !== undefined) lines.push(...truncate(joinText(text as string | string[]), options.maxOutputLines, options.paint));
  return lines;
}

/** `image/png 12.3 KB 1a2b3c4d`: what a rich output is without printing it. */
export function describeData(mime: string, value: unknown): string {
  const raw = typeof value === 'string' || Array.isArray(value) ? joinText(value as string | string[]) : JSON.stringify(value);
  const isBase64 = mime.startsWith('image/') && mime !== 'image/svg+xml';
  const bytes = isBase64 ? Buffer.byteLength(raw.replace(/\s/g, ''), 'base64') : Buffer.byteLength(raw);
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 8);
  return `${mime} ${formatSize(bytes)} ${hash}`;
}

function truncate(text: string, maxLines: number, paint: Paint, colour?: (s: string) => string): string[] {
  const lines = text.replace(/\n$/, '').split('\n');
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
