import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sha256 } from '../src/lib/fs.js';
import { runBin, runCli } from './support/cli.js';
import { assertOneLine, leftovers, logOf, range, stateOf } from './support/inspect.js';
import { S3Proxy } from './support/s3-proxy.js';
import { notebookWith, spoolSave } from './support/saves.js';
import { makeWorkspace, pushedId } from './support/workspace.js';

describe('outage', () => {
  const SAVES = 50;

  it('50 saves while the S3 endpoint refuses connections all succeed locally; once it is back, all 50 are in S3 in save order', async (t) => {
    const proxy = await S3Proxy.start();
    t.after(() => proxy.close());
    const ws = await makeWorkspace('s3');
    const env = { ...ws.env, NBSTORE_S3_ENDPOINT_URL: proxy.url };
    await ws.addFixture('analysis.ipynb', 'nb.ipynb');
    const online = pushedId((await runCli(['push', 'nb.ipynb'], { cwd: ws.dir, env })).stdout);

    await proxy.stop();
    const saves = range(SAVES).map((i) => notebookWith(`outage ${i + 1}`));
    for (const [i, bytes] of saves.entries()) {
      const n = i + 1;
      // Jupyter writes the file and the hook snapshots it into the spool; saves 20 and 50 are
      // instead pushed by hand, and once, halfway, the hook's `push --flush` runs.
      await writeFile(join(ws.dir, 'nb.ipynb'), bytes);
      if (n === 20 || n === SAVES) {
        const push = await runBin(['push', 'nb.ipynb'], { cwd: ws.dir, env });
        assert.equal(push.status, 75, `save ${n}: ${push.stderr}`);
        assert.equal(
          push.stderr,
          `nbstore: cannot reach the S3 endpoint ${proxy.url} (ECONNREFUSED); check s3_endpoint_url (set with --endpoint-url, NBSTORE_S3_ENDPOINT_URL, JPYNB_S3_ENDPOINT_URL or "s3_endpoint_url" in .nbstore/config.json); nb.ipynb is kept locally (${n} saves waiting in .nbstore/spool) and the next push sends it\n`,
        );
      } else {
        await spoolSave(ws.dir, 'nb.ipynb', bytes);
      }
      if (n === SAVES / 2) {
        const flush = await runBin(['push', '--flush'], { cwd: ws.dir, env });
        assert.equal(flush.status, 75, `flush after save ${n}: ${flush.stderr}`);
        assert.match(
          flush.stderr,
          new RegExp(
            `^nbstore: cannot reach the S3 endpoint \\S+ \\(ECONNREFUSED\\); check s3_endpoint_url [^;]*; nb\\.ipynb is kept locally \\(${n} saves waiting`,
          ),
        );
      }
      assert.equal((await leftovers(ws)).spooled.length, n, `save ${n} is kept locally`);
    }
    assert.equal((await logOf(ws, 'nb.ipynb')).length, 1, 'nothing reached S3 during the outage');

    await proxy.resume();
    assert.equal((await runBin(['push', '--flush'], { cwd: ws.dir, env })).stdout, `delivered ${SAVES} saved versions of 1 notebook\n`);
    const log = await logOf(ws, 'nb.ipynb');
    assert.equal(log.length, SAVES + 1);
    assert.equal(log.at(-1)?.versionId, online);
    // Oldest first: exactly the saves, in the order they were made, with their save times.
    const delivered = log.slice(0, SAVES).reverse();
    assert.deepEqual(
      delivered.map((v) => v.sha256),
      saves.map((bytes) => sha256(bytes)),
    );
    const savedAt = delivered.map((v) => v.savedAt ?? '');
    assert.deepEqual([...savedAt].sort(), savedAt, 'save times ascend');
    assertOneLine(log);
    assert.equal((await stateOf(ws)).notebooks['nb.ipynb']?.base, log[0]?.versionId);
    assert.deepEqual(await leftovers(ws), { locks: [], spooled: [] });
    assert.match(await ws.ok('push', 'nb.ipynb'), /up to date/, 'the file is the last save');
    t.diagnostic(`${SAVES} saves made during the outage, ${delivered.length} delivered in order after it`);
  });
});

describe('a body cut short', () => {
  it('is an error, never a short notebook: checkout and clone write nothing, and the next try succeeds', async (t) => {
    const proxy = await S3Proxy.start();
    t.after(() => proxy.close());
    const ws = await makeWorkspace('s3');
    const env = { ...ws.env, NBSTORE_S3_ENDPOINT_URL: proxy.url, NBSTORE_REQUEST_TIMEOUT_MS: '2000' };
    const big = notebookWith('x'.repeat(200_000));
    await writeFile(join(ws.dir, 'nb.ipynb'), big);
    const first = pushedId((await runCli(['push', 'nb.ipynb'], { cwd: ws.dir, env })).stdout);
    await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('second'));
    assert.equal((await runCli(['push', 'nb.ipynb'], { cwd: ws.dir, env })).status, 0);

    proxy.mode = { kind: 'cut-body', bytes: 50_000 };
    const checkout = await runBin(['checkout', first, 'nb.ipynb'], { cwd: ws.dir, env, timeoutMs: 30_000 });
    assert.notEqual(checkout.status, 0, checkout.stdout);
    assert.match(checkout.stderr, /^nbstore: [^\n]+\n$/);
    assert.deepEqual(await readFile(join(ws.dir, 'nb.ipynb')), Buffer.from(notebookWith('second')), 'the local file is untouched');
    const clone = await runBin(['clone', `workspace/nb.ipynb@${first}`, 'copy.ipynb'], { cwd: ws.dir, env, timeoutMs: 30_000 });
    assert.notEqual(clone.status, 0, clone.stdout);
    assert.match(clone.stderr, /^nbstore: [^\n]+\n$/);
    await assert.rejects(readFile(join(ws.dir, 'copy.ipynb')), 'no clone was written');

    proxy.mode = { kind: 'pass' };
    assert.equal((await runCli(['checkout', first, 'nb.ipynb'], { cwd: ws.dir, env })).status, 0);
    assert.deepEqual(await readFile(join(ws.dir, 'nb.ipynb')), Buffer.from(big));
  });
});

describe('slow S3', () => {
  /**
   * A workspace whose S3 requests all go through a proxy the test controls; `nbstore` runs the
   * real executable there with NBSTORE_REQUEST_TIMEOUT_MS set to `timeoutMs`, counting afresh.
   */
  async function behindProxy(t: { after(fn: () => Promise<void>): void }, timeoutMs: number) {
    const proxy = await S3Proxy.start();
    t.after(() => proxy.close());
    const ws = await makeWorkspace('s3');
    const env = { ...ws.env, NBSTORE_S3_ENDPOINT_URL: proxy.url };
    await ws.addFixture('analysis.ipynb', 'nb.ipynb');
    assert.equal((await runCli(['push', 'nb.ipynb'], { cwd: ws.dir, env })).status, 0);
    const nbstore = (...argv: string[]) => {
      proxy.seen.length = 0;
      // The run's own time limit catches a command that hangs.
      return runBin(argv, { cwd: ws.dir, env: { ...env, NBSTORE_REQUEST_TIMEOUT_MS: String(timeoutMs) }, timeoutMs: 30_000 });
    };
    return { proxy, ws, nbstore };
  }
  const LISTING = /[?&]versions(=|&|$)/;

  it('an endpoint that stops answering: commands give up after the SDK retries, with one clear line, and a push keeps the save', async (t) => {
    const { proxy, ws, nbstore } = await behindProxy(t, 300);
    proxy.mode = { kind: 'stall' };

    const log = await nbstore('log', 'nb.ipynb');
    assert.equal(log.status, 1);
    assert.equal(
      log.stderr,
      'nbstore: workspace/nb.ipynb: the S3 endpoint did not answer in time (3 attempts); NBSTORE_REQUEST_TIMEOUT_MS sets how long to wait\n',
    );
    assert.equal(proxy.count('GET', LISTING), 3, 'the listing was sent three times (the SDK retries a timeout)');

    await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('while S3 stalls'));
    const push = await nbstore('push', 'nb.ipynb');
    assert.equal(push.status, 75);
    assert.match(
      push.stderr,
      /^nbstore: \S+: the S3 endpoint did not answer in time \(3 attempts\); NBSTORE_REQUEST_TIMEOUT_MS sets how long to wait; nb\.ipynb is kept locally \(1 save waiting in \.nbstore\/spool\) and the next push sends it\n$/,
    );
    assert.equal(proxy.count('PUT'), 0, 'nothing was uploaded');
    assert.equal((await leftovers(ws)).spooled.length, 1);

    const show = await nbstore('show', 'latest', 'nb.ipynb');
    assert.equal(show.status, 1);
    assert.match(show.stderr, /^nbstore: [^\n]*did not answer in time \(3 attempts\)[^\n]*\n$/);
  });

  it('retries what the SDK counts as transient (a 500 on the upload, a 503 SlowDown), not an access error; a slow answer within the limit is no error', async (t) => {
    const { proxy, ws, nbstore } = await behindProxy(t, 5_000);

    await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('through a flaky S3'));
    proxy.mode = { kind: 'fail', status: 500, code: 'InternalError', times: 1, method: 'PUT' };
    const push = await nbstore('push', 'nb.ipynb');
    assert.equal(push.status, 0, push.stderr);
    assert.match(push.stdout, /^pushed/);
    assert.equal(proxy.count('PUT', /\/workspace\/nb\.ipynb(\?|$)/), 2, 'the failed upload was sent again');
    assert.equal((await logOf(ws, 'nb.ipynb')).length, 2, 'and stored once');

    proxy.mode = { kind: 'fail', status: 503, code: 'SlowDown', times: 1 };
    const log = await nbstore('log', 'nb.ipynb', '--oneline');
    assert.equal(log.status, 0, log.stderr);
    assert.equal(log.stdout.trim().split('\n').length, 2);
    assert.equal(proxy.count('GET', LISTING), 2, 'the throttled listing was sent again');

    proxy.mode = { kind: 'fail', status: 403, code: 'AccessDenied', times: 1 };
    const denied = await nbstore('log', 'nb.ipynb');
    assert.equal(denied.status, 1);
    assert.equal(denied.stderr, 'nbstore: workspace/nb.ipynb: access denied (check the credentials and the bucket policy)\n');
    assert.equal(proxy.count('GET', LISTING), 1, 'an access error is not retried');

    proxy.mode = { kind: 'delay', ms: 150 };
    const show = await nbstore('show', 'latest', 'nb.ipynb');
    assert.equal(show.status, 0, show.stderr);
    const sent = proxy.seen.map((r) => `${r.method} ${r.url}`);
    assert.equal(new Set(sent).size, sent.length, `no request sent twice: ${sent.join(', ')}`);
  });
});
