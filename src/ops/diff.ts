import { findVersionsAlsoAt, readVerified } from '../history/versions.js';
import { NbstoreError } from '../lib/errors.js';
import type { Store, VersionInfo } from '../store/store.js';
import { readNotebookBytes } from '../workspace/notebook-files.js';
import type { Workspace } from '../workspace/workspace.js';
import { publishedKeyFor } from './publish.js';

/** One side of a diff: a stored version, or the local file, and what was read of it. */
export interface DiffSide<T> {
  /** What headers call it: `path@versionId`, or `path (local file)`. */
  label: string;
  content: T;
  /** Absent for the local file. */
  versionId?: string;
}

/** Makes a side's content of its bytes; `source` names it in errors. */
export type ReadSide<T> = (bytes: Uint8Array, source: string) => T | Promise<T>;

/**
 * The two sides of `nbstore diff PATH [OLD [NEW]]`: OLD is the named version, or else the
 * version the local file was last pushed as or checked out from; NEW is the named version, or
 * else the local file. Versions are read checked against their recorded SHA-256. The sides are
 * read one after the other, each made into its content before the next: of two large versions,
 * only one's bytes are ever in memory.
 */
export async function readDiffSides<T>(
  workspace: Workspace,
  store: Store,
  rel: string,
  revs: readonly string[],
  now: Date,
  read: ReadSide<T>,
): Promise<[DiffSide<T>, DiffSide<T>]> {
  const named = revs.length > 0 ? revs.slice(0, 2) : [await baseVersion(workspace, rel)];
  const versions = await findVersionsAlsoAt(store, workspace.keyFor(rel), publishedKeyFor(workspace, rel), named, rel, now);
  const sides: Array<DiffSide<T>> = [];
  for (const version of versions) sides.push(await versionSide(store, rel, version, read));
  if (sides.length < 2) sides.push(await localSide(workspace, rel, read));
  return sides as [DiffSide<T>, DiffSide<T>];
}

/** The local file of workspace path `rel` as a side of a diff. */
export async function localSide<T>(workspace: Workspace, rel: string, read: ReadSide<T>): Promise<DiffSide<T>> {
  return { label: `${rel} (local file)`, content: await read(await readNotebookBytes(workspace.absolutePath(rel), rel), rel) };
}

async function baseVersion(workspace: Workspace, rel: string): Promise<string> {
  const base = (await workspace.tracked(rel))?.base;
  if (base === undefined) {
    throw new NbstoreError(
      'not-tracked',
      `${rel}: no version to compare with (it was never pushed or checked out here); name one, e.g. nbstore diff ${rel} latest`,
    );
  }
  return base;
}

/** A stored version of the notebook at `rel` as a side of a diff, read checked against its SHA-256. */
export async function versionSide<T>(store: Store, rel: string, version: VersionInfo, read: ReadSide<T>): Promise<DiffSide<T>> {
  const label = `${rel}@${version.versionId}`;
  return {
    label,
    content: await read((await readVerified(store, version.key, version.versionId)).body, label),
    versionId: version.versionId,
  };
}
