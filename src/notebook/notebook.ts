import { createHash } from 'node:crypto';
import { JSONParser } from '@streamparser/json';
import stableStringify from 'fast-json-stable-stringify';
import { NbstoreError } from '../lib/errors.js';
import { sha256 } from '../lib/fs.js';

/** A Jupyter notebook (nbformat 4), as much of it as nbstore reads. */
export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
}

export type MultilineString = string | string[];

export interface Cell {
  cell_type: 'code' | 'markdown' | 'raw' | string;
  id?: string;
  source: MultilineString;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  outputs?: Output[];
  attachments?: Record<string, Record<string, MultilineString>>;
}

export interface Output {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error' | string;
  name?: string;
  text?: MultilineString;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** Documented limit: larger files are refused before anything is read into memory or sent. */
export const MAX_NOTEBOOK_BYTES = 256 * 1024 * 1024;

/** Parses and checks a notebook; `source` names it in the one-line error. */
export function parseNotebook(bytes: Uint8Array | string, source: string): Notebook {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // The parser's message quotes the start of the file, which says nothing useful here.
    throw new NbstoreError('not-a-notebook', `${source}: not a notebook (not JSON)`);
  }
  const problem = notebookProblem(data);
  if (problem) throw new NbstoreError('not-a-notebook', `${source}: not a notebook (${problem})`);
  return data as Notebook;
}

function notebookProblem(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'JSON but not an object';
  const nb = data as Record<string, unknown>;
  if (typeof nb.nbformat !== 'number') return 'no nbformat';
  if (nb.nbformat < 4) return `nbformat ${nb.nbformat} is not supported; nbconvert --to notebook upgrades it`;
  if (!Array.isArray(nb.cells)) return 'no cells list';
  if (typeof nb.metadata !== 'object' || nb.metadata === null) return 'no metadata object';
  for (const [i, cell] of nb.cells.entries()) {
    const problem = cellProblem(cell, i);
    if (problem) return problem;
  }
  return undefined;
}

function cellProblem(cell: unknown, index: number): string | undefined {
  if (typeof cell !== 'object' || cell === null) return `cell ${index + 1} is not an object`;
  const c = cell as Record<string, unknown>;
  if (typeof c.cell_type !== 'string') return `cell ${index + 1} has no cell_type`;
  if (typeof c.source !== 'string' && !Array.isArray(c.source)) return `cell ${index + 1} has no source`;
  return undefined;
}

/**
 * Notebooks over this size are parsed as a stream, a cell at a time: parsed whole, a notebook
 * is in memory three times over (bytes, text, parsed cells). Below it, JSON.parse is faster.
 */
export const STREAMED_ABOVE = 16 * 1024 * 1024;

/**
 * Parses a notebook as a stream, handing each cell to `takeCell` as soon as it is read and
 * keeping none of them: returns the notebook's other fields, with `cells` empty. Checks what
 * parseNotebook checks, and throws the same errors. Undefined for a notebook with a field
 * twice, which JSON.parse reads differently (the last one counts): parse that one whole.
 */
function streamCells(
  bytes: Uint8Array,
  source: string,
  takeCell: (cell: Cell, index: number) => void,
): Record<string, unknown> | undefined {
  const notANotebook = (detail: string) => new NbstoreError('not-a-notebook', `${source}: not a notebook (${detail})`);
  // No prototype: a field named __proto__ is a field, as JSON.parse makes it.
  const fields: Record<string, unknown> = Object.create(null);
  let repeated = false;
  let cells = 0;
  let failure: Error | undefined;
  const parser = new JSONParser({ paths: ['$.*', '$.cells.*'], keepStack: false });
  parser.onValue = ({ value, key, parent, stack }) => {
    if (stack.length === 1) {
      repeated ||= Object.hasOwn(fields, key as string);
      fields[key as string] = value;
    } else if (Array.isArray(parent) && stack[1]?.key === 'cells') {
      // The parser keeps the elements of an array it emits; this one is done with.
      parent.pop();
      const problem = cellProblem(value, cells);
      if (problem) throw notANotebook(problem);
      takeCell(value as unknown as Cell, cells++);
    }
  };
  parser.onError = (err) => {
    failure ??= err;
  };
  const chunk = 1 << 20;
  for (let at = 0; at < bytes.byteLength && !failure; at += chunk) parser.write(bytes.subarray(at, at + chunk));
  if (!failure && !parser.isEnded) parser.end();
  if (failure) throw failure instanceof NbstoreError ? failure : notANotebook('not JSON');
  if (repeated) return undefined;
  const problem = notebookProblem({ ...fields, cells: Array.isArray(fields.cells) ? [] : fields.cells });
  if (problem) throw notANotebook(problem);
  return fields;
}

/** Whether `bytes` are large enough to parse as a stream, and a JSON object (else parseNotebook says why not). */
function streams(bytes: Uint8Array, streamAbove: number): boolean {
  if (bytes.byteLength <= streamAbove) return false;
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 4096)).toString('latin1').trimStart().startsWith('{');
}

/** Parses a notebook, keeping of each cell what `keep` makes of it; large ones a cell at a time. */
export function parseNotebookWith(bytes: Uint8Array, source: string, keep: (cell: Cell) => Cell, streamAbove = STREAMED_ABOVE): Notebook {
  const cells: Cell[] = [];
  const fields = streams(bytes, streamAbove) ? streamCells(bytes, source, (cell) => cells.push(keep(cell))) : undefined;
  if (fields) return { ...(fields as unknown as Notebook), cells };
  const nb = parseNotebook(bytes, source);
  return { ...nb, cells: nb.cells.map(keep) };
}

/**
 * The SHA-256 of the notebook's canonical JSON (fast-json-stable-stringify's: keys sorted, no
 * whitespace), so key order and whitespace do not count as changes. The JSON goes to the hash a
 * cell at a time: the string of a whole large notebook is never built.
 */
export function canonicalHash(nb: Notebook): string {
  const hash = createHash('sha256');
  const fields = nb as unknown as Record<string, unknown>;
  // As the library does, a field without a value is left out.
  const keys = Object.keys(fields)
    .filter((key) => fields[key] !== undefined)
    .sort();
  hash.update('{');
  for (const [i, key] of keys.entries()) {
    hash.update(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`);
    if (key === 'cells') {
      hash.update('[');
      for (const [j, cell] of nb.cells.entries()) hash.update(`${j > 0 ? ',' : ''}${stableStringify(cell) ?? 'null'}`);
      hash.update(']');
    } else {
      hash.update(stableStringify(fields[key]));
    }
  }
  hash.update('}');
  return hash.digest('hex');
}

export function joinText(text: MultilineString | undefined): string {
  if (text === undefined) return '';
  return Array.isArray(text) ? text.join('') : text;
}

/** A notebook's bytes, checked to parse as one, with the two hashes nbstore records of it. */
export interface ExaminedNotebook {
  bytes: Uint8Array;
  sha256: string;
  canonical: string;
}

/** Checks that `bytes` are a notebook, keeping nothing of it; large ones a cell at a time. */
export function checkNotebook(bytes: Uint8Array, source: string): void {
  if (streams(bytes, STREAMED_ABOVE) && streamCells(bytes, source, () => undefined)) return;
  parseNotebook(bytes, source);
}

/**
 * Checks that `bytes` are a notebook, and hashes them; large ones a cell at a time. `known.sha256`
 * is their SHA-256 when the caller has it already (a version checked against its recorded one).
 */
export function examineNotebook(
  bytes: Uint8Array,
  source: string,
  known: { sha256?: string; streamAbove?: number } = {},
): ExaminedNotebook {
  return { bytes, sha256: known.sha256 ?? sha256(bytes), canonical: canonicalHashOf(bytes, source, known.streamAbove) };
}

/** The canonical hash of a notebook's bytes (throws when they are not one); large ones a cell at a time. */
function canonicalHashOf(bytes: Uint8Array, source: string, streamAbove = STREAMED_ABOVE): string {
  return (streams(bytes, streamAbove) && streamedCanonicalHash(bytes, source)) || canonicalHash(parseNotebook(bytes, source));
}

/**
 * canonicalHash, from a stream of cells: the cells go to the hash as they are read, which
 * gives canonical JSON when `cells` is the first field in sorted order, as in every nbformat 4
 * notebook. Undefined for the odd notebook where it is not, or that has a field twice.
 */
function streamedCanonicalHash(bytes: Uint8Array, source: string): string | undefined {
  const hash = createHash('sha256').update('{"cells":[');
  const fields = streamCells(bytes, source, (cell, index) => hash.update(`${index > 0 ? ',' : ''}${stableStringify(cell)}`));
  if (!fields) return undefined;
  const keys = Object.keys(fields)
    .filter((key) => fields[key] !== undefined)
    .sort();
  if (keys[0] !== 'cells') return undefined;
  hash.update(']');
  for (const key of keys.slice(1)) hash.update(`,${JSON.stringify(key)}:${stableStringify(fields[key])}`);
  return hash.update('}').digest('hex');
}

/** The canonical hash of bytes that parse as a notebook; undefined for bytes that do not. */
export function canonicalOf(bytes: Uint8Array, source: string): string | undefined {
  try {
    return canonicalHashOf(bytes, source);
  } catch {
    return undefined;
  }
}
