import { mapLimit } from '../lib/concurrency.js';
import { isNbstoreError, NbstoreError } from '../lib/errors.js';
import { sha256 } from '../lib/fs.js';
import { formatTime } from '../lib/time.js';
import { canonicalOf, isCurrentCanonical } from '../notebook/notebook.js';
import { type IndexEntry, type IndexReader, readIndex } from '../store/commit-index.js';
import { keysUnder } from '../store/keys.js';
import { META, RECORDED_FIELDS, type RecordedFields, recordedFields } from '../store/metadata.js';
import { collect, type Store, type StoredVersion, type VersionInfo, type VersionMeta, versionsOfKey } from '../store/store.js';
import { parseRevision, type Revision, resolveRevision, type SaveTimes, shortIds } from './revision.js';

/** One entry of a notebook's history as nbstore shows it; the recorded fields are absent on versions other tools wrote. */
export interface HistoryEntry extends RecordedFields {
  key: string;
  versionId: string;
  shortId: string;
  lastModified: Date;
  size: number;
  isLatest: boolean;
  isDeleteMarker: boolean;
}

/** The versions of exactly `key`, newest first, delete markers included. */
export function listHistory(store: Store, key: string): Promise<VersionInfo[]> {
  return collect(versionsOfKey(store, key));
}

/** A key's history, described: its versions listed while its index is read (see describeHistory). */
export async function readHistory(store: Store, key: string, threads: number): Promise<HistoryEntry[]> {
  const index = readIndex(store, key);
  return describeHistory(store, await listHistory(store, key), threads, index);
}

/**
 * Adds author, message and the rest to a key's listed versions (newest first). From the listing
 * itself where it carries metadata (the embedded store's does); else from the commit index, one
 * listing page per 1,000 versions, read only as far as the versions asked for; a HEAD only for a
 * version with no entry (written by another tool, or by a push killed between its two writes) or
 * whose entry was cut to fit (the version cache answers for versions seen before).
 * Such a version's entry is not written here: `log` and `browse` only read (a reader may have no
 * right to write), and `nbstore fsck` repairs the index.
 */
export async function describeHistory(
  store: Store,
  history: readonly VersionInfo[],
  threads: number,
  index: IndexReader | undefined = history[0] && readIndex(store, history[0].key, false),
): Promise<HistoryEntry[]> {
  const short = shortIds(history);
  const wanted = new Set(history.filter((v) => !v.isDeleteMarker && !('metadata' in v)).map((v) => v.versionId));
  const entries = index && wanted.size > 0 ? await index.entriesFor(wanted) : new Map<string, IndexEntry>();
  return mapLimit(history, threads, async (version) => {
    const described: HistoryEntry = { ...version, shortId: short.get(version.versionId) ?? version.versionId };
    delete (described as Partial<VersionMeta>).metadata;
    if (version.isDeleteMarker) return described;
    const entry = entries.get(version.versionId);
    if (entry && !entry.messageCut && !entry.fieldsLeftOut) return { ...described, ...fieldsOf(entry) };
    const { metadata } = 'metadata' in version ? (version as VersionMeta) : await store.head(version.key, version.versionId);
    return { ...described, ...recordedFields(metadata) };
  });
}

/** What an index entry says of the fields `log` shows from metadata. */
function fieldsOf(entry: IndexEntry): RecordedFields {
  const out: RecordedFields = {};
  for (const name of RECORDED_FIELDS) {
    const value = entry[name];
    if (value) out[name] = value;
  }
  return out;
}

/** The message a version was pushed with, or what it is when it has none. */
export function describeMessage(entry: Pick<HistoryEntry, 'message' | 'sha256' | 'author' | 'savedAt'>): string {
  if (entry.message) return entry.message;
  if (entry.sha256 === undefined && entry.author === undefined) return '(written by another tool)';
  return entry.savedAt ? `(saved ${formatTime(new Date(entry.savedAt))})` : '(no message)';
}

/** Finds the version `revText` names among the versions of `key`. */
export async function findVersion(store: Store, key: string, revText: string, subject: string, now = new Date()): Promise<VersionInfo> {
  return (await findVersions(store, key, [revText], subject, now))[0] as VersionInfo;
}

/**
 * Finds the versions `revTexts` name among the versions of `key`. A full version id is asked for
 * directly: a version never changes, so the version cache answers without a request, and no
 * listing is needed. Anything else is resolved against the key's history, listed once for all.
 * (A version found directly may not know whether it is the latest: an S3 HEAD says `isLatest` false.)
 */
export async function findVersions(
  store: Store,
  key: string,
  revTexts: readonly string[],
  subject: string,
  now = new Date(),
): Promise<VersionInfo[]> {
  const revs = revTexts.map((text) => parseRevision(text, now));
  const direct = await Promise.all(revs.map((rev) => (rev.kind === 'id' ? exactVersion(store, key, rev.id) : undefined)));
  if (direct.every((v) => v !== undefined)) return direct;
  const history = await listHistory(store, key);
  if (history.length === 0) throw new NbstoreError('unknown-revision', `${subject}: no versions in the store (push it first)`);
  const times = revs.flatMap((rev) => (rev.kind === 'at' ? [rev.time] : []));
  const saved = times.length > 0 ? await saveTimesOf(store, history, new Date(Math.min(...times.map((t) => t.getTime())))) : new Map();
  return revs.map((rev, i) => direct[i] ?? resolveRevision(rev, history, subject, saved));
}

/**
 * The save times of the versions in `listing` the store got after `after`: those may have been
 * saved before it (delivered from the spool later), which only their metadata says. A version
 * the store got by then was saved by then. One HEAD each, `threads` at once (cached).
 */
export async function saveTimesOf(store: Store, listing: readonly VersionInfo[], after: Date, threads = 8): Promise<SaveTimes> {
  const later = listing.filter((v) => !v.isDeleteMarker && v.lastModified.getTime() > after.getTime());
  const times = new Map<string, Date>();
  await mapLimit(later, threads, async (version) => {
    const savedAt = (await store.head(version.key, version.versionId)).metadata[META.savedAt];
    const time = savedAt === undefined ? undefined : new Date(savedAt);
    if (time && !Number.isNaN(time.getTime())) times.set(version.versionId, time);
  });
  return times;
}

/**
 * As findVersions at `key`, but a version id that is not one of `key`'s is looked for at
 * `otherKey` too (a notebook's published copy, whose ids `log --published` shows).
 */
export async function findVersionsAlsoAt(
  store: Store,
  key: string,
  otherKey: string,
  revTexts: readonly string[],
  subject: string,
  now = new Date(),
): Promise<VersionInfo[]> {
  try {
    return await findVersions(store, key, revTexts, subject, now);
  } catch (err) {
    if (!isNbstoreError(err, 'unknown-revision')) throw err;
    // One at a time, so that the first revision that names nothing is the one reported.
    const found: VersionInfo[] = [];
    for (const text of revTexts) {
      try {
        found.push(await findVersion(store, key, text, subject, now));
      } catch (first) {
        if (!isNbstoreError(first, 'unknown-revision') || parseRevision(text, now).kind !== 'id') throw first;
        found.push(
          await findVersion(store, otherKey, text, subject, now).catch((second: unknown) => {
            throw isNbstoreError(second, 'unknown-revision') ? first : second;
          }),
        );
      }
    }
    return found;
  }
}

/** The version with exactly this id, if there is one (a prefix, or a delete marker, is not). */
async function exactVersion(store: Store, key: string, versionId: string): Promise<VersionInfo | undefined> {
  try {
    const { metadata: _, ...info } = await store.head(key, versionId);
    return info;
  } catch (err) {
    if (isNbstoreError(err, 'not-found')) return undefined;
    throw err;
  }
}

/**
 * Finds a version by id (or unique prefix) among every notebook under `prefix`, for commands
 * given a version id and no path.
 */
export async function findVersionAnywhere(store: Store, prefix: string, revText: string, now = new Date()): Promise<VersionInfo> {
  const rev: Revision = parseRevision(revText, now);
  if (rev.kind !== 'id')
    throw new NbstoreError('usage', `${revText} needs a notebook path: only a version id finds its notebook by itself`);
  const matches: VersionInfo[] = [];
  for await (const version of store.versions(keysUnder(prefix))) {
    if (version.versionId.startsWith(rev.id)) matches.push(version);
  }
  return resolveRevision(rev, matches, prefix === '' ? 'the store' : `${prefix}/`);
}

/** A stored version whose body was checked against the SHA-256 nbstore recorded for it. */
export interface VerifiedVersion extends StoredVersion {
  /** The body's SHA-256, when a recorded one was there to check it against. */
  sha256?: string;
}

/** Reads a version (the latest without an id) and checks its body against the SHA-256 nbstore
 * recorded when it pushed it. */
export async function readVerified(store: Store, key: string, versionId?: string): Promise<VerifiedVersion> {
  const version = await store.get(key, versionId);
  const recorded = version.info.metadata[META.sha256];
  if (recorded && recorded !== sha256(version.body)) {
    throw new NbstoreError(
      'checksum-mismatch',
      `${key}@${version.info.versionId}: the stored body does not match its recorded SHA-256; refusing to use it`,
    );
  }
  return recorded ? { ...version, sha256: recorded } : version;
}

/** The latest version of `key`, or undefined when there is none (or it is deleted). */
export async function headLatest(store: Store, key: string): Promise<VersionMeta | undefined> {
  try {
    return await store.head(key);
  } catch (err) {
    if (isNbstoreError(err, 'not-found')) return undefined;
    throw err;
  }
}

/** Whether `version` holds a notebook whose canonical JSON hashes to `canonical`. */
export async function holdsContent(store: Store, version: VersionMeta, canonical: string): Promise<boolean> {
  const recorded = version.metadata[META.canonical];
  if (isCurrentCanonical(recorded)) return recorded === canonical;
  // Written by another tool, or by an nbstore whose hash lost content: compare the content itself.
  const { body } = await store.get(version.key, version.versionId);
  return canonicalOf(body, version.key) === canonical;
}

/**
 * The history of `key` described, followed back across moves (`mv`): below the first version a
 * move made at a key come the moved version and those before it at the old key, with the delete
 * marker the move left there. Each entry carries its own key. Newest first.
 */
export async function followHistory(store: Store, key: string, threads: number): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  const seen = new Set<string>();
  let at: { key: string; from?: string } | undefined = { key };
  while (at && !seen.has(at.key)) {
    seen.add(at.key);
    let history = await listHistory(store, at.key);
    if (at.from !== undefined) {
      const index = history.findIndex((v) => v.versionId === at?.from);
      if (index < 0) break;
      // The delete marker just above the moved version is the move's.
      const start = index > 0 && history[index - 1]?.isDeleteMarker ? index - 1 : index;
      history = history.slice(start);
    }
    const entries = await describeHistory(store, history, threads);
    out.push(...entries);
    const moved = [...entries].reverse().find((e) => e.movedFromKey && e.movedFromVersion);
    at = moved ? { key: moved.movedFromKey as string, from: moved.movedFromVersion as string } : undefined;
  }
  // Short ids that tell apart every version shown, of every key.
  const short = shortIds(out);
  return out.map((e) => ({ ...e, shortId: short.get(e.versionId) ?? e.versionId }));
}
