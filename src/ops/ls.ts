import { mapLimit } from '../lib/concurrency.js';
import { isNbstoreError } from '../lib/errors.js';
import { keysUnder } from '../store/keys.js';
import { recordedFields } from '../store/metadata.js';
import { collect, type Store, type VersionInfo } from '../store/store.js';

/** A notebook as `ls` shows it: its latest version. */
export interface ListedNotebook {
  /** The key below the listed base prefix (the workspace path, or the published path). */
  path: string;
  key: string;
  versionId: string;
  lastModified: Date;
  size: number;
  author?: string;
}

/** A current notebook under a base prefix, from the listing alone. */
export interface NotebookObject {
  /** The key below the base prefix. */
  path: string;
  key: string;
  lastModified: Date;
  size: number;
}

/** The notebooks (keys ending in .ipynb, not deleted) whose keys start with `<base>/<prefix>`: one listing. */
export async function notebookObjects(store: Store, base: string, prefix: string): Promise<NotebookObject[]> {
  const basePrefix = keysUnder(base);
  const objects = (await collect(store.objects(basePrefix + prefix))).filter((o) => o.key.endsWith('.ipynb'));
  return objects.map((o) => ({ path: o.key.slice(basePrefix.length), key: o.key, lastModified: o.lastModified, size: o.size }));
}

/**
 * The notebooks whose keys start with `<base>/<prefix>`, with their latest version: one listing
 * (paged by the store) and one HEAD per notebook, up to `threads` at once.
 */
export async function listNotebooks(store: Store, base: string, prefix: string, threads: number): Promise<ListedNotebook[]> {
  const listed = await mapLimit(
    await notebookObjects(store, base, prefix),
    threads,
    async (object): Promise<ListedNotebook | undefined> => {
      try {
        const head = await store.head(object.key);
        const { author } = recordedFields(head.metadata);
        return {
          path: object.path,
          key: object.key,
          versionId: head.versionId,
          lastModified: head.lastModified,
          size: head.size,
          ...(author ? { author } : {}),
        };
      } catch (err) {
        // Deleted between the listing and the HEAD: no longer a current notebook.
        if (isNbstoreError(err, 'not-found')) return undefined;
        throw err;
      }
    },
  );
  return listed.filter((n): n is ListedNotebook => n !== undefined);
}

/** A notebook whose latest version is a delete marker (`rm`, `mv`, or another tool's delete). */
export interface DeletedNotebook {
  path: string;
  key: string;
  deletedAt: Date;
  /** The version before the delete marker, which `checkout` or `revert` bring back. */
  lastVersion?: string;
}

/** The deleted notebooks whose keys start with `<base>/<prefix>`: one listing of versions. */
export async function deletedNotebooks(store: Store, base: string, prefix: string): Promise<DeletedNotebook[]> {
  const basePrefix = base === '' ? '' : `${base}/`;
  const byKey = new Map<string, VersionInfo[]>();
  for await (const version of store.versions(basePrefix + prefix)) {
    if (!version.key.endsWith('.ipynb')) continue;
    const list = byKey.get(version.key) ?? [];
    list.push(version);
    byKey.set(version.key, list);
  }
  const deleted: DeletedNotebook[] = [];
  for (const [key, history] of byKey) {
    const newest = history[0];
    if (!newest?.isDeleteMarker) continue;
    const last = history.find((v) => !v.isDeleteMarker);
    deleted.push({
      path: key.slice(basePrefix.length),
      key,
      deletedAt: newest.lastModified,
      ...(last ? { lastVersion: last.versionId } : {}),
    });
  }
  return deleted;
}
