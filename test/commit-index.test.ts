import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { processIo } from '../src/cli/io.js';
import { noColours } from '../src/lib/paint.js';
import { WorkspaceBrowseSource } from '../src/ops/browse.js';
import { Workspace } from '../src/workspace/workspace.js';
import { BIN, runCli, tempDir } from './support/cli.js';
import { foreignTool } from './support/foreign.js';
import { S3Proxy } from './support/s3-proxy.js';
import { shellQuote, Terminal } from './support/tmux.js';
import { makeWorkspace, markdownNotebook, okJson, pushedId, STORE_KINDS, type TestWorkspace } from './support/workspace.js';

interface Logged {
  path: string;
  versionId: string;
  author?: string;
  message?: string;
  lastModified: string;
}

/** Pushes `count` versions of `file`, each with its own message; returns their ids, oldest first. */
async function pushVersions(ws: TestWorkspace, file: string, count: number, as?: string): Promise<string[]> {
  const ids = [];
  for (let i = 0; i < count; i++) {
    await writeFile(join(ws.dir, file), markdownNotebook(`${file} ${i}`));
    const env = as ? { ...ws.env, NBSTORE_AUTHOR: as } : ws.env;
    ids.push(pushedId((await runCli(['push', file, '-m', `${file} save ${i}`], { cwd: ws.dir, env })).stdout));
  }
  return ids;
}

for (const kind of STORE_KINDS) {
  describe(`commit index (${kind})`, () => {
    it('log without a path shows the newest versions across the workspace, filtered by --since and --author', async () => {
      const ws = await makeWorkspace(kind);
      await pushVersions(ws, 'a.ipynb', 2, 'ana');
      await mkdir(join(ws.dir, 'sub'));
      const [b] = await pushVersions(ws, 'sub/b.ipynb', 1, 'bo');
      await ws.ok('publish', 'a.ipynb');
      const all = await okJson<Logged[]>(ws, 'log');
      assert.deepEqual(
        all.map((e) => [e.path, e.message, e.author]),
        [
          ['sub/b.ipynb', 'sub/b.ipynb save 0', 'bo'],
          ['a.ipynb', 'a.ipynb save 1', 'ana'],
          ['a.ipynb', 'a.ipynb save 0', 'ana'],
        ],
        'newest first, the published copy not among them',
      );
      assert.equal(all[0]?.versionId, b);
      assert.deepEqual(
        (await okJson<Logged[]>(ws, 'log', '--author', 'AN')).map((e) => e.message),
        ['a.ipynb save 1', 'a.ipynb save 0'],
      );
      assert.deepEqual(
        (await okJson<Logged[]>(ws, 'log', '-n', '1')).map((e) => e.path),
        ['sub/b.ipynb'],
      );
      assert.deepEqual(await okJson<Logged[]>(ws, 'log', '--since', '2h', '--author', 'nobody'), []);
      assert.equal((await okJson<Logged[]>(ws, 'log', '--since', '1h')).length, 3);
      assert.equal((await okJson<Logged[]>(ws, 'log', '--since', '2099-01-01')).length, 0);
      const text = await ws.ok('log', '--oneline');
      assert.match(text, /^\S+ sub\/b\.ipynb sub\/b\.ipynb save 0$/m);

      // The same filters on one notebook.
      assert.deepEqual(
        (await okJson<Logged[]>(ws, 'log', 'a.ipynb', '--author', 'bo')).map((e) => e.message),
        [],
      );
      assert.deepEqual(
        (await okJson<Logged[]>(ws, 'log', 'a.ipynb', '--author', 'ana', '-n', '1')).map((e) => e.message),
        ['a.ipynb save 1'],
      );
      assert.equal(await ws.ok('log', 'a.ipynb', '--since', '2099-01-01'), 'a.ipynb: no versions match\n');
      const bad = await ws.run('log', '--since', 'someday');
      assert.equal(bad.status, 1);
      assert.match(bad.error?.message ?? '', /^--since someday: cannot read "someday" as a time/);
    });

    it('fsck writes the entries of versions other tools wrote, and reports entries whose version is gone', async () => {
      const ws = await makeWorkspace(kind);
      await pushVersions(ws, 'mine.ipynb', 1);
      const foreign = await foreignTool(ws);
      await foreign.put('workspace/theirs.ipynb', markdownNotebook('from bookstore'));
      assert.deepEqual(
        (await okJson<Logged[]>(ws, 'log')).map((e) => e.path),
        ['mine.ipynb'],
        'a version with no entry is not in the workspace log',
      );
      const dry = await ws.run('fsck', '--dry-run');
      assert.equal(dry.status, 1);
      assert.match(dry.stdout, /^missing entry {2}workspace\/theirs\.ipynb@\S+$/m);
      assert.match(dry.stdout, /checked 2 versions: 1 without an index entry, 0 stale/);
      assert.deepEqual(
        (await okJson<Logged[]>(ws, 'log')).map((e) => e.path),
        ['mine.ipynb'],
        'a dry run writes nothing',
      );
      const fixed = await ws.run('fsck');
      assert.equal(fixed.status, 0, fixed.stderr);
      assert.match(fixed.stdout, /^missing entry {2}workspace\/theirs\.ipynb@\S+ \(written\)$/m);
      assert.deepEqual(
        (await okJson<Logged[]>(ws, 'log')).map((e) => e.path),
        ['theirs.ipynb', 'mine.ipynb'],
      );
      assert.match(await ws.ok('fsck'), /checked 2 versions: 0 without an index entry, 0 written, 0 stale/);

      await foreign.put('.nbstore/index/workspace/ghost.ipynb/8000000000000~GoneGoneGone~s10', '');
      const stale = await ws.run('fsck', 'workspace/');
      assert.equal(stale.status, 1);
      assert.match(stale.stdout, /^stale entry {4}workspace\/ghost\.ipynb@GoneGoneGone \(the version is gone\)$/m);
    });

    it('keeps the index out of ls, clone --prefix and browse when the workspace prefix is the bucket root', async () => {
      const ws = await makeWorkspace(kind, { env: { NBSTORE_WORKSPACE_PREFIX: '' } });
      await pushVersions(ws, 'root.ipynb', 1);
      assert.match(await ws.ok('ls'), /^root\.ipynb /);
      assert.equal((await ws.ok('ls')).trim().split('\n').length, 1);
      const target = join(await tempDir(), 'copy');
      await ws.ok('clone', '--prefix', '', target);
      const { readdir } = await import('node:fs/promises');
      assert.deepEqual((await readdir(target)).sort(), ['root.ipynb']);
      assert.deepEqual(
        (await okJson<Logged[]>(ws, 'log')).map((e) => e.path),
        ['root.ipynb'],
      );
      await rm(target, { recursive: true, force: true });
    });
  });
}

describe('commit index on S3: request counts', () => {
  it('a cold log of N versions pushed by nbstore makes at most 2 ceil(N/1000) + 2 requests, and no HEAD; a workspace log one listing', async (t) => {
    const proxy = await S3Proxy.start();
    t.after(() => proxy.close());
    const ws = await makeWorkspace('s3');
    const n = 30;
    await pushVersions(ws, 'nb.ipynb', n);
    const env = { ...ws.env, NBSTORE_S3_ENDPOINT_URL: proxy.url };
    await rm(join(ws.dir, '.nbstore', 'cache'), { recursive: true, force: true });
    proxy.seen.length = 0;
    const log = await runCli(['log', 'nb.ipynb', '--json'], { cwd: ws.dir, env });
    assert.equal(log.status, 0, log.stderr);
    const entries = JSON.parse(log.stdout) as Logged[];
    assert.equal(entries.length, n);
    assert.deepEqual(
      entries.map((e) => e.message),
      Array.from({ length: n }, (_, i) => `nb.ipynb save ${n - 1 - i}`),
    );
    const bound = 2 * Math.ceil(n / 1000) + 2;
    assert.ok(proxy.seen.length <= bound, `${proxy.seen.length} requests: ${proxy.seen.map((r) => `${r.method} ${r.url}`).join(', ')}`);
    assert.equal(proxy.count('HEAD', /\/workspace\/nb\.ipynb\?/), 0, 'no HEAD of a version');

    proxy.seen.length = 0;
    assert.equal(JSON.parse((await runCli(['log', '--json'], { cwd: ws.dir, env })).stdout).length, n);
    assert.equal(proxy.seen.length, 1, 'the workspace log is one listing page');

    // browse's versions pane reads them the same way.
    await rm(join(ws.dir, '.nbstore', 'cache'), { recursive: true, force: true });
    const workspace = await Workspace.find({ ...processIo(), cwd: ws.dir, env });
    const source = new WorkspaceBrowseSource(workspace, await workspace.openStore(), { paint: noColours, cwd: ws.dir });
    const [notebook] = await source.notebooks('workspace');
    assert.ok(notebook);
    proxy.seen.length = 0;
    const versions = await source.versions('workspace', notebook);
    assert.equal(versions.length, n);
    assert.equal(versions[0]?.message, `nb.ipynb save ${n - 1}`);
    assert.ok(proxy.seen.length <= bound, `browse: ${proxy.seen.length} requests`);
  });
});

describe('pager', () => {
  const NBSTORE = `${shellQuote(process.execPath)} ${shellQuote(BIN)}`;

  it('pages a log longer than the terminal through less, and not with --no-pager or when it fits', async () => {
    const ws = await makeWorkspace('embedded');
    await pushVersions(ws, 'long.ipynb', 12);
    const env: NodeJS.ProcessEnv = { ...ws.env, PAGER: '', NBSTORE_PAGER: 'less -FRX', TERM: 'xterm' };
    delete env.NO_COLOR;
    const paged = await Terminal.start(`${NBSTORE} log long.ipynb --oneline`, { cwd: ws.dir, env, columns: 80, rows: 6 });
    try {
      const screen = await paged.waitFor(/long\.ipynb save 11[\s\S]*\n:\s*$/, 'the first page and less waiting');
      assert.doesNotMatch(screen, /save 0\b/, 'only the first screen is shown');
      await paged.press('q');
      assert.equal(await paged.exited(), 0);
    } finally {
      await paged.stop();
    }
    const straight = await Terminal.start(`${NBSTORE} log long.ipynb --oneline --no-pager`, { cwd: ws.dir, env, columns: 80, rows: 6 });
    try {
      assert.equal(await straight.exited(), 0);
      assert.match(await straight.screen(), /save 0\b/, 'written straight to the end');
    } finally {
      await straight.stop();
    }
    const short = await Terminal.start(`${NBSTORE} log long.ipynb --oneline -n 2`, {
      cwd: ws.dir,
      env: { ...env, NBSTORE_PAGER: 'false' },
      columns: 80,
      rows: 6,
    });
    try {
      assert.equal(await short.exited(), 0);
      assert.match(await short.screen(), /save 10\b/, 'output that fits is written, not paged');
    } finally {
      await short.stop();
    }
  });
});

describe('workspace log on a terminal', () => {
  it('shows the newest 20 unless -n says otherwise', async () => {
    const ws = await makeWorkspace('embedded');
    await pushVersions(ws, 'many.ipynb', 22);
    const all = await okJson<Logged[]>(ws, 'log');
    assert.equal(all.length, 22, JSON.stringify(all.map((e) => [e.message, e.lastModified])));
    const NBSTORE = `${shellQuote(process.execPath)} ${shellQuote(BIN)}`;
    // Started on a key press: output written while tmux still sets the pane up may lose its first line.
    const term = await Terminal.start(`read go; ${NBSTORE} log --oneline --no-pager`, {
      cwd: ws.dir,
      env: { ...ws.env, TERM: 'xterm' },
      columns: 100,
      rows: 40,
    });
    try {
      await term.press('Enter');
      assert.equal(await term.exited(), 0);
      const lines = (await term.screen()).split('\n').filter((line) => / many\.ipynb save \d+$/.test(line));
      assert.equal(lines.length, 20, await term.screen());
      assert.match(lines[0] ?? '', /save 21$/);
      assert.match(lines[19] ?? '', /save 2$/);
    } finally {
      await term.stop();
    }
  });
});
