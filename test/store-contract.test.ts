import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { describeHistory, type HistoryEntry, listHistory } from '../src/history/versions.js';
import { mapLimit } from '../src/lib/concurrency.js';
import { isNbstoreError, NbstoreError } from '../src/lib/errors.js';
import { fitsS3Key, IndexedStore, indexEntriesOf, readIndex } from '../src/store/commit-index.js';
import { FileStore, fitsEmbeddedKey } from '../src/store/file-store.js';
import { S3Store } from '../src/store/s3-store.js';
import { collect, type Store, versionsOfKey } from '../src/store/store.js';
import { VersionCache } from '../src/store/version-cache.js';
import { tempDir } from './support/cli.js';
import { countRequests } from './support/counting.js';
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

/** A store behind the commit index, with the S3 requests it makes counted (the embedded store's
 * calls counted as the requests they stand for), listing in pages of `PAGE` so that a few
 * versions span several pages. */
const PAGE = 5;
interface Counted {
  /** The store as a workspace opens it: behind the commit index (and, for S3, a cold version cache). */
  store: IndexedStore;
  /** The same store without the index, as other tools write. */
  raw: Store;
  requests(): number;
  heads(): number;
}

const indexedStores: Array<[string, () => Promise<Counted>]> = [
  [
    'embedded file store',
    async () => {
      const counted = countRequests(new FileStore(join(await tempDir(), 'store')), PAGE);
      return { ...counted, store: new IndexedStore(counted.store, fitsEmbeddedKey), raw: counted.store };
    },
  ],
  [
    'S3 behind the version cache',
    async () => {
      const sent: string[] = [];
      const s3 = new S3Store(s3Settings(await createBucket('index')), { pageSize: PAGE, onRequest: (command) => sent.push(command) });
      return {
        store: new IndexedStore(new VersionCache(s3, join(await tempDir(), 'cache')), fitsS3Key),
        raw: s3,
        requests: () => sent.length,
        heads: () => sent.filter((c) => c === 'HeadObjectCommand').length,
      };
    },
  ],
];

/** What `log` does: the key's history, described. */
async function log(store: Store, key: string): Promise<HistoryEntry[]> {
  return describeHistory(store, await listHistory(store, key), 8);
}

for (const [name, makeStore] of indexedStores) {
  describe(`commit index contract: ${name}`, () => {
    let s: Counted;
    before(async () => {
      s = await makeStore();
      await s.store.check();
    });

    it('writes an entry for every put, copy and remove, which a listing reads back newest first', async () => {
      const first = await s.store.put('ws/i.ipynb', bytes('1'), { 'nbstore-message': 'one ~ 100% / ü', 'nbstore-author': 'Zoë' });
      const second = await s.store.put('ws/i.ipynb', bytes('22'), { 'nbstore-message': 'two', 'nbstore-parent': first.versionId });
      const marker = await s.store.remove('ws/i.ipynb');
      const copy = await s.store.copy({ key: 'ws/i.ipynb', versionId: first.versionId }, 'pub/i.ipynb', {
        'nbstore-source-version': first.versionId,
      });
      const entries = await collect(indexEntriesOf(s.store, 'ws/i.ipynb'));
      assert.deepEqual(
        entries.map((e) => [e.versionId, e.isDeleteMarker, e.message, e.size]),
        [
          [marker.versionId, true, undefined, 0],
          [second.versionId, false, 'two', 2],
          [first.versionId, false, 'one ~ 100% / ü', 1],
        ],
      );
      assert.equal(entries[1]?.parent, first.versionId);
      assert.equal(entries[2]?.author, 'Zoë');
      const [published] = await collect(indexEntriesOf(s.store, 'pub/i.ipynb'));
      assert.equal(published?.versionId, copy.versionId);
      assert.equal(published?.sourceVersion, first.versionId);
    });

    it('hides the index from every listing of the notebooks, the whole bucket included', async () => {
      await s.store.put('top.ipynb', bytes('t'), {});
      const keys = [...(await collect(s.store.versions(''))), ...(await collect(s.store.objects('')))].map((v) => v.key);
      assert.ok(keys.includes('top.ipynb'));
      assert.deepEqual(
        keys.filter((k) => k.startsWith('.nbstore/')),
        [],
      );
      assert.ok((await collect(s.raw.objects('.nbstore/'))).length > 0, 'the entries are there, under the hidden root');
    });

    it(`makes a cold log of N versions cost ceil(N/page) listings of versions and of the index, and no HEAD`, async () => {
      const key = 'ws/long.ipynb';
      const n = 12;
      for (let i = 0; i < n; i++) await s.store.put(key, bytes(`v${i}`), { 'nbstore-message': `save ${i}`, 'nbstore-author': 'ana' });
      const before = s.requests();
      const headsBefore = s.heads();
      const entries = await log(s.store, key);
      const pages = Math.ceil(n / PAGE);
      assert.ok(s.requests() - before <= pages + pages + 2, `${s.requests() - before} requests for ${n} versions`);
      assert.equal(s.heads() - headsBefore, 0);
      assert.deepEqual(
        entries.map((e) => e.message),
        Array.from({ length: n }, (_, i) => `save ${n - 1 - i}`),
      );
      assert.ok(entries.every((e) => e.author === 'ana'));
    });

    it('asks a version with no entry (another writer, or a push cut short) for its metadata, once', async () => {
      const key = 'ws/foreign.ipynb';
      await s.store.put(key, bytes('mine'), { 'nbstore-message': 'indexed' });
      await s.raw.put(key, bytes('theirs'), { 'nbstore-message': 'not indexed' });
      const headsBefore = s.heads();
      const entries = await log(s.store, key);
      assert.deepEqual(
        entries.map((e) => e.message),
        ['not indexed', 'indexed'],
      );
      // The embedded store's listing carries metadata: it needs no HEAD at all.
      assert.ok(s.heads() - headsBefore <= 1);
      await log(s.store, key);
      assert.ok(s.heads() - headsBefore <= 1, 'the answer was cached');
    });

    it('falls back to the versions themselves when the index cannot be read', async () => {
      const key = 'ws/unreadable.ipynb';
      await s.store.put(key, bytes('u'), { 'nbstore-message': 'still shown' });
      const denied: Store = Object.create(s.store);
      denied.objects = (prefix: string) => {
        if (prefix.startsWith('.nbstore/')) throw new NbstoreError('access-denied', `${prefix}: access denied`);
        return s.store.objects(prefix);
      };
      const history = await listHistory(denied, key);
      const [entry] = await describeHistory(denied, history, 8, readIndex(denied, key));
      assert.equal(entry?.message, 'still shown');
    });

    it('reads a message too long for its entry from the version, whole', async () => {
      const message = `${'Naïve Bayes, '.repeat(120)}end`;
      await s.store.put('ws/wordy.ipynb', bytes('w'), { 'nbstore-message': message });
      const [entry] = await collect(indexEntriesOf(s.store, 'ws/wordy.ipynb'));
      assert.equal(entry?.messageCut, true);
      assert.ok(entry?.message && message.startsWith(entry.message));
      assert.equal((await log(s.store, 'ws/wordy.ipynb'))[0]?.message, message);
    });
  });
}
