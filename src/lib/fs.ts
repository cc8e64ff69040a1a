import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { type FileHandle, link, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import lockfile from 'proper-lockfile';
import { errnoCode, NbstoreError } from './errors.js';

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface WriteOptions {
  mode?: number;
  /** fsync before the file takes its name (the default); a cache may skip it. */
  durable?: boolean;
}

/**
 * Writes a file atomically: a temporary file beside the target, fsync'd, then renamed over it,
 * so a reader (or a crash) only ever sees the old or the new content.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: WriteOptions = {}): Promise<void> {
  const tmp = await writeTemporary(path, data, options);
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw writeError(path, err);
  }
}

/**
 * Creates a file that must not exist yet, atomically: the bytes go to a temporary file first,
 * which is then hard-linked into place; link(2) fails when the name is taken, so an existing
 * file (or one another process creates meanwhile) is never overwritten. Resolves to false when
 * the name was taken.
 */
export async function createFileAtomic(path: string, data: Uint8Array | string, options: WriteOptions = {}): Promise<boolean> {
  const tmp = await writeTemporary(path, data, options);
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw writeError(path, err);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** The temporary files writeTemporary makes: `.<name>.<12 hex digits>.tmp`. */
const TEMPORARY = /^\..+\.[0-9a-f]{12}\.tmp$/;

/** A temporary file this old was left by a write that was killed: no live write takes as long. */
export const STALE_TEMPORARY_MS = 10 * 60 * 1000;

/** Folders this process has swept of stale temporary files. */
const swept = new Map<string, Promise<void>>();

/**
 * Removes the temporary files that writes killed half-way left in `dir`, once per folder and
 * process, so that they do not pile up beside the user's notebooks.
 */
function sweepTemporaries(dir: string): Promise<void> {
  let sweeping = swept.get(dir);
  if (!sweeping) {
    sweeping = (async () => {
      const cutoff = Date.now() - STALE_TEMPORARY_MS;
      for (const name of (await listDir(dir).catch(() => [])).filter((n) => TEMPORARY.test(n))) {
        const info = await stat(join(dir, name)).catch(() => undefined);
        if (info?.isFile() && info.mtimeMs < cutoff) await unlink(join(dir, name)).catch(() => undefined);
      }
    })();
    swept.set(dir, sweeping);
  }
  return sweeping;
}

/** Writes `data` to a new temporary file beside `path`; returns its name. */
async function writeTemporary(path: string, data: Uint8Array | string, { mode, durable = true }: WriteOptions): Promise<string> {
  await sweepTemporaries(dirname(path));
  // randomUUID draws on a pool of entropy; randomBytes asks the system each time.
  const tmp = join(dirname(path), `.${basename(path)}.${randomUUID().replaceAll('-', '').slice(0, 12)}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'wx', mode ?? 0o644);
    // A mode asked for is the mode the file gets, whatever the umask (a kept 0664 stays 0664).
    if (mode !== undefined) await handle.chmod(mode);
    await handle.writeFile(data);
    if (durable) await handle.sync();
    await handle.close();
    return tmp;
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw writeError(path, err);
  }
}

/** A failed write as a user error. Exported for its unit test: root, which runs CI, is never refused. */
export function writeError(path: string, err: unknown): NbstoreError {
  const code = errnoCode(err);
  if (code === 'EACCES' || code === 'EPERM') {
    return new NbstoreError('permission-denied', `cannot write ${path}: permission denied`, { cause: err });
  }
  if (code === 'EROFS') return new NbstoreError('write-failed', `cannot write ${path}: read-only file system`, { cause: err });
  if (code === 'ENOSPC') return new NbstoreError('write-failed', `cannot write ${path}: no space left on device`, { cause: err });
  if (code === 'ENOENT') {
    // A directory that exists but takes no new files (/proc, some mounts) also says ENOENT.
    const reason = existsSync(dirname(path)) ? 'its directory is not writable' : 'its directory does not exist';
    return new NbstoreError('write-failed', `cannot write ${path}: ${reason}`, { cause: err });
  }
  if (code === 'EISDIR') return new NbstoreError('write-failed', `cannot write ${path}: it is a directory`, { cause: err });
  if (code === 'ENOTDIR')
    return new NbstoreError('write-failed', `cannot write ${path}: part of its directory path is a file`, { cause: err });
  return new NbstoreError('write-failed', `cannot write ${path}: ${code ?? String(err)}`, { cause: err });
}

/** Reads a file, turning the usual failures into one-line user errors. */
export async function readUserFile(path: string, shownAs = path): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw readError(shownAs, err);
  }
}

/** A failed read as a user error; other failures pass through unchanged. */
export function readError(shownAs: string, err: unknown): unknown {
  const code = errnoCode(err);
  if (code === 'ENOENT') return new NbstoreError('file-missing', `${shownAs}: no such file`, { cause: err });
  if (code === 'EISDIR') return new NbstoreError('not-a-file', `${shownAs}: is a directory, not a notebook`, { cause: err });
  if (code === 'EACCES' || code === 'EPERM') return new NbstoreError('permission-denied', `${shownAs}: permission denied`, { cause: err });
  return err;
}

/** A local file's bytes, or undefined when there is no such file. */
export async function readIfExists(abs: string): Promise<Buffer | undefined> {
  try {
    return await readFile(abs);
  } catch (err) {
    return absentFile(abs, err);
  }
}

/** A local file's SHA-256, read a piece at a time, or undefined when there is no such file. */
export async function sha256IfExists(abs: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(abs), hash);
  } catch (err) {
    return absentFile(abs, err);
  }
  return hash.digest('hex');
}

function absentFile(abs: string, err: unknown): undefined {
  const code = errnoCode(err);
  // ENOTDIR: part of the path is a file, so nothing is there (writing it fails, and says why).
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  if (code === 'EISDIR') throw new NbstoreError('not-a-file', `${abs}: is a directory, not a notebook`);
  throw err;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A file's text, or undefined when there is no such file. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** A directory's entries, or none when there is no such directory. */
export async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Holds a lock on `target` while `fn` runs. The lock directory lives in `lockDir` (under
 * `.nbstore/`), never beside the target, so Jupyter's file browser never shows it. A lock held by
 * another process is waited for; one left by a killed process goes stale after 10 s and is taken
 * over (proper-lockfile's rules).
 */
export async function withLock<T>(lockDir: string, target: string, fn: () => Promise<T>): Promise<T> {
  const options = {
    lockfilePath: join(lockDir, `${sha256(target).slice(0, 24)}.lock`),
    realpath: false,
    stale: 10_000,
    // Another process takes the lock over only when this one could not refresh it for 10 s
    // (its event loop was blocked that long). The work under a lock is made of atomic steps
    // (a store put, a rename), so finishing it loses nothing; proper-lockfile's default would
    // throw from a timer and end the process with a stack trace.
    onCompromised: () => undefined,
  };
  let release: () => Promise<void>;
  try {
    // One try first: the lock is almost always free, the lock directory almost always there,
    // and the waiting schedule (2,000 retries, built in full on every call) cost more CPU
    // than the lock itself in a push of many notebooks.
    release = await lockfile.lock(target, { ...options, retries: 0 }).catch(async (err: unknown) => {
      if (errnoCode(err) === 'ENOENT') await mkdir(lockDir, { recursive: true });
      else if (errnoCode(err) !== 'ELOCKED') throw err;
      return lockfile.lock(target, { ...options, retries: { retries: 2000, factor: 1.3, minTimeout: 5, maxTimeout: 100 } });
    });
  } catch (err) {
    throw new NbstoreError('write-failed', `cannot lock ${target}: ${errnoCode(err) ?? String(err)}`, { cause: err });
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

/**
 * Takes the lock at `lockfilePath` (a lock directory, with `withLock`'s rules) unless another
 * process holds it; resolves to its release, or to undefined when the lock is held.
 */
export async function tryLock(lockfilePath: string): Promise<(() => Promise<void>) | undefined> {
  await mkdir(dirname(lockfilePath), { recursive: true });
  try {
    return await lockfile.lock(lockfilePath, { lockfilePath, realpath: false, stale: 10_000, retries: 0 });
  } catch (err) {
    if (errnoCode(err) === 'ELOCKED') return undefined;
    throw new NbstoreError('write-failed', `cannot lock ${lockfilePath}: ${errnoCode(err) ?? String(err)}`, { cause: err });
  }
}
