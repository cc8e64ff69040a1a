import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FIXTURES, runBin, tempDir } from './support/cli.js';
import { awsCliCopy, foreignTool } from './support/foreign.js';
import { makeWorkspace, okJson, STORE_KINDS } from './support/workspace.js';

interface Logged {
  versionId: string;
  author?: string;
  sha256?: string;
  sourceKey?: string;
  sourceVersion?: string;
  isPublished: boolean;
}

/** bookstore's publish writes `json.dumps(content)`: the notebook on one line, no metadata. */
function bookstoreBytes(nb: unknown): string {
  return JSON.stringify(nb);
}

for (const kind of STORE_KINDS) {
  describe(`other tools' notebooks on the ${kind} store`, () => {
    it(`a notebook uploaded by ${kind === 's3' ? 'the AWS CLI' : 'another writer'}, with no nbstore metadata, shows in log, ls and show, and can be cloned and published`, async () => {
      const ws = await makeWorkspace(kind);
      const bytes = await readFile(join(FIXTURES, 'analysis.ipynb'));
      if (ws.bucket) await awsCliCopy(bytes, ws.bucket, 'workspace/uploaded.ipynb');
      else await (await foreignTool(ws)).put('workspace/uploaded.ipynb', bytes);

      const log = await okJson<Logged[]>(ws, 'log', 'uploaded.ipynb');
      assert.equal(log.length, 1);
      assert.equal(log[0]?.author, undefined);
      assert.equal(log[0]?.sha256, undefined);
      assert.match(await ws.ok('log', 'uploaded.ipynb'), /\(written by another tool\) \(latest\)\n$/);
      const listed = await okJson<Array<{ path: string; versionId: string; size: number }>>(ws, 'ls');
      assert.deepEqual(
        listed.map((n) => [n.path, n.versionId, n.size]),
        [['uploaded.ipynb', log[0]?.versionId, bytes.length]],
      );
      assert.equal((await ws.run('show', 'latest', 'uploaded.ipynb', '--raw')).stdout, bytes.toString('utf8'));
      assert.match(await ws.ok('show', 'latest', 'uploaded.ipynb'), /── cell 1 \(markdown\) ──\n# Sales analysis/);

      await ws.ok('clone', 'workspace/uploaded.ipynb');
      assert.deepEqual(await readFile(join(ws.dir, 'uploaded.ipynb')), bytes);
      assert.match(await ws.ok('push', 'uploaded.ipynb'), /^up to date/m, 'the clone is tracked at the uploaded version');

      const published = await ws.ok('publish', 'uploaded.ipynb');
      assert.match(published, new RegExp(`^published  uploaded\\.ipynb  ${log[0]?.versionId} → published/uploaded\\.ipynb  \\S+\\n$`));
      const history = await okJson<Logged[]>(ws, 'log', '--published', 'uploaded.ipynb');
      assert.equal(history[0]?.sourceVersion, log[0]?.versionId);
      assert.equal((await okJson<Logged[]>(ws, 'log', 'uploaded.ipynb'))[0]?.isPublished, true);
      assert.deepEqual(await (await foreignTool(ws)).get('published/uploaded.ipynb'), bytes);
    });

    it('reads a bucket laid out by bookstore, and bookstore reads what nbstore publishes', async () => {
      const ws = await makeWorkspace(kind);
      const tool = await foreignTool(ws);
      const nb = JSON.parse(await readFile(join(FIXTURES, 'analysis.ipynb'), 'utf8'));
      // bookstore's archive saves workspace/<path>; its publish writes published/<path>.
      await tool.put('workspace/kylek/draft.ipynb', bookstoreBytes(nb));
      await tool.put('published/reports/q3.ipynb', bookstoreBytes({ ...nb, metadata: { ...nb.metadata, title: 'Q3' } }));

      assert.deepEqual(
        (await okJson<Array<{ path: string }>>(ws, 'ls')).map((n) => n.path),
        ['kylek/draft.ipynb'],
      );
      assert.deepEqual(
        (await okJson<Array<{ path: string; key: string }>>(ws, 'ls', '--published')).map((n) => [n.path, n.key]),
        [['reports/q3.ipynb', 'published/reports/q3.ipynb']],
      );
      const published = await okJson<Logged[]>(ws, 'log', '--published', 'reports/q3.ipynb');
      assert.equal(published.length, 1);
      assert.equal(published[0]?.sourceVersion, undefined, 'bookstore records no source');
      assert.match(await ws.ok('show', 'latest', 'kylek/draft.ipynb'), /# Sales analysis/);

      await ws.ok('clone', 'published/reports/q3.ipynb');
      assert.equal(JSON.parse(await readFile(join(ws.dir, 'q3.ipynb'), 'utf8')).metadata.title, 'Q3');
      assert.match(await ws.ok('clone', '--prefix', 'published', 'pub'), /cloned 1 notebook into pub/);
      assert.equal(
        await readFile(join(ws.dir, 'pub', 'reports', 'q3.ipynb'), 'utf8'),
        bookstoreBytes({ ...nb, metadata: { ...nb.metadata, title: 'Q3' } }),
      );
      assert.match(await ws.ok('clone', '--prefix', 'workspace/kylek', 'drafts'), /cloned 1 notebook into drafts/);

      // The other way: bookstore's clone is a plain GET of published/<path>.
      await ws.addFixture('analysis.ipynb', 'mine.ipynb');
      await ws.ok('push', 'mine.ipynb');
      await ws.ok('publish', 'mine.ipynb');
      assert.deepEqual(await tool.get('published/mine.ipynb'), await readFile(join(FIXTURES, 'analysis.ipynb')));
      assert.deepEqual(await tool.get('workspace/mine.ipynb'), await readFile(join(FIXTURES, 'analysis.ipynb')));
    });
  });
}

describe('publish, clone, ls and status', () => {
  it('each has --help with an example, and outside a workspace says to run nbstore init', async () => {
    const dir = await tempDir();
    for (const command of ['publish', 'clone', 'ls', 'status']) {
      const help = await runBin([command, '--help'], { cwd: dir });
      assert.equal(help.status, 0, command);
      assert.match(help.stdout, new RegExp(`^nbstore ${command}`, 'm'));
      assert.match(help.stdout, /Examples:\n\s+nbstore /, command);
    }
    for (const argv of [['publish', 'a.ipynb'], ['clone', 'published/a.ipynb'], ['ls'], ['status']]) {
      const result = await runBin(argv, { cwd: dir });
      assert.equal(result.status, 1);
      assert.equal(result.stderr, 'nbstore: not an nbstore workspace (or any parent directory); run `nbstore init` first\n');
    }
  });
});
