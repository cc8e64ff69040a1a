import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import { NbstoreError, errnoCode } from './errors.js';

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Writes a file atomically: a temporary file beside the target, fsync'd, then renamed over it,
 * so a reader (or a crash) only ever sees the old or the new content.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(tmp, 'wx', mode);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw writeError(path, err);
  }
}

function writeError(path: string, err: unknown): NbstoreError {
  const code = errnoCode(err);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new NbstoreError('write-failed', `cannot write ${path}: permission denied`, { cause: err });
  }
  if (code === 'ENOSPC') return new NbstoreError('write-failed', `cannot write ${path}: no space left on device`, { cause: err });
  if (code === 'ENOENT') return new NbstoreError('write-failed', `cannot write ${path}: its directory does not exist`, { cause: err });
  if (code === 'EISDIR') return new NbstoreError('write-failed', `cannot write ${path}: it is a directory`, { cause: err });
  if (code === 'ENOTDIR') return new NbstoreError('write-failed', `cannot write ${path}: part of its directory path is a file`, { cause: err });
  return new NbstoreError('write-failed', `cannot write ${path}: ${code ?? String(err)}`, { cause: err });
}

/** Reads a file, turning the usual failures into one-line user errors. */
export async function readUserFile(path: string, shownAs = path): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') throw new NbstoreError('file-missing', `${shownAs}: no such file`, { cause: err });
    if (code === 'EISDIR') throw new NbstoreError('not-a-file', `${shownAs}: is a directory, not a notebook`, { cause: err });
    if (code === 'EACCES') throw new NbstoreError('file-missing', `${shownAs}: permission denied`, { cause: err });
    throw err;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as T;
}

/**
 * Holds a lock on `target` while `fn` runs. The lock directory lives in `lockDir` (under
 * `.nbstore/`), never beside the target, so Jupyter's file browser never shows it. A lock held by
 * another process is waited for; one left by a killed process goes stale after 10 s and is taken
 * over (proper-lockfile's rules).
 */
export async function withLock<T>(lockDir: string, target: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(lockDir, { recursive: true });
  const lockfilePath = join(lockDir, `${sha256(target).slice(0, 24)}.lock`);
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      lockfilePath,
      realpath: false,
      stale: 10_000,
      retries: { retries: 2000, factor: 1.3, minTimeout: 5, maxTimeout: 100 },
      // Another process takes the lock over only when this one could not refresh it for 10 s
      // (its event loop was blocked that long). The work under a lock is made of atomic steps
      // (a store put, a rename), so finishing it loses nothing; proper-lockfile's default would
      // throw from a timer and end the process with a stack trace.
      onCompromised: () => undefined,
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

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
