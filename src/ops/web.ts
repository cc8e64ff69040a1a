/**
 * What the web view (`nbstore serve`, `diff --html`, and the pages under Jupyter's /nbstore/)
 * shows and does, over the workspace's store. Listing, checking out, cloning and publishing are
 * the browser's source (src/ops/browse.ts), so the pages refuse what the CLI and `browse` refuse;
 * diffs are `nbstore diff`'s diff, of notebooks read whole so that images can be shown.
 */
import { readVerified } from '../history/versions.js';
import { NbstoreError } from '../lib/errors.js';
import { noColours } from '../lib/paint.js';
import { type Notebook, parseNotebook } from '../notebook/notebook.js';
import { diffNotebooks, type NotebookDiff } from '../notebook/notebook-diff.js';
import type { Store } from '../store/store.js';
import type { Workspace } from '../workspace/workspace.js';
import { WorkspaceBrowseSource } from './browse.js';
import type { NotebookItem, Scope, VersionItem } from './browse-model.js';
import { type DiffSide, localSide, versionSide } from './diff.js';

export type { NotebookItem, Scope, VersionItem };

/** A version of the list with what the page marks besides `browse`'s marks. */
export interface WebVersion extends VersionItem {
  /** Pushed from an older version than the one before it: the id of the version it came from. */
  forkOf?: string;
}

export interface RenderedVersion {
  notebook: NotebookItem;
  version: VersionItem;
  content: Notebook;
}

export interface WebDiff {
  notebook: NotebookItem;
  old: DiffSide<Notebook>;
  new: DiffSide<Notebook>;
  diff: NotebookDiff;
}

/** The word a page uses for "the local file" where a version id would go. */
export const LOCAL = 'local';

export class WebSource {
  private readonly browse: WorkspaceBrowseSource;

  constructor(
    readonly workspace: Workspace,
    private readonly store: Store,
    /** The directory clones land in, as for `nbstore clone KEY`. */
    cwd: string,
  ) {
    this.browse = new WorkspaceBrowseSource(workspace, store, { paint: noColours, cwd });
  }

  describe(scope: Scope): string {
    return this.browse.describe(scope);
  }

  async notebooks(scope: Scope, filter = ''): Promise<NotebookItem[]> {
    const all = await this.browse.notebooks(scope);
    return filter === '' ? all : all.filter((notebook) => notebook.path.includes(filter));
  }

  async notebook(scope: Scope, path: string): Promise<NotebookItem> {
    const found = (await this.browse.notebooks(scope)).find((notebook) => notebook.path === path);
    if (found) return found;
    // A notebook whose latest version is a delete marker is not listed but has a history.
    const base = scope === 'workspace' ? this.workspace.settings.workspace_prefix : this.workspace.settings.published_prefix;
    const key = base === '' ? path : `${base}/${path}`;
    const item = { path, key, lastModified: new Date(0), size: 0 };
    if ((await this.browse.versions(scope, item)).length === 0)
      throw new NbstoreError('not-found', `${path}: no such notebook in ${scope}`);
    return item;
  }

  async versions(scope: Scope, notebook: NotebookItem): Promise<WebVersion[]> {
    const versions = await this.browse.versions(scope, notebook);
    return versions.map((version, i) => {
      const { parent } = version;
      const older = versions.slice(i + 1).find((v) => !v.isDeleteMarker);
      return parent !== undefined && older !== undefined && parent !== older.versionId ? { ...version, forkOf: parent } : version;
    });
  }

  async version(scope: Scope, path: string, versionId: string): Promise<RenderedVersion> {
    const notebook = await this.notebook(scope, path);
    const version = await this.findVersion(scope, notebook, versionId);
    const { body } = await readVerified(this.store, version.key, version.versionId);
    return { notebook, version, content: parseNotebook(body, `${version.key}@${version.versionId}`) };
  }

  /** The diff of version `oldId` to version `newId`, or to the local file when `newId` is LOCAL. */
  async diff(scope: Scope, path: string, oldId: string, newId: string): Promise<WebDiff> {
    const notebook = await this.notebook(scope, path);
    const older = await versionSide(this.store, path, await this.findVersion(scope, notebook, oldId), parseNotebook);
    const newer =
      newId === LOCAL
        ? await localSide(this.workspace, path, parseNotebook)
        : await versionSide(this.store, path, await this.findVersion(scope, notebook, newId), parseNotebook);
    return { notebook, old: older, new: newer, diff: await diffNotebooks(older.content, newer.content) };
  }

  async checkout(scope: Scope, path: string, versionId: string, force: boolean): Promise<string> {
    const notebook = await this.notebook(scope, path);
    return this.browse.checkout(scope, notebook, await this.findVersion(scope, notebook, versionId), force);
  }

  async planClone(scope: Scope, path: string) {
    return this.browse.planClone(scope, await this.notebook(scope, path));
  }

  async clone(scope: Scope, path: string, versionId: string): Promise<string> {
    const notebook = await this.notebook(scope, path);
    return this.browse.clone(scope, notebook, await this.findVersion(scope, notebook, versionId), false);
  }

  async publish(scope: Scope, path: string, versionId: string): Promise<string> {
    const notebook = await this.notebook(scope, path);
    return this.browse.publish(scope, notebook, await this.findVersion(scope, notebook, versionId));
  }

  private async findVersion(scope: Scope, notebook: NotebookItem, versionId: string): Promise<VersionItem> {
    const version = (await this.browse.versions(scope, notebook)).find((v) => v.versionId === versionId);
    if (!version) throw new NbstoreError('not-found', `${notebook.path}: no version ${versionId}`);
    if (version.isDeleteMarker) throw new NbstoreError('not-found', `${notebook.path}@${versionId}: a delete marker, not a notebook`);
    return version;
  }
}
