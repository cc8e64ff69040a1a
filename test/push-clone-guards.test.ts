import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileStore } from '../src/store/file-store.js';
import { bucketContents, putBehindNbstore } from './support/behind.js';
import { ok, runCli, tempDir, testEnv } from './support/cli.js';
import { createBucket, s3Endpoint } from './support/s3.js';
import { notebookWith, spoolSave } from './support/saves.js';
import { makeWorkspace, okJson, pushedId, STORE_KINDS, type TestWorkspace } from './support/workspace.js';

interface LogEntry {
  versionId: string;
  message?: string;
  parent?: string;
  sourceVersion?: string;
}

const log = (ws: TestWorkspace, rel: string) => okJson<LogEntry[]>(ws, 'log', rel);

/** Every key of a notebook in the workspace's store (the commit index under .nbstore/ aside). */
async function storedKeys(ws: TestWorkspace): Promise<string[]> {
  const keys: string[] = [];
  if (ws.bucket) keys.push(...(await bucketContents(ws.bucket)).map((line) => line.slice(0, line.lastIndexOf('@'))));
  else for await (const version of new FileStore(join(ws.dir, '.nbstore', 'store')).versions('')) keys.push(version.key);
  return [...new Set(keys.filter((key) => !key.startsWith('.nbstore/')))].sort();
}

for (const kind of STORE_KINDS) {
  describe(`push and clone as git users expect (${kind})`, () => {
    it('records a message that starts with -, whatever it looks like', async () => {
      const ws = await makeWorkspace(kind);
      await writeFile(join(ws.dir, 'a.ipynb'), notebookWith('a'));
      await ws.ok('push', 'a.ipynb', '-m', '-fix');
      assert.equal((await log(ws, 'a.ipynb'))[0]?.message, '-fix');
    });

    it('reports a folder push in path order and ends with a summary line', async () => {
      const ws = await makeWorkspace(kind);
      await mkdir(join(ws.dir, 'team'));
      const names = ['b.ipynb', 'a.ipynb', 'd.ipynb', 'c.ipynb', 'e.ipynb'];
      for (const name of names) await writeFile(join(ws.dir, 'team', name), notebookWith(name));
      await ws.ok('push', 'team/c.ipynb');
      await writeFile(join(ws.dir, 'team', 'bad.ipynb'), 'print(1)');
      const result = await ws.run('push', 'team');
      assert.equal(result.status, 1);
      const lines = result.stdout.trimEnd().split('\n');
      assert.deepEqual(
        lines.slice(0, -1).map((line) => line.split(/\s+/)[line.startsWith('up to date') ? 3 : 1]),
        ['team/a.ipynb', 'team/b.ipynb', 'team/c.ipynb', 'team/d.ipynb', 'team/e.ipynb'],
      );
      assert.match(lines[2] as string, /^up to date team\/c\.ipynb/);
      assert.equal(lines.at(-1), '6 notebooks: 4 pushed, 1 up to date, 0 spooled, 1 failed');
      assert.equal(result.stderr, 'nbstore: team/bad.ipynb: not a notebook (not JSON)\n');
    });

    it('says a notebook is behind, refuses a diverged one unless --force, and never refuses the hook', async () => {
      const ws = await makeWorkspace(kind);
      await writeFile(join(ws.dir, 'n.ipynb'), notebookWith('mine 1'));
      const mine = pushedId(await ws.ok('push', 'n.ipynb'));
      // A colleague pushes from elsewhere.
      const theirs = await putBehindNbstore(ws, 'workspace/n.ipynb', notebookWith('theirs'), { 'nbstore-parent': mine });

      const behind = await ws.ok('push', 'n.ipynb');
      assert.equal(
        behind,
        `behind     n.ipynb  ${mine}: version ${theirs} was pushed since; nothing to push (nbstore checkout latest n.ipynb brings the file up to date)\n`,
      );
      assert.equal((await log(ws, 'n.ipynb')).length, 2, 'nothing pushed');

      await writeFile(join(ws.dir, 'n.ipynb'), notebookWith('mine 2'));
      const refused = await ws.run('push', 'n.ipynb');
      assert.equal(refused.error?.code, 'diverged');
      assert.equal(
        refused.error?.message,
        `n.ipynb: not pushed: version ${theirs} was pushed since ${mine}, which your edits build on (nbstore diff n.ipynb ${theirs} shows how it differs from yours; nbstore push --force n.ipynb pushes yours over it)`,
      );
      assert.equal((await log(ws, 'n.ipynb')).length, 2, 'nothing pushed');
      assert.match(await ws.ok('diff', 'n.ipynb', theirs), /save theirs/, 'the hint works as typed');
      assert.equal((await okJson<{ notebooks: Array<{ state: string }> }>(ws, 'status')).notebooks[0]?.state, 'diverged');

      const forced = pushedId(await ws.ok('push', '--force', 'n.ipynb'));
      const [latest] = await log(ws, 'n.ipynb');
      assert.equal(latest?.versionId, forced);
      assert.equal(latest?.parent, mine, 'the forced version records what it was built on');

      // The hook's save over a colleague's newer version is delivered, logged and shown as diverged.
      const again = await putBehindNbstore(ws, 'workspace/n.ipynb', notebookWith('theirs 2'), { 'nbstore-parent': forced });
      await spoolSave(ws.dir, 'n.ipynb', notebookWith('saved in Jupyter'));
      await writeFile(join(ws.dir, 'n.ipynb'), notebookWith('saved in Jupyter'));
      const flushed = await ws.ok('hook', 'flush');
      const delivered = (await log(ws, 'n.ipynb'))[0] as LogEntry;
      assert.equal(delivered.parent, forced, 'delivered on top of its own base');
      assert.match(
        flushed,
        new RegExp(
          `^\\S+Z n\\.ipynb: delivered a save as version ${escapeRegExp(delivered.versionId)} over version ${escapeRegExp(again)}, which was pushed since its base; the history forks there and status shows it diverged \\(nbstore diff n\\.ipynb ${escapeRegExp(again)} shows the other version\\)\\n`,
        ),
      );
      assert.equal((await okJson<{ notebooks: Array<{ state: string }> }>(ws, 'status')).notebooks[0]?.state, 'diverged');
      assert.equal((await ws.run('push', 'n.ipynb')).error?.code, 'diverged', 'a push by hand asks for --force');
      assert.match(await ws.ok('push', '--force', 'n.ipynb'), /^up to date n\.ipynb/);
      assert.equal((await okJson<{ notebooks: Array<{ state: string }> }>(ws, 'status')).notebooks[0]?.state, 'unmodified');
    });

    it("takes a version bookstore stored (no final newline, its own indentation) as the file's content", async () => {
      const ws = await makeWorkspace(kind);
      const nb = JSON.parse(notebookWith('shared').toString('utf8'));
      await writeFile(join(ws.dir, 's.ipynb'), `${JSON.stringify(nb, null, 1)}\n`);
      const first = pushedId(await ws.ok('push', 's.ipynb'));
      // bookstore archives nbformat.writes(): indent 1, sorted keys, no final newline.
      nb.cells.push({ cell_type: 'markdown', metadata: {}, source: ['saved through bookstore'] });
      const sorted = (value: unknown): unknown =>
        Array.isArray(value)
          ? value.map(sorted)
          : value && typeof value === 'object'
            ? Object.fromEntries(
                Object.entries(value)
                  .sort(([a], [b]) => a.localeCompare(b))
                  .map(([k, v]) => [k, sorted(v)]),
              )
            : value;
      const bookstores = await putBehindNbstore(ws, 'workspace/s.ipynb', Buffer.from(JSON.stringify(sorted(nb), null, 2)));
      // Jupyter's next save of the same content, as Jupyter writes it.
      await writeFile(join(ws.dir, 's.ipynb'), `${JSON.stringify(nb, null, 1)}\n`);
      assert.equal((await okJson<{ notebooks: Array<{ state: string }> }>(ws, 'status')).notebooks[0]?.state, 'unmodified');
      assert.equal(await ws.ok('push', 's.ipynb'), `up to date s.ipynb  ${bookstores}\n`);
      assert.equal((await log(ws, 's.ipynb')).length, 2, 'no duplicate');
      await ws.edit('s.ipynb', 'next');
      pushedId(await ws.ok('push', 's.ipynb'));
      assert.equal((await log(ws, 's.ipynb'))[0]?.parent, bookstores, `the parent is bookstore's version, not ${first}`);
    });

    it("clones a teammate's keys from another workspace prefix, into the prefix's last segment, and resumes", async () => {
      const ws = await makeWorkspace(kind, { prefix: 'workspace/u2' });
      const ids: string[] = [];
      for (const n of [1, 2, 3]) ids.push(await putBehindNbstore(ws, 'workspace/u1/exp.ipynb', notebookWith(`exp ${n}`)));
      await putBehindNbstore(ws, 'workspace/u1/sub/more.ipynb', notebookWith('more'));
      assert.match(
        await ws.ok('clone', 'workspace/u1/exp.ipynb@~2', 'old.ipynb'),
        new RegExp(`@${escapeRegExp(ids[0] as string)} → old\\.ipynb`),
      );
      assert.equal(await readFile(join(ws.dir, 'old.ipynb'), 'utf8'), notebookWith('exp 1').toString());
      assert.match(await ws.ok('clone', '--prefix', 'workspace/u1', 'team/'), /cloned 2 notebooks into team$/m);

      const first = await ws.ok('clone', '--prefix', 'workspace/u1');
      assert.match(first, /cloned 2 notebooks into u1$/m);
      assert.equal(await readFile(join(ws.dir, 'u1', 'sub', 'more.ipynb'), 'utf8'), notebookWith('more').toString());
      // As if interrupted after one file: the run again keeps it, and writes the other.
      await rm(join(ws.dir, 'u1', 'sub', 'more.ipynb'));
      const again = await ws.ok('clone', '--prefix', 'workspace/u1');
      assert.match(again, /^already workspace\/u1\/exp\.ipynb@\S+ → u1\/exp\.ipynb \(already there, identical\)$/m);
      assert.match(again, /^cloned {2}workspace\/u1\/sub\/more\.ipynb@\S+ → u1\/sub\/more\.ipynb$/m);
      assert.match(again, /cloned 1 notebook into u1 \(1 already there\)$/m);
      assert.deepEqual((await readdir(join(ws.dir, 'u1'))).sort(), ['exp.ipynb', 'sub'], 'no numbered copies');
    });

    it('opens a version id from log --published in show, diff, checkout -o and clone', async () => {
      const ws = await makeWorkspace(kind);
      await writeFile(join(ws.dir, 'exp.ipynb'), notebookWith('to publish'));
      await ws.ok('push', 'exp.ipynb');
      await ws.ok('publish', 'exp.ipynb');
      const published = ((await okJson<LogEntry[]>(ws, 'log', '--published', 'exp.ipynb'))[0] as LogEntry).versionId;
      await ws.edit('exp.ipynb', 'after publishing');
      await ws.ok('push', 'exp.ipynb');
      assert.match(
        await ws.ok('show', published),
        new RegExp(`^version ${escapeRegExp(published)}\\nnotebook exp\\.ipynb \\(published copy, published/exp\\.ipynb\\)`),
      );
      assert.match(await ws.ok('show', published.slice(0, 10), 'published/exp.ipynb'), /save to publish/);
      assert.match(await ws.ok('show', published, 'exp.ipynb'), /save to publish/);
      assert.match(await ws.ok('diff', 'exp.ipynb', published), /edit after publishing/);
      await ws.ok('checkout', published, '-o', 'copy.ipynb');
      assert.equal(await readFile(join(ws.dir, 'copy.ipynb'), 'utf8'), notebookWith('to publish').toString());
      assert.equal((await ws.run('checkout', published)).error?.code, 'usage', 'not over the workspace notebook');
      await ws.ok('clone', `published/exp.ipynb@${published}`, 'cloned.ipynb');
      assert.equal(await readFile(join(ws.dir, 'cloned.ipynb'), 'utf8'), notebookWith('to publish').toString());
    });

    it('reads and writes the keys bookstore does for a prefix with slashes at both ends, and at the root for an empty one', async () => {
      for (const [prefix, key] of [
        ['/trail/kylek/', 'trail/kylek//mine.ipynb'],
        ['', 'mine.ipynb'],
      ] as const) {
        const ws = await makeWorkspace(kind);
        const config = JSON.parse(await readFile(join(ws.dir, '.nbstore', 'config.json'), 'utf8'));
        await writeFile(join(ws.dir, '.nbstore', 'config.json'), JSON.stringify({ ...config, workspace_prefix: prefix }));
        await writeFile(join(ws.dir, 'mine.ipynb'), notebookWith('mine'));
        await ws.ok('push', 'mine.ipynb');
        assert.deepEqual(await storedKeys(ws), [key], `prefix ${JSON.stringify(prefix)}`);
        assert.match(await ws.ok('ls'), /^mine\.ipynb {2}/);
        assert.equal((await log(ws, 'mine.ipynb')).length, 1);
        if (prefix !== '') assert.match(await ws.ok('clone', '--prefix', 'trail/kylek/', 'back'), /cloned 1 notebook into back$/m);
      }
    });
  });
}

describe('init on S3 says what it did, and turns versioning on in a workspace', () => {
  it('reports the bucket it created, and init --enable-versioning works where status says so', async () => {
    const endpoint = ['--endpoint-url', s3Endpoint()];
    const dir = await tempDir();
    const env = testEnv(dir);
    const created = `nbt-made-${Date.now().toString(36)}`;
    assert.match(
      await ok(['init', `s3://${created}`, '--create-bucket', ...endpoint], { cwd: dir, env }),
      new RegExp(`^created bucket s3://${created} with versioning on\\n`),
    );

    const suspended = await createBucket('susp', 'Suspended');
    const other = await tempDir();
    const otherEnv = testEnv(other);
    await mkdir(join(other, '.nbstore'));
    await writeFile(
      join(other, '.nbstore', 'config.json'),
      JSON.stringify({ store: 's3', s3_bucket: suspended, s3_endpoint_url: s3Endpoint() }),
    );
    const status = await runCli(['status'], { cwd: other, env: otherEnv });
    assert.equal(status.status, 1);
    assert.match(status.stdout, /nbstore init --enable-versioning turns it on/);
    assert.equal(await ok(['init', '--enable-versioning'], { cwd: other, env: otherEnv }), `turned on versioning for s3://${suspended}\n`);
    assert.equal(
      await ok(['init', '--enable-versioning'], { cwd: other, env: otherEnv }),
      `versioning is already on for s3://${suspended}\n`,
    );
    assert.match((await runCli(['status'], { cwd: other, env: otherEnv })).stdout, /versioning +enabled/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}
