import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runBin, tempDir } from './support/cli.js';
import { logOf } from './support/inspect.js';
import { notebookWith, spoolSave } from './support/saves.js';
import { makeWorkspace, pushedId, STORE_KINDS } from './support/workspace.js';

const HOUR = 3_600_000;

for (const kind of STORE_KINDS) {
  describe(`point in time on the ${kind} store`, () => {
    it('goes by save time: a save spooled two hours ago and delivered now is what @{1h} and clone --at return', async () => {
      const ws = await makeWorkspace(kind);
      await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('now'));
      await spoolSave(ws.dir, 'nb.ipynb', notebookWith('two hours ago'), {});
      // The hook spooled it two hours ago; the store could not be reached until now.
      const spool = join(ws.dir, '.nbstore', 'spool');
      const entry = (await import('node:fs/promises')).readdir(spool).then((names) => names.find((n) => n.endsWith('.json')) as string);
      const file = join(spool, await entry);
      const record = JSON.parse(await readFile(file, 'utf8'));
      await writeFile(file, JSON.stringify({ ...record, savedAt: new Date(Date.now() - 2 * HOUR).toISOString() }));
      await ws.ok('push', '--flush');
      pushedId(await ws.ok('push', 'nb.ipynb'));
      assert.equal(await ws.ok('show', '--raw', '@{1h}', 'nb.ipynb'), notebookWith('two hours ago').toString());
      assert.equal(await ws.ok('show', '--raw', 'latest', 'nb.ipynb'), notebookWith('now').toString());
      const into = await tempDir();
      const at = new Date(Date.now() - HOUR).toISOString();
      await ws.ok('clone', '--prefix', 'workspace', '--at', at, join(into, 'restored'));
      assert.equal(await readFile(join(into, 'restored', 'nb.ipynb'), 'utf8'), notebookWith('two hours ago').toString());
    });

    it('keeps spooled saves in the order they were made when the clock stepped back between them', async () => {
      const ws = await makeWorkspace(kind);
      const spool = join(ws.dir, '.nbstore', 'spool');
      // Another process (the Jupyter hook) spooled the first save while the clock was an hour ahead.
      const ahead = BigInt(Date.now() + HOUR) * 1_000_000n;
      const id = `${ahead.toString().padStart(20, '0')}-0a0b0c0d`;
      await spoolSave(ws.dir, 'other.ipynb', notebookWith('unrelated'));
      await writeFile(join(spool, `${id}.ipynb`), notebookWith('first'));
      await writeFile(
        join(spool, `${id}.json`),
        JSON.stringify({ id, path: 'nb.ipynb', savedAt: new Date(Date.now() + HOUR).toISOString() }),
      );
      // The clock is set right; the second save is made now.
      await spoolSave(ws.dir, 'nb.ipynb', notebookWith('second'));
      await ws.ok('push', '--flush');
      const log = await logOf(ws, 'nb.ipynb');
      assert.equal(log.length, 2);
      assert.equal(await ws.ok('show', '--raw', 'latest', 'nb.ipynb'), notebookWith('second').toString());
    });
  });
}

describe('times no clock can show', () => {
  it('@{99999999999d} is a bad revision in one line, not an internal error', async () => {
    const ws = await makeWorkspace('embedded');
    await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('x'));
    await ws.ok('push', 'nb.ipynb');
    const shown = await runBin(['show', '@{99999999999d}', 'nb.ipynb'], { cwd: ws.dir, env: ws.env });
    assert.equal(shown.status, 1);
    assert.equal(shown.stderr, 'nbstore: @{99999999999d}: "99999999999d" is further back than any time can be\n');
  });
});
