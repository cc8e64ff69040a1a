import { shortIds } from '../history/revision.js';
import { type IndexEntry, indexEntriesUnder } from '../store/commit-index.js';
import type { Store } from '../store/store.js';
import type { Workspace } from '../workspace/workspace.js';

/** What `log --since` and `--author` keep. */
export interface LogFilter {
  since?: Date;
  /** Kept when the author contains this, in any case. */
  author?: string;
}

export function matchesFilter(version: { lastModified: Date; author?: string }, filter: LogFilter): boolean {
  if (filter.since && version.lastModified.getTime() < filter.since.getTime()) return false;
  if (filter.author !== undefined && !(version.author ?? '').toLowerCase().includes(filter.author.toLowerCase())) return false;
  return true;
}

/** One version in the workspace-wide log. */
export interface WorkspaceLogEntry extends IndexEntry {
  /** The notebook's path in the workspace. */
  path: string;
  shortId: string;
}

/**
 * The newest versions across the workspace, from the commit index alone: one listing page per
 * 1,000 versions under the workspace prefix, and no request per version. Versions with no entry
 * (written by another tool) are not in it until `nbstore fsck` writes theirs; a message cut to
 * fit its entry is shown cut.
 */
export async function workspaceLog(workspace: Workspace, store: Store, filter: LogFilter, limit: number): Promise<WorkspaceLogEntry[]> {
  const prefix = workspace.settings.workspace_prefix;
  const published = workspace.settings.published_prefix;
  const base = prefix === '' ? '' : `${prefix}/`;
  // With an empty workspace prefix the published copies are under it too: they are not the workspace's.
  const isPublished = (key: string) => published !== '' && published !== prefix && key.startsWith(`${published}/`);
  const kept: IndexEntry[] = [];
  for await (const entry of indexEntriesUnder(store, base)) {
    if (!isPublished(entry.key) && matchesFilter(entry, filter)) kept.push(entry);
  }
  const newest = kept.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime()).slice(0, limit);
  const short = shortIds(newest);
  return newest.map((entry) => ({ ...entry, path: entry.key.slice(base.length), shortId: short.get(entry.versionId) ?? entry.versionId }));
}
