import { NbstoreError } from '../lib/errors.js';

/** nbstore's own folder in a workspace. */
export const WORKSPACE_DIR = '.nbstore';

/** Folders a path from the bucket may never write into, at any depth (compared ignoring case). */
const FORBIDDEN_SEGMENTS = new Set([WORKSPACE_DIR, '.git']);

/**
 * `rel` (a '/'-separated path taken from `key`) if it names a file strictly inside the directory it
 * is joined to (the workspace, or the folder a clone writes into); otherwise fails with
 * `unsafe-key`. Nothing in it may climb out (`..`), be empty or `.`, hold a NUL or a backslash,
 * or enter `.nbstore` or `.git`.
 */
export function safeLocalPath(rel: string, key: string): string {
  const bad = rel
    .split('/')
    .find((part) => part === '' || part === '.' || part === '..' || /[\\\0]/.test(part) || FORBIDDEN_SEGMENTS.has(part.toLowerCase()));
  if (bad !== undefined) {
    const what = bad === '' ? 'an empty segment' : JSON.stringify(bad);
    throw new NbstoreError(
      'unsafe-key',
      `${JSON.stringify(key)}: refusing a key with ${what} in its path (nbstore writes only inside the workspace or the folder it clones into, never in .nbstore or .git)`,
    );
  }
  return rel;
}
