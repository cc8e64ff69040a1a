import { type RecordedFields, recordedFields } from './metadata.js';
import type { CheckOptions, CheckResult, ObjectInfo, Store, StoredVersion, VersionInfo, VersionMeta } from './store.js';

/**
 * The commit index: beside every version nbstore writes, one empty object whose key alone says
 * what `log` shows of it, so that one ListObjectsV2 page describes up to 1,000 versions (no S3
 * listing returns user metadata, and a HEAD per version is what made a long `log` slow). Layout:
 *
 *   .nbstore/index/<notebook key>/<inverted time>~<version id>~s<size>~a<author>~…~m<message>
 *
 * The inverted time (9,999,999,999,999 minus the write's milliseconds) makes a listing return a
 * notebook's entries newest first. Each field is percent-encoded (and '~' too), so a name never
 * holds '/' or the separator. One object per version, never rewritten: concurrent writers cannot
 * lose each other's entries. The version's own metadata stays the truth; an entry only saves
 * asking for it, and `nbstore fsck` rebuilds missing ones from it.
 */
export const INDEX_ROOT = '.nbstore/';
const ENTRIES = `${INDEX_ROOT}index/`;
const INVERT_FROM = 9_999_999_999_999;

/** What an entry records of one version (or delete marker) of `key`. */
export interface IndexEntry extends RecordedFields {
  key: string;
  versionId: string;
  lastModified: Date;
  size: number;
  isDeleteMarker: boolean;
  /** The message was cut to fit the key; the version's metadata holds all of it. */
  messageCut?: boolean;
  /** Fields other than the message were left out to fit (a long key on the embedded store). */
  fieldsLeftOut?: boolean;
}

/** One-letter field names, in the order they are written and kept (what `log` shows first); the
 * message goes last, as it is the one cut to fit. */
const FIELDS = [
  ['a', 'author'],
  ['t', 'savedAt'],
  ['v', 'sourceVersion'],
  ['p', 'parent'],
  ['g', 'mergeParent'],
  ['k', 'sourceKey'],
  ['o', 'movedFromKey'],
  ['r', 'movedFromVersion'],
  ['h', 'sha256'],
] as const;

/** Where the entries of `key` are listed. */
export function indexPrefixOf(key: string): string {
  return `${ENTRIES}${key}/`;
}

/** Where the entries of every key under a key prefix (`''` for the whole bucket, else ending in '/') are listed. */
export function indexPrefixUnder(prefix: string): string {
  return `${ENTRIES}${prefix}`;
}

/** Whether a key belongs to nbstore's hidden root rather than to the notebooks. */
export function isIndexKey(key: string): boolean {
  return key.startsWith(INDEX_ROOT);
}

function encodeField(value: string): string {
  return encodeURIComponent(value).replace(/~/g, '%7E');
}

/**
 * The entry's object key for a version, or undefined when not even its id, time and size fit
 * (`fits` says what the store accepts as a key). What does not fit is left out, the SHA-256 and
 * other fields `log` does not show first, then the message is cut at a character boundary; the
 * entry says which, so that a reader asks the version for the rest.
 */
export function entryKey(entry: IndexEntry, fits: (key: string) => boolean): string | undefined {
  const time = String(INVERT_FROM - entry.lastModified.getTime()).padStart(13, '0');
  const required = [`${time}`, encodeField(entry.versionId), `s${entry.size}`, ...(entry.isDeleteMarker ? ['d'] : [])];
  const optional: string[] = [];
  for (const [letter, name] of FIELDS) {
    const value = entry[name];
    if (value !== undefined && value !== '') optional.push(`${letter}${name === 'sha256' ? hexToBase64url(value) : encodeField(value)}`);
  }
  const prefix = indexPrefixOf(entry.key);
  let kept = optional.length;
  const base = () => `${prefix}${[...required, ...optional.slice(0, kept), ...(kept < optional.length ? ['f'] : [])].join('~')}`;
  while (kept > 0 && !fits(base())) kept--;
  if (!fits(base())) return undefined;
  if (!entry.message) return base();
  const whole = `${base()}~m${encodeField(entry.message)}`;
  if (fits(whole)) return whole;
  // The longest start of the message (in characters, not UTF-16 units) that fits.
  const chars = Array.from(entry.message);
  const cut = (n: number) => `${base()}~c~m${encodeField(chars.slice(0, n).join(''))}`;
  let low = 0;
  let high = chars.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(cut(mid))) low = mid;
    else high = mid - 1;
  }
  return fits(cut(low)) ? cut(low) : base();
}

/** Reads an entry's key back; undefined for a key that is not one (another tool's object there). */
export function parseEntryKey(objectKey: string): IndexEntry | undefined {
  if (!objectKey.startsWith(ENTRIES)) return undefined;
  const slash = objectKey.lastIndexOf('/');
  const key = objectKey.slice(ENTRIES.length, slash);
  const [time, versionId, ...fields] = objectKey.slice(slash + 1).split('~');
  if (key === '' || !time || !/^\d{13}$/.test(time) || !versionId) return undefined;
  try {
    const entry: IndexEntry = {
      key,
      versionId: decodeURIComponent(versionId),
      lastModified: new Date(INVERT_FROM - Number(time)),
      size: 0,
      isDeleteMarker: false,
    };
    for (const field of fields) {
      const letter = field[0];
      const value = field.slice(1);
      if (letter === 's') entry.size = Number(value) || 0;
      else if (letter === 'd') entry.isDeleteMarker = true;
      else if (letter === 'c') entry.messageCut = true;
      else if (letter === 'f') entry.fieldsLeftOut = true;
      else if (letter === 'm') entry.message = decodeURIComponent(value);
      else {
        const name = FIELDS.find(([l]) => l === letter)?.[1];
        if (name) entry[name] = name === 'sha256' ? base64urlToHex(value) : decodeURIComponent(value);
      }
    }
    return entry;
  } catch {
    return undefined;
  }
}

/** The entry that describes a version nbstore just wrote, from what it wrote. */
export function entryOf(version: VersionInfo, metadata: Record<string, string>): IndexEntry {
  const entry: IndexEntry = {
    key: version.key,
    versionId: version.versionId,
    lastModified: version.lastModified,
    size: version.size,
    isDeleteMarker: version.isDeleteMarker,
  };
  return { ...entry, ...recordedFields(metadata) };
}

/** A SHA-256 in hex as 43 characters of base64url; anything else (never written by nbstore) as
 * itself after a '.', which base64url does not use. */
function hexToBase64url(hex: string): string {
  return /^[0-9a-f]{64}$/.test(hex) ? Buffer.from(hex, 'hex').toString('base64url') : `.${encodeField(hex)}`;
}

function base64urlToHex(text: string): string {
  return text.startsWith('.') ? decodeURIComponent(text.slice(1)) : Buffer.from(text, 'base64url').toString('hex');
}

/** The entries of exactly `key`, newest first. */
export async function* indexEntriesOf(store: Store, key: string): AsyncIterable<IndexEntry> {
  const prefix = indexPrefixOf(key);
  for await (const object of store.objects(prefix)) {
    // Entries of keys below this one (`a.ipynb/b.ipynb`) share the prefix: their names hold a '/'.
    if (object.key.indexOf('/', prefix.length) !== -1) continue;
    const entry = parseEntryKey(object.key);
    if (entry) yield entry;
  }
}

/** The entries of every key under a key prefix, in key order, each key's newest first. */
export async function* indexEntriesUnder(store: Store, prefix: string): AsyncIterable<IndexEntry> {
  for await (const object of store.objects(indexPrefixUnder(prefix))) {
    const entry = parseEntryKey(object.key);
    if (entry) yield entry;
  }
}

/**
 * A store that writes a version's index entry after the version itself, for every writer (push,
 * the hook's deliveries, publish, and whatever else puts, copies or removes), and hides the
 * index from every listing not asked for it. The entry is written after the version, so a
 * process killed between the two leaves a version with no entry, which `log` asks for as it
 * always did and `fsck` repairs; never an entry with no version.
 */
export class IndexedStore implements Store {
  readonly id: string;
  readonly location: string;

  constructor(
    private readonly inner: Store,
    /** Whether the store accepts a key this long (S3: 1,024 bytes; the embedded store: less). */
    private readonly fits: (key: string) => boolean,
    /** Its version listings carry each version's metadata (the embedded store's do), so `log` needs no index. */
    readonly listsMetadata = false,
  ) {
    this.id = inner.id;
    this.location = inner.location;
  }

  check(options?: CheckOptions): Promise<CheckResult> {
    return this.inner.check(options);
  }

  async put(key: string, body: Uint8Array, metadata: Record<string, string>): Promise<VersionMeta> {
    const version = await this.inner.put(key, body, metadata);
    await this.index(entryOf(version, version.metadata));
    return version;
  }

  get(key: string, versionId?: string): Promise<StoredVersion> {
    return this.inner.get(key, versionId);
  }

  head(key: string, versionId?: string): Promise<VersionMeta> {
    return this.inner.head(key, versionId);
  }

  async *versions(prefix: string): AsyncIterable<VersionInfo> {
    const hide = !isIndexKey(prefix);
    for await (const version of this.inner.versions(prefix)) if (!(hide && isIndexKey(version.key))) yield version;
  }

  async *objects(prefix: string): AsyncIterable<ObjectInfo> {
    const hide = !isIndexKey(prefix);
    for await (const object of this.inner.objects(prefix)) if (!(hide && isIndexKey(object.key))) yield object;
  }

  async copy(from: { key: string; versionId: string }, toKey: string, metadata: Record<string, string>): Promise<VersionMeta> {
    const version = await this.inner.copy(from, toKey, metadata);
    await this.index(entryOf(version, version.metadata));
    return version;
  }

  async remove(key: string): Promise<VersionInfo> {
    const marker = await this.inner.remove(key);
    // Without a version id (an unversioned bucket) there is nothing an entry could name.
    if (marker.versionId !== 'null') await this.index(entryOf(marker, {}));
    return marker;
  }

  /** The version is stored whatever happens to its entry: a failed entry write must not turn a
   * stored push into a reported failure; it costs `log` a HEAD until `fsck` writes it. */
  private async index(entry: IndexEntry): Promise<void> {
    await this.writeEntry(entry).catch(() => undefined);
  }

  /** Writes one entry (for `fsck`, which rebuilds those a version lacks). Returns false when none fits the store's keys. */
  async writeEntry(entry: IndexEntry): Promise<boolean> {
    const objectKey = entryKey(entry, this.fits);
    if (objectKey === undefined) return false;
    await this.inner.put(objectKey, new Uint8Array(), {});
    return true;
  }
}

/** A key's index entries, being read from when it is made, beside the listing of its versions. */
export interface IndexReader {
  /** The entries of these versions (those it has): reading stops once all are found. */
  entriesFor(versionIds: ReadonlySet<string>): Promise<Map<string, IndexEntry>>;
}

/**
 * Starts reading the index entries of `key` at once, so that the listing of a long history and
 * of its index go on together rather than one after the other; reading stops as soon as the
 * versions asked for are all found (`log -n 20` of 5,000 versions reads one page). Not `eager`,
 * or on a store whose listing carries metadata, it reads only when asked.
 */
export function readIndex(store: Store, key: string, eager = true): IndexReader {
  const found = new Map<string, IndexEntry>();
  let wanted: ReadonlySet<string> | undefined;
  let missing = 0;
  const entries = indexEntriesOf(store, key)[Symbol.asyncIterator]();
  const read = async () => {
    for (;;) {
      if (wanted && missing === 0) {
        await entries.return?.();
        return;
      }
      const next = await entries.next();
      if (next.done) return;
      found.set(next.value.versionId, next.value);
      if (wanted?.has(next.value.versionId)) missing--;
    }
  };
  // An index that cannot be read (a bucket policy granting only the notebooks' prefix) costs
  // HEADs, as before the index, never the history itself: what was read is used, the rest asked for.
  const readOrStop = () => read().catch(() => undefined);
  let reading = !eager || (store instanceof IndexedStore && store.listsMetadata) ? undefined : readOrStop();
  return {
    async entriesFor(versionIds) {
      wanted = versionIds;
      missing = [...versionIds].filter((id) => !found.has(id)).length;
      reading ??= readOrStop();
      await reading;
      return found;
    },
  };
}

/** The S3 limit on a key: 1,024 bytes of UTF-8. */
export function fitsS3Key(key: string): boolean {
  return Buffer.byteLength(key, 'utf8') <= 1024;
}
