import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { FileStore } from '../src/store/file-store.js';
import { BIN, FIXTURES, REPO_ROOT, runBin, tempDir } from './support/cli.js';
import { rawClient, s3Endpoint } from './support/s3.js';
import { makeWorkspace, pushedId, STORE_KINDS, type StoreKind, type TestWorkspace } from './support/workspace.js';

const fixture = (name: string) => join(FIXTURES, 'diff', name);

/** Writes bytes as a new version, as another tool would (no nbstore checks); returns its id. */
async function putAsOtherTool(kind: StoreKind, ws: TestWorkspace, key: string, bytes: Buffer): Promise<string> {
  if (kind === 'embedded') return (await new FileStore(join(ws.dir, '.nbstore', 'store')).put(key, bytes, {})).versionId;
  const { sdk, client } = await rawClient();
  const res = await client.send(new sdk.PutObjectCommand({ Bucket: ws.bucket, Key: key, Body: bytes }));
  return res.VersionId as string;
}

for (const kind of STORE_KINDS) {
  describe(`diff on the ${kind} store`, () => {
    it('compares the local file with its base, a version with the local file, and two versions', async () => {
      const ws = await makeWorkspace(kind);
      await copyFile(fixture('nbformat-4.5-a.ipynb'), join(ws.dir, 'nb.ipynb'));
      const v1 = pushedId(await ws.ok('push', 'nb.ipynb'));
      assert.equal(await ws.ok('diff', 'nb.ipynb'), '', 'no local edits: nothing to show');
      assert.equal((await ws.run('diff', 'nb.ipynb', '--exit-code')).status, 0);

      await copyFile(fixture('nbformat-4.5-b.ipynb'), join(ws.dir, 'nb.ipynb'));
      const local = await ws.ok('diff', 'nb.ipynb');
      assert.match(local, new RegExp(`^--- nb\\.ipynb@${v1.replace(/[.+]/g, '\\$&')}\n\\+\\+\\+ nb\\.ipynb \\(local file\\)\n`));
      assert.match(
        local,
        /\n@@ cell 5 -> 1 \(code\) moved @@ def ratio\(a, b\):\n@@ cell 2 -> 3 \(code\) @@\n import pandas as pd\n \n-df = pd\.read_csv\('customers\.csv'\)\n\+df = pd\.read_parquet\('customers\.parquet'\)\n/,
      );
      assert.match(
        local,
        /\n@@ cell 3 \(markdown\) removed @@\n-## Cleaning\n@@ cell 5 \(code\) added @@\n\+df\.churned\.value_counts\(\)\.plot\.bar\(\)\n$/,
      );
      assert.equal((await ws.run('diff', 'nb.ipynb', '--exit-code')).status, 1);

      const v2 = pushedId(await ws.ok('push', 'nb.ipynb'));
      assert.equal(await ws.ok('diff', 'nb.ipynb'), '', 'the push made the file its own base');
      const versionToLocal = await ws.ok('diff', 'nb.ipynb', v1.slice(0, 12));
      assert.equal(versionToLocal, local, 'a version against the local file');
      const twoVersions = await ws.ok('diff', 'nb.ipynb', '@~1', 'latest');
      assert.equal(twoVersions, local.replace('+++ nb.ipynb (local file)', `+++ nb.ipynb@${v2}`));
      const reversed = await ws.ok('diff', 'nb.ipynb', v2, v1);
      assert.match(reversed, /\n@@ cell 1 -> 5 \(code\) moved @@ def ratio\(a, b\):\n/);
      assert.match(reversed, /\n@@ cell 3 \(markdown\) added @@\n\+## Cleaning\n[\s\S]*@@ cell 5 \(code\) removed @@\n-df\.churned/);

      const stat = await ws.ok('diff', 'nb.ipynb', v1, v2, '--stat');
      assert.match(stat, / 4 cells changed: 1 added, 1 removed, 1 modified, 1 moved; source lines \+2 -2;/);
      const json = JSON.parse(await ws.ok('diff', 'nb.ipynb', v1, v2, '--json')) as {
        path: string;
        old: { versionId: string };
        new: { versionId: string };
        changed: boolean;
        stat: { moved: number };
      };
      assert.deepEqual([json.path, json.old.versionId, json.new.versionId, json.changed, json.stat.moved], ['nb.ipynb', v1, v2, true, 1]);
      const exit = await ws.run('diff', 'nb.ipynb', v1, v2, '--exit-code', '--json');
      assert.equal(exit.status, 1);
      assert.equal((await ws.run('diff', 'nb.ipynb', v2, v2, '--exit-code')).status, 0);
    });

    it('leaves out outputs, metadata or nothing as asked, and falls back to a line diff of the bytes', async () => {
      const ws = await makeWorkspace(kind);
      await copyFile(fixture('outputs-a.ipynb'), join(ws.dir, 'out.ipynb'));
      const v1 = pushedId(await ws.ok('push', 'out.ipynb'));
      await copyFile(fixture('outputs-b.ipynb'), join(ws.dir, 'out.ipynb'));
      assert.match(
        await ws.ok('diff', 'out.ipynb', '--max-output-lines', '2'),
        /\n │ epoch 24 {2}loss 0\.0400\n │ epoch 25 {2}loss 0\.0385\n │ … 5 more lines\n/,
      );
      assert.equal((await ws.run('diff', 'out.ipynb', '--ignore-outputs', '--exit-code')).status, 0);
      assert.match(
        await ws.ok('diff', 'out.ipynb', '--include-all'),
        /@@ cell 4 \(code\) @@ x = 1\n-execution_count: 8\n\+execution_count: 15\n/,
      );

      await copyFile(fixture('metadata-a.ipynb'), join(ws.dir, 'out.ipynb'));
      await ws.ok('push', 'out.ipynb');
      await copyFile(fixture('metadata-b.ipynb'), join(ws.dir, 'out.ipynb'));
      assert.match(await ws.ok('diff', 'out.ipynb'), /-metadata\.tags: \["setup"\]\n\+metadata\.tags: \["setup","parameters"\]\n/);
      assert.equal((await ws.run('diff', 'out.ipynb', '--ignore-metadata', '--exit-code')).status, 0);

      const raw = await ws.ok('diff', 'out.ipynb', v1, '--raw');
      const localBytes = await readFile(join(ws.dir, 'out.ipynb'), 'utf8');
      assert.match(raw, /^--- out\.ipynb@\S+\n\+\+\+ out\.ipynb \(local file\)\n@@ -\d+,\d+ \+\d+,\d+ @@\n/);
      assert.ok(raw.includes('\n-      "epoch  0  loss 1.0000\\n",\n'), 'lines of the stored JSON');
      assert.ok(localBytes.includes('"Python 3.12"') && raw.includes('\n+   "display_name": "Python 3.12",\n'));
      assert.equal((await ws.run('diff', 'out.ipynb', 'latest', '--raw', '--exit-code')).status, 1);
      assert.equal((await ws.run('diff', 'out.ipynb', 'latest', 'latest', '--raw', '--exit-code')).status, 0);
    });

    it('refuses with one line and a code: malformed file or version, no base, bad revisions, bad flags', async () => {
      const ws = await makeWorkspace(kind);
      await copyFile(fixture('images-a.ipynb'), join(ws.dir, 'nb.ipynb'));
      const good = pushedId(await ws.ok('push', 'nb.ipynb'));
      const broken = await putAsOtherTool(kind, ws, 'workspace/nb.ipynb', Buffer.from('{"nbformat": 4, "cells": ['));
      await writeFile(join(ws.dir, 'nb.ipynb'), '{"not": "a notebook"}');
      await copyFile(fixture('empty.ipynb'), join(ws.dir, 'untracked.ipynb'));
      await copyFile(fixture('empty.ipynb'), join(ws.dir, 'gone.ipynb'));
      await ws.ok('push', 'gone.ipynb');
      await rm(join(ws.dir, 'gone.ipynb'));
      const cases: Array<[string[], string, RegExp]> = [
        [['diff', 'nb.ipynb'], 'not-a-notebook', /^nb\.ipynb: not a notebook \(no nbformat\)$/],
        [
          ['diff', 'nb.ipynb', good, broken],
          'not-a-notebook',
          new RegExp(`^nb\\.ipynb@${broken.replace(/[.+]/g, '\\$&')}: not a notebook \\(`),
        ],
        [
          ['diff', 'untracked.ipynb'],
          'not-tracked',
          /^untracked\.ipynb: no version to compare with .*nbstore diff untracked\.ipynb latest$/,
        ],
        [['diff', 'gone.ipynb'], 'file-missing', /^gone\.ipynb: no such file$/],
        [['diff', 'nb.ipynb', 'nosuchversion', good], 'unknown-revision', /no version nosuchversion/],
        [['diff', 'nb.ipynb', '~5', good], 'unknown-revision', /beyond the first version/],
        [['diff', 'nb.ipynb', 'a/b'], 'bad-revision', /is not a revision/],
        // Ceph RGW's version ids may start with '-': two in a row are both revisions, not options.
        [['diff', 'nb.ipynb', '-j4fgDHWE.', '-k5ghEIXF.'], 'unknown-revision', /no version -j4fgDHWE\./],
        [['diff', 'nb.ipynb', good, '-k5ghEIXF.'], 'unknown-revision', /no version -k5ghEIXF\./],
        [['diff', 'nb.ipynb', good, broken, '--raw', '--json'], 'usage', /--raw .* does not combine/],
        [['diff'], 'usage', /^diff: <path> is missing \(usage: nbstore diff <path> \[old\] \[new\]; nbstore diff --help explains\)$/],
      ];
      for (const [argv, code, message] of cases) {
        const result = await ws.run(...argv);
        assert.equal(result.error?.code, code, `nbstore ${argv.join(' ')}: ${result.error?.message}`);
        assert.match(result.error?.message ?? '', message, argv.join(' '));
        assert.doesNotMatch(result.error?.message ?? '', /\n/);
      }
      // --raw compares bytes, so it still works on a version that is not a notebook.
      assert.match(await ws.ok('diff', 'nb.ipynb', good, broken, '--raw'), /\n\+\{"nbformat": 4, "cells": \[\n/);
    });
  });
}

describe('diff of a version whose stored body was altered', () => {
  it('refuses it: the body must match the SHA-256 recorded when it was pushed', async () => {
    const ws = await makeWorkspace('embedded');
    await copyFile(fixture('images-a.ipynb'), join(ws.dir, 'nb.ipynb'));
    await ws.ok('push', 'nb.ipynb');
    const blobs = join(ws.dir, '.nbstore', 'store', 'blobs');
    for (const name of await readdir(blobs)) await writeFile(join(blobs, name), await readFile(fixture('images-b.ipynb')));
    const result = await ws.run('diff', 'nb.ipynb');
    assert.equal(result.error?.code, 'checksum-mismatch');
  });
});

/** An HTTP proxy to the test S3 that counts the requests it forwards; closing it makes the endpoint dead. */
async function countingProxy(target: string): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  const upstream = new URL(target);
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('diff and the version cache', () => {
  it('makes no S3 request for a second diff of the same versions, by id or against the base', async () => {
    const proxy = await countingProxy(s3Endpoint());
    // Every command after init reaches S3 only through the proxy.
    const ws = await makeWorkspace('s3', { env: { NBSTORE_S3_ENDPOINT_URL: proxy.url } });
    await copyFile(fixture('images-a.ipynb'), join(ws.dir, 'nb.ipynb'));
    const v1 = pushedId(await ws.ok('push', 'nb.ipynb'));
    await copyFile(fixture('images-b.ipynb'), join(ws.dir, 'nb.ipynb'));
    const v2 = pushedId(await ws.ok('push', 'nb.ipynb'));
    await copyFile(fixture('images-a.ipynb'), join(ws.dir, 'nb.ipynb'));

    const before = proxy.requests();
    const twoVersions = await ws.ok('diff', 'nb.ipynb', v1, v2);
    const againstBase = await ws.ok('diff', 'nb.ipynb');
    assert.match(twoVersions, /@@ cell 1 \(code\) @@\n-df\.age\.hist\(\)\n\+df\.age\.hist\(bins=20\)\n/);
    assert.match(againstBase, /@@ cell 1 \(code\) @@\n-df\.age\.hist\(bins=20\)\n\+df\.age\.hist\(\)\n/);
    assert.ok(proxy.requests() > before, 'the first diffs fetched the versions');

    const fetched = proxy.requests();
    await proxy.close();
    assert.equal(await ws.ok('diff', 'nb.ipynb', v1, v2), twoVersions);
    assert.equal(await ws.ok('diff', 'nb.ipynb'), againstBase);
    assert.equal(await ws.ok('show', v2, 'nb.ipynb', '--raw'), await readFile(fixture('images-b.ipynb'), 'utf8'));
    // Run as the real executable, a cached diff does not even load the S3 SDK.
    const recorder = join(REPO_ROOT, 'test', 'support', 'record-imports.mjs');
    const executable = await runBin(['diff', 'nb.ipynb', v1, v2], {
      cwd: ws.dir,
      env: { ...ws.env, NODE_OPTIONS: `--import ${recorder}` },
    });
    assert.equal(executable.stdout, twoVersions);
    assert.doesNotMatch(executable.stderr, /@aws-sdk/);
    assert.equal(proxy.requests(), fetched, 'no request reached the store');
    // The endpoint really is gone: what needs the store's listing fails.
    assert.equal((await ws.run('diff', 'nb.ipynb', 'latest')).error?.code, 'endpoint-unreachable');
  });
});

/** CPU time a process has used so far, in clock ticks (Linux /proc). */
async function cpuTicks(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /s, '').split(' ');
  // utime and stime: fields 14 and 15 of stat, 12 and 13 after the command name.
  return Number(fields[11]) + Number(fields[12]);
}

describe('diff of a large notebook', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`stops on ${signal} while it computes, not only once it is done`, async () => {
      const ws = await makeWorkspace('embedded');
      const notebook = (cellCount: number) =>
        JSON.stringify({
          nbformat: 4,
          nbformat_minor: 4,
          metadata: {},
          cells: Array.from({ length: cellCount }, (_, i) => ({
            cell_type: 'code',
            metadata: {},
            execution_count: null,
            outputs: [],
            source: `value_${i} = compute(${i})\n# ${'notes '.repeat(150)}`,
          })),
        });
      await writeFile(join(ws.dir, 'big.ipynb'), notebook(1));
      await ws.ok('push', 'big.ipynb');
      // The local file, read last, grows to 40,000 cells (40 MB): seconds of parsing and aligning
      // right before the diff is printed, however fast the machine.
      await writeFile(join(ws.dir, 'big.ipynb'), notebook(40_000));

      const child = spawn(process.execPath, [BIN, 'diff', 'big.ipynb'], { cwd: ws.dir, env: ws.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('exit', (code, sig) => resolve({ code, signal: sig })),
      );
      // Once it has computed for a second of CPU time (well into the large side), interrupt it.
      const ticksPerSecond = 100;
      let running = true;
      void exited.then(() => {
        running = false;
      });
      while (running && (await cpuTicks(child.pid as number).catch(() => 0)) < ticksPerSecond) await setTimeout(20);
      assert.ok(running, 'the diff was still computing when interrupted');
      child.kill(signal);
      const { code, signal: by } = await exited;
      assert.equal(by, signal, `ended by the signal (exit code ${code})`);
      assert.equal(stdout, '', 'interrupted before it printed the diff: the signal did not wait for the end');
    });
  }
});

describe('diff --help', () => {
  it('shows examples', async () => {
    const result = await runBin(['diff', '--help'], { cwd: await tempDir() });
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^nbstore diff <path> \[old\] \[new\]/m);
    assert.match(result.stdout, /Examples:\n\s+nbstore diff mine\.ipynb /);
  });
});
