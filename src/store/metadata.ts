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
