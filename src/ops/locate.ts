import { resolve } from 'node:path';
import { findVersionAnywhere, findVersionsAlsoAt } from '../history/versions.js';
import { isNbstoreError, NbstoreError } from '../lib/errors.js';
import { exists } from '../lib/fs.js';
import { joinKey, keysUnder } from '../store/keys.js';
import type { Store, VersionInfo } from '../store/store.js';
import { safeLocalPath } from '../workspace/paths.js';
import type { Workspace } from '../workspace/workspace.js';
import { publishedKeyFor } from './publish.js';

/** What locating needs of a command's context (the CLI's CommandContext has it). */
export interface LocateContext {
  io: { cwd: string };
  workspace(): Promise<Workspace>;
  now(): Date;
}

export interface Located {
  workspace: Workspace;
  store: Store;
  /** Workspace-relative path of the notebook the version belongs to. */
  rel: string;
  version: VersionInfo;
  /** The version is one of the notebook's published copy (under the published prefix). */
  published: boolean;
}

/**
 * The version `REV [PATH]` names; with no path, a version id finds its own notebook. A version
 * id of the notebook's published copy (`log --published`) is found too, and PATH may name that
 * copy's key (`published/exp.ipynb`) when no such local file exists.
 */
export async function locateVersion(context: LocateContext, rev: string, path: string | undefined): Promise<Located> {
  const workspace = await context.workspace();
  const store = await workspace.openStore();
  const publishedRoot = keysUnder(workspace.settings.published_prefix);
  const now = context.now();
  if (path !== undefined) {
    const asKey = joinKey(path);
    if (publishedRoot !== '' && asKey.startsWith(publishedRoot) && !(await exists(resolve(context.io.cwd, path)))) {
      const rel = asKey.slice(publishedRoot.length);
      const [version] = await findVersionsAlsoAt(store, asKey, workspace.keyFor(rel), [rev], path, now);
      return { workspace, store, rel, version: version as VersionInfo, published: version?.key === asKey };
    }
    const rel = await workspace.notebookPath(context.io.cwd, path);
    const [version] = await findVersionsAlsoAt(store, workspace.keyFor(rel), publishedKeyFor(workspace, rel), [rev], rel, now);
    return { workspace, store, rel, version: version as VersionInfo, published: version?.key !== workspace.keyFor(rel) };
  }
  let version: VersionInfo;
  let published = false;
  try {
    version = await findVersionAnywhere(store, workspace.settings.workspace_prefix, rev, now);
  } catch (err) {
    if (!isNbstoreError(err, 'unknown-revision')) throw err;
    version = await findVersionAnywhere(store, workspace.settings.published_prefix, rev, now).catch((other: unknown) => {
      throw isNbstoreError(other, 'unknown-revision') ? err : other;
    });
    published = true;
  }
  const rel = published ? safeLocalPath(version.key.slice(publishedRoot.length), version.key) : workspace.pathOfKey(version.key);
  if (rel === undefined) throw new NbstoreError('unknown-revision', `${rev}: not a version of a notebook in this workspace`);
  return { workspace, store, rel, version, published };
}
