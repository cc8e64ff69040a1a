import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { mapLimit } from '../src/lib/concurrency.js';
import { isNbstoreError } from '../src/lib/errors.js';
import { FileStore } from '../src/store/file-store.js';
import { S3Store } from '../src/store/s3-store.js';
import { collect, type Store, versionsOfKey } from '../src/store/store.js';
import { VersionCache } from '../src/store/version-cache.js';
import { tempDir } from './support/cli.js';
import { createBucket, s3Settings } from './support/s3.js';

/** The one contract both stores meet; each case runs against the embedded store and real S3. */
const stores: Array<[string, () => Promise<Store>]> = [
  ['embedded file store', async () => new FileStore(join(await tempDir(), 'store'))],
  ['S3 (Ceph RGW unless S3_ENDPOINT says otherwise)', async () => new S3Store(s3Settings(await createBucket('contract')))],
  [
    'S3 behind the version cache',
    async () => new VersionCache(new S3Store(s3Settings(await createBucket('cached'))), join(await tempDir(), 'cache')),
  ],
];

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (body: Uint8Array) => new TextDecoder().decode(body);

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => isNbstoreError(err) && err.code === code);
}

for (const [name, makeStore] of stores) {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await makeStore();
      await store.check();
    });

    it('puts versions and reads each back by id, the latest without one', async () => {
      const first = await store.put('ws/a.ipynb', bytes('one'), { 'nbstore-message': 'first' });
      const second = await store.put('ws/a.ipynb', bytes('two'), { 'nbstore-message': 'second' });
      assert.notEqual(first.versionId, second.versionId);
      assert.equal(text((await store.get('ws/a.ipynb')).body), 'two');
      assert.equal(text((await store.get('ws/a.ipynb', first.versionId)).body), 'one');
      const head = await store.head('ws/a.ipynb', first.versionId);
      assert.equal(head.metadata['nbstore-message'], 'first');
      assert.equal(head.size, 3);
    });

    it('keeps non-ASCII metadata intact', async () => {
      const message = 'Naïve Bayes – 模型 ✓ 100%';
      const version = await store.put('ws/unicode.ipynb', bytes('{}'), { 'nbstore-message': message, 'nbstore-author': 'Zoë' });
      const head = await store.head('ws/unicode.ipynb', version.versionId);
      assert.equal(head.metadata['nbstore-message'], message);
      assert.equal(head.metadata['nbstore-author'], 'Zoë');
    });

    it('lists the history of exactly one key, newest first, not keys sharing its prefix', async () => {
      const ids = [];
      for (const n of [1, 2, 3]) ids.push((await store.put('ws/h.ipynb', bytes(`v${n}`), {})).versionId);
      await store.put('ws/h.ipynb.bak', bytes('other'), {});
      await store.put('ws/h.ipynb-2', bytes('other'), {});
      const history = await collect(versionsOfKey(store, 'ws/h.ipynb'));
      assert.deepEqual(
        history.map((v) => v.versionId),
        ids.reverse(),
      );
      assert.deepEqual(
        history.map((v) => v.isLatest),
        [true, false, false],
      );
      assert.ok(history.every((v) => v.key === 'ws/h.ipynb' && !v.isDeleteMarker));
    });

    it('shows a delete marker where it happened and keeps older versions readable', async () => {
      const before = await store.put('ws/d.ipynb', bytes('kept'), {});
      await store.remove('ws/d.ipynb');
      const after = await store.put('ws/d.ipynb', bytes('back'), {});
      const history = await collect(versionsOfKey(store, 'ws/d.ipynb'));
      assert.deepEqual(
        history.map((v) => v.isDeleteMarker),
        [false, true, false],
      );
      assert.equal(history[0]?.versionId, after.versionId);
      assert.equal(history[2]?.versionId, before.versionId);
      await store.remove('ws/d.ipynb');
      await rejectsWith(store.get('ws/d.ipynb'), 'not-found');
      assert.equal(text((await store.get('ws/d.ipynb', before.versionId)).body), 'kept');
      const current = await collect(store.objects('ws/d'));
      assert.deepEqual(current, [], 'a deleted key is not a current object');
    });

    it('copies one exact version server-side and returns the new version id', async () => {
      const old = await store.put('ws/c.ipynb', bytes('old'), {});
      await store.put('ws/c.ipynb', bytes('new'), {});
      const copy = await store.copy({ key: 'ws/c.ipynb', versionId: old.versionId }, 'pub/c.ipynb', {
        'nbstore-source-version': old.versionId,
      });
      const history = await collect(versionsOfKey(store, 'pub/c.ipynb'));
      assert.equal(history[0]?.versionId, copy.versionId);
      const got = await store.get('pub/c.ipynb', copy.versionId);
      assert.equal(text(got.body), 'old');
      assert.equal(got.info.metadata['nbstore-source-version'], old.versionId);
    });

    it('lists current objects under a prefix', async () => {
      await store.put('ls/x/one.ipynb', bytes('1'), {});
      await store.put('ls/x/two.ipynb', bytes('22'), {});
      await store.put('ls/y/three.ipynb', bytes('333'), {});
      const objects = await collect(store.objects('ls/x/'));
      assert.deepEqual(
        objects.map((o) => [o.key, o.size]),
        [
          ['ls/x/one.ipynb', 1],
          ['ls/x/two.ipynb', 2],
        ],
      );
    });

    it('says not-found for a missing key or version', async () => {
      await rejectsWith(store.get('ws/missing.ipynb'), 'not-found');
      await rejectsWith(store.head('ws/missing.ipynb'), 'not-found');
      await store.put('ws/e.ipynb', bytes('x'), {});
      await rejectsWith(store.get('ws/e.ipynb', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), 'not-found');
    });

    it('lists histories across many listing pages (over 1,000 versions)', async () => {
      const keys = Array.from({ length: 1010 }, (_, i) => `pages/nb-${String(i % 10)}.ipynb`);
      await mapLimit(keys, 16, (key, i) => store.put(key, bytes(String(i)), {}));
      const all = await collect(store.versions('pages/'));
      assert.equal(all.length, 1010);
      const one = await collect(versionsOfKey(store, 'pages/nb-3.ipynb'));
      assert.equal(one.length, 101);
      assert.equal(text((await store.get('pages/nb-3.ipynb', one[0]?.versionId)).body), text((await store.get('pages/nb-3.ipynb')).body));
    });

    it('survives concurrent writers to one key: every put becomes its own version', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.put('ws/race.ipynb', bytes(`w${i}`), {})));
      const history = await collect(versionsOfKey(store, 'ws/race.ipynb'));
      assert.equal(new Set(results.map((r) => r.versionId)).size, 20);
      assert.deepEqual(new Set(history.map((v) => v.versionId)), new Set(results.map((r) => r.versionId)));
    });
  });
}
