import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hasControl } from '../src/lib/text.js';
import { runBin, runCli } from './support/cli.js';
import { leftovers, logOf } from './support/inspect.js';
import { S3Proxy } from './support/s3-proxy.js';
import { notebookWith, spoolSave } from './support/saves.js';
import { makeWorkspace, pushedId, STORE_KINDS } from './support/workspace.js';

/** A workspace on S3 whose requests go through a proxy the test controls; `nbstore` runs the real executable. */
async function behindProxy(t: { after(fn: () => Promise<void>): void }, timeoutMs = 5_000) {
  const proxy = await S3Proxy.start();
  t.after(() => proxy.close());
  const ws = await makeWorkspace('s3');
  const env = { ...ws.env, NBSTORE_S3_ENDPOINT_URL: proxy.url, NBSTORE_REQUEST_TIMEOUT_MS: String(timeoutMs) };
  await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('first'));
  assert.equal((await runCli(['push', 'nb.ipynb'], { cwd: ws.dir, env })).status, 0);
  const nbstore = (...argv: string[]) => runBin(argv, { cwd: ws.dir, env, timeoutMs: 60_000 });
  return { proxy, ws, env, nbstore };
}

describe('a server that refuses a request for what it is', () => {
  it('is a bad-request error with its reason escaped, never spooled, and later saves still go', async (t) => {
    const { proxy, ws, nbstore } = await behindProxy(t);
    await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('refused'));
    proxy.mode = { kind: 'fail', status: 400, code: 'InvalidArgument', times: 1, method: 'PUT', message: 'no \u001b]0;pwned\u0007 thanks' };
    const push = await nbstore('push', 'nb.ipynb');
    assert.equal(push.status, 1);
    assert.match(
      push.stderr,
      /^nbstore: workspace\/nb\.ipynb: the store refused the request: InvalidArgument \(HTTP 400\): no \\x1b\]0;pwned\\a thanks\n$/,
    );
    assert.equal((await leftovers(ws)).spooled.length, 0, 'nothing spooled');
    const again = await nbstore('push', 'nb.ipynb');
    assert.equal(again.status, 0, again.stderr);
  });
});

for (const kind of STORE_KINDS) {
  describe(`saves the store cannot take, on the ${kind} store`, () => {
    it('refuses a message over S3 2 KB of metadata up front, saying how long it may be, and spools nothing', async () => {
      const ws = await makeWorkspace(kind);
      await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('long'));
      const push = await ws.run('push', 'nb.ipynb', '-m', 'x'.repeat(16_000));
      assert.equal(push.error?.code, 'too-large');
      assert.match(push.error?.message ?? '', /the message takes 16000 bytes as stored, and only \d+ fit in S3's 2 KB of metadata/);
      assert.equal((await leftovers(ws)).spooled.length, 0);
      const fits = Number(/only (\d+) fit/.exec(push.error?.message ?? '')?.[1]);
      pushedId(await ws.ok('push', 'nb.ipynb', '-m', 'y'.repeat(fits)));
    });

    it('sets aside a spooled save the store refuses, shows it in status, and delivers the saves after it', async () => {
      const ws = await makeWorkspace(kind);
      await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('0'));
      pushedId(await ws.ok('push', 'nb.ipynb'));
      // Spooled as an older nbstore or the hook would have: a message S3 refuses.
      await spoolSave(ws.dir, 'nb.ipynb', notebookWith('1'), { message: 'z'.repeat(5_000) });
      await spoolSave(ws.dir, 'nb.ipynb', notebookWith('2'), { message: 'after it' });
      await ws.ok('push', '--flush');
      const log = await logOf(ws, 'nb.ipynb');
      assert.equal(log.length, 2);
      assert.equal(log[0]?.message, 'after it');
      const status = await ws.ok('status');
      assert.match(status, /^set aside\s+nb\.ipynb saved \S+, refused by the store: nb\.ipynb: the message takes 5000 bytes/m);
      assert.match(status, /its bytes are in \S+set-aside\/\d{20}-[0-9a-f]+\.ipynb/);
      assert.equal((await leftovers(ws)).spooled.length, 0);
    });
  });
}

describe('an endpoint that is not S3', () => {
  it('answering 200 with an HTML page is an s3-error naming it, for log, ls and push', async (t) => {
    const { proxy, nbstore, ws } = await behindProxy(t);
    proxy.mode = {
      kind: 'answer',
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: '<html><title>Hotel \u001b[2J WiFi login</title></html>',
    };
    for (const argv of [['log', 'nb.ipynb'], ['ls']]) {
      const result = await nbstore(...argv);
      assert.equal(result.status, 1, argv.join(' '));
      assert.match(
        result.stderr,
        /^nbstore: .*answered HTTP 200 with text\/html; charset=utf-8, not S3 XML \("Hotel \\x1b\[2J WiFi login"\)/,
        argv.join(' '),
      );
      assert.equal(hasControl(result.stderr.trimEnd()), false);
    }
    const status = await nbstore('status');
    assert.equal(status.status, 1);
    assert.match(status.stdout, /^problem\s+.*not S3 XML/m);
    await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('portal'));
    const push = await nbstore('push', 'nb.ipynb');
    assert.equal(push.status, 75, 'a portal is an outage: the save waits in the spool');
    assert.match(push.stderr, /not S3/);
  });

  it('trickling its answers two bytes a second: each request ends at its deadline; push spools, log fails', async (t) => {
    const { proxy, ws, nbstore } = await behindProxy(t, 3_000);
    proxy.mode = { kind: 'trickle' };
    const log = await nbstore('log', 'nb.ipynb');
    assert.equal(log.status, 1);
    assert.match(
      log.stderr,
      /^nbstore: workspace\/nb\.ipynb: the S3 endpoint did not finish answering within 6000 ms; NBSTORE_REQUEST_TIMEOUT_MS sets how long to wait\n$/,
    );
    await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('trickled'));
    const push = await nbstore('push', 'nb.ipynb');
    assert.equal(push.status, 75, push.stderr);
    assert.equal((await leftovers(ws)).spooled.length, 1);
    // The Jupyter hook's flusher gives up too, and lets go of its lock.
    const flush = await nbstore('hook', 'flush');
    assert.equal(flush.status, 75, 'the saves stay in the spool');
    assert.match(flush.stderr, /did not finish answering within 6000 ms/);
    assert.deepEqual(
      (await leftovers(ws)).locks.filter((name) => name.startsWith('flusher')),
      [],
    );
    assert.equal((await leftovers(ws)).spooled.length, 1, 'the save still waits');
  });
});
