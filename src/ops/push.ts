import { classifyNotebook } from '../history/local-state.js';
import { headLatest, holdsContent } from '../history/versions.js';
import { mapLimit } from '../lib/concurrency.js';
import { isNbstoreError, NbstoreError } from '../lib/errors.js';
import { sha256 } from '../lib/fs.js';
import { plural } from '../lib/plural.js';
import { type ExaminedNotebook, examineNotebook, parseNotebook } from '../notebook/notebook.js';
import { remainingConflicts } from '../notebook/notebook-merge.js';
import { checkMetadataFits, META } from '../store/metadata.js';
import type { Store } from '../store/store.js';
import { readNotebookBytes } from '../workspace/notebook-files.js';
import { addToSpool, readSpooledBody, removeFromSpool, type SpoolEntry, setAside, spoolEntries } from '../workspace/spool.js';
import type { Workspace } from '../workspace/workspace.js';
import { workspaceStatus } from './status.js';

export interface PushOptions {
  message?: string;
  now?: Date;
}

export interface PushResult {
  path: string;
  status: 'pushed' | 'up-to-date';
  versionId: string;
  parent?: string;
  /** Earlier saves from the spool delivered before this one. */
  delivered: number;
}

/** The most room the metadata of a save takes besides its author and message. */
const LONGEST_METADATA: Record<string, string> = {
  [META.sha256]: '0'.repeat(64),
  [META.canonical]: `c2:${'0'.repeat(64)}`,
  [META.parent]: '0'.repeat(64),
  [META.savedAt]: new Date(0).toISOString(),
};

/** Failures that mean "the store is not there right now", after which a save is spooled. */
function isOffline(err: unknown): boolean {
  return isNbstoreError(err) && (err.code === 'endpoint-unreachable' || err.code === 'timeout' || err.code === 's3-error');
}

/**
 * Pushes one notebook: first any saves of it still waiting in the spool, in save order, then the
 * file as it is now, unless its content is unchanged since its base version. When the store
 * cannot be reached the save goes to the spool and the push fails with `spooled`.
 */
export async function pushNotebook(workspace: Workspace, store: Store, rel: string, options: PushOptions = {}): Promise<PushResult> {
  // A message that cannot fit is refused now, not spooled to be refused later.
  if (options.message) checkMetadataFits({ ...LONGEST_METADATA, [META.author]: workspace.author(), [META.message]: options.message }, rel);
  return workspace.withNotebookLock(rel, async () => {
    const notebook = examineNotebook(await readNotebookBytes(workspace.absolutePath(rel), rel), rel);
    let delivered = 0;
    try {
      delivered = await deliverSpooled(workspace, store, rel);
      const result = await upload(workspace, store, rel, notebook, { message: options.message });
      return { ...result, delivered };
    } catch (err) {
      if (!isOffline(err)) throw err;
      await spoolSave(workspace, rel, notebook, (options.now ?? new Date()).toISOString(), options.message);
      throw offlineError(err as NbstoreError, rel, (await spoolEntries(workspace.spoolDir, rel)).length);
    }
  });
}

/** The tracked notebooks (and ones with saves in the spool) whose local content is not in the store: what `push` with no path pushes. */
export async function modifiedNotebooks(workspace: Workspace): Promise<string[]> {
  const { notebooks } = await workspaceStatus(workspace, undefined, { untracked: false });
  return notebooks.filter((n) => n.state === 'modified').map((n) => n.path);
}

/** Delivers every spooled save of every notebook (`nbstore push --flush`). */
export async function flushSpool(workspace: Workspace, store: Store): Promise<{ delivered: number; paths: string[] }> {
  const paths = [...new Set((await spoolEntries(workspace.spoolDir)).map((e) => e.path))];
  const counts = await mapLimit(paths, workspace.settings.max_threads, (rel) =>
    workspace.withNotebookLock(rel, async () => {
      try {
        return await deliverSpooled(workspace, store, rel);
      } catch (err) {
        if (!isOffline(err)) throw err;
        throw offlineError(err as NbstoreError, rel, (await spoolEntries(workspace.spoolDir, rel)).length);
      }
    }),
  );
  return { delivered: counts.reduce((a, b) => a + b, 0), paths };
}

function offlineError(err: NbstoreError, rel: string, waiting: number): NbstoreError {
  return new NbstoreError(
    'spooled',
    `${err.message}; ${rel} is kept locally (${plural(waiting, 'save')} waiting in .nbstore/spool) and the next push sends it`,
    { cause: err },
  );
}

/** Adds a save to the spool unless it repeats the newest save already waiting there. */
async function spoolSave(workspace: Workspace, rel: string, notebook: ExaminedNotebook, savedAt: string, message?: string): Promise<void> {
  const waiting = await spoolEntries(workspace.spoolDir, rel);
  const newest = waiting[waiting.length - 1];
  if (newest) {
    const previous = await readSpooledBody(workspace.spoolDir, newest).catch(() => undefined);
    if (previous && sha256(previous) === notebook.sha256) return;
  }
  await addToSpool(workspace.spoolDir, { path: rel, savedAt, author: workspace.author(), ...(message ? { message } : {}) }, notebook.bytes);
}

async function deliverSpooled(workspace: Workspace, store: Store, rel: string): Promise<number> {
  let delivered = 0;
  for (const entry of await spoolEntries(workspace.spoolDir, rel)) {
    const bytes = await readSpooledBody(workspace.spoolDir, entry).catch(() => undefined);
    if (bytes !== undefined) {
      let notebook: ExaminedNotebook | undefined;
      try {
        notebook = examineNotebook(bytes, rel);
      } catch {
        // Jupyter only saves notebooks; a snapshot that does not parse was torn by a crash.
      }
      if (notebook) {
        try {
          const result = await upload(workspace, store, rel, notebook, entry);
          if (result.status === 'pushed') delivered++;
        } catch (err) {
          // Refused for what it is, it would block every save after it for ever.
          if (!isNbstoreError(err, 'bad-request') && !isNbstoreError(err, 'too-large')) throw err;
          await setAside(workspace.spoolDir, entry, err.message);
          continue;
        }
      }
    }
    await removeFromSpool(workspace.spoolDir, entry);
  }
  return delivered;
}

async function upload(
  workspace: Workspace,
  store: Store,
  rel: string,
  { bytes, sha256: digest, canonical }: ExaminedNotebook,
  save: Partial<Pick<SpoolEntry, 'savedAt' | 'message' | 'author'>>,
): Promise<Omit<PushResult, 'delivered'>> {
  const key = workspace.keyFor(rel);
  const tracked = await workspace.tracked(rel);
  const local = { sha256: digest, canonical };
  // Pushed or checked out from here before: the state alone says whether anything changed.
  let parent = tracked?.key === key ? tracked.base : undefined;
  if (parent !== undefined && classifyNotebook({ key, tracked, local, latest: null, spooled: 0 }) === 'unmodified') {
    return { path: rel, status: 'up-to-date', versionId: parent };
  }
  if (parent === undefined) {
    // Not pushed from here before: the latest version in the store is the parent, and may
    // already hold this content (a clone, or a push from another machine).
    const latest = await headLatest(store, key);
    if (latest) {
      parent = latest.versionId;
      const matchesLatest = await holdsContent(store, latest, canonical);
      if (classifyNotebook({ key, tracked, local, latest: latest.versionId, matchesLatest, spooled: 0 }) === 'unmodified') {
        await workspace.track(rel, { key, base: latest.versionId, sha256: digest, canonical });
        return { path: rel, status: 'up-to-date', versionId: latest.versionId };
      }
    }
  }
  const metadata: Record<string, string> = {
    [META.author]: save.author ?? workspace.author(),
    [META.sha256]: digest,
    [META.canonical]: canonical,
  };
  if (parent) metadata[META.parent] = parent;
  // A merge not yet pushed: the push that carries it records the second parent. A save the hook
  // spooled while its conflicts were still being fixed is delivered (the hook never holds a save
  // back) as an ordinary version, and the merge waits for a save without markers.
  const mergeParent = tracked?.key === key ? tracked.mergeParent : undefined;
  let mergeWaits = false;
  if (mergeParent) {
    const left = remainingConflicts(parseNotebook(bytes, rel)).length;
    if (left > 0 && save.savedAt === undefined) {
      throw new NbstoreError(
        'conflicts',
        `${rel}: ${left} conflict${left === 1 ? '' : 's'} of the merge still marked (<<<<<<< in the source); fix ${left === 1 ? 'it' : 'them'}, then push`,
      );
    }
    mergeWaits = left > 0;
    if (!mergeWaits) {
      metadata[META.mergeParent] = mergeParent;
      // The default message; log names both parents.
      metadata[META.message] = 'merge';
    }
  }
  if (save.message) metadata[META.message] = save.message;
  if (save.savedAt) metadata[META.savedAt] = save.savedAt;
  checkMetadataFits(metadata, rel);
  const version = await store.put(key, bytes, metadata);
  await workspace.track(rel, { key, base: version.versionId, sha256: digest, canonical, ...(mergeWaits ? { mergeParent } : {}) });
  return { path: rel, status: 'pushed', versionId: version.versionId, ...(parent ? { parent } : {}) };
}
