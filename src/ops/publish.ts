import { classifyNotebook } from '../history/local-state.js';
import { findVersion, headLatest, holdsContent } from '../history/versions.js';
import { NbstoreError } from '../lib/errors.js';
import { readIfExists, sha256 } from '../lib/fs.js';
import { plural } from '../lib/plural.js';
import { canonicalOf } from '../notebook/notebook.js';
import { joinKey } from '../store/keys.js';
import { META } from '../store/metadata.js';
import type { Store, VersionInfo } from '../store/store.js';
import { spoolEntries } from '../workspace/spool.js';
import type { Workspace } from '../workspace/workspace.js';

/**
 * Publishing, as bookstore does it: a notebook at workspace path p is published at
 * `<published_prefix>/p`. nbstore publishes with a server-side copy of one exact version, and
 * records on the published version where it came from (`nbstore-source-key`,
 * `nbstore-source-version`), so `log` can tell which version is published.
 */
export interface PublishOptions {
  /** The version to publish; by default the latest, which the local file must hold. */
  revision?: string;
  message?: string;
  now?: Date;
}

export interface PublishResult {
  path: string;
  sourceKey: string;
  sourceVersion: string;
  publishedKey: string;
  /** The version id of the published copy. */
  versionId: string;
  /** 'already-published': that version was the published one already; nothing was copied. */
  status: 'published' | 'already-published';
}

export function publishedKeyFor(workspace: Workspace, rel: string): string {
  return joinKey(workspace.settings.published_prefix, rel);
}

export async function publishNotebook(
  workspace: Workspace,
  store: Store,
  rel: string,
  options: PublishOptions = {},
): Promise<PublishResult> {
  // Held so that no push of the same notebook runs between the check of the local file and the copy.
  return workspace.withNotebookLock(rel, async () => {
    const sourceKey = workspace.keyFor(rel);
    const source =
      options.revision === undefined
        ? await latestHeldLocally(workspace, store, rel)
        : await findVersion(store, sourceKey, options.revision, rel, options.now);
    const publishedKey = publishedKeyFor(workspace, rel);
    const result = { path: rel, sourceKey, sourceVersion: source.versionId, publishedKey };
    const current = await headLatest(store, publishedKey);
    if (current && current.metadata[META.sourceKey] === sourceKey && current.metadata[META.sourceVersion] === source.versionId) {
      return { ...result, versionId: current.versionId, status: 'already-published' };
    }
    const { metadata } = await store.head(sourceKey, source.versionId);
    const published = await store.copy({ key: sourceKey, versionId: source.versionId }, publishedKey, {
      [META.sourceKey]: sourceKey,
      [META.sourceVersion]: source.versionId,
      [META.author]: workspace.author(),
      ...(options.message ? { [META.message]: options.message } : {}),
      // The bytes are the source version's, so its hashes describe them too.
      ...(metadata[META.sha256] ? { [META.sha256]: metadata[META.sha256] } : {}),
      ...(metadata[META.canonical] ? { [META.canonical]: metadata[META.canonical] } : {}),
    });
    return { ...result, versionId: published.versionId, status: 'published' };
  });
}

/**
 * The latest version of the notebook, provided the local file (if there is one) holds exactly
 * that content and no save waits in the spool: publishing without `--version` publishes what
 * the user sees, or refuses.
 */
async function latestHeldLocally(workspace: Workspace, store: Store, rel: string): Promise<VersionInfo> {
  const key = workspace.keyFor(rel);
  const latest = await findVersion(store, key, 'latest', rel);
  const waiting = (await spoolEntries(workspace.spoolDir, rel)).length;
  if (waiting > 0) {
    throw new NbstoreError(
      'local-changes',
      `${rel}: ${plural(waiting, 'save')} waiting in the spool are not pushed; push first, or name a version with --version`,
    );
  }
  const local = await readIfExists(workspace.absolutePath(rel));
  if (local === undefined) return latest;
  const tracked = await workspace.tracked(rel);
  const facts = { key, tracked, local: { sha256: sha256(local) }, latest: latest.versionId, spooled: 0 };
  if (classifyNotebook(facts) === 'unmodified') return latest;
  const canonical = canonicalOf(local, rel);
  const matchesLatest = canonical !== undefined && (await holdsContent(store, await store.head(key, latest.versionId), canonical));
  const state = classifyNotebook({ ...facts, local: { sha256: facts.local.sha256, canonical }, matchesLatest });
  if (state === 'unmodified' || matchesLatest) return latest;
  if (state === 'behind') {
    throw new NbstoreError(
      'local-changes',
      `${rel}: a newer version was pushed since the local copy; checkout it first, or name a version with --version (latest, or ${tracked?.base})`,
    );
  }
  throw new NbstoreError('local-changes', `${rel}: has changes that are not pushed; push them first, or name a version with --version`);
}

/** The version of the notebook that is published now, if nbstore published it. */
export async function publishedVersionOf(workspace: Workspace, store: Store, rel: string): Promise<string | undefined> {
  const current = await headLatest(store, publishedKeyFor(workspace, rel));
  return current?.metadata[META.sourceKey] === workspace.keyFor(rel) ? current.metadata[META.sourceVersion] : undefined;
}
