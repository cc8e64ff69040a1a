/**
 * The versioned object store nbstore keeps notebooks in: an S3 bucket with versioning, or the
 * embedded file-backed store. Both behave alike; one contract suite (test/store-contract) runs
 * against each.
 */

/** One entry of a key's history, as a version listing returns it. */
export interface VersionInfo {
  key: string;
  versionId: string;
  lastModified: Date;
  size: number;
  isLatest: boolean;
  isDeleteMarker: boolean;
}

/** A version with its user metadata (S3 `x-amz-meta-*`, keys lower-case). */
export interface VersionMeta extends VersionInfo {
  metadata: Record<string, string>;
}

export interface StoredVersion {
  info: VersionMeta;
  body: Uint8Array;
}

/** A current (latest, not deleted) object under a prefix. */
export interface ObjectInfo {
  key: string;
  lastModified: Date;
  size: number;
}

export interface CheckOptions {
  createBucket?: boolean;
  enableVersioning?: boolean;
}

/** What a check changed to make the store usable (only when its options allowed it). */
export interface CheckResult {
  createdBucket: boolean;
  enabledVersioning: boolean;
}

export interface Store {
  /** Stable identity for caches: the same bucket or directory gives the same id. */
  readonly id: string;
  /** Where the store is, for messages: `s3://bucket` or the embedded store's directory. */
  readonly location: string;

  /** Fails with `bucket-missing` or `versioning-off` unless the store can keep versions. */
  check(options?: CheckOptions): Promise<CheckResult>;
  put(key: string, body: Uint8Array, metadata: Record<string, string>): Promise<VersionMeta>;
  /** The latest version when `versionId` is omitted; `not-found` when there is none. */
  get(key: string, versionId?: string): Promise<StoredVersion>;
  head(key: string, versionId?: string): Promise<VersionMeta>;
  /**
   * Every version and delete marker of every key under `prefix`: keys in ascending order, and
   * within a key newest first, delete markers where they happened.
   */
  versions(prefix: string): AsyncIterable<VersionInfo>;
  /** Current objects under `prefix` (keys whose latest version is not a delete marker). */
  objects(prefix: string): AsyncIterable<ObjectInfo>;
  /** Server-side copy of one exact version; returns the new version at `toKey`. */
  copy(from: { key: string; versionId: string }, toKey: string, metadata: Record<string, string>): Promise<VersionMeta>;
  /** Adds a delete marker, as `aws s3 rm` does on a versioned bucket. */
  remove(key: string): Promise<VersionInfo>;
}

/** The history of exactly `key` (never of keys that merely share its prefix), newest first. */
export async function* versionsOfKey(store: Store, key: string): AsyncIterable<VersionInfo> {
  for await (const version of store.versions(key)) {
    if (version.key === key) yield version;
    else if (version.key > key) return;
  }
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
