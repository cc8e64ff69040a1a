import { createHash } from 'node:crypto';

/**
 * A lossless canonical form of JSON bytes, for telling content changes from formatting. It
 * differs from the bytes only in what is formatting: whitespace between tokens is dropped and
 * each object's members are sorted by their key's bytes (a stable sort: a key given twice stays
 * twice, in its order). Every string and number token is kept byte for byte, so nothing
 * JSON.parse loses (integers past 2^53, `1e999`, a repeated key, invalid UTF-8, `\u00e9`
 * against `é`) can make two different files look the same.
 *
 * The bytes must be JSON (the caller has parsed them): this reads their structure, it does not
 * check it. It never recurses, so any depth of nesting is fine, and an object whose keys are in
 * order already (as Jupyter writes them) costs one pass and no copies.
 */

/** Marks canonical hashes of this form, to tell them from the SHA-256 of fast-json-stable-stringify's JSON recorded before. */
export const CANONICAL_KIND = 'c2:';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** The offset just past the string token that starts (with its quote) at `at`. */
function stringEnd(bytes: Uint8Array, at: number): number {
  let i = at + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, i);
    if (quote < 0) return bytes.length;
    let slashes = 0;
    for (let j = quote - 1; j > at && bytes[j] === BACKSLASH; j--) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/** One member of an object: its key token's bytes and where its value starts and ends. */
interface Member {
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
}

function compareBytes(bytes: Uint8Array, a: Member, b: Member): number {
  const lengthA = a.keyEnd - a.keyStart;
  const lengthB = b.keyEnd - b.keyStart;
  const length = Math.min(lengthA, lengthB);
  for (let i = 0; i < length; i++) {
    const diff = (bytes[a.keyStart + i] as number) - (bytes[b.keyStart + i] as number);
    if (diff !== 0) return diff;
  }
  return lengthA - lengthB;
}

/** An object whose members are not in strictly increasing key order: its members, and the offset past its `}`. */
interface Unsorted {
  members: Member[];
  end: number;
}

/** A container open at some point of the pass: where it starts, its members so far (null for an array). */
interface OpenContainer {
  start: number;
  members: Member[] | null;
  pendingKey?: { start: number; end: number };
  /** Where the value this container is part of started, resumed when it closes. */
  outerValueStart: number;
}

/** The objects whose members are out of key order, by their `{` offset. One pass, with a stack of open containers. */
function unsortedObjects(bytes: Uint8Array): Map<number, Unsorted> {
  const unsorted = new Map<number, Unsorted>();
  const open: OpenContainer[] = [];
  let valueStart = -1;
  let lastTokenEnd = 0;
  const closeValue = () => {
    const top = open[open.length - 1];
    if (!top?.members || !top.pendingKey || valueStart < 0) return;
    top.members.push({ keyStart: top.pendingKey.start, keyEnd: top.pendingKey.end, valueStart, valueEnd: lastTokenEnd });
    top.pendingKey = undefined;
    valueStart = -1;
  };
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i] as number;
    if (isSpace(byte) || byte === COLON) {
      i++;
    } else if (byte === QUOTE) {
      const end = stringEnd(bytes, i);
      const top = open[open.length - 1];
      if (top?.members && !top.pendingKey) top.pendingKey = { start: i, end };
      else if (valueStart < 0) valueStart = i;
      i = lastTokenEnd = end;
    } else if (byte === COMMA) {
      closeValue();
      i++;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      open.push({ start: i, members: byte === OPEN_OBJECT ? [] : null, outerValueStart: valueStart < 0 ? i : valueStart });
      valueStart = -1;
      i++;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      closeValue();
      const closed = open.pop() as OpenContainer;
      i = lastTokenEnd = i + 1;
      if (closed.members && !sorted(bytes, closed.members)) unsorted.set(closed.start, { members: closed.members, end: i });
      valueStart = closed.outerValueStart;
    } else {
      // A number, true, false or null: up to the next structural byte or space.
      if (valueStart < 0) valueStart = i;
      let end = i + 1;
      while (end < bytes.length) {
        const next = bytes[end] as number;
        if (isSpace(next) || next === COMMA || next === CLOSE_OBJECT || next === CLOSE_ARRAY || next === COLON) break;
        end++;
      }
      i = lastTokenEnd = end;
    }
  }
  return unsorted;
}

function sorted(bytes: Uint8Array, members: Member[]): boolean {
  for (let i = 1; i < members.length; i++) if (compareBytes(bytes, members[i - 1] as Member, members[i] as Member) >= 0) return false;
  return true;
}

/** Writes the canonical form of `bytes` to `emit`, in pieces (views of `bytes`, or one-byte separators). */
function canonicalPieces(bytes: Uint8Array, emit: (piece: Uint8Array) => void): void {
  const unsorted = unsortedObjects(bytes);
  const separators = { colon: Uint8Array.of(COLON), comma: Uint8Array.of(COMMA), close: Uint8Array.of(CLOSE_OBJECT) };
  // Work to do, last first: byte ranges to copy without their whitespace, or separators to write.
  const work: Array<[number, number] | Uint8Array> = [[0, bytes.length]];
  while (work.length > 0) {
    const item = work.pop() as [number, number] | Uint8Array;
    if (item instanceof Uint8Array) {
      emit(item);
      continue;
    }
    const [start, end] = item;
    let i = start;
    let runStart = start;
    while (i < end) {
      const byte = bytes[i] as number;
      if (byte === QUOTE) {
        i = stringEnd(bytes, i);
        continue;
      }
      if (isSpace(byte)) {
        if (i > runStart) emit(bytes.subarray(runStart, i));
        while (i < end && isSpace(bytes[i] as number)) i++;
        runStart = i;
        continue;
      }
      const object = byte === OPEN_OBJECT ? unsorted.get(i) : undefined;
      if (!object) {
        i++;
        continue;
      }
      // An object out of order: write it member by member in key order, then go on after it.
      emit(bytes.subarray(runStart, i + 1));
      work.push([object.end, end]);
      work.push(separators.close);
      const ordered = object.members.slice().sort((a, b) => compareBytes(bytes, a, b));
      for (let m = ordered.length - 1; m >= 0; m--) {
        const member = ordered[m] as Member;
        work.push([member.valueStart, member.valueEnd]);
        work.push(separators.colon);
        work.push(bytes.subarray(member.keyStart, member.keyEnd));
        if (m > 0) work.push(separators.comma);
      }
      i = end;
      runStart = end;
    }
    if (end > runStart) emit(bytes.subarray(runStart, end));
  }
}

/** The canonical form itself, for tests and for seeing what is hashed. */
export function canonicalJson(bytes: Uint8Array): Buffer {
  const pieces: Uint8Array[] = [];
  canonicalPieces(bytes, (piece) => pieces.push(piece));
  return Buffer.concat(pieces);
}

/** `CANONICAL_KIND` and the SHA-256 of the canonical form of `bytes`. */
export function canonicalJsonHash(bytes: Uint8Array): string {
  const hash = createHash('sha256');
  // Pieces are small where there is much whitespace: gather them before hashing.
  const buffer = Buffer.allocUnsafe(1 << 16);
  let used = 0;
  canonicalPieces(bytes, (piece) => {
    if (used + piece.length > buffer.length) {
      hash.update(buffer.subarray(0, used));
      used = 0;
    }
    if (piece.length > buffer.length) hash.update(piece);
    else {
      buffer.set(piece, used);
      used += piece.length;
    }
  });
  hash.update(buffer.subarray(0, used));
  return `${CANONICAL_KIND}${hash.digest('hex')}`;
}
