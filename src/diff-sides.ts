import { NbstoreError } from './errors.js';
import type { Store, VersionInfo } from './store/store.js';
import { readNotebookBytes } from './uploader.js';
import { findVersions, readVerified } from './versions.js';
import type { Workspace } from './workspace.js';

/** One side of a diff: a stored version, or the local file. */
export interface DiffSide {
  /** What headers call it: `path@versionId`, or `path (local file)`. */
  label: string;
  /** What errors about its content call it. */
  source: string;
  bytes: Uint8Array;
  /** Absent for the local file. */
  versionId?: string;
}

/**
 * The two sides of `nbstore diff PATH [OLD [NEW]]`: OLD is the named version, or else the
 * version the local file was last pushed as or checked out from; NEW is the named version, or
 * else the local file. Versions are read checked against their recorded SHA-256.
 */
export async function readDiffSides(workspace: Workspace, store: Store, rel: string, revs: readonly string[], now: Date): Promise<[DiffSide, DiffSide]> {
  const named = revs.length > 0 ? revs.slice(0, 2) : [await baseVersion(workspace, rel)];
  const [versions, local] = await Promise.all([
    findVersions(store, workspace.keyFor(rel), named, rel, now),
    named.length < 2 ? readNotebookBytes(workspace.absolutePath(rel), rel) : undefined,
  ]);
  const read = await Promise.all(versions.map((version) => versionSide(store, rel, version)));
  return [...read, ...(local ? [localSideOf(rel, local)] : [])] as [DiffSide, DiffSide];
}

/** The local file of workspace path `rel` as a side of a diff. */
export async function localSide(workspace: Workspace, rel: string): Promise<DiffSide> {
  return localSideOf(rel, await readNotebookBytes(workspace.absolutePath(rel), rel));
}

function localSideOf(rel: string, bytes: Uint8Array): DiffSide {
  return { label: `${rel} (local file)`, source: rel, bytes };
}

async function baseVersion(workspace: Workspace, rel: string): Promise<string> {
  const base = (await workspace.tracked(rel))?.base;
  if (base === undefined) {
    throw new NbstoreError('not-tracked', `${rel}: no version to compare with (it was never pushed or checked out here); name one, e.g. nbstore diff ${rel} latest`);
  }
  return base;
}

/** A stored version of the notebook at `rel` as a side of a diff, read checked against its SHA-256. */
export async function versionSide(store: Store, rel: string, version: VersionInfo): Promise<DiffSide> {
  const { body } = await readVerified(store, version.key, version.versionId);
  const label = `${rel}@${version.versionId}`;
  return { label, source: label, bytes: body, versionId: version.versionId };
}
