/**
 * What `nbstore browse` shows, and the source it asks for it. The source (src/browse.ts) talks
 * to the store and the workspace; the components under ui/ only call it.
 */

/** Which prefix the notebook list shows: the workspace's drafts or their published copies. */
export type Scope = 'workspace' | 'published';

export interface NotebookItem {
  key: string;
  /** The key below the scope's prefix, as the list shows it. */
  path: string;
  lastModified: Date;
  size: number;
}

export interface VersionItem {
  key: string;
  versionId: string;
  shortId: string;
  lastModified: Date;
  size: number;
  isLatest: boolean;
  isDeleteMarker: boolean;
  author?: string;
  /** The message it was pushed with, or what it is when it has none (as `log` says it). */
  message: string;
  /** The version the current published copy was made from. */
  published: boolean;
  /** The version the local file was last pushed as or checked out from. */
  base: boolean;
}

/** Where `c` would write a version, and the numbered name it takes when the user keeps the file there. */
export interface ClonePlan {
  target: string;
  exists: boolean;
  alternative: string;
}

/** What the browser asks for; each call either resolves or throws an error with a one-line message. */
export interface BrowseSource {
  /** Where the notebooks of a scope are, for the header: `workspace/ on the embedded store`. */
  describe(scope: Scope): string;
  notebooks(scope: Scope): Promise<NotebookItem[]>;
  versions(scope: Scope, notebook: NotebookItem): Promise<VersionItem[]>;
  /** The version rendered as cells, one screen line per entry. */
  preview(version: VersionItem): Promise<string[]>;
  /** The rendered diff of `newer` against `older`. */
  diff(older: VersionItem, newer: VersionItem): Promise<string[]>;
  /** The rendered diff of the local file against `version`. */
  diffLocal(scope: Scope, notebook: NotebookItem, version: VersionItem): Promise<string[]>;
  planClone(scope: Scope, notebook: NotebookItem, version: VersionItem): Promise<ClonePlan>;
  /** Writes the version to `target`; resolves to a line for the status bar. */
  clone(scope: Scope, notebook: NotebookItem, version: VersionItem, target: string, overwrite: boolean): Promise<string>;
  /** Restores the version over the tracked local file; throws `local-changes` unless forced. */
  checkout(scope: Scope, notebook: NotebookItem, version: VersionItem, force: boolean): Promise<string>;
  publish(scope: Scope, notebook: NotebookItem, version: VersionItem): Promise<string>;
}

/** What the browser hands back when it closes: `y` asks for the version id to be printed. */
export interface BrowseResult {
  printVersionId?: string;
}
