import { diffArrays } from 'diff';
import { type Cell, joinText } from './notebook.js';

/** A cell of the old notebook and the cell of the new one it became. Indices are 0-based. */
export interface CellPair {
  old: number;
  new: number;
  /** Out of order with the cells around it: moved, not merely shifted by inserts and deletes. */
  moved: boolean;
}

export interface CellMatch {
  /** `id` when every cell on both sides has a unique id (nbformat ≥ 4.5), else `content`. */
  by: 'id' | 'content';
  /** In the new notebook's order. */
  pairs: CellPair[];
  /** Old cells with no counterpart, ascending. */
  removed: number[];
  /** New cells with no counterpart, ascending. */
  added: number[];
}

/** How alike two cells must be (0–1) to count as one cell edited rather than one removed and another added. */
const SIMILAR = 0.5;
/** Beyond this many candidate pairs in one run of unmatched cells, similarity is not searched
 * (the notebooks differ wholesale there; the cells are reported removed and added). */
const MAX_GAP_PAIRS = 10_000;

/**
 * Aligns the cells of two versions of a notebook. With ids on both sides, a cell is the cell with
 * its id. Without, cells with the same type and source are aligned by a longest common
 * subsequence; between those, cells of the same type that are alike are paired as edits; and a
 * cell whose exact content is removed in one place and added in another, once each, is moved.
 */
export function matchCells(oldCells: readonly Cell[], newCells: readonly Cell[]): CellMatch {
  return hasUniqueIds(oldCells) && hasUniqueIds(newCells) ? matchById(oldCells, newCells) : matchByContent(oldCells, newCells);
}

function hasUniqueIds(cells: readonly Cell[]): boolean {
  const ids = new Set<string>();
  for (const cell of cells) {
    if (typeof cell.id !== 'string' || cell.id === '' || ids.has(cell.id)) return false;
    ids.add(cell.id);
  }
  return true;
}

function matchById(oldCells: readonly Cell[], newCells: readonly Cell[]): CellMatch {
  const oldIndex = new Map(oldCells.map((cell, i) => [cell.id as string, i]));
  const found: Array<{ old: number; new: number }> = [];
  const added: number[] = [];
  newCells.forEach((cell, i) => {
    const old = oldIndex.get(cell.id as string);
    if (old === undefined) added.push(i);
    else found.push({ old, new: i });
  });
  const kept = new Set(found.map((p) => p.old));
  const removed = oldCells.flatMap((_, i) => (kept.has(i) ? [] : [i]));
  // The cells that keep their relative order are the longest common subsequence of the two
  // orders; the rest moved.
  const inOldOrder = [...found].sort((a, b) => a.old - b.old).map((p) => p.old);
  const inNewOrder = found.map((p) => p.old);
  const moved = new Set<number>();
  for (const change of diffArrays(inOldOrder, inNewOrder)) if (change.added) for (const old of change.value) moved.add(old);
  return { by: 'id', pairs: found.map((p) => ({ ...p, moved: moved.has(p.old) })), removed, added };
}

function contentKey(cell: Cell): string {
  return `${cell.cell_type}\u0000${joinText(cell.source)}`;
}

/** The non-blank cells among `indices` whose content occurs once there, by content. */
function occurringOnce(indices: readonly number[], cells: readonly Cell[], keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const i of indices) counts.set(keys[i] as string, (counts.get(keys[i] as string) ?? 0) + 1);
  const once = new Map<string, number>();
  for (const i of indices) {
    if (counts.get(keys[i] as string) === 1 && /\S/.test(joinText((cells[i] as Cell).source))) once.set(keys[i] as string, i);
  }
  return once;
}

function matchByContent(oldCells: readonly Cell[], newCells: readonly Cell[]): CellMatch {
  const oldKeys = oldCells.map(contentKey);
  const newKeys = newCells.map(contentKey);
  const pairs: CellPair[] = [];
  const unmatchedOld: number[] = [];
  const unmatchedNew: number[] = [];
  let gapOld: number[] = [];
  let gapNew: number[] = [];
  const closeGap = () => {
    const paired = pairSimilar(gapOld, gapNew, oldCells, newCells);
    pairs.push(...paired);
    const usedOld = new Set(paired.map((p) => p.old));
    const usedNew = new Set(paired.map((p) => p.new));
    unmatchedOld.push(...gapOld.filter((i) => !usedOld.has(i)));
    unmatchedNew.push(...gapNew.filter((i) => !usedNew.has(i)));
    gapOld = [];
    gapNew = [];
  };

  let o = 0;
  let n = 0;
  for (const change of diffArrays(oldKeys, newKeys)) {
    const count = change.value.length;
    if (change.removed) {
      for (let k = 0; k < count; k++) gapOld.push(o++);
    } else if (change.added) {
      for (let k = 0; k < count; k++) gapNew.push(n++);
    } else {
      closeGap();
      for (let k = 0; k < count; k++) pairs.push({ old: o++, new: n++, moved: false });
    }
  }
  closeGap();

  // Identical content taken out in one place and put in at another, exactly once: a move.
  const oldOnce = occurringOnce(unmatchedOld, oldCells, oldKeys);
  const newOnce = occurringOnce(unmatchedNew, newCells, newKeys);
  const movedOld = new Set<number>();
  const movedNew = new Set<number>();
  for (const [key, newIndex] of newOnce) {
    const oldIndex = oldOnce.get(key);
    if (oldIndex === undefined) continue;
    pairs.push({ old: oldIndex, new: newIndex, moved: true });
    movedOld.add(oldIndex);
    movedNew.add(newIndex);
  }
  pairs.sort((a, b) => a.new - b.new);
  return {
    by: 'content',
    pairs,
    removed: unmatchedOld.filter((i) => !movedOld.has(i)).sort((a, b) => a - b),
    added: unmatchedNew.filter((i) => !movedNew.has(i)).sort((a, b) => a - b),
  };
}

/**
 * Pairs the cells of one run of differences (old cells `a`, new cells `b`, each in order) that
 * are edits of each other: the order-keeping alignment with the greatest total similarity,
 * counting only pairs of the same type at least SIMILAR alike.
 */
function pairSimilar(a: readonly number[], b: readonly number[], oldCells: readonly Cell[], newCells: readonly Cell[]): CellPair[] {
  if (a.length === 0 || b.length === 0 || a.length * b.length > MAX_GAP_PAIRS) return [];
  const oldSources = a.map((i) => new Tokens(joinText((oldCells[i] as Cell).source)));
  const newSources = b.map((j) => new Tokens(joinText((newCells[j] as Cell).source)));
  const score = (i: number, j: number): number => {
    if ((oldCells[a[i] as number] as Cell).cell_type !== (newCells[b[j] as number] as Cell).cell_type) return 0;
    const s = similarity(oldSources[i] as Tokens, newSources[j] as Tokens);
    return s >= SIMILAR ? s : 0;
  };
  // best[i][j]: the greatest total over a[i..] and b[j..].
  const rows = a.length + 1;
  const cols = b.length + 1;
  const best = new Float64Array(rows * cols);
  const scores = new Float64Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const s = score(i, j);
      scores[i * cols + j] = s;
      const take = s > 0 ? s + (best[(i + 1) * cols + j + 1] as number) : 0;
      best[i * cols + j] = Math.max(take, best[(i + 1) * cols + j] as number, best[i * cols + j + 1] as number);
    }
  }
  const pairs: CellPair[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const s = scores[i * cols + j] as number;
    const here = best[i * cols + j] as number;
    if (s > 0 && here === s + (best[(i + 1) * cols + j + 1] as number)) {
      pairs.push({ old: a[i] as number, new: b[j] as number, moved: false });
      i++;
      j++;
    } else if (here === best[(i + 1) * cols + j]) {
      i++;
    } else {
      j++;
    }
  }
  return pairs;
}

/** A source split for comparison, both ways `similarity` may need it. */
class Tokens {
  readonly lines: string[];
  private characterPairs?: string[];

  constructor(private readonly source: string) {
    this.lines = source.split('\n').map((l) => l.trim());
  }

  get pairs(): string[] {
    this.characterPairs ??= Array.from({ length: Math.max(0, this.source.length - 1) }, (_, k) => this.source.slice(k, k + 2));
    return this.characterPairs;
  }
}

/**
 * How alike two sources are, 0–1: by lines when either has several, where a line is a
 * meaningful unit; by character pairs for short ones, where one edited line is most of the cell.
 */
function similarity(x: Tokens, y: Tokens): number {
  return Math.max(x.lines.length, y.lines.length) >= 4 ? dice(x.lines, y.lines) : dice(x.pairs, y.pairs);
}

/** How alike two token lists are, 0–1 (the Dice coefficient of their multisets). */
function dice(x: readonly string[], y: readonly string[]): number {
  if (x.length + y.length === 0) return 1;
  // At best every token of the shorter list is shared.
  if ((2 * Math.min(x.length, y.length)) / (x.length + y.length) < SIMILAR) return 0;
  const counts = new Map<string, number>();
  for (const item of x) counts.set(item, (counts.get(item) ?? 0) + 1);
  let common = 0;
  for (const item of y) {
    const left = counts.get(item) ?? 0;
    if (left > 0) {
      common++;
      counts.set(item, left - 1);
    }
  }
  return (2 * common) / (x.length + y.length);
}
