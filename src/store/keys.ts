/** Object keys as bookstore lays them out: `<prefix>/<path>`. */

/** Joins key parts as bookstore does: no empty parts, no leading slashes. */
export function joinKey(...parts: string[]): string {
  return parts
    .flatMap((part) => part.split('/'))
    .filter((part) => part !== '')
    .join('/');
}
