import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { overflowsScreen, pagerCommand } from '../../src/cli/pager.js';
import { entryKey, fitsS3Key, type IndexEntry, indexPrefixOf, isIndexKey, parseEntryKey } from '../../src/store/commit-index.js';
import { fitsEmbeddedKey } from '../../src/store/file-store.js';

const full: IndexEntry = {
  key: 'workspace/deep/dir/a~b%c.ipynb',
  versionId: 'Jf3.x_-9kQ~z',
  lastModified: new Date('2026-11-30T12:34:56.789Z'),
  size: 123456,
  isDeleteMarker: false,
  author: 'Zoë ~ O’Brien',
  message: 'Naïve Bayes – 模型 ✓ 100% / done ~ really',
  parent: 'Prev.id-1',
  sha256: 'b6de30215a569b6edacaa66eae0dcd7b834af6b268b8509809d9a1f4d3728468',
  savedAt: '2026-11-30T12:34:50.000Z',
  sourceKey: 'workspace/x.ipynb',
  sourceVersion: 'src~1',
};

describe('commit index entries', () => {
  it('carry every field in the key and read back exactly', () => {
    const key = entryKey(full, fitsS3Key);
    assert.ok(key);
    assert.ok(key.startsWith(indexPrefixOf(full.key)));
    assert.ok(isIndexKey(key));
    assert.equal(key.slice(indexPrefixOf(full.key).length).includes('/'), false, 'the entry name holds no /');
    assert.deepEqual(parseEntryKey(key), full);
  });

  it('read back any SHA-256, whatever its base64url starts with', () => {
    for (let i = 0; i < 256; i++) {
      const sha256 = `${i.toString(16).padStart(2, '0')}${'0'.repeat(62)}`;
      assert.equal(parseEntryKey(entryKey({ ...full, sha256 }, fitsS3Key) as string)?.sha256, sha256);
    }
    assert.equal(parseEntryKey(entryKey({ ...full, sha256: 'not-hex' }, fitsS3Key) as string)?.sha256, 'not-hex');
  });

  it('mark a delete marker', () => {
    const marker = { key: 'w/a.ipynb', versionId: 'm1', lastModified: new Date(5_000), size: 0, isDeleteMarker: true };
    assert.deepEqual(parseEntryKey(entryKey(marker, fitsS3Key) as string), marker);
  });

  it('sort newest first by key alone', () => {
    const older = entryKey({ ...full, lastModified: new Date('2026-01-01T00:00:00Z'), versionId: 'zzz' }, fitsS3Key) as string;
    const newer = entryKey({ ...full, lastModified: new Date('2026-01-01T00:00:00.001Z'), versionId: 'aaa' }, fitsS3Key) as string;
    assert.ok(Buffer.compare(Buffer.from(newer), Buffer.from(older)) < 0);
  });

  it('cut a message that does not fit at a character boundary, and say so', () => {
    const long = { ...full, message: '模'.repeat(400) };
    const key = entryKey(long, fitsS3Key) as string;
    assert.ok(fitsS3Key(key));
    const read = parseEntryKey(key);
    assert.equal(read?.messageCut, true);
    assert.ok(read?.message && read.message.length > 0 && long.message.startsWith(read.message));
  });

  it('leave out what log does not show before cutting the message, when the key is long for the store', () => {
    const key = entryKey(full, fitsEmbeddedKey) as string;
    assert.ok(fitsEmbeddedKey(key));
    const read = parseEntryKey(key);
    assert.equal(read?.fieldsLeftOut, true);
    assert.equal(read?.sha256, undefined);
    assert.equal(read?.author, full.author, 'the author is kept before the rest');
    assert.equal(read?.versionId, full.versionId);
  });

  it('are not written when not even the fields without the message fit', () => {
    assert.equal(entryKey({ ...full, key: `w/${'x'.repeat(1100)}.ipynb` }, fitsS3Key), undefined);
  });

  it('ignore objects under the index that are not entries', () => {
    assert.equal(parseEntryKey('.nbstore/index/w/a.ipynb/README'), undefined);
    assert.equal(parseEntryKey('workspace/a.ipynb'), undefined);
    assert.equal(parseEntryKey('.nbstore/index/w/a.ipynb/0000000000001~%E0%A4'), undefined, 'bad encoding');
  });
});

describe('pager', () => {
  it('is $NBSTORE_PAGER, then $PAGER, then less -FRX', () => {
    assert.equal(pagerCommand({ NBSTORE_PAGER: 'most', PAGER: 'more' }), 'most');
    assert.equal(pagerCommand({ PAGER: 'more' }), 'more');
    assert.equal(pagerCommand({}), 'less -FRX');
  });

  it('counts wrapped lines, not colours, against the screen', () => {
    assert.equal(overflowsScreen('a\nb\nc', 4, 80), false);
    assert.equal(overflowsScreen('a\nb\nc\nd', 4, 80), true);
    assert.equal(overflowsScreen('x'.repeat(200), 3, 80), true);
    assert.equal(overflowsScreen(`\x1b[33m${'x'.repeat(80)}\x1b[39m`, 2, 80), false);
  });
});
