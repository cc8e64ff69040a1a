import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sha256 } from '../src/lib/fs.js';
import { addToSpool, spoolEntries } from '../src/workspace/spool.js';
import { FIXTURES, runCli } from './support/cli.js';
import { makeWorkspace, type TestWorkspace } from './support/workspace.js';

interface LoggedVersion {
  sha256?: string;
  savedAt?: string;
}

/** Spools `count` different saves of `path`, as the Jupyter hook does; returns their hashes in save order. */
async function spoolSaves(ws: TestWorkspace, path: string, count: number): Promise<string[]> {
  const notebook = JSON.parse(await readFile(join(FIXTURES, 'analysis.ipynb'), 'utf8'));
  const hashes: string[] = [];
  for (let i = 1; i <= count; i++) {
    notebook.cells[0].source = [`save ${i} of ${path}`];
    const body = Buffer.from(JSON.stringify(notebook, null, 1));
    await addToSpool(join(ws.dir, '.nbstore', 'spool'), { path, savedAt: new Date(Date.UTC(2026, 10, 23, 10, 0, i)).toISOString() }, body);
    hashes.push(sha256(body));
  }
  return hashes;
}

describe('nbstore hook flush (the background flusher)', () => {
  it('delivers every notebook in the spool in save order, with save times, and says so on one line', async () => {
    const ws = await makeWorkspace('embedded');
    const a = await spoolSaves(ws, 'a.ipynb', 3);
    const b = await spoolSaves(ws, 'sub/b.ipynb', 2);
    assert.match(
      await ws.ok('hook', 'flush'),
      /^\d{4}-\d\d-\d\dT[\d:.]+Z delivered 5 saved versions of (a\.ipynb, sub\/b\.ipynb|sub\/b\.ipynb, a\.ipynb)\n$/,
    );
    for (const [path, hashes] of [
      ['a.ipynb', a],
      ['sub/b.ipynb', b],
    ] as const) {
      const log = JSON.parse(await ws.ok('log', path, '--json')) as LoggedVersion[];
      assert.deepEqual(log.map((v) => v.sha256).reverse(), hashes);
      assert.deepEqual(
        log.map((v) => v.savedAt).reverse(),
        hashes.map((_, i) => `2026-11-23T10:00:0${i + 1}.000Z`),
      );
    }
    assert.equal(await ws.ok('hook', 'flush'), '', 'nothing to say when nothing waits');
  });

  it('runs one at a time: of two started together, one delivers everything and the other leaves it to that one', async () => {
    const ws = await makeWorkspace('embedded');
    const hashes = await spoolSaves(ws, 'a.ipynb', 20);
    const outputs = (await Promise.all([ws.ok('hook', 'flush'), ws.ok('hook', 'flush')])).sort();
    assert.equal(outputs[0], '');
    assert.match(outputs[1] as string, / delivered 20 saved versions of a\.ipynb\n$/);
    const log = JSON.parse(await ws.ok('log', 'a.ipynb', '--json')) as LoggedVersion[];
    assert.deepEqual(log.map((v) => v.sha256).reverse(), hashes);
  });

  it('with S3 unreachable fails with one line, keeps every save, and delivers them once S3 is back', async () => {
    const ws = await makeWorkspace('s3');
    const hashes = await spoolSaves(ws, 'o.ipynb', 3);
    const offline = await runCli(['hook', 'flush'], { cwd: ws.dir, env: { ...ws.env, NBSTORE_S3_ENDPOINT_URL: 'http://127.0.0.1:9' } });
    assert.equal(offline.error?.code, 'spooled');
    assert.match(
      offline.error?.message ?? '',
      /^cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\); check s3_endpoint_url [^;]*; o\.ipynb is kept locally \(3 saves waiting in \.nbstore\/spool\)/,
    );
    assert.equal((await spoolEntries(join(ws.dir, '.nbstore', 'spool'))).length, 3);

    assert.match(await ws.ok('hook', 'flush'), / delivered 3 saved versions of o\.ipynb\n$/);
    const log = JSON.parse(await ws.ok('log', 'o.ipynb', '--json')) as LoggedVersion[];
    assert.deepEqual(log.map((v) => v.sha256).reverse(), hashes);
    assert.deepEqual(await spoolEntries(join(ws.dir, '.nbstore', 'spool')), []);
  });
});
