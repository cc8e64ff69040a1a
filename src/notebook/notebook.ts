import stableStringify from 'fast-json-stable-stringify';
import { NbstoreError } from '../errors.js';
import { sha256 } from '../files.js';
import { createHash } from 'node:crypto';

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
  } catch (err) {
    const detail = err instanceof SyntaxError ? err.message.split('\n')[0] : 'invalid JSON';
    throw new NbstoreError('not-a-notebook', `${source}: not a notebook (${detail})`);
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
    if (typeof cell !== 'object' || cell === null) return `cell ${i + 1} is not an object`;
    const c = cell as Record<string, unknown>;
    if (typeof c.cell_type !== 'string') return `cell ${i + 1} has no cell_type`;
    if (typeof c.source !== 'string' && !Array.isArray(c.source)) return `cell ${i + 1} has no source`;
  }
  return undefined;
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

/** Checks that `bytes` are a notebook, and hashes them. */
export function examineNotebook(bytes: Uint8Array, source: string): ExaminedNotebook {
  return { bytes, sha256: sha256(bytes), canonical: canonicalHash(parseNotebook(bytes, source)) };
}

/** The canonical hash of bytes that parse as a notebook; undefined for bytes that do not. */
export function canonicalOf(bytes: Uint8Array, source: string): string | undefined {
  try {
    return canonicalHash(parseNotebook(bytes, source));
  } catch {
    return undefined;
  }
}
