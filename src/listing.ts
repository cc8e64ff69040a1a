import { isNbstoreError } from './errors.js';
import { mapLimit } from './files.js';
import { type Store, collect } from './store/store.js';
import { fromMetadata } from './versions.js';

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

/**
 * The notebooks whose keys start with `<base>/<prefix>`, with their latest version: one listing
 * (paged by the store) and one HEAD per notebook, up to `threads` at once.
 */
export async function listNotebooks(store: Store, base: string, prefix: string, threads: number): Promise<ListedNotebook[]> {
  const basePrefix = base === '' ? '' : `${base}/`;
  const objects = (await collect(store.objects(basePrefix + prefix))).filter((o) => o.key.endsWith('.ipynb'));
  const listed = await mapLimit(objects, threads, async (object): Promise<ListedNotebook | undefined> => {
    try {
      const head = await store.head(object.key);
      const { author } = fromMetadata(head.metadata);
      return { path: object.key.slice(basePrefix.length), key: object.key, versionId: head.versionId, lastModified: head.lastModified, size: head.size, ...(author ? { author } : {}) };
    } catch (err) {
      // Deleted between the listing and the HEAD: no longer a current notebook.
      if (isNbstoreError(err, 'not-found')) return undefined;
      throw err;
    }
  });
  return listed.filter((n): n is ListedNotebook => n !== undefined);
}
