import { lstat, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TrackedNotebook } from '../history/local-state.js';
import { classifyNotebook } from '../history/local-state.js';
import { headLatest, readVerified } from '../history/versions.js';
import { NbstoreError } from '../lib/errors.js';
import { readIfExists, sha256, sha256IfExists, writeFileAtomic } from '../lib/fs.js';
import { plural } from '../lib/plural.js';
import { quotePath } from '../lib/text.js';
import { canonicalOf, checkNotebook, examineNotebook } from '../notebook/notebook.js';
import type { Store, VersionInfo } from '../store/store.js';
import { localFile } from '../workspace/paths.js';
import { spoolEntries } from '../workspace/spool.js';
import type { Workspace } from '../workspace/workspace.js';

export interface CheckoutOptions {
  force?: boolean;
  /**
   * Runs once the local file is known safe to overwrite, before it is written; returns the
   * version the file is then tracked as (revert: the new version copied from the one checked out).
   */
  beforeWrite?: () => Promise<string>;
}

export interface CheckoutResult {
  path: string;
  versionId: string;
  /** False when the file already held exactly that version. */
  written: boolean;
  /**
   * The notebook is deleted in the store (`rm`): the file is restored untracked, so that
   * `push` stores it again as the latest version (`revert` does both at once).
   */
  deleted: boolean;
}

/**
 * Writes a version over the workspace's file for it and makes it the file's base. Refuses to
 * overwrite content that is not in the store (edits since the base, saves still in the spool,
 * an untracked file that differs) unless forced.
 */
export async function checkoutVersion(
  workspace: Workspace,
  store: Store,
  rel: string,
  version: VersionInfo,
  options: CheckoutOptions = {},
): Promise<CheckoutResult> {
  // Before anything is read: `rel` may come from a key another client wrote.
  const abs = await localFile(workspace.root, rel, version.key);
  return workspace.withNotebookLock(rel, async () => {
    const { body, sha256: verified } = await readVerified(store, version.key, version.versionId);
    const { sha256: digest, canonical } = examineNotebook(body, `${rel}@${version.versionId}`, { sha256: verified });
    // The local file is hashed as it is read, not held: of a large notebook, the version's
    // bytes are in memory already.
    const localDigest = await sha256IfExists(abs);
    const tracked = await workspace.tracked(rel);
    if (!options.force) {
      const waiting = (await spoolEntries(workspace.spoolDir, rel)).length;
      if (waiting > 0) {
        throw new NbstoreError(
          'local-changes',
          `${rel}: ${plural(waiting, 'save')} not yet pushed; run nbstore push first, or checkout --force`,
        );
      }
      if (localDigest !== undefined) await refuseUnsaved(rel, abs, localDigest, tracked, canonical);
    }
    const versionId = options.beforeWrite ? await options.beforeWrite() : version.versionId;
    // A listing knows which version is the latest; a version asked for by id does not.
    const deleted = !options.beforeWrite && !version.isLatest && (await headLatest(store, version.key)) === undefined;
    const written = localDigest !== digest;
    if (written) {
      await mkdir(dirname(abs), { recursive: true }).catch(() => undefined);
      await writeFileAtomic(abs, body, await keptMode(abs));
    }
    if (deleted) await workspace.untrack(rel);
    else await workspace.track(rel, { key: version.key, base: versionId, sha256: digest, canonical });
    return { path: rel, versionId, written, deleted };
  });
}

/** Writes a version to a file outside tracking (`checkout -o FILE`); never over another file. */
export async function writeVersionTo(
  store: Store,
  version: VersionInfo,
  abs: string,
  shownAs: string,
  options: CheckoutOptions = {},
): Promise<void> {
  const { body, sha256: verified } = await readVerified(store, version.key, version.versionId);
  checkNotebook(body, `${version.key}@${version.versionId}`);
  if ((await lstat(abs).catch(() => undefined))?.isSymbolicLink()) {
    throw new NbstoreError(
      'unsafe-key',
      `${quotePath(shownAs)}: is a symbolic link; nbstore does not replace a link with a file (name the file it points to)`,
    );
  }
  const localDigest = await sha256IfExists(abs);
  if (localDigest !== undefined && !options.force && localDigest !== (verified ?? sha256(body))) {
    throw new NbstoreError('local-changes', `${quotePath(shownAs)}: already exists; use --force to overwrite it`);
  }
  await writeFileAtomic(abs, body, await keptMode(abs));
}

/** A file written over keeps its permissions (0600 stays private, 0444 read-only); a new one gets the default. */
async function keptMode(abs: string): Promise<{ mode?: number }> {
  const info = await stat(abs).catch(() => undefined);
  return info ? { mode: info.mode & 0o7777 } : {};
}

/** Refuses unless the local file holds its tracked base's content, or the version's (`target`). */
async function refuseUnsaved(
  rel: string,
  abs: string,
  localDigest: string,
  tracked: TrackedNotebook | undefined,
  target: string,
): Promise<void> {
  // The hash alone settles it for a file untouched since its base, without reading it again.
  if (tracked && classifyNotebook({ key: tracked.key, tracked, local: { sha256: localDigest }, latest: null, spooled: 0 }) === 'unmodified')
    return;
  const local = await readIfExists(abs);
  const canonical = local && canonicalOf(local, rel);
  const key = tracked?.key ?? rel;
  const state = classifyNotebook({ key, tracked, local: { sha256: localDigest, canonical }, latest: null, spooled: 0 });
  if (state === 'unmodified' || (canonical !== undefined && canonical === target)) return;
  throw new NbstoreError(
    'local-changes',
    tracked
      ? `${rel}: has local changes that are not pushed; push them first, or checkout --force to discard them`
      : `${rel}: exists and is not from the store; push it first, or checkout --force to overwrite it`,
  );
}
