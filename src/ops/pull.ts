import type { NotebookState } from '../history/local-state.js';
import { mapLimit } from '../lib/concurrency.js';
import { isNbstoreError } from '../lib/errors.js';
import type { Store } from '../store/store.js';
import type { Workspace } from '../workspace/workspace.js';
import { checkoutVersion } from './checkout.js';
import { workspaceStatus } from './status.js';

export interface PullResult {
  path: string;
  /** The notebook's state before the pull. */
  state: NotebookState;
  /** `updated`: the local file is now the latest version; `left`: local changes keep it as it is. */
  action: 'updated' | 'up-to-date' | 'left' | 'skipped';
  /** The latest version, where there is one. */
  latest?: string;
  /** Why it was left or skipped, and what to do. */
  reason?: string;
}

/**
 * Brings notebooks that are behind (someone pushed, the local file is unchanged) to the latest
 * version, each written atomically as checkout writes it. A notebook with local changes is left
 * as it is. `rels`: the notebooks named; by default every tracked one. A named notebook with no
 * local file and no record is fetched (a colleague's new notebook).
 */
export async function pullNotebooks(workspace: Workspace, store: Store, rels?: readonly string[]): Promise<PullResult[]> {
  const { notebooks } = await workspaceStatus(workspace, store, rels ? { paths: rels } : {});
  const wanted = notebooks.filter((n) => n.state !== 'untracked');
  return mapLimit(wanted, workspace.settings.max_threads, async (n): Promise<PullResult> => {
    const latest = typeof n.latest === 'string' ? n.latest : undefined;
    const result = { path: n.path, state: n.state, ...(latest ? { latest } : {}) };
    const fetchable = n.state === 'behind' || (n.state === 'missing' && n.base === undefined && latest !== undefined);
    if (!fetchable || !latest) return { ...result, ...leftAlone(n.state, n.path) };
    try {
      await checkoutVersion(workspace, store, n.path, { ...(await store.head(n.key, latest)), isLatest: true });
      return { ...result, action: 'updated' };
    } catch (err) {
      // Edited since the status was taken: checkout refuses, and the edit is kept.
      if (!isNbstoreError(err, 'local-changes')) throw err;
      return { ...result, action: 'left', reason: `changed while pulling; nbstore merge ${n.path} brings in ${latest}` };
    }
  });
}

function leftAlone(state: NotebookState, rel: string): Pick<PullResult, 'action' | 'reason'> {
  switch (state) {
    case 'unmodified':
      return { action: 'up-to-date' };
    case 'diverged':
      return { action: 'left', reason: `local changes and a newer version: nbstore merge ${rel}` };
    case 'modified':
      return { action: 'up-to-date', reason: 'local changes, nothing newer to pull' };
    case 'missing':
      return {
        action: 'skipped',
        reason: `the local file is gone: nbstore checkout latest ${rel} restores it, nbstore rm ${rel} deletes it`,
      };
    default:
      return { action: 'skipped', reason: 'not in the store' };
  }
}
