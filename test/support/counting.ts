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
