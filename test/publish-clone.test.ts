import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { sha256 } from '../src/lib/fs.js';
import { formatTime } from '../src/lib/time.js';
import { main } from '../src/main.js';
import { clonePrefix } from '../src/ops/clone.js';
import { addToSpool } from '../src/workspace/spool.js';
import { Workspace } from '../src/workspace/workspace.js';
import { tempDir } from './support/cli.js';
import { countInFlight } from './support/counting.js';
import { bucketTool, foreignTool } from './support/foreign.js';
import { createBucket, s3Endpoint } from './support/s3.js';
import { forgetTracking, makeWorkspace, markdownNotebook, okJson, pushedId, STORE_KINDS, trackedNotebooks } from './support/workspace.js';

interface Logged {
  versionId: string;
  key: string;
  message?: string;
  sourceKey?: string;
  sourceVersion?: string;
  sha256?: string;
  parent?: string;
  lastModified: string;
  isBase: boolean;
  isPublished: boolean;
}

/** The published version id, the last word of publish's line. */
function publishedId(stdout: string): string {
  const match = /^(?:published|already published)\s+\S+\s+\S+ → \S+\s+(\S+)$/m.exec(stdout);
  if (!match) throw new Error(`no published version id in: ${stdout}`);
  return match[1] as string;
}

for (const kind of STORE_KINDS) {
  describe(`publish on the ${kind} store`, () => {
    it('copies the latest pushed version to the published prefix, records its source, prints the published id; log marks it', async () => {
      const ws = await makeWorkspace(kind);
      await ws.addFixture('analysis.ipynb', 'p.ipynb');
      const v1 = pushedId(await ws.ok('push', 'p.ipynb', '-m', 'one'));
      await ws.edit('p.ipynb', 'two');
      const v2Bytes = await readFile(join(ws.dir, 'p.ipynb'));
      const v2 = pushedId(await ws.ok('push', 'p.ipynb', '-m', 'two'));

      const out = await ws.ok('publish', 'p.ipynb', '-m', 'Q3 report');
      assert.match(out, new RegExp(`^published  p\\.ipynb  ${v2} → published/p\\.ipynb  \\S+\\n$`));
      const published = publishedId(out);

      const history = await okJson<Logged[]>(ws, 'log', '--published', 'p.ipynb');
      assert.equal(history.length, 1);
      assert.equal(history[0]?.versionId, published);
      assert.equal(history[0]?.key, 'published/p.ipynb');
      assert.equal(history[0]?.sourceKey, 'workspace/p.ipynb');
      assert.equal(history[0]?.sourceVersion, v2);
      assert.equal(history[0]?.message, 'Q3 report');
      assert.equal(history[0]?.sha256, sha256(v2Bytes), 'the copy carries the hash of its bytes');
      assert.deepEqual(
        await (await foreignTool(ws)).get('published/p.ipynb'),
        v2Bytes,
        'a plain GET (as bookstore reads) returns the exact bytes',
      );

      const log = await okJson<Logged[]>(ws, 'log', 'p.ipynb');
      assert.deepEqual(
        log.map((v) => [v.versionId, v.isPublished]),
        [
          [v2, true],
          [v1, false],
        ],
      );
      assert.match((await ws.ok('log', 'p.ipynb')).split('\n')[0] as string, /two \(latest, base, published\)$/);
      assert.match(await ws.ok('log', '--published', 'p.ipynb'), new RegExp(`Q3 report from ${v2.slice(0, 8)}\\S* \\(latest\\)\\n$`));

      // Publishing the published version again copies nothing.
      assert.match(
        await ws.ok('publish', 'p.ipynb'),
        new RegExp(`^already published  p\\.ipynb  ${v2} → published/p\\.ipynb  ${published}\\n$`),
      );
      assert.equal((await okJson<Logged[]>(ws, 'log', '--published', 'p.ipynb')).length, 1);
    });

    it('refuses unpushed edits, saves in the spool and a stale copy unless --version names a version', async () => {
      const ws = await makeWorkspace(kind);
      await ws.addFixture('analysis.ipynb', 'r.ipynb');
      const v1 = pushedId(await ws.ok('push', 'r.ipynb'));
      await ws.edit('r.ipynb', 'two');
      const v2 = pushedId(await ws.ok('push', 'r.ipynb'));

      await ws.edit('r.ipynb', 'unpushed');
      const edited = await ws.run('publish', 'r.ipynb');
      assert.equal(edited.error?.code, 'local-changes');
      assert.match(
        edited.error?.message ?? '',
        /^r\.ipynb: has changes that are not pushed; push them first, or name a version with --version$/,
      );
      assert.deepEqual(await okJson<Logged[]>(ws, 'log', '--published', 'r.ipynb'), [], 'nothing was published');

      const older = await ws.ok('publish', 'r.ipynb', '--version', '@~1');
      assert.match(older, new RegExp(`^published  r\\.ipynb  ${v1} → `));
      assert.deepEqual(
        (await okJson<Logged[]>(ws, 'log', 'r.ipynb')).map((v) => v.isPublished),
        [false, true],
      );

      await ws.ok('checkout', v1, 'r.ipynb', '--force');
      const stale = await ws.run('publish', 'r.ipynb');
      assert.equal(stale.error?.code, 'local-changes');
      assert.match(stale.error?.message ?? '', /a newer version was pushed since the local copy/);

      await ws.ok('checkout', 'latest', 'r.ipynb');
      await addToSpool(
        join(ws.dir, '.nbstore', 'spool'),
        { path: 'r.ipynb', savedAt: new Date().toISOString() },
        await readFile(join(ws.dir, 'r.ipynb')),
      );
      assert.match((await ws.run('publish', 'r.ipynb')).error?.message ?? '', /1 save waiting in the spool are not pushed/);
      assert.match(await ws.ok('publish', 'r.ipynb', '--version', v2.slice(0, 12)), new RegExp(`^published  r\\.ipynb  ${v2} → `));

      // With no local file (and no saves waiting) the latest version is published as it is.
      await rm(join(ws.dir, '.nbstore', 'spool'), { recursive: true });
      await rm(join(ws.dir, 'r.ipynb'));
      await ws.ok('publish', 'r.ipynb', '--version', v1);
      assert.match(await ws.ok('publish', 'r.ipynb'), new RegExp(`^published  r\\.ipynb  ${v2} → `));

      assert.equal((await ws.run('publish', 'never-pushed.ipynb')).error?.code, 'unknown-revision');
      assert.equal((await ws.run('publish', 'r.ipynb', '--version', 'nosuchversion')).error?.code, 'unknown-revision');
      assert.equal((await ws.run('publish', '../outside.ipynb')).error?.code, 'outside-workspace');
    });
  });

  describe(`clone on the ${kind} store`, () => {
    it('writes a new file and never overwrites one: name-1, name-2, …', async () => {
      const ws = await makeWorkspace(kind);
      await ws.addFixture('analysis.ipynb', 'a.ipynb');
      const original = await readFile(join(ws.dir, 'a.ipynb'));
      const v1 = pushedId(await ws.ok('push', 'a.ipynb'));
      await ws.ok('publish', 'a.ipynb');
      await ws.edit('a.ipynb', 'local');
      const local = await readFile(join(ws.dir, 'a.ipynb'));

      const first = await ws.ok('clone', 'workspace/a.ipynb');
      assert.equal(first, `cloned  workspace/a.ipynb@${v1} → a-1.ipynb (a.ipynb exists)\n`);
      assert.match(await ws.ok('clone', 'published/a.ipynb'), /^cloned {2}published\/a\.ipynb@\S+ → a-2\.ipynb \(a\.ipynb exists\)\n$/);
      assert.deepEqual(await readFile(join(ws.dir, 'a.ipynb')), local, 'the existing file is untouched');
      assert.deepEqual(await readFile(join(ws.dir, 'a-1.ipynb')), original);
      assert.deepEqual(await readFile(join(ws.dir, 'a-2.ipynb')), original);

      // An explicit target that exists is not overwritten either.
      assert.match(await ws.ok('clone', 'workspace/a.ipynb', 'a-1.ipynb'), /→ a-1-1\.ipynb \(a-1\.ipynb exists\)/);
      const names = (await readdir(ws.dir)).filter((n) => !n.startsWith('.')).sort();
      assert.deepEqual(names, ['a-1-1.ipynb', 'a-1.ipynb', 'a-2.ipynb', 'a.ipynb']);
    });

    it('refuses a stored object that is not a notebook, inside the workspace or out, and writes nothing', async () => {
      const ws = await makeWorkspace(kind);
      await (await foreignTool(ws)).put('workspace/broken.ipynb', '{"cells": [');
      const outside = await tempDir('nbstore-clone-out-');
      for (const target of [join(ws.dir, 'in'), outside]) {
        const result = await ws.run('clone', 'workspace/broken.ipynb', join(target, 'b.ipynb'));
        assert.equal(result.error?.code, 'not-a-notebook', result.error?.message);
        assert.match(result.error?.message ?? '', /^workspace\/broken\.ipynb@\S+: not a notebook \(/);
        assert.deepEqual(await readdir(target).catch(() => []), []);
      }
    });

    it('records a clone inside the workspace as tracked, so status and push work on it at once', async () => {
      const ws = await makeWorkspace(kind);
      await ws.addFixture('analysis.ipynb', 't.ipynb');
      const v1 = pushedId(await ws.ok('push', 't.ipynb'));
      await ws.edit('t.ipynb', 'two');
      const v2 = pushedId(await ws.ok('push', 't.ipynb'));
      await rm(join(ws.dir, 't.ipynb'));
      await forgetTracking(ws);

      await ws.ok('clone', 'workspace/t.ipynb@~1');
      const tracked = (await trackedNotebooks(ws))['t.ipynb'];
      assert.deepEqual(tracked, { key: 'workspace/t.ipynb', base: v1, sha256: tracked?.sha256, canonical: tracked?.canonical });
      const status = await okJson<{ notebooks: Array<{ path: string; state: string }> }>(ws, 'status');
      assert.deepEqual(
        status.notebooks.map((n) => [n.path, n.state]),
        [['t.ipynb', 'behind']],
      );
      assert.equal((await okJson<Logged[]>(ws, 'log', 't.ipynb')).find((v) => v.isBase)?.versionId, v1);

      await ws.edit('t.ipynb', 'on the clone');
      // Edits on an older version than the latest: a push by hand is refused, as git refuses a non-fast-forward.
      assert.equal((await ws.run('push', 't.ipynb', '-m', 'from the clone')).error?.code, 'diverged');
      const pushed = pushedId(await ws.ok('push', 't.ipynb', '-m', 'from the clone', '--force'));
      const log = await okJson<Logged[]>(ws, 'log', 't.ipynb');
      assert.equal(log[0]?.versionId, pushed);
      assert.equal(log[0]?.parent, v1, 'the push is based on the cloned version');
      assert.notEqual(pushed, v2);

      // A clone from the published prefix is not pushed at its own key until pushed.
      await ws.ok('publish', 't.ipynb');
      await ws.ok('clone', 'published/t.ipynb', 'copy.ipynb');
      const after = await okJson<{ notebooks: Array<{ path: string; state: string }> }>(ws, 'status');
      assert.deepEqual(
        after.notebooks.map((n) => [n.path, n.state]),
        [
          ['copy.ipynb', 'not pushed'],
          ['t.ipynb', 'unmodified'],
        ],
      );
      await ws.ok('push', 'copy.ipynb');
      assert.equal((await okJson<{ notebooks: Array<{ path: string; state: string }> }>(ws, 'status')).notebooks[0]?.state, 'unmodified');
    });

    it('takes @REV, a target file or folder, or a workspace path; says what is wrong in one line', async () => {
      const ws = await makeWorkspace(kind);
      await ws.addFixture('analysis.ipynb', 'r.ipynb');
      const v1Bytes = await readFile(join(ws.dir, 'r.ipynb'));
      const v1 = pushedId(await ws.ok('push', 'r.ipynb'));
      await ws.edit('r.ipynb', 'two');
      await ws.ok('push', 'r.ipynb');

      await ws.ok('clone', 'workspace/r.ipynb@~1', 'old.ipynb');
      assert.deepEqual(await readFile(join(ws.dir, 'old.ipynb')), v1Bytes);
      await ws.ok('clone', `workspace/r.ipynb@${v1.slice(0, 10)}`, 'into/');
      assert.deepEqual(await readFile(join(ws.dir, 'into', 'r.ipynb')), v1Bytes);
      await ws.ok('clone', 'r.ipynb@{2099-01-01}', 'into');
      assert.deepEqual(await readFile(join(ws.dir, 'into', 'r-1.ipynb')), await readFile(join(ws.dir, 'r.ipynb')));

      const cases: Array<[string[], string]> = [
        [['clone', 'workspace/missing.ipynb'], 'not-found'],
        [['clone', 'workspace/r.ipynb@nosuchversion'], 'unknown-revision'],
        [['clone', 'workspace/r.ipynb@{last tuesday}'], 'bad-revision'],
        [['clone', 'workspace/r.ipynb@'], 'usage'],
        [['clone', 's3://bucket-only'], 'usage'],
        [['clone'], 'usage'],
        [['clone', 'workspace/r.ipynb', '--at', '2d'], 'usage'],
        [['clone', '--prefix', 'workspace', 'a', 'b'], 'usage'],
        [['clone', '--prefix', 'workspace/none'], 'not-found'],
      ];
      for (const [argv, code] of cases) {
        const result = await ws.run(...argv);
        assert.equal(result.error?.code, code, argv.join(' '));
        assert.doesNotMatch(result.error?.message ?? '', /\n/);
      }
      const foreign = await foreignTool(ws);
      await foreign.put('workspace/deleted.ipynb', markdownNotebook('kept'));
      await foreign.remove('workspace/deleted.ipynb');
      assert.equal((await ws.run('clone', 'workspace/deleted.ipynb')).error?.code, 'not-found');
      await ws.ok('clone', 'workspace/deleted.ipynb@latest');
      assert.equal(await readFile(join(ws.dir, 'deleted.ipynb'), 'utf8'), markdownNotebook('kept'));
    });

    it('refuses, alone, each key that would land outside the target folder, and clones the rest', async () => {
      const ws = await makeWorkspace(kind);
      const foreign = await foreignTool(ws);
      await foreign.put('workspace/team/fine.ipynb', markdownNotebook('fine'));
      // (`workspace/team//x.ipynb` is not among them: bookstore writes that key for a prefix of
      // `workspace/team/`, and the path below the prefix is `x.ipynb`, as bookstore strips it.)
      for (const key of ['workspace/team/../../escape.ipynb', 'workspace/team/a//b.ipynb', 'workspace/team/.nbstore/state.ipynb']) {
        await foreign.put(key, markdownNotebook('evil'));
        const result = await ws.run('clone', '--prefix', 'workspace/team', 'out');
        assert.equal(result.error?.code, 'unsafe-key', key);
        assert.equal(result.status, 1);
        assert.ok(
          result.error?.message.startsWith(`1 of 2 notebooks were not cloned (first: ${JSON.stringify(key)}: refusing a key with `),
          result.error?.message,
        );
        assert.ok(result.stderr.includes(`nbstore: ${JSON.stringify(key)}: refusing a key`), result.stderr);
        assert.equal(await readFile(join(ws.dir, 'out', 'fine.ipynb'), 'utf8'), markdownNotebook('fine'));
        await rm(join(ws.dir, 'out'), { recursive: true });
        await foreign.remove(key);
      }
      assert.deepEqual(
        (await readdir(ws.dir)).filter((n) => !n.startsWith('.')),
        [],
        'nothing was written outside',
      );
      await foreign.put('workspace/..', markdownNotebook('evil'));
      assert.equal((await ws.run('clone', 'workspace/..')).error?.code, 'unsafe-key');
      assert.match(await ws.ok('clone', '--prefix', 'workspace/team', 'out'), /cloned 1 notebook into out/);
    });

    it('clones every notebook under a prefix, or as it was at a time, and tracks those in the workspace', async () => {
      const ws = await makeWorkspace(kind);
      for (const name of ['a', 'b', 'c']) await writeFile(join(ws.dir, `${name}.ipynb`), markdownNotebook(`${name} one`));
      await ws.ok('push', 'a.ipynb', 'b.ipynb', 'c.ipynb');
      // Listing times (log), not HEAD times (ls): S3 gives HEAD times to the second only.
      const times = await Promise.all(
        ['a', 'b', 'c'].map(async (name) => (await okJson<Logged[]>(ws, 'log', `${name}.ipynb`))[0]?.lastModified as string),
      );
      const then = times.sort().at(-1) as string;
      await new Promise((r) => setTimeout(r, 5)); // so that later writes have later times
      await writeFile(join(ws.dir, 'a.ipynb'), markdownNotebook('a two'));
      await writeFile(join(ws.dir, 'd.ipynb'), markdownNotebook('d one'));
      await ws.ok('push', 'a.ipynb', 'd.ipynb');
      await (await foreignTool(ws)).remove('workspace/b.ipynb');
      await (await foreignTool(ws)).put('workspace/notes.txt', 'not a notebook');

      const now = await ws.ok('clone', '--prefix', 'workspace', 'restore');
      assert.match(now, /cloned 3 notebooks into restore\n$/);
      assert.deepEqual((await readdir(join(ws.dir, 'restore'))).sort(), ['a.ipynb', 'c.ipynb', 'd.ipynb']);
      assert.equal(await readFile(join(ws.dir, 'restore', 'a.ipynb'), 'utf8'), markdownNotebook('a two'));

      const past = await ws.ok('clone', '--prefix', 'workspace/', 'past', '--at', then);
      // Said in local time, as log says times.
      assert.match(past, new RegExp(`cloned 3 notebooks into past as of ${formatTime(new Date(then))}\\n$`));
      assert.deepEqual((await readdir(join(ws.dir, 'past'))).sort(), ['a.ipynb', 'b.ipynb', 'c.ipynb']);
      assert.equal(await readFile(join(ws.dir, 'past', 'a.ipynb'), 'utf8'), markdownNotebook('a one'));
      assert.equal(await readFile(join(ws.dir, 'past', 'b.ipynb'), 'utf8'), markdownNotebook('b one'));

      const tracked = await trackedNotebooks(ws);
      assert.equal(tracked['past/a.ipynb']?.key, 'workspace/a.ipynb', 'clones in the workspace are tracked');
      assert.equal(tracked['restore/d.ipynb']?.key, 'workspace/d.ipynb');
      // Into a folder outside the workspace: written, not tracked.
      const outside = join(ws.dir, '..', `${ws.dir.split('/').at(-1)}-out`);
      await ws.ok('clone', '--prefix', 'workspace', outside);
      assert.deepEqual((await readdir(outside)).sort(), ['a.ipynb', 'c.ipynb', 'd.ipynb']);
      assert.deepEqual(Object.keys(await trackedNotebooks(ws)).sort(), Object.keys(tracked).sort());
    });

    it('clones a prefix in parallel up to max_threads, with a progress bar on a terminal', async () => {
      const ws = await makeWorkspace(kind);
      const foreign = await foreignTool(ws);
      for (let i = 0; i < 8; i++) await foreign.put(`workspace/many/n${i}.ipynb`, markdownNotebook(`n${i}`));

      const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
      const chunks: string[] = [];
      stderr.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
      const io = { cwd: ws.dir, env: ws.env, stdout: new PassThrough(), stderr, stdin: new PassThrough() };
      assert.equal(await main(['clone', '--prefix', 'workspace/many', 'bar'], io), 0);
      const drawn = chunks.join('');
      assert.match(drawn, /\rcloning \[#{3}\.{21}\] 1\/8/);
      assert.match(drawn, /\rcloning \[#{24}\] 8\/8/);
      assert.ok(drawn.endsWith('\r\x1b[2K'), 'the bar is erased at the end');

      const workspace = await Workspace.load(ws.dir, io, { max_threads: 3 });
      const { store, most } = countInFlight(await workspace.openStore(), 'get');
      const { cloned } = await clonePrefix(workspace, { store, trackable: true, label: '' }, 'workspace/many', join(ws.dir, 'threads'));
      assert.equal(cloned.length, 8);
      assert.equal(most(), 3, 'three reads at once, no more');
    });

    it("clones from s3://bucket/key with the workspace's endpoint and credentials", async () => {
      const ws = await makeWorkspace(kind);
      const other = await createBucket('other');
      await (await bucketTool(other)).put('team/eda.ipynb', markdownNotebook('from another bucket'));
      const flags = kind === 'embedded' && s3Endpoint() ? ['--endpoint-url', s3Endpoint()] : [];
      const out = await ws.ok('clone', `s3://${other}/team/eda.ipynb`, ...flags);
      assert.match(out, new RegExp(`^cloned  s3://${other}/team/eda\\.ipynb@\\S+ → eda\\.ipynb\\nnot tracked \\(from another bucket\\)`));
      assert.equal(await readFile(join(ws.dir, 'eda.ipynb'), 'utf8'), markdownNotebook('from another bucket'));
      assert.match(await ws.ok('clone', '--prefix', `s3://${other}/team`, 'fromother', ...flags), /cloned 1 notebook into fromother/);
      assert.equal((await ws.run('clone', `s3://${other}/team/missing.ipynb`, ...flags)).error?.code, 'not-found');
      if (ws.bucket) {
        // Naming the workspace's own bucket is the same as naming the key.
        await writeFile(join(ws.dir, 'own.ipynb'), markdownNotebook('own'));
        await ws.ok('push', 'own.ipynb');
        await ws.ok('clone', `s3://${ws.bucket}/workspace/own.ipynb`, 'own-copy.ipynb');
        assert.equal((await trackedNotebooks(ws))['own-copy.ipynb']?.key, 'workspace/own.ipynb');
      }
    });
  });
}
