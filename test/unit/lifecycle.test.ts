import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyNotebook, type NotebookFacts } from '../../src/history/local-state.js';
import { isNbstoreError } from '../../src/lib/errors.js';
import { cloneTarget, numberedName, resolveSourceKey, splitRevision, versionsAt } from '../../src/ops/clone.js';
import { bookstoreValidation } from '../../src/ops/status.js';
import type { VersionInfo } from '../../src/store/store.js';
import { DEFAULTS, type Settings } from '../../src/workspace/config.js';
import { safeLocalPath } from '../../src/workspace/paths.js';
import { Workspace } from '../../src/workspace/workspace.js';

describe('clone sources', () => {
  it('splits key@REV at the last @ of the name, unless the name ends in .ipynb after it', () => {
    assert.deepEqual(splitRevision('published/a.ipynb'), { key: 'published/a.ipynb' });
    assert.deepEqual(splitRevision('published/a.ipynb@~2'), { key: 'published/a.ipynb', revision: '~2' });
    assert.deepEqual(splitRevision('a.ipynb@-j4fgDHWE.x'), { key: 'a.ipynb', revision: '-j4fgDHWE.x' });
    assert.deepEqual(splitRevision('a.ipynb@{2d}'), { key: 'a.ipynb', revision: '@{2d}' });
    assert.deepEqual(splitRevision('a.ipynb@@{2026-11-20T14:00}'), { key: 'a.ipynb', revision: '@{2026-11-20T14:00}' });
    assert.deepEqual(splitRevision('a.ipynb@@~1'), { key: 'a.ipynb', revision: '@~1' });
    assert.deepEqual(splitRevision('s3://b/team@x/a.ipynb'), { key: 's3://b/team@x/a.ipynb' });
    assert.deepEqual(splitRevision('me@example.ipynb'), { key: 'me@example.ipynb' });
    for (const text of ['a.ipynb@', 'a.ipynb@@'])
      assert.throws(
        () => splitRevision(text),
        (err: unknown) => isNbstoreError(err, 'usage'),
        text,
      );
  });

  it("takes keys under either prefix's root as they are (a teammate's too), anything else as a workspace path", () => {
    const ws = new Workspace('/w', { ...DEFAULTS, workspace_prefix: 'workspace/kylek' });
    assert.equal(resolveSourceKey(ws, 'published/r/q3.ipynb'), 'published/r/q3.ipynb');
    assert.equal(resolveSourceKey(ws, 'workspace/kylek/a.ipynb'), 'workspace/kylek/a.ipynb');
    assert.equal(resolveSourceKey(ws, '/workspace/kylek/a.ipynb'), 'workspace/kylek/a.ipynb');
    assert.equal(resolveSourceKey(ws, 'a.ipynb'), 'workspace/kylek/a.ipynb');
    assert.equal(resolveSourceKey(ws, 'notes/a.ipynb'), 'workspace/kylek/notes/a.ipynb');
    assert.equal(resolveSourceKey(ws, 'workspace/u1/a.ipynb'), 'workspace/u1/a.ipynb');
    assert.equal(resolveSourceKey(ws, 'workspace/u1'), 'workspace/u1');
  });

  it('refuses a path that would leave the target folder, or a key with such a path, with one error', async () => {
    assert.equal(safeLocalPath('team/a.ipynb', 'k'), 'team/a.ipynb');
    for (const rel of [
      '../a.ipynb',
      'team/../../a.ipynb',
      '/etc/a.ipynb',
      './a.ipynb',
      '..',
      '',
      'a//b.ipynb',
      '.nbstore/state.ipynb',
      'x/.Git/a.ipynb',
      'a\0.ipynb',
      'a\\b.ipynb',
    ]) {
      const refused = (err: unknown) =>
        isNbstoreError(err, 'unsafe-key') && err.message.startsWith(`${JSON.stringify(`p/${rel}`)}: refusing a key with `);
      assert.throws(() => safeLocalPath(rel, `p/${rel}`), refused, rel);
      await assert.rejects(cloneTarget('/cwd', `p/${rel}`), refused, rel);
    }
    assert.equal(await cloneTarget('/cwd', 'p/team/a.ipynb'), '/cwd/a.ipynb');
  });

  it('numbers names as Jupyter numbers copies', () => {
    assert.equal(numberedName('/d/a.ipynb', 0), '/d/a.ipynb');
    assert.equal(numberedName('/d/a.ipynb', 1), '/d/a-1.ipynb');
    assert.equal(numberedName('/d/a.b.ipynb', 2), '/d/a.b-2.ipynb');
    assert.equal(numberedName('/d/data.tar.gz', 1), '/d/data-1.tar.gz');
    assert.equal(numberedName('/d/README', 3), '/d/README-3');
    assert.equal(numberedName('/d/.hidden', 1), '/d/.hidden-1');
  });
});

describe('versionsAt', () => {
  const v = (key: string, id: string, minute: number, isDeleteMarker = false): VersionInfo => ({
    key,
    versionId: id,
    lastModified: new Date(Date.UTC(2026, 10, 20, 14, minute)),
    size: 1,
    isLatest: false,
    isDeleteMarker,
  });
  // Keys ascending, newest first, as store.versions lists them.
  const listing = [
    v('a', 'a3', 30),
    v('a', 'a2', 20),
    v('a', 'a1', 10),
    v('b', 'bx', 25, true),
    v('b', 'b1', 5),
    v('c', 'c1', 40),
    v('d', 'dx', 15, true),
    v('d', 'd1', 12),
  ];

  it('picks what was current at a time: no key that was deleted or not yet written', () => {
    assert.deepEqual(
      versionsAt(listing).map((x) => x.versionId),
      ['a3', 'c1'],
    );
    assert.deepEqual(
      versionsAt(listing, new Date(Date.UTC(2026, 10, 20, 14, 20))).map((x) => x.versionId),
      ['a2', 'b1'],
    );
    assert.deepEqual(
      versionsAt(listing, new Date(Date.UTC(2026, 10, 20, 14, 13))).map((x) => x.versionId),
      ['a1', 'b1', 'd1'],
    );
    assert.deepEqual(versionsAt(listing, new Date(Date.UTC(2026, 10, 20, 14, 0))), []);
  });
});

describe('status', () => {
  const settings = (over: Partial<Settings>): Settings => ({ ...DEFAULTS, store: 's3', s3_bucket: 'b', ...over });

  it('validates settings as bookstore does', () => {
    assert.deepEqual(bookstoreValidation(settings({})), { bookstore_valid: true, archive_valid: true, publish_valid: true });
    assert.deepEqual(bookstoreValidation(settings({ s3_bucket: '' })), {
      bookstore_valid: false,
      archive_valid: false,
      publish_valid: false,
    });
    assert.deepEqual(bookstoreValidation(settings({ workspace_prefix: '' })), {
      bookstore_valid: true,
      archive_valid: false,
      publish_valid: true,
    });
    assert.deepEqual(bookstoreValidation(settings({ published_prefix: '' })), {
      bookstore_valid: true,
      archive_valid: true,
      publish_valid: false,
    });
    assert.deepEqual(bookstoreValidation({ ...DEFAULTS, store: 'embedded' }), {
      bookstore_valid: true,
      archive_valid: true,
      publish_valid: true,
    });
  });

  it('classifies a notebook from its local file, its base and the latest version', () => {
    const tracked = { key: 'w/a.ipynb', base: 'v1', sha256: 's1', canonical: 'c1' };
    const facts = (over: Partial<NotebookFacts>): NotebookFacts => ({
      key: 'w/a.ipynb',
      tracked,
      local: { sha256: 's1', canonical: 'c1' },
      latest: 'v1',
      spooled: 0,
      ...over,
    });
    const cases: Array<[Partial<NotebookFacts>, string]> = [
      [{}, 'unmodified'],
      [{ local: { sha256: 's2', canonical: 'c1' } }, 'unmodified'],
      [{ local: { sha256: 's2', canonical: 'c2' } }, 'modified'],
      [{ local: { sha256: 's2' } }, 'modified'],
      [{ spooled: 1 }, 'modified'],
      [{ latest: 'v2' }, 'behind'],
      [{ latest: 'v2', local: { sha256: 's2', canonical: 'c2' } }, 'diverged'],
      [{ latest: undefined }, 'not pushed'],
      [{ local: undefined }, 'missing'],
      [{ latest: null, local: { sha256: 's2', canonical: 'c2' } }, 'modified'],
      [{ latest: null }, 'unmodified'],
      // Untracked, or tracked against another key (a clone of a published copy).
      [{ tracked: undefined, latest: undefined }, 'not pushed'],
      [{ tracked: undefined, matchesLatest: true }, 'unmodified'],
      [{ tracked: undefined, matchesLatest: false }, 'modified'],
      [{ tracked: { ...tracked, key: 'p/a.ipynb' }, latest: undefined }, 'not pushed'],
      [{ tracked: { ...tracked, key: 'p/a.ipynb' }, latest: 'v9', matchesLatest: true }, 'unmodified'],
      // Found by looking through the workspace: untracked unless nbstore has a record or saves of it.
      [{ tracked: undefined, found: true, latest: null }, 'untracked'],
      [{ tracked: undefined, found: true, spooled: 1, latest: null }, 'modified'],
      [{ found: true }, 'unmodified'],
      [{ found: true, local: undefined }, 'missing'],
      // Another writer (bookstore) stored the file's content since its base, serialised its own way.
      [{ latest: 'v2', local: { sha256: 's2', canonical: 'c2' }, matchesLatest: true }, 'unmodified'],
      [{ latest: 'v2', local: { sha256: 's2', canonical: 'c2' }, matchesLatest: false }, 'diverged'],
      [{ latest: 'v2', matchesLatest: true, spooled: 1 }, 'diverged'],
      // The hook delivered a save over someone else's version: diverged until settled.
      [{ tracked: { ...tracked, forkedFrom: 'v0' } }, 'diverged'],
      [{ tracked: { ...tracked, forkedFrom: 'v0' }, latest: null }, 'unmodified'],
    ];
    for (const [over, state] of cases) assert.equal(classifyNotebook(facts(over)), state, JSON.stringify(over));
  });
});
