import assert from 'node:assert/strict';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isNbstoreError } from '../../src/lib/errors.js';
import { createFileAtomic, readError, STALE_TEMPORARY_MS, sha256, sha256IfExists, writeError, writeFileAtomic } from '../../src/lib/fs.js';
import { addToSpool, spoolEntries } from '../../src/workspace/spool.js';
import { tempDir } from '../support/cli.js';

describe('atomic writes', () => {
  it('remove the temporary files killed writes left in their folder once stale, and nothing else', async () => {
    for (const write of [writeFileAtomic, createFileAtomic]) {
      const dir = await tempDir('nbstore-sweep-');
      const left = ['.nb.ipynb.0123456789ab.tmp', '.state.json.a1b2c3d4e5f6.tmp'];
      const kept = [
        '.nb.ipynb.ba9876543210.tmp',
        '.nb.ipynb.tmp',
        'nb.ipynb.0123456789ab.tmp',
        '.nb.ipynb.0123456789AB.tmp',
        '.nb.0123456789ab.tmp.bak',
      ];
      for (const name of [...left, ...kept]) await writeFile(join(dir, name), 'x');
      const then = new Date(Date.now() - STALE_TEMPORARY_MS - 60_000);
      // Every one old but the first kept, a temporary file as fresh as a live write's.
      for (const name of [...left, ...kept.slice(1)]) await utimes(join(dir, name), then, then);
      await write(join(dir, 'other.ipynb'), 'new');
      assert.deepEqual((await readdir(dir)).sort(), [...kept, 'other.ipynb'].sort(), write.name);
    }
  });
});

describe('sha256IfExists', () => {
  it('hashes a file as it reads it, is undefined for no file, and refuses a folder as readIfExists does', async () => {
    const dir = await tempDir('nbstore-hash-');
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 'nb');
    await writeFile(join(dir, 'big.ipynb'), bytes);
    assert.equal(await sha256IfExists(join(dir, 'big.ipynb')), sha256(bytes));
    assert.equal(await sha256IfExists(join(dir, 'none.ipynb')), undefined);
    assert.equal(await sha256IfExists(join(dir, 'big.ipynb', 'below')), undefined);
    await assert.rejects(sha256IfExists(dir), (err: unknown) => isNbstoreError(err, 'not-a-file'));
  });
});

describe('file errors', () => {
  const failure = (code: string) => Object.assign(new Error(`${code}: refused`), { code });
  it('say permission-denied for a refused read or write, with one line naming the file', () => {
    for (const code of ['EACCES', 'EPERM']) {
      const read = readError('nb.ipynb', failure(code));
      assert.ok(isNbstoreError(read, 'permission-denied'), code);
      assert.equal(read.message, 'nb.ipynb: permission denied');
      const write = writeError('/ro/nb.ipynb', failure(code));
      assert.equal(write.code, 'permission-denied', code);
      assert.equal(write.message, 'cannot write /ro/nb.ipynb: permission denied');
    }
  });

  it('keep a missing file, a directory and a read-only file system apart', () => {
    assert.ok(isNbstoreError(readError('a', failure('ENOENT')), 'file-missing'));
    assert.ok(isNbstoreError(readError('a', failure('EISDIR')), 'not-a-file'));
    assert.equal(writeError('a', failure('EROFS')).code, 'write-failed');
    const other = failure('EIO');
    assert.equal(readError('a', other), other, 'an unexpected failure passes through');
  });
});

describe('the spool', () => {
  it('removes a body left without its entry once stale, and keeps a fresh one and complete entries', async () => {
    const dir = await tempDir('nbstore-spool-');
    const kept = await addToSpool(dir, { path: 'nb.ipynb', savedAt: new Date().toISOString() }, Buffer.from('{}'));
    // A save whose JSON a full disk refused long ago, and one being written now.
    const orphan = '00000000000000000001-0a0b0c0d.ipynb';
    const fresh = '00000000000000000002-0a0b0c0d.ipynb';
    await writeFile(join(dir, orphan), '{}');
    await writeFile(join(dir, fresh), '{}');
    const then = new Date(Date.now() - STALE_TEMPORARY_MS - 60_000);
    await utimes(join(dir, orphan), then, then);
    assert.deepEqual(
      (await spoolEntries(dir)).map((e) => e.id),
      [kept.id],
    );
    assert.deepEqual((await readdir(dir)).sort(), [fresh, `${kept.id}.ipynb`, `${kept.id}.json`].sort());
  });
});
