import { mapLimit } from '../lib/concurrency.js';
import { entryOf, type IndexEntry, type IndexedStore, indexEntriesUnder } from '../store/commit-index.js';
import { collect, type VersionInfo } from '../store/store.js';

/** What `fsck` found under one key prefix. */
export interface FsckReport {
  /** Versions and delete markers checked. */
  checked: number;
  /** Versions with no index entry (written by another tool, or by a push cut short): written unless a dry run. */
  missing: VersionInfo[];
  /** Of those, the ones whose entry was written. */
  written: number;
  /** Of those, the ones no entry can describe: the key is too long for the store to hold an entry's. */
  unindexable: VersionInfo[];
  /** Entries for versions the store no longer has (deleted for good, or by a lifecycle rule): reported only. */
  stale: IndexEntry[];
}

const versionRef = (key: string, versionId: string) => `${key}\0${versionId}`;

/**
 * Checks the commit index under a key prefix against the versions themselves, which are the
 * truth: one listing of each, then a HEAD of every version that lacks an entry (its metadata
 * makes the entry) and, unless `dryRun`, a put of the entry. An entry whose version is gone is
 * reported and kept: removing objects is for the bucket's owner to decide.
 */
export async function checkIndex(store: IndexedStore, prefix: string, options: { dryRun: boolean; threads: number }): Promise<FsckReport> {
  const [versions, entries] = await Promise.all([collect(store.versions(prefix)), collect(indexEntriesUnder(store, prefix))]);
  const indexed = new Set(entries.map((e) => versionRef(e.key, e.versionId)));
  const present = new Set(versions.map((v) => versionRef(v.key, v.versionId)));
  const missing = versions.filter((v) => v.versionId !== 'null' && !indexed.has(versionRef(v.key, v.versionId)));
  const stale = entries.filter((e) => !present.has(versionRef(e.key, e.versionId)));
  const report: FsckReport = { checked: versions.length, missing, written: 0, unindexable: [], stale };
  if (options.dryRun) return report;
  await mapLimit(missing, options.threads, async (version) => {
    const metadata = version.isDeleteMarker ? {} : (await store.head(version.key, version.versionId)).metadata;
    if (await store.writeEntry(entryOf(version, metadata))) report.written++;
    else report.unindexable.push(version);
  });
  return report;
}
