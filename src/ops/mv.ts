import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { headLatest, readVerified } from '../history/versions.js';
import { NbstoreError } from '../lib/errors.js';
import { exists } from '../lib/fs.js';
import { examineNotebook } from '../notebook/notebook.js';
import { META } from '../store/metadata.js';
import type { Store } from '../store/store.js';
import { spoolEntries } from '../workspace/spool.js';
import type { Workspace } from '../workspace/workspace.js';

export interface MoveResult {
  from: string;
  to: string;
  /** The version moved (the latest at the old key) and its copy, the first version at the new key. */
  movedVersion: string;
  versionId: string;
  /** The delete marker left at the old key. */
  markerId: string;
  fileMoved: boolean;
}

/**
 * Moves a notebook: its latest version is copied (server-side) to the new key, with metadata
 * naming the key and version it came from, so `log --follow` goes on into the old history; the
 * old key gets a delete marker; the local file is renamed, keeping any edits, and tracked at the
 * new path. Refuses when the local file is behind the latest (pull or merge first), when saves
 * wait in the spool, and when the new path is taken locally or in the store.
 */
export async function moveNotebook(workspace: Workspace, store: Store, from: string, to: string): Promise<MoveResult> {
  if (from === to) throw new NbstoreError('usage', `${from}: moving a notebook to where it is`);
  return workspace.withNotebookLock(from, () =>
    workspace.withNotebookLock(to, async () => {
      const fromKey = workspace.keyFor(from);
      const toKey = workspace.keyFor(to);
      const latest = await headLatest(store, fromKey);
      if (!latest) throw new NbstoreError('not-found', `${from}: not in the store (push it first, or rename the file yourself)`);
      if (await headLatest(store, toKey)) throw new NbstoreError('usage', `${to}: a notebook by that name is in the store already`);
      const fromAbs = workspace.absolutePath(from);
      const toAbs = workspace.absolutePath(to);
      if (await exists(toAbs)) throw new NbstoreError('usage', `${to}: exists already`);
      const waiting = (await spoolEntries(workspace.spoolDir, from)).length;
      if (waiting > 0)
        throw new NbstoreError('local-changes', `${from}: ${waiting} save${waiting === 1 ? '' : 's'} waiting in the spool; push first`);
      const tracked = await workspace.tracked(from);
      if (tracked?.key === fromKey && tracked.base !== latest.versionId) {
        throw new NbstoreError('local-changes', `${from}: a newer version was pushed since the local copy; pull or merge it first`);
      }
      let { [META.sha256]: sha256, [META.canonical]: canonical } = latest.metadata;
      if (!sha256 || !canonical) {
        ({ sha256, canonical } = examineNotebook(
          (await readVerified(store, fromKey, latest.versionId)).body,
          `${from}@${latest.versionId}`,
        ));
      }
      const copy = await store.copy({ key: fromKey, versionId: latest.versionId }, toKey, {
        [META.author]: workspace.author(),
        [META.message]: `move from ${from}`,
        [META.sha256]: sha256,
        [META.canonical]: canonical,
        [META.movedFromKey]: fromKey,
        [META.movedFromVersion]: latest.versionId,
      });
      const marker = await store.remove(fromKey);
      const fileMoved = await exists(fromAbs);
      if (fileMoved) {
        await mkdir(dirname(toAbs), { recursive: true });
        await rename(fromAbs, toAbs);
      }
      // Edits not yet pushed move with the file and stay edits: the state keeps the base's hashes.
      const base = tracked?.key === fromKey ? tracked : { sha256, canonical };
      await workspace.track(to, { key: toKey, base: copy.versionId, sha256: base.sha256, canonical: base.canonical });
      await workspace.untrack(from);
      return { from, to, movedVersion: latest.versionId, versionId: copy.versionId, markerId: marker.versionId, fileMoved };
    }),
  );
}
