import { rm } from 'node:fs/promises';
import { classifyNotebook } from '../history/local-state.js';
import { headLatest, holdsContent } from '../history/versions.js';
import { NbstoreError } from '../lib/errors.js';
import { readIfExists, sha256 } from '../lib/fs.js';
import { canonicalOf } from '../notebook/notebook.js';
import type { Store } from '../store/store.js';
import { spoolEntries } from '../workspace/spool.js';
import type { Workspace } from '../workspace/workspace.js';

export interface RemoveOptions {
  /** Keep the local file (it becomes untracked). */
  cached?: boolean;
  /** Remove the local file even with changes that are not pushed. */
  force?: boolean;
}

export interface RemoveResult {
  path: string;
  key: string;
  /** The delete marker's id. */
  markerId: string;
  /** The version that was the latest, which `checkout` or `revert` bring back. */
  lastVersion: string;
  fileRemoved: boolean;
}

/**
 * Deletes a notebook as S3 deletes on a versioned bucket: a delete marker on top of its history,
 * which is kept. The local file goes too (not with `cached`), and nbstore forgets it. Refuses to
 * remove a file whose content is not in the store unless forced.
 */
export async function removeNotebook(workspace: Workspace, store: Store, rel: string, options: RemoveOptions = {}): Promise<RemoveResult> {
  return workspace.withNotebookLock(rel, async () => {
    const key = workspace.keyFor(rel);
    const latest = await headLatest(store, key);
    if (!latest) throw new NbstoreError('not-found', `${rel}: not in the store (never pushed, or deleted already)`);
    const waiting = (await spoolEntries(workspace.spoolDir, rel)).length;
    if (waiting > 0 && !options.force) {
      throw new NbstoreError(
        'local-changes',
        `${rel}: ${waiting} save${waiting === 1 ? '' : 's'} waiting in the spool; push first, or rm --force`,
      );
    }
    const abs = workspace.absolutePath(rel);
    const bytes = await readIfExists(abs);
    if (bytes && !options.cached && !options.force) {
      const tracked = await workspace.tracked(rel);
      const canonical = canonicalOf(bytes, rel);
      const matchesLatest = tracked?.key !== key && canonical !== undefined && (await holdsContent(store, latest, canonical));
      const state = classifyNotebook({
        key,
        tracked,
        local: { sha256: sha256(bytes), canonical },
        latest: latest.versionId,
        matchesLatest,
        spooled: 0,
      });
      if (state !== 'unmodified' && state !== 'behind') {
        throw new NbstoreError(
          'local-changes',
          `${rel}: has changes that are not pushed; push them first, keep the file with rm --cached, or rm --force`,
        );
      }
    }
    const marker = await store.remove(key);
    if (bytes && !options.cached) await rm(abs, { force: true });
    await workspace.untrack(rel);
    return {
      path: rel,
      key,
      markerId: marker.versionId,
      lastVersion: latest.versionId,
      fileRemoved: bytes !== undefined && !options.cached,
    };
  });
}
