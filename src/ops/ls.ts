import { fromMetadata } from '../history/versions.js';
import { mapLimit } from '../lib/concurrency.js';
import { isNbstoreError } from '../lib/errors.js';
import { keysUnder } from '../store/keys.js';
import { collect, type Store } from '../store/store.js';

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
        const { author } = fromMetadata(head.metadata);
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
