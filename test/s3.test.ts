import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isNbstoreError } from '../src/lib/errors.js';
import { sha256 } from '../src/lib/fs.js';
import { META } from '../src/store/metadata.js';
import { S3Store } from '../src/store/s3-store.js';
import { FIXTURES, ok, REPO_ROOT, runBin, runCli, tempDir, testEnv } from './support/cli.js';
import { createBucket, rawClient, s3Endpoint, s3Settings, uniqueBucket } from './support/s3.js';
import { S3Proxy } from './support/s3-proxy.js';
import { makeWorkspace, pushedId } from './support/workspace.js';

/** What only an S3 store can get wrong: buckets, versioning, credentials, the network, and
 * versions other tools wrote. All against a real S3 server. */
const notebookText = '{"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[]}';

describe('S3 specifics', () => {
  const endpointArgs = () => (s3Endpoint() ? ['--endpoint-url', s3Endpoint()] : []);

  async function initIn(bucketUrl: string, ...extra: string[]) {
    const dir = await tempDir();
    return { dir, result: await runCli(['init', bucketUrl, ...endpointArgs(), ...extra], { cwd: dir }) };
  }

  it('refuses a bucket that does not exist, and --create-bucket makes a versioned one', async () => {
    const bucket = uniqueBucket('missing');
    const { result } = await initIn(`s3://${bucket}`);
    assert.equal(result.error?.code, 'bucket-missing');
    assert.match(result.error?.message ?? '', /--create-bucket/);
    const created = await initIn(`s3://${bucket}`, '--create-bucket');
    assert.equal(created.result.status, 0, created.result.error?.message);
    const { sdk, client } = await rawClient();
    const versioning = await client.send(new sdk.GetBucketVersioningCommand({ Bucket: bucket }));
    assert.equal(versioning.Status, 'Enabled');
  });

  it('refuses a bucket without versioning or with it suspended; --enable-versioning turns it on', async () => {
    for (const state of ['none', 'Suspended'] as const) {
      const bucket = await createBucket('nover', state);
      const { result } = await initIn(`s3://${bucket}`);
      assert.equal(result.error?.code, 'versioning-off', state);
      const fixed = await initIn(`s3://${bucket}`, '--enable-versioning');
      assert.equal(fixed.result.status, 0);
    }
  });

  it('says the credentials were rejected, without printing them', async () => {
    const ws = await makeWorkspace('s3');
    await ws.addFixture('analysis.ipynb');
    const env = { ...ws.env, NBSTORE_S3_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG', NBSTORE_S3_SECRET_ACCESS_KEY: 'wr0ngS3cretValue/xyz' };
    for (const argv of [
      ['log', 'analysis.ipynb'],
      ['push', 'analysis.ipynb'],
    ]) {
      const result = await runCli(argv, { cwd: ws.dir, env });
      assert.equal(result.error?.code, 'bad-credentials', argv.join(' '));
      assert.doesNotMatch(`${result.error?.message}${result.stdout}${result.stderr}`, /wr0ngS3cretValue|AKIAWRONG/);
    }
  });

  it('says when the endpoint cannot be reached, and keeps a push in the spool until it can', async () => {
    const dead = 'http://127.0.0.1:9';
    const unreachable = await runCli(['init', `s3://${uniqueBucket('dead')}`, '--endpoint-url', dead], { cwd: await tempDir() });
    assert.equal(unreachable.error?.code, 'endpoint-unreachable');

    const ws = await makeWorkspace('s3');
    await ws.addFixture('analysis.ipynb', 'o.ipynb');
    const online = pushedId(await ws.ok('push', 'o.ipynb'));
    await ws.edit('o.ipynb', 'offline');
    const offline = await runBin(['push', 'o.ipynb', '-m', 'on the train', '--endpoint-url', dead], { cwd: ws.dir, env: ws.env });
    assert.equal(offline.status, 75);
    assert.match(
      offline.stderr,
      /^nbstore: cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\); check s3_endpoint_url [^;]*; o\.ipynb is kept locally \(1 save waiting in \.nbstore\/spool\) and the next push sends it\n$/,
    );
    assert.equal((await readdir(join(ws.dir, '.nbstore', 'spool'))).filter((n) => n.endsWith('.json')).length, 1);

    await ws.edit('o.ipynb', 'later');
    const back = await ws.ok('push', 'o.ipynb');
    assert.match(back, /o\.ipynb: delivered 1 earlier save/);
    const log = JSON.parse(await ws.ok('log', 'o.ipynb', '--json')) as Array<{
      versionId: string;
      message?: string;
      savedAt?: string;
      parent?: string;
    }>;
    assert.equal(log.length, 3);
    assert.equal(log[1]?.message, 'on the train');
    assert.ok(log[1]?.savedAt, 'the spooled save keeps its save time');
    assert.equal(log[1]?.parent, online);
    assert.equal(log[0]?.parent, log[1]?.versionId);
    assert.deepEqual(
      (await readdir(join(ws.dir, '.nbstore', 'spool'))).filter((n) => n.endsWith('.json')),
      [],
    );
  });

  it('signs the SHA-256 it records as the payload hash, so S3 refuses a body that does not match it', async () => {
    const store = new S3Store(s3Settings(await createBucket('payload')), { env: process.env });
    const body = Buffer.from(notebookText);
    const digest = sha256(body);
    const stored = await store.put('workspace/p.ipynb', body, { [META.sha256]: digest });
    assert.equal(Buffer.from((await store.get('workspace/p.ipynb', stored.versionId)).body).toString(), notebookText);
    const wrong = `${digest.slice(0, -1)}${digest.endsWith('0') ? '1' : '0'}`;
    await assert.rejects(
      store.put('workspace/p.ipynb', body, { [META.sha256]: wrong }),
      (err: unknown) => isNbstoreError(err, 's3-error') && /does not match its SHA-256/.test(err.message),
    );
    assert.equal((await store.head('workspace/p.ipynb')).versionId, stored.versionId, 'no version was stored');

    // A copy carries the same metadata and no body: it must not claim the body's hash.
    const proxy = await S3Proxy.start();
    try {
      const viaProxy = new S3Store(s3Settings(store.location.slice('s3://'.length), { s3_endpoint_url: proxy.url }), { env: process.env });
      await viaProxy.copy({ key: 'workspace/p.ipynb', versionId: stored.versionId }, 'published/p.ipynb', { [META.sha256]: digest });
      const copyRequest = proxy.seen.find((r) => r.method === 'PUT' && r.headers['x-amz-copy-source']);
      assert.ok(copyRequest, 'the copy went through the proxy');
      assert.notEqual(copyRequest.headers['x-amz-content-sha256'], digest);
    } finally {
      await proxy.close();
    }
  });

  it('reads versions other tools wrote: the null version from before versioning, plain uploads, delete markers', async () => {
    const bucket = await createBucket('interop', 'none');
    const { sdk, client } = await rawClient();
    const key = 'workspace/legacy.ipynb';
    const original = await readFile(join(FIXTURES, 'analysis.ipynb'));
    await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: original }));
    await client.send(new sdk.PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const edited = Buffer.from(original.toString('utf8').replace('Sales analysis', 'Sales analysis v2'));
    await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: edited }));

    const dir = await tempDir();
    await ok(['init', `s3://${bucket}`, ...endpointArgs()], { cwd: dir });
    const run = (...argv: string[]) => ok(argv, { cwd: dir, env: testEnv(dir) });
    const log = JSON.parse(await run('log', 'legacy.ipynb', '--json')) as Array<{ versionId: string; author?: string }>;
    assert.equal(log.length, 2);
    assert.equal(log[1]?.versionId, 'null');
    assert.equal(log[0]?.author, undefined);
    assert.match(await run('log', 'legacy.ipynb'), /\(written by another tool\)/);
    assert.equal(
      (await runCli(['show', 'null', 'legacy.ipynb', '--raw'], { cwd: dir, env: testEnv(dir) })).stdout,
      original.toString('utf8'),
    );

    // A checkout of another tool's version, then a push of the same content, is up to date.
    await run('checkout', 'latest', 'legacy.ipynb');
    assert.match(await run('push', 'legacy.ipynb'), /up to date/);

    await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }));
    const afterDelete = await run('log', 'legacy.ipynb');
    assert.match(afterDelete.split('\n')[0] as string, /\[deleted\] \(latest\)$/);
  });

  it('reads bookstore settings from JPYNB_S3_* and lets NBSTORE_* and flags override them', async () => {
    const ws = await makeWorkspace('s3');
    await ws.addFixture('analysis.ipynb');
    const deadEnv = { ...ws.env, JPYNB_S3_ENDPOINT_URL: 'http://127.0.0.1:9' };
    // The workspace config names the live endpoint; bookstore's variable outranks it.
    assert.equal((await runCli(['log', 'analysis.ipynb'], { cwd: ws.dir, env: deadEnv })).error?.code, 'endpoint-unreachable');
    // NBSTORE_* outranks JPYNB_S3_*, and a flag outranks both.
    assert.equal(
      (await runCli(['log', 'analysis.ipynb'], { cwd: ws.dir, env: { ...deadEnv, NBSTORE_S3_ENDPOINT_URL: s3Endpoint() } })).status,
      0,
    );
    assert.equal((await runCli(['log', 'analysis.ipynb', '--endpoint-url', s3Endpoint()], { cwd: ws.dir, env: deadEnv })).status, 0);
  });

  it('loads the AWS SDK only for commands that talk to S3', async () => {
    const recorder = join(REPO_ROOT, 'test', 'support', 'record-imports.mjs');
    const embedded = await makeWorkspace('embedded');
    await embedded.addFixture('analysis.ipynb');
    const loaded = async (cwd: string, env: NodeJS.ProcessEnv, argv: string[]) => {
      const result = await runBin(argv, { cwd, env: { ...env, NODE_OPTIONS: `--import ${recorder}` } });
      assert.equal(result.status, 0, result.stderr);
      return /imported \S*(s3-store|@aws-sdk\/client-s3)/.test(result.stderr);
    };
    assert.equal(await loaded(embedded.dir, embedded.env, ['push', 'analysis.ipynb']), false);
    assert.equal(await loaded(embedded.dir, embedded.env, ['log', 'analysis.ipynb']), false);
    const s3 = await makeWorkspace('s3');
    await s3.addFixture('analysis.ipynb');
    assert.equal(await loaded(s3.dir, s3.env, ['push', 'analysis.ipynb']), true);
  });
});
