import assert from 'node:assert/strict';
import { appendFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileStore } from '../../src/store/file-store.js';
import type { Store } from '../../src/store/store.js';
import { VersionCache } from '../../src/store/version-cache.js';
import { tempDir } from '../support/cli.js';

/** The version cache over the embedded store (a real store; only the cache is under test). */
async function cacheOverFileStore(maxBytes?: number) {
  const root = await tempDir();
  const inner = new FileStore(join(root, 'store'));
  await inner.check();
  const dir = join(root, 'cache');
  return { inner, dir, cache: new VersionCache(inner, dir, maxBytes) };
}

async function cachedBodyBytes(dir: string): Promise<number> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.body'));
  const sizes = await Promise.all(names.map(async (n) => (await stat(join(dir, n))).size));
  return sizes.reduce((a, b) => a + b, 0);
}

describe('version cache', () => {
  it('keeps the bodies it has read within its bound, dropping the least recently used', async () => {
    const { inner, dir, cache } = await cacheOverFileStore(1000);
    const ids = [];
    for (let i = 0; i < 8; i++) ids.push((await inner.put('k.ipynb', new Uint8Array(300).fill(i), {})).versionId);
    await Promise.all(ids.map((id) => cache.get('k.ipynb', id)));
    const total = await cachedBodyBytes(dir);
    assert.ok(total <= 1000 && total >= 600, `cached ${total} bytes`);
    // What was dropped is read again from the store, whole.
    for (const [i, id] of ids.entries()) assert.equal((await cache.get('k.ipynb', id)).body[0], i);
  });

  it('keeps the latest version, once read, as the version it turned out to be', async () => {
    const { inner, dir, cache } = await cacheOverFileStore();
    const version = await inner.put('k.ipynb', new TextEncoder().encode('latest'), {});
    await cache.get('k.ipynb');
    assert.equal((await readdir(dir)).filter((n) => n.endsWith('.body')).length, 1);
    await inner.remove('k.ipynb');
    assert.equal(new TextDecoder().decode((await cache.get('k.ipynb', version.versionId)).body), 'latest');
  });

  it('does not use a cached body whose length is not the size recorded with it', async () => {
    const { inner, dir, cache } = await cacheOverFileStore();
    const version = await inner.put('k.ipynb', new TextEncoder().encode('whole body'), {});
    await cache.get('k.ipynb', version.versionId);
    const [body] = (await readdir(dir)).filter((n) => n.endsWith('.body'));
    await writeFile(join(dir, body as string), '');
    assert.equal(new TextDecoder().decode((await cache.get('k.ipynb', version.versionId)).body), 'whole body');
  });

  it('keeps the metadata of the versions of a key in one index, which a later process answers from', async () => {
    const { inner, dir, cache } = await cacheOverFileStore();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await inner.put('k.ipynb', new TextEncoder().encode(`v${i}`), { 'nbstore-message': `m${i}` })).versionId);
    await Promise.all(ids.map((id) => cache.head('k.ipynb', id)));
    assert.equal((await readdir(dir)).length, 1);
    const asked: string[] = [];
    const counting: Store = Object.assign(Object.create(inner) as Store, {
      head: (key: string, versionId?: string) => {
        asked.push(`${versionId}`);
        return inner.head(key, versionId);
      },
    });
    const later = new VersionCache(counting, dir);
    for (const [i, id] of ids.entries()) assert.equal((await later.head('k.ipynb', id)).metadata['nbstore-message'], `m${i}`);
    assert.deepEqual(asked, []);
  });

  it('asks the store again for a version whose index line was cut short', async () => {
    const { inner, dir, cache } = await cacheOverFileStore();
    const first = await inner.put('k.ipynb', new TextEncoder().encode('one'), {});
    await cache.head('k.ipynb', first.versionId);
    const [index] = await readdir(dir);
    await appendFile(join(dir, index as string), '{"key":"k.ipynb","versionId":"cut sh');
    const second = await inner.put('k.ipynb', new TextEncoder().encode('two'), {});
    const later = new VersionCache(inner, dir);
    assert.equal((await later.head('k.ipynb', first.versionId)).size, 3);
    assert.equal((await later.head('k.ipynb', second.versionId)).versionId, second.versionId);
  });
});
