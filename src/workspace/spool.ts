import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { listDir, writeFileAtomic } from '../lib/fs.js';

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

function entryId(savedAt: Date): string {
  // Strictly increasing within a process, so two saves in one millisecond keep their order.
  let nanos = BigInt(savedAt.getTime()) * 1_000_000n;
  if (nanos <= lastNanos) nanos = lastNanos + 1n;
  lastNanos = nanos;
  return `${nanos.toString().padStart(20, '0')}-${randomBytes(4).toString('hex')}`;
}

export async function addToSpool(dir: string, entry: Omit<SpoolEntry, 'id'>, body: Uint8Array): Promise<SpoolEntry> {
  await mkdir(dir, { recursive: true });
  const id = entryId(new Date(entry.savedAt));
  await writeFileAtomic(join(dir, `${id}.ipynb`), body);
  const full: SpoolEntry = { id, ...entry };
  await writeFileAtomic(join(dir, `${id}.json`), JSON.stringify(full));
  return full;
}

/** Complete entries, oldest first; only those for `path` when given. */
export async function spoolEntries(dir: string, path?: string): Promise<SpoolEntry[]> {
  const ids = (await listDir(dir))
    .filter((n) => /^\d{20}-[0-9a-f]+\.json$/.test(n))
    .map((n) => n.slice(0, -5))
    .sort();
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

export function readSpooledBody(dir: string, entry: SpoolEntry): Promise<Buffer> {
  return readFile(join(dir, `${entry.id}.ipynb`));
}

export async function removeFromSpool(dir: string, entry: SpoolEntry): Promise<void> {
  await rm(join(dir, `${entry.id}.json`), { force: true });
  await rm(join(dir, `${entry.id}.ipynb`), { force: true });
}
