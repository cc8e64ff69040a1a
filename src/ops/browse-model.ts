/**
 * What `nbstore browse` shows, and the source it asks for it. The source (src/browse.ts) talks
 * to the store and the workspace; the components under ui/ only call it.
 */

import type { HistoryEntry } from '../history/versions.js';
import type { NotebookObject } from './ls.js';

/** Which prefix the notebook list shows: the workspace's drafts or their published copies. */
export type Scope = 'workspace' | 'published';

/** A notebook of the list; its path is its key below the scope's prefix. */
export type NotebookItem = NotebookObject;

/** A version of the list: an entry of the notebook's history, as `log` has it, and its marks. */
export interface VersionItem
  extends Pick<
    HistoryEntry,
    'key' | 'versionId' | 'shortId' | 'lastModified' | 'size' | 'isLatest' | 'isDeleteMarker' | 'author' | 'parent'
  > {
  /** The message it was pushed with, or what it is when it has none (as `log` says it). */
  message: string;
  /** The version the current published copy was made from. */
  published: boolean;
  /** The version the local file was last pushed as or checked out from. */
  base: boolean;
  /** Of a published copy: the (short id of the) workspace version it was copied from. */
  from?: string;
}

/** Where `c` would write a version: `target`, or when that exists and is kept, `alternative` (`name-1.ipynb`). */
export interface ClonePlan {
  target: string;
  exists: boolean;
  alternative: string;
  /** What overwriting `target` would lose, when it holds something the store does not. */
  loses?: string;
}

/** What the browser asks for; each call either resolves or throws an error with a one-line message. */
export interface BrowseSource {
  /** Where the notebooks of a scope are, for the header: `workspace/ on the embedded store`. */
  describe(scope: Scope): string;
  /** The start of the paths shown (`browse reports/`), when only some are. */
  readonly prefix?: string;
  notebooks(scope: Scope): Promise<NotebookItem[]>;
  versions(scope: Scope, notebook: NotebookItem): Promise<VersionItem[]>;
  /** The version rendered as cells, one screen line per entry. */
  preview(version: VersionItem): Promise<string[]>;
  /** The rendered diff of `newer` against `older`, two versions of the notebook. */
  diff(scope: Scope, notebook: NotebookItem, older: VersionItem, newer: VersionItem): Promise<string[]>;
  /** The rendered diff of the local file against `version`. */
  diffLocal(scope: Scope, notebook: NotebookItem, version: VersionItem): Promise<string[]>;
  planClone(scope: Scope, notebook: NotebookItem): Promise<ClonePlan>;
  /**
   * Writes the version to the plan's target: over it with `overwrite`, else to the first free
   * numbered name when it exists. Resolves to a line for the status bar.
   */
  clone(scope: Scope, notebook: NotebookItem, version: VersionItem, overwrite: boolean): Promise<string>;
  /** Restores the version over the tracked local file; throws `local-changes` unless forced. */
  checkout(scope: Scope, notebook: NotebookItem, version: VersionItem, force: boolean): Promise<string>;
  publish(scope: Scope, notebook: NotebookItem, version: VersionItem): Promise<string>;
}

/** What the browser hands back when it closes: `y` asks for the version id to be printed. */
export interface BrowseResult {
  printVersionId?: string;
}
