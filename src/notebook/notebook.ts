import { JSONParser } from '@streamparser/json';
import { NbstoreError } from '../lib/errors.js';
import { sha256 } from '../lib/fs.js';
import { CANONICAL_KIND, canonicalJsonHash } from './canonical-json.js';

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
 * A generator that stops after each chunk of bytes, so that a caller may let the event loop run
 * between chunks (`paced`), or not (`finish`).
 */
function* streamCells(
  bytes: Uint8Array,
  source: string,
  takeCell: (cell: Cell, index: number) => void,
): Generator<void, Record<string, unknown> | undefined> {
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
  const chunk = 1 << 18;
  for (let at = 0; at < bytes.byteLength && !failure; at += chunk) {
    parser.write(bytes.subarray(at, at + chunk));
    yield;
  }
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

/** Runs a stepwise computation to its end at once. */
function finish<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs a stepwise computation to its end, awaiting `pause` between steps. */
async function paced<T>(steps: Generator<void, T>, pause: () => Promise<void>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await pause();
  }
}

/**
 * Parses a notebook, keeping of each cell what `keep` makes of it; large ones a cell at a time,
 * awaiting `pause` between chunks (so that a long parse can be interrupted).
 */
export async function parseNotebookWith(
  bytes: Uint8Array,
  source: string,
  keep: (cell: Cell) => Cell,
  pause: () => Promise<void>,
  streamAbove = STREAMED_ABOVE,
): Promise<Notebook> {
  const cells: Cell[] = [];
  const fields = streams(bytes, streamAbove)
    ? await paced(
        streamCells(bytes, source, (cell) => cells.push(keep(cell))),
        pause,
      )
    : undefined;
  if (fields) return { ...(fields as unknown as Notebook), cells };
  const nb = parseNotebook(bytes, source);
  return { ...nb, cells: nb.cells.map(keep) };
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
export function checkNotebook(bytes: Uint8Array, source: string, streamAbove = STREAMED_ABOVE): void {
  if (streams(bytes, streamAbove) && finish(streamCells(bytes, source, () => undefined))) return;
  parseNotebook(bytes, source);
}

/**
 * Whether `recorded` (a version's `nbstore-canonical`, a state file's `canonical`) is a canonical
 * hash of the kind computed now. Those recorded before were of JSON.parse's reading, which loses
 * content: one is never compared with a hash of this kind; the SHA-256 or the bytes decide.
 */
export function isCurrentCanonical(recorded: string | undefined): boolean {
  return recorded?.startsWith(CANONICAL_KIND) === true;
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

/**
 * The canonical hash of a notebook's bytes (throws when they are not one): lossless, so only
 * formatting (whitespace, key order) leaves it unchanged; see canonical-json.ts.
 */
function canonicalHashOf(bytes: Uint8Array, source: string, streamAbove = STREAMED_ABOVE): string {
  checkNotebook(bytes, source, streamAbove);
  return canonicalJsonHash(bytes);
}

/** The canonical hash of bytes that parse as a notebook; undefined for bytes that do not. */
export function canonicalOf(bytes: Uint8Array, source: string): string | undefined {
  try {
    return canonicalHashOf(bytes, source);
  } catch {
    return undefined;
  }
}
