import assert from 'node:assert/strict';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mapLimit } from '../src/lib/concurrency.js';
import { listNotebooks } from '../src/ops/ls.js';
import { FileStore } from '../src/store/file-store.js';
import { S3Store } from '../src/store/s3-store.js';
import { addToSpool } from '../src/workspace/spool.js';
import { runBin, runCli } from './support/cli.js';
import { countInFlight } from './support/counting.js';
import { foreignTool } from './support/foreign.js';
import { rawClient, s3Settings, uniqueBucket } from './support/s3.js';
import { makeWorkspace, markdownNotebook, okJson, pushedId, STORE_KINDS } from './support/workspace.js';

interface Listed {
  path: string;
  key: string;
  versionId: string;
  lastModified: string;
  size: number;
  author?: string;
}

interface Status {
  store: { kind: string; location: string; bucket?: string; endpoint?: string; workspacePrefix: string; publishedPrefix: string };
  bookstore: { bookstore_valid: boolean; archive_valid: boolean; publish_valid: boolean };
  checks: { credentialsAccepted: boolean | null; bucketReachable: boolean | null; versioningEnabled: boolean | null; problem?: string };
  notebooks: Array<{ path: string; key: string; state: string; base?: string; latest?: string | null; spooled: number }>;
  spool: { waiting: number };
}

for (const kind of STORE_KINDS) {
  describe(`ls on the ${kind} store`, () => {
    it('lists notebooks with their latest version id, date, size and author; by prefix; published', async () => {
      const ws = await makeWorkspace(kind);
      await ws.addFixture('analysis.ipynb', 'a.ipynb');
      await writeFile(join(ws.dir, 'team.ipynb'), markdownNotebook('a sibling of the folder'));
      await ws.ok('push', 'a.ipynb', 'team.ipynb');
      await ws.edit('a.ipynb', 'two');
      const a = pushedId(await ws.ok('push', 'a.ipynb'));
      await mkdir(join(ws.dir, 'team'));
      await writeFile(join(ws.dir, 'team', 'b.ipynb'), markdownNotebook('b'));
      const b = pushedId(await ws.ok('push', 'team/b.ipynb'));
      const foreign = await foreignTool(ws);
      await foreign.put('workspace/other-tool.ipynb', markdownNotebook('no metadata'));
      await foreign.put('workspace/readme.txt', 'not a notebook');
      await foreign.put('workspace/gone.ipynb', markdownNotebook('deleted'));
      await foreign.remove('workspace/gone.ipynb');
      const published = /(\S+)\n$/.exec(await ws.ok('publish', 'a.ipynb'))?.[1];

      const listed = await okJson<Listed[]>(ws, 'ls');
      assert.deepEqual(
        listed.map((n) => n.path),
        ['a.ipynb', 'other-tool.ipynb', 'team.ipynb', 'team/b.ipynb'],
      );
      const first = listed[0] as Listed;
      assert.equal(first.key, 'workspace/a.ipynb');
      assert.equal(first.versionId, a);
      assert.equal(first.size, (await stat(join(ws.dir, 'a.ipynb'))).size);
      assert.equal(first.author, 'tester');
      assert.ok(Math.abs(Date.parse(first.lastModified) - Date.now()) < 10 * 60_000, 'a date of the push');
      assert.equal(listed[1]?.author, undefined, 'another tool records no author');
      assert.equal(listed[3]?.versionId, b);

      assert.deepEqual(
        (await okJson<Listed[]>(ws, 'ls', 'team/')).map((n) => n.path),
        ['team/b.ipynb'],
      );
      assert.deepEqual(
        (await okJson<Listed[]>(ws, 'ls', 'team')).map((n) => n.path),
        ['team.ipynb', 'team/b.ipynb'],
        'a prefix, as S3 lists',
      );
      const pub = await okJson<Listed[]>(ws, 'ls', '--published');
      assert.deepEqual(
        pub.map((n) => [n.path, n.key, n.versionId]),
        [['a.ipynb', 'published/a.ipynb', published]],
      );

      const text = await ws.ok('ls');
      assert.match(
        text.split('\n')[0] as string,
        new RegExp(`^a\\.ipynb {11}${a.slice(0, 8)}\\S*  \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}  tester\\s+[\\d.]+ KB$`),
      );
      assert.match(text.split('\n')[1] as string, /^other-tool\.ipynb {2}\S{8,} {2}\S+ \S+ {2}-\s+\d+ B$/);
      assert.equal(
        await ws.ok('ls', 'nothing/'),
        `no notebooks under workspace/nothing/ in ${kind === 's3' ? `s3://${ws.bucket}` : join(ws.dir, '.nbstore', 'store')}\n`,
      );
    });

    it("reads the listing page by page and fetches each notebook's metadata in parallel, up to max_threads", async () => {
      const ws = await makeWorkspace(kind);
      const foreign = await foreignTool(ws);
      await mapLimit(
        Array.from({ length: 23 }, (_, i) => i),
        8,
        (i) => foreign.put(`workspace/many/nb-${String(i).padStart(2, '0')}.ipynb`, markdownNotebook(`n${i}`)),
      );
      const lists: string[] = [];
      // Pages of 5 keys: the same paging as 1,000-key pages, with fewer requests.
      const inner = ws.bucket
        ? new S3Store(s3Settings(ws.bucket), { pageSize: 5, onRequest: (c) => c === 'ListObjectsV2Command' && lists.push(c) })
        : new FileStore(join(ws.dir, '.nbstore', 'store'));
      const { store, most } = countInFlight(inner, 'head');
      const listed = await listNotebooks(store, 'workspace', 'many/', 4);
      assert.deepEqual(
        listed.map((n) => n.path),
        Array.from({ length: 23 }, (_, i) => `many/nb-${String(i).padStart(2, '0')}.ipynb`),
      );
      assert.equal(most(), 4);
      if (ws.bucket) assert.equal(lists.length, 5, 'five pages of at most five keys');
    });
  });

  describe(`status on the ${kind} store`, () => {
    it('reports bookstore validation and the store checks', async () => {
      const ws = await makeWorkspace(kind);
      const status = await okJson<Status>(ws, 'status');
      assert.deepEqual(status.bookstore, { bookstore_valid: true, archive_valid: true, publish_valid: true });
      assert.deepEqual(status.checks, { credentialsAccepted: kind === 's3' ? true : null, bucketReachable: true, versioningEnabled: true });
      assert.equal(status.store.kind, kind);
      assert.equal(status.store.workspacePrefix, 'workspace');
      assert.equal(status.store.publishedPrefix, 'published');
      const text = await ws.ok('status');
      assert.match(text, /^bookstore {4}bookstore_valid yes {2}archive_valid yes {2}publish_valid yes/m);
      assert.match(text, kind === 's3' ? /^credentials {2}accepted$/m : /^credentials {2}not needed$/m);
      if (kind === 'embedded') assert.match(text, /the embedded store stands in for bucket and endpoint/);
      assert.match(text, /^bucket {7}reachable\nversioning {3}enabled$/m);
      assert.match(text, /^no tracked notebooks/m);
      assert.match(text, /^spool {8}no saves waiting$/m);
    });

    it('shows each notebook as unmodified, modified, not pushed, behind, diverged or missing, and the saves in the spool', async () => {
      const ws = await makeWorkspace(kind);
      for (const name of ['u', 'm', 'b', 'd', 'x']) await writeFile(join(ws.dir, `${name}.ipynb`), markdownNotebook(`${name} one`));
      await ws.ok('push', 'u.ipynb', 'm.ipynb', 'b.ipynb', 'd.ipynb', 'x.ipynb');
      for (const name of ['b', 'd']) {
        await writeFile(join(ws.dir, `${name}.ipynb`), markdownNotebook(`${name} two`));
        await ws.ok('push', `${name}.ipynb`);
        await ws.ok('checkout', '@~1', `${name}.ipynb`);
      }
      await writeFile(join(ws.dir, 'm.ipynb'), markdownNotebook('m edited'));
      await writeFile(join(ws.dir, 'd.ipynb'), markdownNotebook('d edited'));
      await rm(join(ws.dir, 'x.ipynb'));
      // Whitespace and key order are not changes.
      await writeFile(join(ws.dir, 'u.ipynb'), JSON.stringify(JSON.parse(await readFile(join(ws.dir, 'u.ipynb'), 'utf8')), null, 4));
      // A save the Jupyter hook left in the spool, of a notebook never pushed.
      await writeFile(join(ws.dir, 'n.ipynb'), markdownNotebook('new'));
      await addToSpool(
        join(ws.dir, '.nbstore', 'spool'),
        { path: 'n.ipynb', savedAt: new Date().toISOString() },
        Buffer.from(markdownNotebook('new')),
      );

      const status = await okJson<Status>(ws, 'status');
      assert.deepEqual(
        status.notebooks.map((n) => [n.path, n.state, n.spooled]),
        [
          ['b.ipynb', 'behind', 0],
          ['d.ipynb', 'diverged', 0],
          ['m.ipynb', 'modified', 0],
          ['n.ipynb', 'not pushed', 1],
          ['u.ipynb', 'unmodified', 0],
          ['x.ipynb', 'missing', 0],
        ],
      );
      const behind = status.notebooks[0];
      assert.notEqual(behind?.base, behind?.latest);
      assert.equal(status.spool.waiting, 1);

      const text = await ws.ok('status');
      assert.match(
        text,
        /^behind {6}b\.ipynb\ndiverged {4}d\.ipynb\nmodified {4}m\.ipynb\nnot pushed {2}n\.ipynb {2}\(1 save in the spool\)\nunmodified {2}u\.ipynb\nmissing {5}x\.ipynb\n/m,
      );
      assert.match(text, /^spool {8}1 save waiting \(nbstore push --flush sends them\)$/m);

      // Pushing settles them: the spooled save is delivered, and the new file is tracked.
      await ws.ok('push', 'n.ipynb', 'm.ipynb');
      const after = await okJson<Status>(ws, 'status');
      assert.deepEqual(
        after.notebooks.filter((n) => ['m.ipynb', 'n.ipynb'].includes(n.path)).map((n) => n.state),
        ['unmodified', 'unmodified'],
      );
      assert.equal(after.spool.waiting, 0);
    });
  });
}

describe('ls and log with wide characters', () => {
  it('line up the columns after a CJK path or author', async () => {
    const ws = await makeWorkspace('embedded', { env: { USER: '山田太郎' } });
    await writeFile(join(ws.dir, '売上分析.ipynb'), markdownNotebook('wide'));
    await writeFile(join(ws.dir, 'sales-by-region.ipynb'), markdownNotebook('narrow'));
    await ws.ok('push', '売上分析.ipynb', 'sales-by-region.ipynb');
    // Terminal cells before each version id: a CJK character takes two.
    const cells = (line: string) => [...line].reduce((n, ch) => n + (/[\u3000-\u9fff]/.test(ch) ? 2 : 1), 0);
    const idColumn = (line: string) => cells(line.slice(0, line.search(/ {2}\S{8,} {2}\d{4}-/) + 2));
    const lines = (await ws.ok('ls')).trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.equal(idColumn(lines[0]!), idColumn(lines[1]!), lines.join('\n'));

    const env = { ...ws.env, USER: 'kylek' };
    await ws.edit('売上分析.ipynb', 'two');
    assert.equal((await runCli(['push', '売上分析.ipynb'], { cwd: ws.dir, env })).status, 0);
    const log = (await ws.ok('log', '売上分析.ipynb')).trimEnd().split('\n');
    // The size column starts in the same cell after a four-character CJK author as after kylek.
    const sizeColumn = (line: string) => cells(line.slice(0, line.search(/\d+(\.\d)? (B|KB) /)));
    assert.equal(sizeColumn(log[0]!), sizeColumn(log[1]!), log.join('\n'));
  });
});

describe('status on S3 when the store is not usable', () => {
  it('says which check failed, still shows the local side, and exits 1', async () => {
    const ws = await makeWorkspace('s3');
    await writeFile(join(ws.dir, 'a.ipynb'), markdownNotebook('a'));
    await ws.ok('push', 'a.ipynb');
    await writeFile(join(ws.dir, 'a.ipynb'), markdownNotebook('a edited'));
    const statusWith = async (env: NodeJS.ProcessEnv, ...argv: string[]) => {
      const result = await runCli(['status', '--json', ...argv], { cwd: ws.dir, env: { ...ws.env, ...env } });
      assert.equal(result.status, 1, result.error?.message);
      return JSON.parse(result.stdout) as Status;
    };

    const wrongKeys = await statusWith({
      NBSTORE_S3_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG',
      NBSTORE_S3_SECRET_ACCESS_KEY: 'wr0ngS3cretValue/xyz',
    });
    assert.equal(wrongKeys.checks.credentialsAccepted, false);
    assert.doesNotMatch(JSON.stringify(wrongKeys), /wr0ngS3cret|AKIAWRONG/);
    assert.deepEqual(
      wrongKeys.notebooks.map((n) => [n.path, n.state, n.latest]),
      [['a.ipynb', 'modified', null]],
    );

    const dead = await statusWith({ NBSTORE_S3_ENDPOINT_URL: 'http://127.0.0.1:9' });
    assert.deepEqual([dead.checks.credentialsAccepted, dead.checks.bucketReachable], [null, false]);
    assert.match(dead.checks.problem ?? '', /cannot reach the S3 endpoint/);

    const missing = await statusWith({}, '--bucket', uniqueBucket('nosuch'));
    assert.deepEqual([missing.checks.credentialsAccepted, missing.checks.bucketReachable], [true, false]);

    const { sdk, client } = await rawClient();
    await client.send(new sdk.PutBucketVersioningCommand({ Bucket: ws.bucket, VersioningConfiguration: { Status: 'Suspended' } }));
    const suspended = await statusWith({});
    assert.deepEqual(
      [suspended.checks.credentialsAccepted, suspended.checks.bucketReachable, suspended.checks.versioningEnabled],
      [true, true, false],
    );

    const text = await runBin(['status'], { cwd: ws.dir, env: ws.env });
    assert.equal(text.status, 1);
    assert.match(text.stdout, /^versioning {3}not enabled\nproblem {6}versioning is suspended on bucket/m);
    assert.match(text.stdout, /^modified {4}a\.ipynb {2}\(store not checked\)$/m);
  });
});
