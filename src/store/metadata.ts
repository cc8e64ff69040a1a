import { NbstoreError } from '../lib/errors.js';

/**
 * nbstore's user metadata on each version (S3 `x-amz-meta-*`). Keys are lower-case, as S3
 * returns them.
 */
export const META = {
  parent: 'nbstore-parent',
  /** The second parent of a merge: the version merged in. */
  mergeParent: 'nbstore-merge-parent',
  author: 'nbstore-author',
  message: 'nbstore-message',
  sha256: 'nbstore-sha256',
  canonical: 'nbstore-canonical',
  savedAt: 'nbstore-saved-at',
  sourceKey: 'nbstore-source-key',
  sourceVersion: 'nbstore-source-version',
  /** On the first version at a key a notebook was moved to: where it was moved from. */
  movedFromKey: 'nbstore-moved-from-key',
  movedFromVersion: 'nbstore-moved-from-version',
} as const;

/** The fields nbstore records on a version, by name: what `log` shows and the commit index keeps. */
export type RecordedField = Exclude<keyof typeof META, 'canonical'>;
export type RecordedFields = { [F in RecordedField]?: string };
export const RECORDED_FIELDS: readonly RecordedField[] = [
  'author',
  'message',
  'parent',
  'mergeParent',
  'sha256',
  'savedAt',
  'sourceKey',
  'sourceVersion',
  'movedFromKey',
  'movedFromVersion',
];

/** The recorded fields a version's metadata holds (none on versions other tools wrote). */
export function recordedFields(metadata: Record<string, string>): RecordedFields {
  const out: RecordedFields = {};
  for (const name of RECORDED_FIELDS) {
    const value = metadata[META[name]];
    if (value) out[name] = value;
  }
  return out;
}

const OWN_PREFIX = 'nbstore-';

/** Metadata as S3 returns it: keys lower-case. */
export function lowerKeys(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k.toLowerCase(), v]));
}

/**
 * S3 metadata travels in HTTP headers: only ASCII survives (Ceph RGW garbles anything else).
 * nbstore's own values are percent-encoded when they hold anything outside printable ASCII, or a
 * '%'; decoding a value with no '%' is the identity, so plain values stay readable to other tools.
 */
export function encodeMetadata(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata).map(([k, v]) => [
      k.toLowerCase(),
      k.toLowerCase().startsWith(OWN_PREFIX) && /[^\x20-\x7e]|%/.test(v) ? encodeURIComponent(v) : v,
    ]),
  );
}

export function decodeMetadata(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata).map(([k, v]) => {
      const key = k.toLowerCase();
      if (!key.startsWith(OWN_PREFIX) || !v.includes('%')) return [key, v];
      try {
        return [key, decodeURIComponent(v)];
      } catch {
        return [key, v];
      }
    }),
  );
}

/** S3's limit on a version's user metadata: the bytes of every key and value, as sent. */
export const MAX_USER_METADATA_BYTES = 2048;

/** The bytes `metadata` takes of S3's limit, once encoded as nbstore sends it. */
export function userMetadataBytes(metadata: Record<string, string>): number {
  return Object.entries(encodeMetadata(metadata)).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
}

/**
 * Refuses, before anything is sent, metadata over S3's limit (which S3 would refuse with a 400),
 * saying how long the message may be. The embedded store keeps the same limit, so a save it
 * takes is one S3 takes too.
 */
export function checkMetadataFits(metadata: Record<string, string>, what: string): void {
  const used = userMetadataBytes(metadata);
  if (used <= MAX_USER_METADATA_BYTES) return;
  const message = metadata[META.message] ?? '';
  const room = MAX_USER_METADATA_BYTES - (used - userMetadataBytes({ [META.message]: message })) - META.message.length;
  throw new NbstoreError(
    'too-large',
    message
      ? `${what}: the message takes ${userMetadataBytes({ [META.message]: message }) - META.message.length} bytes as stored, and only ${Math.max(0, room)} fit in S3's 2 KB of metadata (characters outside ASCII take 3 to 12 bytes); shorten it`
      : `${what}: the metadata takes ${used} bytes, over S3's limit of ${MAX_USER_METADATA_BYTES}`,
  );
}
