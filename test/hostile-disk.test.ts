import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { foreignTool } from './support/foreign.js';
import { notebookWith } from './support/saves.js';
import { makeWorkspace, pushedId, STORE_KINDS } from './support/workspace.js';

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

for (const kind of STORE_KINDS) {
  describe(`what is on the local disk, on the ${kind} store`, () => {
    it('a cached body damaged on disk is dropped and fetched again, for versions with and without a recorded SHA-256', async () => {
      const ws = await makeWorkspace(kind);
      await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('mine'));
      const ours = pushedId(await ws.ok('push', 'nb.ipynb'));
      // A version another tool wrote: no SHA-256 recorded.
      await (await foreignTool(ws)).put('workspace/theirs.ipynb', notebookWith('theirs'));
      const theirs = JSON.parse(await ws.ok('log', 'theirs.ipynb', '--json'))[0].versionId as string;
      for (const [rel, id, label] of [
        ['nb.ipynb', ours, 'mine'],
        ['theirs.ipynb', theirs, 'theirs'],
      ] as const) {
        await ws.ok('show', '--raw', id, rel);
        const cache = join(ws.dir, '.nbstore', 'cache');
        for (const file of (await filesUnder(cache)).filter((f) => f.endsWith('.body'))) {
          const body = await readFile(file);
          await writeFile(file, Buffer.alloc(body.length, 0x20));
        }
        assert.equal(await ws.ok('show', '--raw', id, rel), notebookWith(label).toString(), rel);
        await ws.ok('checkout', '--force', id, rel);
        assert.equal(await readFile(join(ws.dir, rel), 'utf8'), notebookWith(label).toString(), rel);
      }
    });

    it("keeps nbstore's own copies of notebooks private (0600): cache, spool and the embedded store", async () => {
      const ws = await makeWorkspace(kind, { env: { NBSTORE_S3_ENDPOINT_URL: 'http://127.0.0.1:9' } });
      await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('private'));
      // Unreachable (S3) or not (embedded): either way the save lands in the spool or the store.
      await ws.run('push', 'nb.ipynb');
      const copies = [
        ...(await filesUnder(join(ws.dir, '.nbstore', 'spool'))),
        ...(await filesUnder(join(ws.dir, '.nbstore', 'store'))),
        ...(await filesUnder(join(ws.dir, '.nbstore', 'cache'))),
      ].filter((f) => !f.endsWith('.tmp'));
      assert.ok(copies.length > 0);
      for (const file of copies) assert.equal((await stat(file)).mode & 0o777, 0o600, file);
    });
  });
}
