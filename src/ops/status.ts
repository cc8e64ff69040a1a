import { join } from 'node:path';
import { type Fork, findForks } from '../history/ancestry.js';
import { classifyNotebook, type NotebookFacts, type NotebookState } from '../history/local-state.js';
import { shortIds } from '../history/revision.js';
import { describeHistory, headLatest, holdsContent, listHistory } from '../history/versions.js';
import { mapLimit } from '../lib/concurrency.js';
import { isNbstoreError, type NbstoreError } from '../lib/errors.js';
import { readIfExists, sha256 } from '../lib/fs.js';
import { canonicalOf, parseNotebook } from '../notebook/notebook.js';
import { type RemainingConflict, remainingConflicts } from '../notebook/notebook-merge.js';
import type { Store } from '../store/store.js';
import type { Settings } from '../workspace/config.js';
import { workspaceNotebooks } from '../workspace/notebook-files.js';
import { SET_ASIDE_DIR, setAsideEntries, spoolEntries } from '../workspace/spool.js';
import type { Workspace } from '../workspace/workspace.js';

/** bookstore's default endpoint, which nbstore means by an empty `s3_endpoint_url`. */
const AWS_ENDPOINT = 'https://s3.amazonaws.com';

/** What bookstore's `validate_bookstore` reports. */
export interface BookstoreValidation {
  bookstore_valid: boolean;
  archive_valid: boolean;
  publish_valid: boolean;
}

/**
 * bookstore's validation: bucket and endpoint set, and for archiving and publishing their
 * prefixes too. On the embedded store the local store stands in for bucket and endpoint, so the
 * answers say whether archiving and publishing work here (bookstore itself cannot read it).
 */
export function bookstoreValidation(settings: Settings): BookstoreValidation {
  const general = settings.store === 'embedded' || (settings.s3_bucket !== '' && (settings.s3_endpoint_url || AWS_ENDPOINT) !== '');
  return {
    bookstore_valid: general,
    archive_valid: general && settings.workspace_prefix !== '',
    publish_valid: general && settings.published_prefix !== '',
  };
}

/** Each answer is null when it does not apply (no credentials for the embedded store) or could
 * not be found out (the endpoint did not answer). */
export interface StoreChecks {
  credentialsAccepted: boolean | null;
  bucketReachable: boolean | null;
  versioningEnabled: boolean | null;
  /** What went wrong, in one line. */
  problem?: string;
}

export function storeUsable(checks: StoreChecks): boolean {
  return checks.bucketReachable === true && checks.versioningEnabled === true && checks.credentialsAccepted !== false;
}

/** Asks the store what `nbstore init` asks it, and says which part failed. */
export async function checkStore(workspace: Workspace, store: Store): Promise<StoreChecks> {
  if (workspace.settings.store === 'embedded') {
    await store.check();
    return { credentialsAccepted: null, bucketReachable: true, versioningEnabled: true };
  }
  try {
    await store.check();
    return { credentialsAccepted: true, bucketReachable: true, versioningEnabled: true };
  } catch (err) {
    if (!isNbstoreError(err)) throw err;
    return { ...(await failedCheck(workspace, store, err)), problem: err.message };
  }
}

async function failedCheck(workspace: Workspace, store: Store, err: NbstoreError): Promise<StoreChecks> {
  switch (err.code) {
    case 'bad-credentials':
      return { credentialsAccepted: false, bucketReachable: null, versioningEnabled: null };
    case 'endpoint-unreachable':
    case 'timeout':
      return { credentialsAccepted: null, bucketReachable: false, versioningEnabled: null };
    case 'bucket-missing':
      return { credentialsAccepted: true, bucketReachable: false, versioningEnabled: null };
    case 'versioning-off':
      return { credentialsAccepted: true, bucketReachable: true, versioningEnabled: false };
    case 'access-denied':
      // A HEAD of the bucket has no body to say why it was refused; a listing does.
      return {
        credentialsAccepted: !(await listingSays(store, workspace.settings.workspace_prefix, 'bad-credentials')),
        bucketReachable: false,
        versioningEnabled: null,
      };
    default:
      return { credentialsAccepted: null, bucketReachable: null, versioningEnabled: null };
  }
}

async function listingSays(store: Store, prefix: string, code: NbstoreError['code']): Promise<boolean> {
  try {
    for await (const _ of store.versions(prefix)) break;
    return false;
  } catch (err) {
    return isNbstoreError(err, code);
  }
}

export interface NotebookStatus {
  path: string;
  key: string;
  state: NotebookState;
  /** The version the local file came from. */
  base?: string;
  /** The latest version in the store; absent when there is none, null when the store could not be asked. */
  latest?: string | null;
  spooled: number;
  /** Cells still marked as conflicts by a merge not yet pushed. */
  conflicts?: RemainingConflict[];
  /** Versions outside the history of the latest (with `forks`: true), each named by the short id `log` shows. */
  forks?: Array<Fork & { shortId: string }>;
}

export interface WorkspaceStatus {
  notebooks: NotebookStatus[];
  /** Saves waiting in the spool, of all notebooks. */
  spooled: number;
  /** Saves the store refused, kept aside in the spool. */
  setAside: Array<{ path: string; savedAt: string; reason: string; file: string }>;
}

export interface StatusOptions {
  /** Only these workspace paths (default: every notebook nbstore knows of, and untracked files). */
  paths?: readonly string[];
  /** Look for forks in each notebook's history (a listing and the metadata of each version). */
  forks?: boolean;
  /** Look through the workspace for untracked notebooks too (default true; not with `paths`). */
  untracked?: boolean;
}

/**
 * Every notebook nbstore knows of in the workspace (tracked, or with saves in the spool), and
 * the untracked ones found in it, with its state; without a store, from the local side only.
 * One HEAD per known notebook, `threads` at once.
 */
export async function workspaceStatus(
  workspace: Workspace,
  store: Store | undefined,
  options: StatusOptions = {},
): Promise<WorkspaceStatus> {
  const { notebooks: trackedNotebooks } = await workspace.readState();
  const spool = await spoolEntries(workspace.spoolDir);
  const known = new Set([...Object.keys(trackedNotebooks), ...spool.map((e) => e.path)]);
  const found = options.paths || options.untracked === false ? [] : (await workspaceNotebooks(workspace)).filter((rel) => !known.has(rel));
  const paths = options.paths ? [...options.paths].sort() : [...known].sort();
  const notebooks = await mapLimit([...paths, ...found], workspace.settings.max_threads, async (rel): Promise<NotebookStatus> => {
    const key = workspace.keyFor(rel);
    const tracked = trackedNotebooks[rel];
    const spooled = spool.filter((e) => e.path === rel).length;
    const bytes = await readIfExists(workspace.absolutePath(rel)).catch(() => undefined);
    // A file found in the workspace that nbstore knows nothing of: untracked; neither parsed nor asked of the store.
    if (bytes && !options.paths && !known.has(rel)) {
      return {
        path: rel,
        key,
        state: classifyNotebook({ key, local: { sha256: sha256(bytes) }, latest: null, spooled, found: true }),
        spooled,
      };
    }
    let local: NotebookFacts['local'];
    if (bytes) {
      const digest = sha256(bytes);
      const canonical = digest === tracked?.sha256 ? tracked.canonical : canonicalOf(bytes, rel);
      local = canonical === undefined ? { sha256: digest } : { sha256: digest, canonical };
    }
    let latest: string | undefined | null = null;
    let matchesLatest: boolean | undefined;
    if (store) {
      const head = await headLatest(store, key);
      latest = head?.versionId;
      if (head && local?.canonical && (tracked?.key !== key || tracked.base !== head.versionId))
        matchesLatest = await holdsContent(store, head, local.canonical);
    }
    const state = classifyNotebook({ key, tracked, local, latest, matchesLatest, spooled });
    const status: NotebookStatus = {
      path: rel,
      key,
      state,
      ...(tracked ? { base: tracked.base } : {}),
      ...(latest !== undefined ? { latest } : {}),
      spooled,
    };
    // Only a merge leaves conflict markers, and the state keeps its second parent until the merge is pushed.
    if (bytes && tracked?.mergeParent && local?.canonical !== undefined) {
      const conflicts = remainingConflicts(parseNotebook(bytes, rel));
      if (conflicts.length > 0) status.conflicts = conflicts;
    }
    if (options.forks && store && latest) {
      const history = await describeHistory(store, await listHistory(store, key), workspace.settings.max_threads);
      const short = shortIds(history);
      const forks = findForks(history).map((fork) => ({ ...fork, shortId: short.get(fork.versionId) ?? fork.versionId }));
      if (forks.length > 0) status.forks = forks;
    }
    return status;
  });
  const setAside = (await setAsideEntries(workspace.spoolDir)).map(({ id, path, savedAt, reason }) => ({
    path,
    savedAt,
    reason,
    file: join(workspace.spoolDir, SET_ASIDE_DIR, `${id}.ipynb`),
  }));
  return { notebooks, spooled: spool.length, setAside };
}
