import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { parseRevision, resolveRevision, type SaveTimes, saveTime } from '../history/revision.js';
import { listHistory, readVerified, saveTimesOf } from '../history/versions.js';
import { mapLimit } from '../lib/concurrency.js';
import { isNbstoreError, NbstoreError } from '../lib/errors.js';
import { createFileAtomic, readIfExists, sha256 } from '../lib/fs.js';
import { formatTime } from '../lib/time.js';
import { checkNotebook, type ExaminedNotebook, examineNotebook } from '../notebook/notebook.js';
import { joinKey, keysUnder } from '../store/keys.js';
import { collect, type Store, type VersionInfo } from '../store/store.js';
import { localFile, safeLocalPath } from '../workspace/paths.js';
import type { Workspace } from '../workspace/workspace.js';

/**
 * Cloning: writing a stored notebook to a new local file, as bookstore's clone does, never over
 * an existing file (`name.ipynb` taken: `name-1.ipynb`, `name-2.ipynb`, …). A clone that lands
 * inside the workspace is recorded as tracked, with the cloned version as its base, so `status`,
 * `diff` and `push` work on it at once.
 */

/** Where clones come from: the workspace's store, or another bucket on the same S3. */
export interface Origin {
  store: Store;
  /** Clones from the workspace's own store are tracked; the state names no other bucket. */
  trackable: boolean;
  /** Put before a key to name it in messages: '' for the workspace's store, else `s3://bucket/`. */
  label: string;
}

export interface CloneResult {
  /** The key, named as the user would name it (`s3://bucket/key` for another bucket). */
  source: string;
  key: string;
  versionId: string;
  /** The file written. */
  file: string;
  /** The file asked for, when it existed and a numbered name was used instead. */
  taken?: string;
  /** The workspace-relative path the clone is tracked as, when it landed in the workspace. */
  tracked?: string;
  /** The file was there already with the version's bytes, and was kept. */
  alreadyThere?: true;
}

export async function openOrigin(workspace: Workspace, bucket?: string): Promise<Origin> {
  const own = bucket === undefined || (workspace.settings.store === 's3' && bucket === workspace.settings.s3_bucket);
  return own
    ? { store: await workspace.openStore(), trackable: true, label: '' }
    : {
        store: await workspace.openBucket(bucket),
        trackable: false,
        label: `s3://${bucket}/`,
      };
}

/**
 * Splits `key@REV` into the key and the revision. The revision follows the last '@' of the last
 * path segment, unless what follows ends in `.ipynb` (then the '@' belongs to the name). Both
 * `key@{2d}` and `key@@{2d}` name the revision `@{2d}`; `key@@~1` names `@~1`.
 */
export function splitRevision(text: string): { key: string; revision?: string } {
  const at = text.lastIndexOf('@');
  if (at <= text.lastIndexOf('/') || text.slice(at + 1).endsWith('.ipynb')) return { key: text };
  const after = text.slice(at + 1);
  if (after === '') throw new NbstoreError('usage', `${text}: name a revision after '@', or leave the '@' out for the latest`);
  const key = text.slice(0, at);
  if (key.endsWith('@')) return { key: key.slice(0, -1), revision: `@${after}` };
  return { key, revision: after.startsWith('{') ? `@${after}` : after };
}

/**
 * A key given to clone. A source whose first segment is the first segment of the workspace or
 * published prefix (`workspace/…`, `published/…` by default) names a key as given, so a
 * teammate's `workspace/u1/exp.ipynb` is that key from a workspace under `workspace/u2`;
 * anything else is a path in this workspace.
 */
export function resolveSourceKey(workspace: Workspace, text: string): string {
  const key = joinKey(text);
  const underRoot = (prefix: string) => {
    const root = prefix.split('/')[0] as string;
    return root === '' || key === root || key.startsWith(`${root}/`);
  };
  return underRoot(workspace.settings.published_prefix) || underRoot(workspace.settings.workspace_prefix) ? key : workspace.keyFor(key);
}

/** The version of `key` that `revision` names (the latest without one). */
export async function sourceVersion(store: Store, key: string, revision: string | undefined, now = new Date()): Promise<VersionInfo> {
  const history = await listHistory(store, key);
  if (history.length === 0) throw new NbstoreError('not-found', `${key}: not in ${store.location}`);
  if (revision === undefined && history[0]?.isDeleteMarker) {
    throw new NbstoreError(
      'not-found',
      `${key}: deleted in ${store.location} (its latest version is a delete marker); add @REV to clone an earlier version`,
    );
  }
  const rev = parseRevision(revision ?? 'latest', now);
  return resolveRevision(rev, history, key, rev.kind === 'at' ? await saveTimesOf(store, history, rev.time) : undefined);
}

/**
 * The file one clone asks for: TARGET, or the key's name in TARGET (a folder) or the cwd. Only
 * the name lands, but a key that `safeLocalPath` refuses anywhere in its path is refused whole,
 * as checkout and `clone --prefix` refuse it, before anything is read or written.
 */
export async function cloneTarget(cwd: string, key: string, target?: string): Promise<string> {
  const name = posix.basename(safeLocalPath(key, key));
  if (target === undefined) return join(cwd, name);
  const abs = resolve(cwd, target);
  const isFolder = target.endsWith('/') || (await stat(abs).catch(() => undefined))?.isDirectory() === true;
  return isFolder ? join(abs, name) : abs;
}

/** `name.ipynb`, then `name-1.ipynb`, `name-2.ipynb`, …; for other names the number goes before
 * the first '.' (`data-1.tar.gz`), as Jupyter numbers copies. */
export function numberedName(file: string, n: number): string {
  if (n === 0) return file;
  const name = basename(file);
  const dot = name.endsWith('.ipynb') ? name.length - '.ipynb'.length : name.indexOf('.', 1);
  const [stem, suffix] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  return join(dirname(file), `${stem}-${n}${suffix}`);
}

/**
 * For each key in a listing (keys ascending, newest first, delete markers included), the version
 * that was current at `at` (or now): keys deleted or not yet written then are left out, as
 * s3-pit-restore leaves them out.
 */
export function versionsAt(listing: readonly VersionInfo[], at?: Date, saveTimes: SaveTimes = new Map()): VersionInfo[] {
  const out: VersionInfo[] = [];
  let decided: string | undefined;
  for (const version of listing) {
    if (version.key === decided || (at && saveTime(version, saveTimes).getTime() > at.getTime())) continue;
    decided = version.key;
    if (!version.isDeleteMarker) out.push(version);
  }
  return out;
}

/** A version to clone: a key and its version id, or its latest version. */
export interface VersionRef {
  key: string;
  versionId?: string;
}

/**
 * Writes one version to `target`, or to the first free numbered name; never over a file. With
 * `keepIdentical`, a `target` that already holds the version's bytes (an interrupted clone run
 * again) is kept and reported as already there.
 */
export async function cloneVersion(
  workspace: Workspace,
  origin: Origin,
  version: VersionRef,
  target: string,
  options: { keepIdentical?: boolean } = {},
): Promise<CloneResult> {
  const { body, info, sha256: verified } = await readVerified(origin.store, version.key, version.versionId);
  const source = `${version.key}@${info.versionId}`;
  // A clone nbstore tracks needs the hashes it tracks by; any other, only to be a notebook.
  const tracking = origin.trackable && workspacePath(workspace, target) !== undefined;
  let hashes: ExaminedNotebook | undefined;
  if (tracking) hashes = examineNotebook(body, source, { sha256: verified });
  else checkNotebook(body, source);
  await mkdir(dirname(target), { recursive: true }).catch(() => undefined);
  const base = { source: origin.label + version.key, key: version.key, versionId: info.versionId };
  if (options.keepIdentical) {
    const existing = await readIfExists(target);
    if (existing !== undefined && sha256(existing) === (verified ?? sha256(body))) {
      const rel = hashes && workspacePath(workspace, target);
      if (hashes && rel !== undefined) {
        const { sha256: digest, canonical } = hashes;
        await workspace.withNotebookLock(rel, () =>
          workspace.track(rel, { key: version.key, base: info.versionId, sha256: digest, canonical }),
        );
      }
      return { ...base, file: target, alreadyThere: true, ...(rel ? { tracked: rel } : {}) };
    }
  }
  for (let n = 0; ; n++) {
    const file = numberedName(target, n);
    const rel = hashes && workspacePath(workspace, file);
    if (!hashes || rel === undefined) {
      if (await createFileAtomic(file, body)) return { ...base, file, ...(n > 0 ? { taken: target } : {}) };
      continue;
    }
    const created = await workspace.withNotebookLock(rel, async () => {
      if (!(await createFileAtomic(file, body))) return false;
      await workspace.track(rel, { key: version.key, base: info.versionId, sha256: hashes.sha256, canonical: hashes.canonical });
      return true;
    });
    if (created) return { ...base, file, tracked: rel, ...(n > 0 ? { taken: target } : {}) };
  }
}

/** The workspace-relative path of a file, or undefined when it is outside the workspace. */
export function workspacePath(workspace: Workspace, abs: string): string | undefined {
  try {
    return workspace.relativePath(workspace.root, abs);
  } catch (err) {
    if (isNbstoreError(err, 'outside-workspace')) return undefined;
    throw err;
  }
}

export interface PrefixCloneOptions {
  /** Clone each notebook as it was at this time. */
  at?: Date;
  /** Called after each notebook, cloned or failed (for output and progress). */
  onCloned?: (result: CloneResult) => void;
  onFailed?: (err: NbstoreError) => void;
  /** Called once the notebooks to clone are known. */
  onPlanned?: (count: number) => void;
}

/**
 * Clones every notebook under `prefix` into `dir`, keeping the paths below the prefix, up to
 * `max_threads` at once. A key that would land outside `dir`, or pass through a symbolic link in
 * it, is refused and reported, and the rest are written; a notebook that fails does not stop the
 * others either. The failures are returned.
 */
export async function clonePrefix(
  workspace: Workspace,
  origin: Origin,
  prefix: string,
  dir: string,
  options: PrefixCloneOptions = {},
): Promise<{ cloned: CloneResult[]; failures: NbstoreError[] }> {
  const listPrefix = keysUnder(prefix);
  // As of now, the current objects are the latest versions: a listing of keys, not of every
  // version of every key, and each read returns the id of the version it read.
  const at = options.at;
  const listing: VersionRef[] = at
    ? await collect(origin.store.versions(listPrefix)).then(async (all) =>
        versionsAt(all, at, await saveTimesOf(origin.store, all, at, workspace.settings.max_threads)),
      )
    : await collect(origin.store.objects(listPrefix));
  const versions = listing.filter((v) => v.key.endsWith('.ipynb'));
  if (versions.length === 0) {
    throw new NbstoreError(
      'not-found',
      `no notebooks under ${listPrefix || '(the whole store)'} in ${origin.store.location}${options.at ? ` as of ${formatTime(options.at)}` : ''}`,
    );
  }
  const cloned: CloneResult[] = [];
  const failures: NbstoreError[] = [];
  // A key that would land outside `dir` (or through a link) is refused alone: the rest are written.
  const plan: Array<{ version: VersionRef; target: string }> = [];
  const refused: NbstoreError[] = [];
  for (const version of versions) {
    try {
      // The path below the prefix, its leading slashes stripped as bookstore strips them: a
      // prefix of `trail/kylek/` keeps its notebooks at `trail/kylek//<path>`.
      plan.push({ version, target: await localFile(dir, version.key.slice(listPrefix.length).replace(/^\/+/, ''), version.key) });
    } catch (err) {
      if (!isNbstoreError(err, 'unsafe-key')) throw err;
      refused.push(err);
    }
  }
  options.onPlanned?.(plan.length + refused.length);
  for (const err of refused) {
    failures.push(err);
    options.onFailed?.(err);
  }
  await mapLimit(plan, workspace.settings.max_threads, async ({ version, target }) => {
    try {
      const result = await cloneVersion(workspace, origin, version, target, { keepIdentical: true });
      cloned.push(result);
      options.onCloned?.(result);
    } catch (err) {
      if (!isNbstoreError(err)) throw err;
      failures.push(err);
      options.onFailed?.(err);
    }
  });
  return { cloned, failures };
}
