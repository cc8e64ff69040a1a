import { shortIds } from '../history/revision.js';
import { findVersion, listHistory, readVerified } from '../history/versions.js';
import { NbstoreError } from '../lib/errors.js';
import { examineNotebook } from '../notebook/notebook.js';
import { META } from '../store/metadata.js';
import type { Store } from '../store/store.js';
import type { Workspace } from '../workspace/workspace.js';
import { checkoutVersion } from './checkout.js';

export interface RevertOptions {
  message?: string;
  force?: boolean;
  now?: Date;
}

export interface RevertResult {
  path: string;
  /** The version whose content became the latest again. */
  revertedTo: string;
  /** The new latest version. */
  versionId: string;
  /** Its parent: the version that was the latest (absent when the notebook was deleted and had none). */
  parent?: string;
  message: string;
  written: boolean;
}

/**
 * Makes an earlier version's content the latest again, as a new version made by a server-side
 * copy: history is never rewritten. The local file is updated as `checkout` updates it, with
 * the same refusal of edits that are not pushed, checked before anything is copied. Brings back
 * a deleted notebook too.
 */
export async function revertNotebook(
  workspace: Workspace,
  store: Store,
  rel: string,
  revision: string,
  options: RevertOptions = {},
): Promise<RevertResult> {
  const key = workspace.keyFor(rel);
  const history = await listHistory(store, key);
  const target = await findVersion(store, key, revision, rel, options.now);
  const short = shortIds(history).get(target.versionId) ?? target.versionId;
  const parent = history.find((v) => !v.isDeleteMarker)?.versionId;
  if (target.versionId === parent && !history[0]?.isDeleteMarker)
    throw new NbstoreError('usage', `${rel}: ${short} is the latest version already; nothing to revert`);
  const message = options.message ?? `revert to ${short}`;
  let copied = '';
  const result = await checkoutVersion(workspace, store, rel, target, {
    force: options.force,
    beforeWrite: async () => {
      const { metadata } = await store.head(key, target.versionId);
      let sha256 = metadata[META.sha256];
      let canonical = metadata[META.canonical];
      if (!sha256 || !canonical) {
        // Written by another tool: hash it, so that the new version carries what nbstore records.
        const examined = examineNotebook((await readVerified(store, key, target.versionId)).body, `${rel}@${target.versionId}`);
        sha256 = examined.sha256;
        canonical = examined.canonical;
      }
      const copy = await store.copy({ key, versionId: target.versionId }, key, {
        [META.author]: workspace.author(),
        [META.message]: message,
        [META.sha256]: sha256,
        [META.canonical]: canonical,
        ...(parent ? { [META.parent]: parent } : {}),
      });
      copied = copy.versionId;
      return copied;
    },
  });
  return { path: rel, revertedTo: target.versionId, versionId: copied, ...(parent ? { parent } : {}), message, written: result.written };
}
