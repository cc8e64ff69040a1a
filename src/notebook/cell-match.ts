import { createHash } from 'node:crypto';
import { type Cell, joinText } from './notebook.js';

/** A cell of the old notebook and the cell of the new one it became. Indices are 0-based. */
export interface CellPair {
  old: number;
  new: number;
  /** Out of order with the cells around it: moved, not merely shifted by inserts and deletes. */
  moved: boolean;
}

export interface CellMatch {
  /** `id` when some cells were paired by an id both versions give them, else `content`. */
  by: 'id' | 'content';
  /** In the new notebook's order. */
  pairs: CellPair[];
  /** Old cells with no counterpart, ascending. */
  removed: number[];
  /** New cells with no counterpart, ascending. */
  added: number[];
}

/** Called between steps of a long alignment: resolves when the caller may go on (signals are handled meanwhile). */
export type Pause = () => Promise<void>;

/** How alike two cells must be (0–1) to count as one cell edited rather than one removed and another added. */
const SIMILAR = 0.5;
/**
 * The same, for cells in the same place: of the same type, at the same position within a run of
 * unmatched cells as long on both sides (one cell between matched neighbours, say). A reader
 * takes such a cell for an edit on less likeness.
 */
const SIMILAR_IN_PLACE = 0.3;
/**
 * Beyond this many candidate pairs in one run of unmatched cells, the order-keeping search for
 * the most alike pairing (quadratic) gives way to pairing cells position by position (linear).
 */
const MAX_GAP_PAIRS = 10_000;
/** Characters of a source that similarity looks at: the rest of a huge cell adds cost, not insight. */
const MAX_COMPARED_CHARS = 20_000;

/**
 * Aligns the cells of two versions of a notebook, as a reader would:
 * 1. cells with the same id on both sides (an id each side gives one cell) are one cell;
 * 2. between those, cells identical in type, source and outputs, then in type and source, are
 *    aligned patience-style: content that occurs once on each side anchors the alignment (the
 *    longest run of such anchors in order), and the runs between anchors are aligned again;
 * 3. in the runs still unmatched, alike cells of the same type are paired as edits: the
 *    order-keeping pairing of greatest total likeness, or for runs too large for that search,
 *    position by position (the documented fallback, linear);
 * 4. identical content removed in one place and added in another, as many times each, is a
 *    move (two identical cells swapped, each keeping its outputs, are one moved cell).
 * Every step is near-linear in the number of cells but step 3's search, which is bounded.
 */
export async function matchCells(oldCells: readonly Cell[], newCells: readonly Cell[], pause: Pause = async () => {}): Promise<CellMatch> {
  // Described when first compared: cells paired by id never are.
  const oldInfos: CellInfo[] = [];
  const newInfos: CellInfo[] = [];
  const oldInfo = (i: number): CellInfo => (oldInfos[i] ??= describe(oldCells[i] as Cell));
  const newInfo = (j: number): CellInfo => (newInfos[j] ??= describe(newCells[j] as Cell));
  const pairs: Array<{ old: number; new: number }> = [];

  // 1. Ids, where they agree. Out-of-order id pairs are moves; they take no part in the rest.
  const idPairs = pairsByUniqueKey(
    range(oldCells.length),
    range(newCells.length),
    (i) => idOf(oldCells[i] as Cell),
    (j) => idOf(newCells[j] as Cell),
  );
  const inOrder = longestInOrder(idPairs);
  const anchors = idPairs.filter((_, k) => inOrder[k]);
  pairs.push(...idPairs);
  const by = idPairs.length > 0 ? 'id' : 'content';
  const pairedOld = new Set(idPairs.map((p) => p.old));
  const pairedNew = new Set(idPairs.map((p) => p.new));

  // 2 and 3, in each run between in-order id anchors.
  const levels: Array<(info: CellInfo) => string> = [(c) => c.full, (c) => c.source];
  let o = 0;
  let n = 0;
  for (const anchor of [...anchors, { old: oldCells.length, new: newCells.length }]) {
    const a = range(o, anchor.old).filter((i) => !pairedOld.has(i));
    const b = range(n, anchor.new).filter((j) => !pairedNew.has(j));
    await alignRun(a, b, 0);
    o = anchor.old + 1;
    n = anchor.new + 1;
  }

  async function alignRun(a: number[], b: number[], level: number): Promise<void> {
    // Runs to align, at their level; a stack rather than recursion, for notebooks of any length.
    const work: Array<[number[], number[], number]> = [[a, b, level]];
    while (work.length > 0) {
      const [x, y, at] = work.pop() as [number[], number[], number];
      if (x.length === 0 || y.length === 0) continue;
      await pause();
      if (at === levels.length) {
        pairs.push(...pairAlike(x, y, oldInfo, newInfo));
        continue;
      }
      const key = levels[at] as (info: CellInfo) => string;
      const oldKey = (i: number) => key(oldInfo(i));
      const newKey = (j: number) => key(newInfo(j));
      // Equal cells at the start and end of a run are aligned first, as diff tools do.
      let start = 0;
      while (start < x.length && start < y.length && oldKey(x[start] as number) === newKey(y[start] as number)) {
        pairs.push({ old: x[start] as number, new: y[start] as number });
        start++;
      }
      let end = 0;
      while (
        end < x.length - start &&
        end < y.length - start &&
        oldKey(x[x.length - 1 - end] as number) === newKey(y[y.length - 1 - end] as number)
      ) {
        pairs.push({ old: x[x.length - 1 - end] as number, new: y[y.length - 1 - end] as number });
        end++;
      }
      const xs = x.slice(start, x.length - end);
      const ys = y.slice(start, y.length - end);
      const found = pairsByUniqueKey(xs, ys, oldKey, newKey);
      if (found.length === 0) {
        if (start + end > 0) work.push([xs, ys, at]);
        else work.push([xs, ys, at + 1]);
        continue;
      }
      // Anchors out of order are left for step 4, which finds them as moves; they are taken out
      // of the runs between anchors so that no run is aligned twice over.
      const keep = longestInOrder(found);
      const candidates = new Set<number>();
      const candidatesNew = new Set<number>();
      const ordered: Array<{ old: number; new: number }> = [];
      found.forEach((p, k) => {
        if (keep[k]) ordered.push(p);
        else {
          candidates.add(p.old);
          candidatesNew.add(p.new);
        }
      });
      pairs.push(...ordered);
      let xi = 0;
      let yi = 0;
      for (const anchor of [...ordered, { old: Number.POSITIVE_INFINITY, new: Number.POSITIVE_INFINITY }]) {
        const runOld: number[] = [];
        const runNew: number[] = [];
        while (xi < xs.length && (xs[xi] as number) < anchor.old) {
          if (!candidates.has(xs[xi] as number)) runOld.push(xs[xi] as number);
          xi++;
        }
        while (yi < ys.length && (ys[yi] as number) < anchor.new) {
          if (!candidatesNew.has(ys[yi] as number)) runNew.push(ys[yi] as number);
          yi++;
        }
        xi++;
        yi++;
        work.push([runOld, runNew, at]);
      }
    }
  }

  // 4. Moves: content left unmatched as many times on each side, in the old and the new places.
  const matchedOld = new Set(pairs.map((p) => p.old));
  const matchedNew = new Set(pairs.map((p) => p.new));
  for (const key of levels) {
    const restOld = range(oldCells.length).filter((i) => !matchedOld.has(i) && !oldInfo(i).blank);
    const restNew = range(newCells.length).filter((j) => !matchedNew.has(j) && !newInfo(j).blank);
    for (const p of pairsByEqualCount(
      restOld,
      restNew,
      (i) => key(oldInfo(i)),
      (j) => key(newInfo(j)),
    )) {
      pairs.push(p);
      matchedOld.add(p.old);
      matchedNew.add(p.new);
    }
  }

  // Moved: not among the most cells that keep their relative order.
  pairs.sort((p, q) => p.new - q.new);
  const stays = longestInOrder(pairs);
  return {
    by,
    pairs: pairs.map((p, k) => ({ old: p.old, new: p.new, moved: !stays[k] })),
    removed: range(oldCells.length).filter((i) => !matchedOld.has(i)),
    added: range(newCells.length).filter((j) => !matchedNew.has(j)),
  };
}

/** What alignment compares of a cell. */
interface CellInfo {
  type: string;
  text: string;
  /** Digest of type and source. */
  source: string;
  /** Digest of type, source and outputs (but their execution counts). */
  full: string;
  blank: boolean;
  grams?: Map<string, number>;
  gramCount?: number;
}

function describe(cell: Cell): CellInfo {
  const text = joinText(cell.source);
  const source = createHash('sha256').update(cell.cell_type).update('\u0000').update(text).digest('base64');
  const outputs = (cell.outputs ?? []).map(({ execution_count: _, ...rest }) => rest);
  const full = outputs.length === 0 ? source : createHash('sha256').update(source).update(JSON.stringify(outputs)).digest('base64');
  return { type: cell.cell_type, text, source, full, blank: !/\S/.test(text) };
}

function idOf(cell: Cell): string | undefined {
  return typeof cell.id === 'string' && cell.id !== '' ? cell.id : undefined;
}

function range(from: number, to?: number): number[] {
  const [start, end] = to === undefined ? [0, from] : [from, to];
  return Array.from({ length: Math.max(0, end - start) }, (_, k) => start + k);
}

/** Pairs of `a` and `b` items whose key occurs once in each, in `b`'s order. */
function pairsByUniqueKey(
  a: readonly number[],
  b: readonly number[],
  keyA: (i: number) => string | undefined,
  keyB: (j: number) => string | undefined,
): Array<{ old: number; new: number }> {
  const once = (items: readonly number[], key: (i: number) => string | undefined) => {
    const seen = new Map<string, number | undefined>();
    for (const item of items) {
      const k = key(item);
      if (k !== undefined) seen.set(k, seen.has(k) ? undefined : item);
    }
    return seen;
  };
  const inA = once(a, keyA);
  const inB = once(b, keyB);
  const pairs: Array<{ old: number; new: number }> = [];
  for (const [k, j] of inB) {
    const i = inA.get(k);
    if (i !== undefined && j !== undefined) pairs.push({ old: i, new: j });
  }
  return pairs.sort((p, q) => p.new - q.new);
}

/**
 * Pairs of `a` and `b` items whose key occurs as many times in each, the first with the first
 * and so on, in `b`'s order: with one copy on each side, or several, which one went where is
 * then clear enough to call a move.
 */
function pairsByEqualCount(
  a: readonly number[],
  b: readonly number[],
  keyA: (i: number) => string,
  keyB: (j: number) => string,
): Array<{ old: number; new: number }> {
  const group = (items: readonly number[], key: (i: number) => string) => {
    const groups = new Map<string, number[]>();
    for (const item of items) {
      const k = key(item);
      const list = groups.get(k);
      if (list) list.push(item);
      else groups.set(k, [item]);
    }
    return groups;
  };
  const inA = group(a, keyA);
  const pairs: Array<{ old: number; new: number }> = [];
  for (const [k, js] of group(b, keyB)) {
    const is = inA.get(k);
    if (is?.length !== js.length) continue;
    js.forEach((j, n) => {
      pairs.push({ old: is[n] as number, new: j });
    });
  }
  return pairs.sort((p, q) => p.new - q.new);
}

/**
 * Which of `pairs` (in new order) form the longest run whose old indices also ascend: those
 * kept their relative order. O(n log n); of equally long runs, the one with the earliest old cells.
 */
function longestInOrder(pairs: ReadonlyArray<{ old: number }>): boolean[] {
  const tails: number[] = [];
  const previous = new Int32Array(pairs.length).fill(-1);
  pairs.forEach((p, k) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((pairs[tails[mid] as number] as { old: number }).old < p.old) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[k] = tails[lo - 1] as number;
    tails[lo] = k;
  });
  const keep = new Array<boolean>(pairs.length).fill(false);
  for (let k = tails.length > 0 ? (tails[tails.length - 1] as number) : -1; k >= 0; k = previous[k] as number) keep[k] = true;
  return keep;
}

/**
 * Pairs the cells of one run of unmatched cells (old `a`, new `b`, each in order) that are edits
 * of each other: the order-keeping pairing with the greatest total likeness, counting only pairs
 * of the same type alike enough. Runs with more than MAX_GAP_PAIRS candidate pairs are paired
 * position by position instead.
 */
function pairAlike(
  a: readonly number[],
  b: readonly number[],
  oldInfo: (i: number) => CellInfo,
  newInfo: (j: number) => CellInfo,
): Array<{ old: number; new: number }> {
  const sameLength = a.length === b.length;
  const score = (i: number, j: number): number => {
    const x = oldInfo(a[i] as number);
    const y = newInfo(b[j] as number);
    if (x.type !== y.type) return 0;
    const inPlace = sameLength && i === j;
    const s = similarity(x, y, inPlace ? SIMILAR_IN_PLACE : SIMILAR);
    return s >= (inPlace ? SIMILAR_IN_PLACE : SIMILAR) ? s : 0;
  };
  if (a.length * b.length > MAX_GAP_PAIRS) {
    const pairs: Array<{ old: number; new: number }> = [];
    for (let k = 0; k < Math.min(a.length, b.length); k++) if (score(k, k) > 0) pairs.push({ old: a[k] as number, new: b[k] as number });
    return pairs;
  }
  // best[i][j]: the greatest total over a[i..] and b[j..].
  const cols = b.length + 1;
  const best = new Float64Array((a.length + 1) * cols);
  const scores = new Float64Array((a.length + 1) * cols);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const s = score(i, j);
      scores[i * cols + j] = s;
      const take = s > 0 ? s + (best[(i + 1) * cols + j + 1] as number) : 0;
      best[i * cols + j] = Math.max(take, best[(i + 1) * cols + j] as number, best[i * cols + j + 1] as number);
    }
  }
  const pairs: Array<{ old: number; new: number }> = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const s = scores[i * cols + j] as number;
    const here = best[i * cols + j] as number;
    if (s > 0 && here === s + (best[(i + 1) * cols + j + 1] as number)) {
      pairs.push({ old: a[i] as number, new: b[j] as number });
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

/**
 * How alike two sources are, 0–1: the Dice coefficient of their character pairs (bigrams),
 * which sees edits within lines (a word changed, a number, a heading shortened) as small.
 * 0 early when their lengths alone rule out reaching `atLeast`.
 */
function similarity(x: CellInfo, y: CellInfo, atLeast: number): number {
  if (x.text === y.text) return 1;
  const gx = grams(x);
  const gy = grams(y);
  const total = (x.gramCount as number) + (y.gramCount as number);
  if (total === 0) return 1;
  if ((2 * Math.min(x.gramCount as number, y.gramCount as number)) / total < atLeast) return 0;
  const [small, large] = gx.size <= gy.size ? [gx, gy] : [gy, gx];
  let common = 0;
  for (const [gram, count] of small) common += Math.min(count, large.get(gram) ?? 0);
  return (2 * common) / total;
}

function grams(info: CellInfo): Map<string, number> {
  if (info.grams) return info.grams;
  // Whitespace runs count as one space, so that re-indenting or re-wrapping is a small change.
  const text = info.text.slice(0, MAX_COMPARED_CHARS).replace(/\s+/g, ' ').trim();
  const counts = new Map<string, number>();
  for (let k = 0; k + 1 < text.length; k++) {
    const gram = text.slice(k, k + 2);
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  info.grams = counts;
  info.gramCount = Math.max(0, text.length - 1);
  return counts;
}
