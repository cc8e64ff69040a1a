import type { Store } from '../../src/store/store.js';

/** A real store that counts how many calls of one method were in flight at most, to show that
 * bulk work runs in parallel up to its bound. */
export function countInFlight(inner: Store, method: 'get' | 'head'): { store: Store; most: () => number } {
  let inFlight = 0;
  let most = 0;
  const store: Store = Object.create(inner);
  const call = inner[method].bind(inner) as (key: string, versionId?: string) => Promise<never>;
  store[method] = async (key: string, versionId?: string) => {
    inFlight++;
    most = Math.max(most, inFlight);
    try {
      return await call(key, versionId);
    } finally {
      inFlight--;
    }
  };
  return { store, most: () => most };
}

/**
 * The embedded store's calls counted as the S3 requests they stand for: one per read or write of
 * a version, one per listing page of `pageSize` entries (an empty listing is one page too).
 */
export function countRequests(inner: Store, pageSize: number): { store: Store; requests: () => number; heads: () => number } {
  let requests = 0;
  let heads = 0;
  const paged = <T>(items: AsyncIterable<T>): AsyncIterable<T> =>
    (async function* () {
      let n = 0;
      requests++;
      for await (const item of items) {
        if (n > 0 && n % pageSize === 0) requests++;
        n++;
        yield item;
      }
    })();
  const store: Store = {
    id: inner.id,
    location: inner.location,
    check: (options) => inner.check(options),
    put: (...args) => {
      requests++;
      return inner.put(...args);
    },
    get: (...args) => {
      requests++;
      return inner.get(...args);
    },
    head: (...args) => {
      requests++;
      heads++;
      return inner.head(...args);
    },
    copy: (...args) => {
      requests++;
      return inner.copy(...args);
    },
    remove: (...args) => {
      requests++;
      return inner.remove(...args);
    },
    versions: (prefix) => paged(inner.versions(prefix)),
    objects: (prefix) => paged(inner.objects(prefix)),
  };
  return { store, requests: () => requests, heads: () => heads };
}
