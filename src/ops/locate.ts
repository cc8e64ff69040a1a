import { findVersion, findVersionAnywhere } from '../history/versions.js';
import { NbstoreError } from '../lib/errors.js';
import type { Store, VersionInfo } from '../store/store.js';
import type { Workspace } from '../workspace/workspace.js';

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
}

/** The version `REV [PATH]` names; with no path, a version id finds its own notebook. */
export async function locateVersion(context: LocateContext, rev: string, path: string | undefined): Promise<Located> {
  const workspace = await context.workspace();
  const store = await workspace.openStore();
  if (path !== undefined) {
    const rel = await workspace.notebookPath(context.io.cwd, path);
    const version = await findVersion(store, workspace.keyFor(rel), rev, rel, context.now());
    return { workspace, store, rel, version };
  }
  const version = await findVersionAnywhere(store, workspace.settings.workspace_prefix, rev, context.now());
  const rel = workspace.pathOfKey(version.key);
  if (rel === undefined) throw new NbstoreError('unknown-revision', `${rev}: not a version of a notebook in this workspace`);
  return { workspace, store, rel, version };
}
