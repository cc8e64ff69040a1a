import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listDir, STALE_TEMPORARY_MS, writeFileAtomic } from '../lib/fs.js';

/**
 * Saves waiting to be sent: a snapshot of the notebook's bytes as saved, taken when the store
 * could not be reached (or by the Jupyter hook, which never waits for the store). Entries are
 * delivered oldest first and removed once they are versions in the store.
 *
 * On disk, in `.nbstore/spool/`: `<id>.ipynb` holds the bytes and `<id>.json` the entry, written
 * last, so an entry without its JSON is incomplete and ignored. `<id>` starts with the save time
 * in nanoseconds, zero-padded to 20 digits, so names sort in save order. The Jupyter hook writes
 * the same layout.
 */
export interface SpoolEntry {
  id: string;
  /** Workspace-relative path of the notebook. */
  path: string;
  savedAt: string;
  message?: string;
  author?: string;
}

let lastNanos = 0n;

const ENTRY_FILE = /^(\d{20})-[0-9a-f]+\.(json|ipynb)$/;

/**
 * An id after every entry's in `names` (the spool's files) and this process's last: strictly
 * increasing, so two saves in one millisecond, or either side of a clock stepped back, keep the
 * order they were made in, and the later is delivered later (and so is the latest).
 */
function entryId(savedAt: Date, names: string[]): string {
  let nanos = BigInt(savedAt.getTime()) * 1_000_000n;
  for (const name of names) {
    const taken = ENTRY_FILE.exec(name)?.[1];
    if (taken !== undefined && BigInt(taken) > lastNanos) lastNanos = BigInt(taken);
  }
  if (nanos <= lastNanos) nanos = lastNanos + 1n;
  lastNanos = nanos;
  return `${nanos.toString().padStart(20, '0')}-${randomBytes(4).toString('hex')}`;
}

/** nbstore's copies of notebooks are the user's alone. */
const PRIVATE = { mode: 0o600 };

export async function addToSpool(dir: string, entry: Omit<SpoolEntry, 'id'>, body: Uint8Array): Promise<SpoolEntry> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const id = entryId(new Date(entry.savedAt), await listDir(dir));
  const full: SpoolEntry = { id, ...entry };
  await writeFileAtomic(join(dir, `${id}.ipynb`), body, PRIVATE);
  try {
    await writeFileAtomic(join(dir, `${id}.json`), JSON.stringify(full), PRIVATE);
  } catch (err) {
    // Without its JSON the body is no entry (a full disk): it must not stay behind.
    await rm(join(dir, `${id}.ipynb`), { force: true }).catch(() => undefined);
    throw err;
  }
  return full;
}

/**
 * Complete entries, oldest first; only those for `path` when given. Bodies left without their
 * JSON (a write that failed, or a crash between the two) are removed once stale: a live save
 * writes its JSON right after.
 */
export async function spoolEntries(dir: string, path?: string): Promise<SpoolEntry[]> {
  const names = await listDir(dir);
  const ids = names
    .filter((n) => /^\d{20}-[0-9a-f]+\.json$/.test(n))
    .map((n) => n.slice(0, -5))
    .sort();
  await sweepOrphanBodies(dir, names, new Set(ids));
  const entries: SpoolEntry[] = [];
  for (const id of ids) {
    try {
      const entry = JSON.parse(await readFile(join(dir, `${id}.json`), 'utf8')) as SpoolEntry;
      if (typeof entry.path !== 'string' || typeof entry.savedAt !== 'string') continue;
      if (path === undefined || entry.path === path) entries.push({ ...entry, id });
    } catch {
      // A torn entry (a crash mid-write) holds no save that was acknowledged; skip it.
    }
  }
  return entries;
}

async function sweepOrphanBodies(dir: string, names: string[], complete: Set<string>): Promise<void> {
  const cutoff = Date.now() - STALE_TEMPORARY_MS;
  for (const name of names) {
    if (!/^\d{20}-[0-9a-f]+\.ipynb$/.test(name) || complete.has(name.slice(0, -6))) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info && info.mtimeMs < cutoff) await rm(join(dir, name), { force: true }).catch(() => undefined);
  }
}

export function readSpooledBody(dir: string, entry: SpoolEntry): Promise<Buffer> {
  return readFile(join(dir, `${entry.id}.ipynb`));
}

/** Where entries the store refused for what they are wait, for someone to look at. */
export const SET_ASIDE_DIR = 'set-aside';

/** A save the store refused (HTTP 4xx, or metadata over S3's limit), with the refusal. */
export interface SetAsideEntry extends SpoolEntry {
  reason: string;
}

/**
 * Moves an entry the store refuses for what it is out of the queue, so the saves after it are
 * delivered; its bytes and the refusal stay in `.nbstore/spool/set-aside/`, shown by `status`.
 */
export async function setAside(dir: string, entry: SpoolEntry, reason: string): Promise<void> {
  const aside = join(dir, SET_ASIDE_DIR);
  await mkdir(aside, { recursive: true, mode: 0o700 });
  await rename(join(dir, `${entry.id}.ipynb`), join(aside, `${entry.id}.ipynb`)).catch(() => undefined);
  await writeFileAtomic(join(aside, `${entry.id}.json`), JSON.stringify({ ...entry, reason }), PRIVATE);
  await rm(join(dir, `${entry.id}.json`), { force: true });
}

/** The entries set aside, oldest first. */
export async function setAsideEntries(dir: string): Promise<SetAsideEntry[]> {
  const aside = join(dir, SET_ASIDE_DIR);
  const names = (await listDir(aside)).filter((n) => /^\d{20}-[0-9a-f]+\.json$/.test(n)).sort();
  const entries: SetAsideEntry[] = [];
  for (const name of names) {
    try {
      const entry = JSON.parse(await readFile(join(aside, name), 'utf8')) as SetAsideEntry;
      if (typeof entry.path === 'string' && typeof entry.reason === 'string') entries.push({ ...entry, id: name.slice(0, -5) });
    } catch {
      // Torn by a crash: its body is still beside it for whoever looks.
    }
  }
  return entries;
}

export async function removeFromSpool(dir: string, entry: SpoolEntry): Promise<void> {
  await rm(join(dir, `${entry.id}.json`), { force: true });
  await rm(join(dir, `${entry.id}.ipynb`), { force: true });
}
