import { classifyNotebook, type NotebookFacts, type NotebookState } from '../history/local-state.js';
import { headLatest, holdsContent } from '../history/versions.js';
import { mapLimit } from '../lib/concurrency.js';
import { isNbstoreError, type NbstoreError } from '../lib/errors.js';
import { readIfExists, sha256 } from '../lib/fs.js';
import { canonicalOf } from '../notebook/notebook.js';
import type { Store } from '../store/store.js';
import type { Settings } from '../workspace/config.js';
import { spoolEntries } from '../workspace/spool.js';
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
}

export interface WorkspaceStatus {
  notebooks: NotebookStatus[];
  /** Saves waiting in the spool, of all notebooks. */
  spooled: number;
}

/**
 * Every notebook nbstore knows of in the workspace (tracked, or with saves in the spool), with
 * its state; without a store, from the local side only. One HEAD per notebook, `threads` at once.
 */
export async function workspaceStatus(workspace: Workspace, store: Store | undefined): Promise<WorkspaceStatus> {
  const { notebooks: trackedNotebooks } = await workspace.readState();
  const spool = await spoolEntries(workspace.spoolDir);
  const paths = [...new Set([...Object.keys(trackedNotebooks), ...spool.map((e) => e.path)])].sort();
  const notebooks = await mapLimit(paths, workspace.settings.max_threads, async (rel) => {
    const key = workspace.keyFor(rel);
    const tracked = trackedNotebooks[rel];
    const bytes = await readIfExists(workspace.absolutePath(rel)).catch(() => undefined);
    const spooled = spool.filter((e) => e.path === rel).length;
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
    return { path: rel, key, state, ...(tracked ? { base: tracked.base } : {}), ...(latest !== undefined ? { latest } : {}), spooled };
  });
  return { notebooks, spooled: spool.length };
}
