import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, NbstoreError } from '../lib/errors.js';
import { quoted, quotePath } from '../lib/text.js';

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
    const what = bad === '' ? 'an empty segment' : quoted(bad);
    throw new NbstoreError(
      'unsafe-key',
      `${quoted(key)}: refusing a key with ${what} in its path (nbstore writes only inside the workspace or the folder it clones into, never in .nbstore or .git)`,
    );
  }
  return rel;
}

/**
 * The one check for every path that comes from a key (or names a file nbstore writes over):
 * `rel` under `root`, as safeLocalPath allows it, through no symbolic link to a folder (which
 * would put the file elsewhere: git refuses these too), and not itself a link (which a write
 * would silently replace with a file). Folders that do not exist yet are fine: nbstore makes
 * them. Returns the absolute path.
 */
export async function localFile(root: string, rel: string, key: string): Promise<string> {
  const parts = safeLocalPath(rel, key).split('/');
  let at = root;
  for (const [i, part] of parts.entries()) {
    at = join(at, part);
    let info: Awaited<ReturnType<typeof lstat>>;
    try {
      info = await lstat(at);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') break;
      throw err;
    }
    if (!info.isSymbolicLink()) continue;
    const shown = quotePath(parts.slice(0, i + 1).join('/'));
    throw new NbstoreError(
      'unsafe-key',
      i < parts.length - 1
        ? `${quotePath(rel)}: refusing a path through ${shown}, a symbolic link (nbstore writes only where the path says, as git does)`
        : `${quotePath(rel)}: is a symbolic link; nbstore does not replace a link with a file (work on the file it points to)`,
    );
  }
  return join(root, ...parts);
}
