import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { matchCells } from './cell-match.js';
import { type Cell, joinText, type Notebook } from './notebook.js';

/** Which side's outputs a cell takes when both sides changed them (or the cell is a conflict). */
export type OutputsChoice = 'ours' | 'theirs' | 'clear';

export interface MergeLabels {
  /** How each side is named in conflict markers and in the cells' `nbstore` metadata. */
  base: string;
  ours: string;
  theirs: string;
}

export interface MergeOptions {
  outputs?: OutputsChoice;
}

/** One thing the merge decided, in the order of the merged notebook. */
export interface MergeDecision {
  /** Position in the merged notebook (0-based); absent for a cell left out. */
  cell?: number;
  /** The cell's position in each notebook it is in (0-based). */
  base?: number;
  ours?: number;
  theirs?: number;
  /** Notebook-level metadata key, for decisions about it. */
  metadataKey?: string;
  action:
    | 'taken from ours'
    | 'taken from theirs'
    | 'combined'
    | 'added by ours'
    | 'added by theirs'
    | 'added by both'
    | 'deleted by ours'
    | 'deleted by theirs'
    | 'deleted by both'
    | 'conflict'
    | 'both changed, kept ours';
  /** What a conflict is about. */
  conflict?: 'both edited' | 'deleted by ours, edited by theirs' | 'edited by ours, deleted by theirs';
  /** Fields the merge took from the other side than the cell's main one, or that conflicted. */
  fields?: string[];
}

export interface MergeResult {
  notebook: Notebook;
  decisions: MergeDecision[];
  /** Decisions with action `conflict`: cells carrying conflict markers. */
  conflicts: number;
  /** The merged cells were ordered as `ours` or `theirs` has them (the side that reordered). */
  order: 'ours' | 'theirs';
}

/** The key of nbstore's entry in a conflicting cell's metadata. */
export const CONFLICT_METADATA = 'nbstore';
const OURS_MARK = '<<<<<<<';
const SPLIT_MARK = '=======';
const THEIRS_MARK = '>>>>>>>';

/**
 * Three-way merge of two notebooks against their common ancestor, cell by cell (cells aligned
 * by matchCells). A cell changed on one side takes that side's change; changed alike on both,
 * either; changed differently, it becomes a conflict: git-style markers in its source and an
 * `nbstore` entry in its metadata naming the versions, outputs as `options.outputs` says
 * (default ours). Fields merge one by one (source, type, attachments, metadata key by key,
 * outputs with the execution count), so an edit on one side and a run on the other combine.
 * Cells added on both sides are kept, each after the cell it follows on its side; identical
 * additions at one place once. Notebook metadata merges key by key; a key changed both ways
 * keeps ours. Pure; asynchronous only because cell matching yields to the event loop on long notebooks.
 */
export async function mergeNotebooks(
  base: Notebook,
  ours: Notebook,
  theirs: Notebook,
  labels: MergeLabels,
  options: MergeOptions = {},
): Promise<MergeResult> {
  const outputs = options.outputs ?? 'ours';
  const toOurs = await sideMap(base.cells, ours.cells);
  const toTheirs = await sideMap(base.cells, theirs.cells);

  // The order of the side that reordered the cells it shares with the base; ours when both did, or neither.
  const order = reordered(toOurs.fromBase) || !reordered(toTheirs.fromBase) ? 'ours' : 'theirs';
  const [lead, follow] = order === 'ours' ? [toOurs, toTheirs] : [toTheirs, toOurs];
  const leadCells = order === 'ours' ? ours.cells : theirs.cells;
  const followCells = order === 'ours' ? theirs.cells : ours.cells;

  // Units in the merged order: a base cell (merged from its two sides) or a cell one side added.
  type Unit = { base: number } | { lead: number } | { follow: number };
  const units: Unit[] = leadCells.map((_, i) => {
    const b = lead.toBase[i];
    return b === undefined ? { lead: i } : { base: b };
  });
  // Base cells the leading side deleted: after the base cell before them, as the base has it.
  const placeAfter = (unit: Unit, after: (u: Unit) => boolean) => {
    const at = units.findIndex(after);
    units.splice(at + 1, 0, unit);
  };
  for (let b = 0; b < base.cells.length; b++) {
    if (lead.fromBase[b] !== undefined) continue;
    let prev = b - 1;
    while (prev >= 0 && !units.some((u) => 'base' in u && u.base === prev)) prev--;
    placeAfter({ base: b }, (u) => 'base' in u && u.base === prev);
  }
  // Cells the following side added: after the cell before them on that side.
  const leadAdded = new Set(leadCells.flatMap((_, i) => (lead.toBase[i] === undefined ? [i] : [])));
  const sameAdded = new Map<number, number>();
  for (let f = 0; f < followCells.length; f++) {
    if (follow.toBase[f] !== undefined) continue;
    const prev = f - 1;
    const prevUnit = (u: Unit): boolean =>
      prev < 0
        ? false
        : follow.toBase[prev] !== undefined
          ? 'base' in u && u.base === follow.toBase[prev]
          : ('follow' in u && u.follow === prev) || ('lead' in u && sameAdded.get(prev) === u.lead);
    const at = prev < 0 ? -1 : units.findIndex(prevUnit);
    // The same cell added at the same place on both sides is one cell.
    const next = units[at + 1];
    if (next && 'lead' in next && leadAdded.has(next.lead) && sameCell(leadCells[next.lead] as Cell, followCells[f] as Cell)) {
      sameAdded.set(f, next.lead);
      continue;
    }
    units.splice(at + 1, 0, { follow: f });
  }

  const leadName = order;
  const followName = order === 'ours' ? 'theirs' : 'ours';
  const decisions: MergeDecision[] = [];
  const cells: Cell[] = [];
  const place = (decision: MergeDecision, cell?: Cell) => {
    if (cell) {
      decision.cell = cells.length;
      cells.push(cell);
    }
    decisions.push(decision);
  };
  for (const unit of units) {
    if ('lead' in unit) {
      const both = [...sameAdded.entries()].find(([, l]) => l === unit.lead);
      const positions = { [leadName]: unit.lead, ...(both ? { [followName]: both[0] } : {}) };
      place({ ...positions, action: both ? 'added by both' : `added by ${leadName}` }, leadCells[unit.lead] as Cell);
      continue;
    }
    if ('follow' in unit) {
      place({ [followName]: unit.follow, action: `added by ${followName}` }, followCells[unit.follow] as Cell);
      continue;
    }
    const b = unit.base;
    const o = toOurs.fromBase[b];
    const t = toTheirs.fromBase[b];
    const positions = { base: b, ...(o !== undefined ? { ours: o } : {}), ...(t !== undefined ? { theirs: t } : {}) };
    const baseCell = base.cells[b] as Cell;
    const ourCell = o === undefined ? undefined : (ours.cells[o] as Cell);
    const theirCell = t === undefined ? undefined : (theirs.cells[t] as Cell);
    if (!ourCell || !theirCell) {
      const kept = ourCell ?? theirCell;
      if (!kept) place({ ...positions, action: 'deleted by both' });
      else if (sameCell(kept, baseCell)) place({ ...positions, action: ourCell ? 'deleted by theirs' : 'deleted by ours' });
      else {
        const conflict = ourCell ? 'edited by ours, deleted by theirs' : 'deleted by ours, edited by theirs';
        place({ ...positions, action: 'conflict', conflict }, conflictCell(baseCell, ourCell, theirCell, labels, outputs, conflict));
      }
      continue;
    }
    const merged = mergeCell(baseCell, ourCell, theirCell);
    if (merged.conflicting.length > 0) {
      place(
        { ...positions, action: 'conflict', conflict: 'both edited', fields: merged.conflicting },
        conflictCell(baseCell, ourCell, theirCell, labels, outputs, 'both edited', merged.cell),
      );
      continue;
    }
    const cell = merged.cell;
    if (merged.outputsBothChanged) applyOutputs(cell, ourCell, theirCell, outputs);
    const action =
      merged.keptOurs.length > 0
        ? 'both changed, kept ours'
        : merged.fromTheirs.length === 0
          ? 'taken from ours'
          : merged.fromOurs.length === 0
            ? 'taken from theirs'
            : 'combined';
    const fields = action === 'combined' ? merged.fromTheirs : merged.keptOurs;
    place({ ...positions, action, ...(fields.length > 0 ? { fields } : {}) }, cell);
  }

  const metadata = mergeRecords(base.metadata, ours.metadata, theirs.metadata);
  for (const key of metadata.conflicting) decisions.push({ metadataKey: key, action: 'both changed, kept ours' });
  for (const key of metadata.fromTheirs) decisions.push({ metadataKey: key, action: 'taken from theirs' });

  const nbformatMinor = Math.max(ours.nbformat_minor, theirs.nbformat_minor);
  const notebook: Notebook = {
    ...ours,
    nbformat: Math.max(ours.nbformat, theirs.nbformat),
    nbformat_minor: nbformatMinor,
    metadata: metadata.value as Record<string, unknown>,
    cells: withIds(cells, nbformatMinor >= 5),
  };
  return { notebook, decisions, conflicts: decisions.filter((d) => d.action === 'conflict').length, order };
}

interface SideMap {
  /** Base cell index → this side's index (undefined: deleted). */
  fromBase: Array<number | undefined>;
  /** This side's index → base cell index (undefined: added). */
  toBase: Array<number | undefined>;
}

async function sideMap(baseCells: readonly Cell[], sideCells: readonly Cell[]): Promise<SideMap> {
  const match = await matchCells(baseCells, sideCells);
  const fromBase: Array<number | undefined> = baseCells.map(() => undefined);
  const toBase: Array<number | undefined> = sideCells.map(() => undefined);
  for (const pair of match.pairs) {
    fromBase[pair.old] = pair.new;
    toBase[pair.new] = pair.old;
  }
  return { fromBase, toBase };
}

/** Whether the cells a side kept from the base are in another order than the base's. */
function reordered(fromBase: ReadonlyArray<number | undefined>): boolean {
  const kept = fromBase.filter((i): i is number => i !== undefined);
  return kept.some((index, k) => k > 0 && index < (kept[k - 1] as number));
}

/** Cell fields merged one by one; `outputs` carries the execution count with it. */
const CELL_FIELDS = ['cell_type', 'source', 'attachments', 'outputs'] as const;

function fieldValue(cell: Cell, field: (typeof CELL_FIELDS)[number]): unknown {
  if (field === 'source') return joinText(cell.source);
  if (field === 'outputs') return cell.outputs === undefined ? undefined : [cell.outputs, cell.execution_count ?? null];
  return cell[field];
}

/** Equal as content: source compared as text (a list of lines or one string alike); ids do not count. */
function sameCell(a: Cell, b: Cell): boolean {
  return (
    CELL_FIELDS.every((field) => isDeepStrictEqual(fieldValue(a, field), fieldValue(b, field))) &&
    isDeepStrictEqual(a.metadata ?? {}, b.metadata ?? {})
  );
}

interface CellMerge {
  cell: Cell;
  fromOurs: string[];
  fromTheirs: string[];
  /** Fields changed differently on both sides (outputs are not among them: they are chosen). */
  conflicting: string[];
  /** Metadata keys changed differently on both sides: ours kept. */
  keptOurs: string[];
  outputsBothChanged: boolean;
}

function mergeCell(base: Cell, ours: Cell, theirs: Cell): CellMerge {
  const cell: Cell = { ...ours };
  const fromOurs: string[] = [];
  const fromTheirs: string[] = [];
  const conflicting: string[] = [];
  let outputsBothChanged = false;
  for (const field of CELL_FIELDS) {
    const [b, o, t] = [fieldValue(base, field), fieldValue(ours, field), fieldValue(theirs, field)];
    if (isDeepStrictEqual(o, t)) continue;
    if (isDeepStrictEqual(o, b)) {
      fromTheirs.push(field);
      takeField(cell, theirs, field);
    } else if (isDeepStrictEqual(t, b)) {
      fromOurs.push(field);
    } else if (field === 'outputs') {
      outputsBothChanged = true;
      fromOurs.push(field);
    } else {
      conflicting.push(field);
    }
  }
  const metadata = mergeRecords(base.metadata ?? {}, ours.metadata ?? {}, theirs.metadata ?? {});
  if (metadata.fromTheirs.length > 0) fromTheirs.push('metadata');
  if (!isDeepStrictEqual(metadata.value, theirs.metadata ?? {})) fromOurs.push('metadata');
  if (ours.metadata !== undefined || theirs.metadata !== undefined) cell.metadata = metadata.value as Record<string, unknown>;
  const keptOurs = metadata.conflicting.map((key) => `metadata.${key}`);
  return { cell, fromOurs, fromTheirs, conflicting, keptOurs, outputsBothChanged };
}

function takeField(cell: Cell, from: Cell, field: (typeof CELL_FIELDS)[number]): void {
  if (field === 'outputs') {
    applyOutputs(cell, from, from, 'ours');
    return;
  }
  if (from[field] === undefined) delete cell[field];
  else (cell as unknown as Record<string, unknown>)[field] = from[field];
}

function applyOutputs(cell: Cell, ours: Cell | undefined, theirs: Cell | undefined, choice: OutputsChoice): void {
  if (cell.cell_type !== 'code') {
    delete cell.outputs;
    delete cell.execution_count;
    return;
  }
  const from = choice === 'theirs' ? (theirs ?? ours) : (ours ?? theirs);
  cell.outputs = choice === 'clear' || !from ? [] : (from.outputs ?? []);
  cell.execution_count = choice === 'clear' || !from ? null : (from.execution_count ?? null);
}

interface RecordMerge {
  value: unknown;
  fromTheirs: string[];
  conflicting: string[];
}

/** Merges objects key by key (nested objects too); a key changed differently on both sides keeps ours. */
function mergeRecords(base: unknown, ours: unknown, theirs: unknown, path = ''): RecordMerge {
  const fromTheirs: string[] = [];
  const conflicting: string[] = [];
  if (!isRecord(ours) || !isRecord(theirs)) {
    if (isDeepStrictEqual(ours, theirs) || isDeepStrictEqual(theirs, base)) return { value: ours, fromTheirs, conflicting };
    if (isDeepStrictEqual(ours, base)) return { value: theirs, fromTheirs: [path], conflicting };
    return { value: ours, fromTheirs, conflicting: [path] };
  }
  const baseRecord = isRecord(base) ? base : {};
  const value: Record<string, unknown> = {};
  const keys = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])];
  for (const key of keys) {
    const at = path ? `${path}.${key}` : key;
    const [b, o, t] = [baseRecord[key], ours[key], theirs[key]];
    let merged: unknown;
    if (isRecord(o) && isRecord(t) && !isDeepStrictEqual(o, t)) {
      const inner = mergeRecords(b, o, t, at);
      fromTheirs.push(...inner.fromTheirs);
      conflicting.push(...inner.conflicting);
      merged = inner.value;
    } else if (isDeepStrictEqual(o, t) || isDeepStrictEqual(t, b)) {
      merged = o;
    } else if (isDeepStrictEqual(o, b)) {
      fromTheirs.push(at);
      merged = t;
    } else {
      conflicting.push(at);
      merged = o;
    }
    if (merged !== undefined) value[key] = merged;
  }
  return { value, fromTheirs, conflicting };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A multiline string as nbformat stores it: lines, each but the last ending in a newline. */
function toLines(text: string): string[] {
  return text === '' ? [] : (text.match(/[^\n]*\n|[^\n]+$/g) ?? []);
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * A cell in conflict: the source holds both sides between git-style markers (an empty side for
 * the one that deleted the cell), the metadata an `nbstore` entry naming the versions, the
 * outputs one side's as `outputs` says.
 */
function conflictCell(
  base: Cell,
  ours: Cell | undefined,
  theirs: Cell | undefined,
  labels: MergeLabels,
  outputs: OutputsChoice,
  kind: NonNullable<MergeDecision['conflict']>,
  merged?: Cell,
): Cell {
  const cell: Cell = { ...(merged ?? ours ?? theirs ?? base) };
  const ourSource = ours ? joinText(ours.source) : '';
  const theirSource = theirs ? joinText(theirs.source) : '';
  cell.source = toLines(
    `${OURS_MARK} ${labels.ours}${ours ? '' : ' (deleted)'}\n${withNewline(ourSource)}${SPLIT_MARK}\n${withNewline(theirSource)}${THEIRS_MARK} ${labels.theirs}${theirs ? '' : ' (deleted)'}\n`,
  ).map((line, i, all) => (i === all.length - 1 ? line.replace(/\n$/, '') : line));
  cell.metadata = {
    ...(cell.metadata ?? {}),
    [CONFLICT_METADATA]: { conflict: { kind, base: labels.base, ours: labels.ours, theirs: labels.theirs } },
  };
  applyOutputs(cell, ours, theirs, outputs);
  return cell;
}

/**
 * Cell ids as the notebook's nbformat wants them: from 4.5 every cell has a unique one (a cell
 * from a 4.4 side gets one made from its position and content, so a merge is reproducible);
 * before 4.5 a cell may have none.
 */
function withIds(cells: Cell[], wantIds: boolean): Cell[] {
  const seen = new Set<string>();
  return cells.map((cell, i) => {
    const { id, ...rest } = cell;
    if (!wantIds) return rest;
    let unique = typeof id === 'string' && /^[a-zA-Z0-9-_]{1,64}$/.test(id) && !seen.has(id) ? id : undefined;
    for (let n = 0; unique === undefined; n++) {
      const made = createHash('sha256')
        .update(`${i}\u0000${n}\u0000${joinText(cell.source)}`)
        .digest('hex')
        .slice(0, 8);
      if (!seen.has(made)) unique = made;
    }
    seen.add(unique);
    return { id: unique, ...rest };
  });
}

export interface RemainingConflict {
  /** 0-based position of the cell. */
  cell: number;
  kind: string;
  ours?: string;
  theirs?: string;
}

/** The cells of a notebook still marked as conflicts by a merge: the `nbstore` entry and the markers in the source. */
export function remainingConflicts(nb: Notebook): RemainingConflict[] {
  return nb.cells.flatMap((cell, i) => {
    const entry = (cell.metadata?.[CONFLICT_METADATA] as { conflict?: { kind?: unknown; ours?: unknown; theirs?: unknown } } | undefined)
      ?.conflict;
    if (!entry) return [];
    const lines = joinText(cell.source).split('\n');
    const marked = lines.some((l) => l.startsWith(OURS_MARK)) && lines.some((l) => l.startsWith(THEIRS_MARK));
    if (!marked) return [];
    return [
      {
        cell: i,
        kind: String(entry.kind ?? 'conflict'),
        ...(typeof entry.ours === 'string' ? { ours: entry.ours } : {}),
        ...(typeof entry.theirs === 'string' ? { theirs: entry.theirs } : {}),
      },
    ];
  });
}
