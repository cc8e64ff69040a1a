import { mapLimit } from '../lib/concurrency.js';
import { isNbstoreError, NbstoreError } from '../lib/errors.js';
import { sha256 } from '../lib/fs.js';
import { formatTime } from '../lib/time.js';
import { canonicalOf } from '../notebook/notebook.js';
import { keysUnder } from '../store/keys.js';
import { META } from '../store/metadata.js';
import { collect, type Store, type StoredVersion, type VersionInfo, type VersionMeta, versionsOfKey } from '../store/store.js';
import { parseRevision, type Revision, resolveRevision, shortIds } from './revision.js';

/** One entry of a notebook's history as nbstore shows it. */
export interface HistoryEntry {
  key: string;
  versionId: string;
  shortId: string;
  lastModified: Date;
  size: number;
  isLatest: boolean;
  isDeleteMarker: boolean;
  /** From nbstore's metadata; absent on versions other tools wrote. */
  author?: string;
  message?: string;
  parent?: string;
  sha256?: string;
  savedAt?: string;
  /** On a published version: the version it was published from. */
  sourceKey?: string;
  sourceVersion?: string;
}

/** The versions of exactly `key`, newest first, delete markers included. */
export function listHistory(store: Store, key: string): Promise<VersionInfo[]> {
  return collect(versionsOfKey(store, key));
}

/** Adds author, message and the rest from each version's metadata (one HEAD per version, in
 * parallel; the version cache answers for versions seen before). */
export async function describeHistory(store: Store, history: readonly VersionInfo[], threads: number): Promise<HistoryEntry[]> {
  const short = shortIds(history);
  return mapLimit(history, threads, async (version) => {
    const entry: HistoryEntry = { ...version, shortId: short.get(version.versionId) ?? version.versionId };
    if (version.isDeleteMarker) return entry;
    const { metadata } = await store.head(version.key, version.versionId);
    return { ...entry, ...fromMetadata(metadata) };
  });
}

type MetadataFields = Pick<HistoryEntry, 'author' | 'message' | 'parent' | 'sha256' | 'savedAt' | 'sourceKey' | 'sourceVersion'>;

export function fromMetadata(metadata: Record<string, string>): MetadataFields {
  const out: MetadataFields = {};
  if (metadata[META.author]) out.author = metadata[META.author];
  if (metadata[META.message]) out.message = metadata[META.message];
  if (metadata[META.parent]) out.parent = metadata[META.parent];
  if (metadata[META.sha256]) out.sha256 = metadata[META.sha256];
  if (metadata[META.savedAt]) out.savedAt = metadata[META.savedAt];
  if (metadata[META.sourceKey]) out.sourceKey = metadata[META.sourceKey];
  if (metadata[META.sourceVersion]) out.sourceVersion = metadata[META.sourceVersion];
  return out;
}

/** The message a version was pushed with, or what it is when it has none. */
export function describeMessage(entry: HistoryEntry): string {
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
  return revs.map((rev, i) => direct[i] ?? resolveRevision(rev, history, subject));
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
  if (recorded) return recorded === canonical;
  // Written by another tool: compare the content itself.
  const { body } = await store.get(version.key, version.versionId);
  return canonicalOf(body, version.key) === canonical;
}
