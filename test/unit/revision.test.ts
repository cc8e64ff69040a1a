import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRevision, resolveRevision, shortIds } from '../../src/history/revision.js';
import { isNbstoreError } from '../../src/lib/errors.js';
import type { VersionInfo } from '../../src/store/store.js';

const now = new Date('2026-11-23T12:00:00Z');
const version = (versionId: string, iso: string, isDeleteMarker = false, key = 'ws/a.ipynb'): VersionInfo => ({
  key,
  versionId,
  lastModified: new Date(iso),
  size: 1,
  isLatest: false,
  isDeleteMarker,
});
// Newest first, as a listing returns them.
const history = [
  version('dm000001', '2026-11-23T11:00:00Z', true),
  version('abc12345zz', '2026-11-23T10:00:00Z'),
  version('abd99999yy', '2026-11-22T10:00:00Z'),
  version('xyz00000aa', '2026-11-20T10:00:00Z'),
];

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isNbstoreError(err)) return err.code;
    throw err;
  }
  return undefined;
}

describe('parseRevision', () => {
  it('reads every form', () => {
    assert.deepEqual(parseRevision('latest', now), { kind: 'latest' });
    assert.deepEqual(parseRevision('@', now), { kind: 'latest' });
    assert.deepEqual(parseRevision('HEAD', now), { kind: 'latest' });
    assert.deepEqual(parseRevision('~', now), { kind: 'back', count: 1 });
    assert.deepEqual(parseRevision('~3', now), { kind: 'back', count: 3 });
    assert.deepEqual(parseRevision('@~2', now), { kind: 'back', count: 2 });
    assert.deepEqual(parseRevision('latest~0', now), { kind: 'back', count: 0 });
    assert.deepEqual(parseRevision('@{2h}', now), { kind: 'at', time: new Date('2026-11-23T10:00:00Z') });
    assert.deepEqual(parseRevision('@{7d}', now), { kind: 'at', time: new Date('2026-11-16T12:00:00Z') });
    assert.deepEqual(parseRevision('@{3 weeks ago}', now), { kind: 'at', time: new Date('2026-11-02T12:00:00Z') });
    assert.deepEqual(parseRevision('@{2026-11-20T14:00Z}', now), { kind: 'at', time: new Date('2026-11-20T14:00:00Z') });
    assert.deepEqual(parseRevision('@{2026-11-20T14:00}', now), { kind: 'at', time: new Date(2026, 10, 20, 14, 0) });
    assert.deepEqual(parseRevision('@{2026-11-20}', now), { kind: 'at', time: new Date(2026, 10, 20) });
    assert.deepEqual(parseRevision('3HLf5xQa.Y_-', now), { kind: 'id', id: '3HLf5xQa.Y_-' });
  });

  it('refuses what is not a revision', () => {
    for (const bad of ['', 'a b', 'a/b', '@{}', '@{yesterday}', '@{2026-13-45}', '@{5 fortnights}', '~x']) {
      assert.equal(
        code(() => parseRevision(bad, now)),
        'bad-revision',
        bad,
      );
    }
  });
});

describe('resolveRevision', () => {
  const resolve = (rev: string) => resolveRevision(parseRevision(rev, now), history, 'a.ipynb').versionId;

  it('skips delete markers for latest, ~N and dates', () => {
    assert.equal(resolve('latest'), 'abc12345zz');
    assert.equal(resolve('~1'), 'abd99999yy');
    assert.equal(resolve('~2'), 'xyz00000aa');
    assert.equal(resolve('@{2026-11-22T12:00Z}'), 'abd99999yy');
    assert.equal(resolve('@{1h}'), 'abc12345zz');
    assert.equal(resolve('@{2026-11-22T10:00Z}'), 'abd99999yy', 'at or before: the exact time counts');
  });

  it('finds full ids and unique prefixes, and lists the candidates of an ambiguous one', () => {
    assert.equal(resolve('xyz'), 'xyz00000aa');
    assert.equal(resolve('abc12345zz'), 'abc12345zz');
    assert.equal(resolve('abd'), 'abd99999yy');
    assert.throws(
      () => resolve('ab'),
      (err: unknown) => isNbstoreError(err, 'ambiguous-revision') && /abc12345, abd99999/.test(err.message),
    );
  });

  it('says unknown for what is not there', () => {
    assert.equal(
      code(() => resolve('~3')),
      'unknown-revision',
    );
    assert.equal(
      code(() => resolve('@{2026-01-01}')),
      'unknown-revision',
    );
    assert.equal(
      code(() => resolve('qqq')),
      'unknown-revision',
    );
    assert.equal(
      code(() => resolve('dm000001')),
      'unknown-revision',
      'a delete marker is not a version',
    );
    assert.equal(
      code(() => resolveRevision({ kind: 'latest' }, [], 'a.ipynb')),
      'unknown-revision',
    );
  });
});

describe('shortIds', () => {
  it('uses the shortest common length of at least 8 that tells ids apart', () => {
    assert.deepEqual([...shortIds(history).values()], ['dm000001', 'abc12345', 'abd99999', 'xyz00000']);
    const close = [version('AAAAAAAAAx1', '2026-01-01'), version('AAAAAAAAAy2', '2026-01-01'), version('null', '2026-01-01')];
    assert.deepEqual([...shortIds(close).values()], ['AAAAAAAAAx', 'AAAAAAAAAy', 'null']);
  });
});
