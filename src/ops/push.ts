import { classifyNotebook, holdsBase } from '../history/local-state.js';
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
  /** Push over a version someone else pushed since the local file's base (`push --force`). */
  force?: boolean;
}

export interface PushResult {
  path: string;
  /** `behind`: nothing to push, but the local file's base is not the latest. */
  status: 'pushed' | 'up-to-date' | 'behind';
  /** The version pushed, or the one the file already is. */
  versionId: string;
  parent?: string;
  /** With `behind`: the latest version. */
  latest?: string;
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
/** A delivered save that was pushed over someone else's version: the history forks there. */
export interface Fork {
  path: string;
  /** The version the save went over. */
  over: string;
  versionId: string;
}

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
      delivered = (await deliverSpooled(workspace, store, rel)).delivered;
      const result = await upload(workspace, store, rel, notebook, { message: options.message }, { force: options.force === true });
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

/** Delivers every spooled save of every notebook (`nbstore push --flush`, the hook's flusher). */
export async function flushSpool(workspace: Workspace, store: Store): Promise<{ delivered: number; paths: string[]; forks: Fork[] }> {
  const paths = [...new Set((await spoolEntries(workspace.spoolDir)).map((e) => e.path))];
  const results = await mapLimit(paths, workspace.settings.max_threads, (rel) =>
    workspace.withNotebookLock(rel, async () => {
      try {
        return await deliverSpooled(workspace, store, rel);
      } catch (err) {
        if (!isOffline(err)) throw err;
        throw offlineError(err as NbstoreError, rel, (await spoolEntries(workspace.spoolDir, rel)).length);
      }
    }),
  );
  return { delivered: results.reduce((a, b) => a + b.delivered, 0), paths, forks: results.flatMap((r) => r.forks) };
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

/**
 * Delivers a notebook's spooled saves in save order. Never refused: a save is never held back,
 * even one that goes over a version someone else pushed (that fork is returned, and recorded so
 * that the notebook shows as diverged).
 */
async function deliverSpooled(workspace: Workspace, store: Store, rel: string): Promise<{ delivered: number; forks: Fork[] }> {
  let delivered = 0;
  const forks: Fork[] = [];
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
          const result = await upload(workspace, store, rel, notebook, entry, { delivery: true });
          if (result.status === 'pushed') delivered++;
          if (result.forkedOver) forks.push({ path: rel, over: result.forkedOver, versionId: result.versionId });
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
  return { delivered, forks };
}

async function upload(
  workspace: Workspace,
  store: Store,
  rel: string,
  { bytes, sha256: digest, canonical }: ExaminedNotebook,
  save: Partial<Pick<SpoolEntry, 'savedAt' | 'message' | 'author'>>,
  how: { force?: boolean; delivery?: boolean },
): Promise<Omit<PushResult, 'delivered'> & { forkedOver?: string }> {
  const key = workspace.keyFor(rel);
  const tracked = await workspace.tracked(rel);
  const own = tracked?.key === key ? tracked : undefined;
  const local = { sha256: digest, canonical };
  const latest = await headLatest(store, key);
  // Whether the latest holds this content is asked only when the state alone cannot say.
  const matchesLatest = latest && own?.base !== latest.versionId ? await holdsContent(store, latest, canonical) : undefined;
  const state = classifyNotebook({ key, tracked, local, latest: latest?.versionId, matchesLatest, spooled: 0 });
  const track = (base: string, forkedFrom?: string, mergeParent?: string) =>
    workspace.track(rel, {
      key,
      base,
      sha256: digest,
      canonical,
      ...(forkedFrom ? { forkedFrom } : {}),
      ...(mergeParent ? { mergeParent } : {}),
    });

  if (latest && state === 'unmodified') {
    if (own?.base !== latest.versionId || own.sha256 !== digest) await track(latest.versionId);
    return { path: rel, status: 'up-to-date', versionId: latest.versionId };
  }
  if (own && state === 'behind') return { path: rel, status: 'behind', versionId: own.base, latest: latest?.versionId as string };
  let forkedFrom: string | undefined;
  if (own && latest && state === 'diverged') {
    forkedFrom = own.forkedFrom ?? latest.versionId;
    if (!how.force && !how.delivery) throw divergedError(rel, own.base, forkedFrom, own.forkedFrom !== undefined);
    if (holdsBase(own, local) && own.base === latest.versionId) {
      // The file is the version the hook forked with: --force accepts the fork, a delivery keeps it.
      if (how.force) await track(own.base);
      return { path: rel, status: 'up-to-date', versionId: own.base };
    }
  }
  const parent = own?.base ?? latest?.versionId;
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
  // A forced push settles the fork; a delivery over someone else's version records it.
  await track(version.versionId, how.delivery ? forkedFrom : undefined, mergeWaits ? mergeParent : undefined);
  const forkedOver = how.delivery && forkedFrom !== undefined && own?.forkedFrom === undefined ? forkedFrom : undefined;
  return {
    path: rel,
    status: 'pushed',
    versionId: version.versionId,
    ...(parent ? { parent } : {}),
    ...(forkedOver ? { forkedOver } : {}),
  };
}

/** The line the hook's log gets for a fork. */
export function describeFork(fork: Fork): string {
  return `${fork.path}: delivered a save as version ${fork.versionId} over version ${fork.over}, which was pushed since its base; the history forks there and status shows it diverged (nbstore diff ${fork.path} ${fork.over} shows the other version)`;
}

function divergedError(rel: string, base: string, other: string, forked: boolean): NbstoreError {
  const what = forked
    ? `the Jupyter hook saved it as ${base} over version ${other}, which someone else pushed`
    : `version ${other} was pushed since ${base}, which your edits build on`;
  return new NbstoreError(
    'diverged',
    `${rel}: not pushed: ${what} (nbstore diff ${rel} ${other} shows how it differs from yours; nbstore push --force ${rel} ${forked ? 'keeps yours as the latest' : 'pushes yours over it'})`,
  );
}
