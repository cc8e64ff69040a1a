/** Object keys as bookstore lays them out: `<prefix>/<path>`. */

/**
 * Joins key parts exactly as bookstore's s3_paths does: leading slashes are stripped from each
 * part, empty parts dropped, the rest joined with '/'. Nothing else is touched, so a
 * workspace_prefix of `/trail/kylek/` puts mine.ipynb at `trail/kylek//mine.ipynb`, as bookstore
 * archives it, and an empty prefix means the bucket's root.
 */
export function joinKey(...parts: string[]): string {
  return parts
    .map((part) => part.replace(/^\/+/, ''))
    .filter((part) => part !== '')
    .join('/');
}

/** What every key under a (joined) prefix starts with: `<prefix>/`, or nothing for the root. */
export function keysUnder(prefix: string): string {
  return prefix === '' ? '' : `${prefix}/`;
}
