import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sha256 } from '../src/lib/fs.js';
import { joinKey } from '../src/store/keys.js';
import { putBehindNbstore, treeState } from './support/behind.js';
import { BIN, type CliResult, runBin, runCli, tempDir, testEnv } from './support/cli.js';
import { foreignTool } from './support/foreign.js';
import { s3Endpoint, uniqueBucket } from './support/s3.js';
import { S3Proxy } from './support/s3-proxy.js';
import { notebookWith, spoolSave } from './support/saves.js';
import { makeWorkspace, pushedId, STORE_KINDS } from './support/workspace.js';

/**
 * Keys that appear nowhere but where the test puts them: the test bed's second S3 user (see
 * test/bed/ceph-rgw-up). Against another S3 without that user, the suite's own keys serve.
 */
function knownKeys(): { accessKeyId: string; secretAccessKey: string; whose: string } {
  const env = process.env;
  if (env.NBSTORE_TEST_CANARY_ACCESS_KEY_ID && env.NBSTORE_TEST_CANARY_SECRET_ACCESS_KEY) {
    return {
      accessKeyId: env.NBSTORE_TEST_CANARY_ACCESS_KEY_ID,
      secretAccessKey: env.NBSTORE_TEST_CANARY_SECRET_ACCESS_KEY,
      whose: 'the second test user',
    };
  }
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) throw new Error('no S3 keys: run the suite with `npm test`');
  return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, whose: "the suite's own user" };
}

/** Keys S3 rejects, just as distinctive. */
const WRONG = { accessKeyId: 'NBWRONGKEYZZ93MQ81XA', secretAccessKey: 'wR0ng/Secret+9aQ7zK2mX5cV8bN1lJ4hG6fD3sA0' };

/** The forms a secret could leak in: as given, percent-encoded, or cut short. */
function leakForms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), secret.slice(0, 12)])];
}

/** Paths under a tree that are new or changed between two `treeState`s, sorted. */
function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after]
    .filter(([path, state]) => before.get(path) !== state)
    .map(([path]) => path)
    .sort();
}

/** Every file under `dir` except `written` (files the test itself put credentials in), with its text. */
async function filesUnder(dir: string, written: readonly string[]): Promise<Array<{ path: string; text: string }>> {
  const out: Array<{ path: string; text: string }> = [];
  for (const rel of (await treeState(dir)).keys()) {
    const path = join(dir, rel);
    if (written.includes(path) || !(await stat(path)).isFile()) continue;
    out.push({ path, text: await readFile(path, 'latin1') });
  }
  return out;
}

describe('credentials', () => {
  it('never appear in any output or file, whichever way they are given and whether S3 accepts them or not', async (t) => {
    const keys = knownKeys();
    const home = await tempDir('nbstore-home-');
    const dir = await tempDir('nbstore-secrets-');
    const endpointArgs = s3Endpoint() ? ['--endpoint-url', s3Endpoint()] : [];
    const base = testEnv(home, { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' });
    const viaNbstore = { ...base, NBSTORE_S3_ACCESS_KEY_ID: keys.accessKeyId, NBSTORE_S3_SECRET_ACCESS_KEY: keys.secretAccessKey };
    const wrong = { ...base, NBSTORE_S3_ACCESS_KEY_ID: keys.accessKeyId, NBSTORE_S3_SECRET_ACCESS_KEY: WRONG.secretAccessKey };
    const unknown = { ...base, NBSTORE_S3_ACCESS_KEY_ID: WRONG.accessKeyId, NBSTORE_S3_SECRET_ACCESS_KEY: WRONG.secretAccessKey };
    const debug = { NBSTORE_DEBUG: '1' };
    const outputs: Array<{ argv: string[]; result: CliResult }> = [];
    // Successes run in-process (the output is the same); failures run the real executable, whose
    // entry point prints errors, and with NBSTORE_DEBUG=1 the stack of their cause.
    const inProcess = async (env: NodeJS.ProcessEnv, ...argv: string[]) => {
      const result = await runCli(argv, { cwd: dir, env });
      outputs.push({ argv, result });
      assert.equal(result.status, 0, `nbstore ${argv.join(' ')}: ${result.error?.message}`);
      return result.stdout;
    };
    const failing = async (env: NodeJS.ProcessEnv, status: number, ...argv: string[]) => {
      const result = await runBin(argv, { cwd: dir, env, timeoutMs: 30_000 });
      outputs.push({ argv, result });
      assert.equal(result.status, status, `nbstore ${argv.join(' ')}: ${result.stderr}`);
    };

    const bucket = uniqueBucket('secrets');
    await inProcess(viaNbstore, 'init', `s3://${bucket}`, '--create-bucket', ...endpointArgs);
    await writeFile(join(dir, 'a.ipynb'), notebookWith('a 1'));
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'b.ipynb'), notebookWith('b 1'));
    const first = pushedId(await inProcess(viaNbstore, 'push', 'a.ipynb', '-m', 'first'));
    await writeFile(join(dir, 'a.ipynb'), notebookWith('a 2'));
    await inProcess(viaNbstore, 'push', '.', '-m', 'the folder');
    for (const argv of [
      ['log', 'a.ipynb'],
      ['log', 'a.ipynb', '--json'],
      ['log', 'a.ipynb', '--oneline'],
      ['show', 'latest', 'a.ipynb'],
      ['show', first, '--json'],
      ['show', '~1', 'a.ipynb', '--raw'],
    ]) {
      await inProcess(viaNbstore, ...argv);
    }
    await inProcess(viaNbstore, 'checkout', first);
    await inProcess(viaNbstore, 'checkout', 'latest', 'a.ipynb', '-o', 'copy.ipynb');
    await inProcess(viaNbstore, 'checkout', 'latest', 'a.ipynb', '--force');
    for (const argv of [
      ['diff', 'a.ipynb', '~1'],
      ['diff', 'a.ipynb', '@~1', 'latest', '--stat'],
      ['diff', 'a.ipynb', '~1', '--json'],
      ['diff', 'a.ipynb', '~1', '--raw'],
    ]) {
      await inProcess(viaNbstore, ...argv);
    }
    await inProcess(viaNbstore, 'publish', 'a.ipynb', '-m', 'the report');
    await inProcess(viaNbstore, 'publish', 'sub/b.ipynb', '--version', 'latest');
    for (const argv of [
      ['ls'],
      ['ls', '--json'],
      ['ls', '--published'],
      ['log', 'a.ipynb', '--published'],
      ['status'],
      ['status', '--json'],
    ])
      await inProcess(viaNbstore, ...argv);
    await inProcess(viaNbstore, 'clone', 'published/a.ipynb', 'clones/');
    await inProcess(viaNbstore, 'clone', `s3://${bucket}/workspace/sub/b.ipynb@latest`, 'clones/b.ipynb');
    await inProcess(viaNbstore, 'clone', '--prefix', 'workspace', 'restored');
    await inProcess(viaNbstore, 'clone', '--prefix', 'published', 'restored-published', '--at', new Date().toISOString());
    // The hook: installed into a Jupyter config directory under HOME, checked, and its flusher run.
    const jupyterConfig = join(home, '.jupyter');
    await inProcess(viaNbstore, 'hook', 'install', '--config-dir', jupyterConfig);
    await inProcess(viaNbstore, 'hook', 'status', '--config-dir', jupyterConfig);
    await inProcess(viaNbstore, 'hook', 'status', '--json', '--config-dir', jupyterConfig);
    await spoolSave(dir, 'sub/b.ipynb', notebookWith('b 1.5'));
    assert.match(await inProcess(viaNbstore, 'hook', 'flush'), / delivered 1 saved version of sub\/b\.ipynb$/m);
    for (const command of ['init', 'push', 'log', 'show', 'checkout', 'diff', 'publish', 'ls', 'status', 'clone', 'hook', 'browse'])
      await inProcess(viaNbstore, command, '--help');

    // The other ways keys are given: bookstore's variables, the AWS chain (read by the SDK from
    // the process environment, so a real process), the user config, the workspace config by hand.
    await inProcess(
      { ...base, JPYNB_S3_ACCESS_KEY_ID: keys.accessKeyId, JPYNB_S3_SECRET_ACCESS_KEY: keys.secretAccessKey },
      'log',
      'a.ipynb',
    );
    const viaAws = await runBin(['log', 'a.ipynb', '--json'], {
      cwd: dir,
      env: { ...base, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey },
    });
    outputs.push({ argv: ['log', 'a.ipynb', '--json'], result: viaAws });
    assert.equal(viaAws.status, 0, viaAws.stderr);
    const userConfig = join(home, '.config', 'nbstore', 'config.json');
    await mkdir(join(home, '.config', 'nbstore'), { recursive: true });
    await writeFile(userConfig, JSON.stringify({ s3_access_key_id: keys.accessKeyId, s3_secret_access_key: keys.secretAccessKey }));
    await writeFile(join(dir, 'a.ipynb'), notebookWith('a 3'));
    await inProcess(base, 'push', 'a.ipynb', '-m', 'keys from the user config');
    const workspaceConfig = join(dir, '.nbstore', 'config.json');
    const config = JSON.parse(await readFile(workspaceConfig, 'utf8'));
    await writeFile(
      workspaceConfig,
      JSON.stringify({ ...config, s3_access_key_id: keys.accessKeyId, s3_secret_access_key: keys.secretAccessKey }),
    );
    await inProcess({ ...base, XDG_CONFIG_HOME: join(home, 'nowhere') }, 'show', 'latest', 'a.ipynb');

    // Failures: keys S3 rejects, a bucket they may not read, an endpoint that refuses or stalls,
    // a save kept in the spool and delivered later.
    await writeFile(join(dir, 'a.ipynb'), notebookWith('a 4'));
    await failing({ ...wrong, ...debug }, 1, 'log', 'a.ipynb');
    await failing(wrong, 1, 'push', 'a.ipynb');
    await failing({ ...unknown, ...debug }, 1, 'show', 'latest', 'a.ipynb');
    await failing({ ...unknown, ...debug }, 1, 'checkout', 'latest', 'a.ipynb', '--force');
    await failing({ ...wrong, ...debug }, 1, 'diff', 'a.ipynb', '~1');
    await failing({ ...unknown, ...debug }, 1, 'publish', 'sub/b.ipynb', '--version', 'latest');
    await failing({ ...wrong, ...debug }, 1, 'ls');
    await failing({ ...unknown, ...debug }, 1, 'status');
    await failing({ ...wrong, ...debug }, 1, 'status', '--json');
    await failing({ ...wrong, ...debug }, 1, 'clone', 'published/a.ipynb', 'refused/');
    await failing({ ...unknown, ...debug }, 1, 'clone', '--prefix', 'workspace', 'refused');
    await failing({ ...viaNbstore, ...debug, NBSTORE_S3_BUCKET: uniqueBucket('absent') }, 1, 'log', 'a.ipynb');
    const proxy = await S3Proxy.start();
    t.after(() => proxy.close());
    proxy.mode = { kind: 'stall' };
    await failing({ ...viaNbstore, ...debug, NBSTORE_S3_ENDPOINT_URL: proxy.url, NBSTORE_REQUEST_TIMEOUT_MS: '200' }, 1, 'log', 'a.ipynb');
    await failing({ ...viaNbstore, ...debug, NBSTORE_S3_ENDPOINT_URL: 'http://127.0.0.1:9' }, 75, 'push', 'a.ipynb', '-m', 'offline');
    await spoolSave(dir, 'sub/b.ipynb', notebookWith('b 2'));
    // What the Jupyter hook runs after a save, as it runs it: its output goes to .nbstore/hook.log.
    await failing({ ...wrong, ...debug }, 1, 'hook', 'flush');
    await failing({ ...viaNbstore, ...debug, NBSTORE_S3_ENDPOINT_URL: 'http://127.0.0.1:9' }, 75, 'hook', 'flush');
    assert.match(await inProcess(viaNbstore, 'push', '--flush'), /^delivered 2 saved versions of 2 notebooks$/m);
    await inProcess(viaNbstore, 'hook', 'uninstall', '--config-dir', jupyterConfig);
    await failing({ ...unknown, ...debug }, 1, 'init', `s3://${uniqueBucket('refused')}`, ...endpointArgs);

    const leaks = [
      ...leakForms(keys.accessKeyId),
      ...leakForms(keys.secretAccessKey),
      ...leakForms(WRONG.accessKeyId),
      ...leakForms(WRONG.secretAccessKey),
    ];
    const texts = [
      ...outputs.map(({ argv, result }) => ({
        where: `output of nbstore ${argv.join(' ')}`,
        text: result.stdout + result.stderr + (result.error?.message ?? ''),
      })),
      ...(await filesUnder(dir, [workspaceConfig])).map(({ path, text }) => ({ where: path, text })),
      ...(await filesUnder(home, [userConfig])).map(({ path, text }) => ({ where: path, text })),
    ];
    for (const { where, text } of texts) {
      for (const leak of leaks) assert.ok(!text.includes(leak), `${where} holds a credential (${leak.slice(0, 4)}…)`);
    }
    t.diagnostic(
      `${outputs.length} runs of nbstore; ${texts.length - outputs.length} files under the workspace and HOME searched for ${leaks.length} forms of 4 key values (${keys.whose}'s and wrong ones)`,
    );
  });

  it('the workspace config nbstore writes is mode 0600, whatever the umask', async () => {
    const initUnderUmask0 = (cwd: string, ...argv: string[]) =>
      new Promise<number | null>((resolve, reject) => {
        const child = spawn('sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, BIN, 'init', ...argv], {
          cwd,
          env: testEnv(cwd),
          stdio: 'ignore',
        });
        child.on('error', reject);
        child.on('close', resolve);
      });
    const embedded = await tempDir();
    assert.equal(await initUnderUmask0(embedded), 0);
    const s3 = await tempDir();
    const endpointArgs = s3Endpoint() ? ['--endpoint-url', s3Endpoint()] : [];
    assert.equal(await initUnderUmask0(s3, `s3://${uniqueBucket('mode')}`, '--create-bucket', ...endpointArgs), 0);
    for (const dir of [embedded, s3]) {
      const mode = (await stat(join(dir, '.nbstore', 'config.json'))).mode & 0o777;
      assert.equal(mode.toString(8), '600', dir);
    }
  });
});

describe('keys from the bucket', () => {
  /** Keys that would put a file outside the workspace, or into nbstore's or git's folders. */
  const UNSAFE_KEYS = [
    'workspace/../escaped.ipynb',
    'workspace/sub/../../../escaped.ipynb',
    'workspace/.nbstore/state.json',
    'workspace/sub/.GIT/config',
    'workspace//rooted.ipynb',
    'workspace/back\\slash.ipynb',
    'workspace/.nbstore/clone.ipynb',
    'workspace/sub/.git/clone.ipynb',
  ];

  for (const kind of STORE_KINDS) {
    it(`never make checkout or show write outside the workspace (${kind}): ${UNSAFE_KEYS.length} unsafe keys refused`, async () => {
      // The workspace is copied three levels into a directory of its own, so that anything
      // written outside it shows.
      const ws = await makeWorkspace(kind);
      const root = await tempDir('nbstore-keys-');
      const dir = join(root, 'a', 'b', 'ws');
      await cp(ws.dir, dir, { recursive: true });
      const env = testEnv(dir);
      const before = await treeState(root);
      for (const key of UNSAFE_KEYS) {
        const id = await putBehindNbstore({ dir, ...(ws.bucket ? { bucket: ws.bucket } : {}) }, key, notebookWith(key));
        for (const argv of [
          ['checkout', id],
          ['checkout', id, '--force'],
          ['show', id, '--raw'],
        ]) {
          const result = await runCli(argv, { cwd: dir, env });
          assert.equal(result.error?.code, 'unsafe-key', `${key}: nbstore ${argv.join(' ')}: ${result.error?.message}`);
          assert.equal(result.stdout, '');
        }
      }
      const written = [...(await treeState(root)).keys()].filter(
        (path) => !before.has(path) && !path.startsWith(join('a', 'b', 'ws', '.nbstore', 'store')),
      );
      assert.deepEqual(written, [], 'nothing written but the versions put into the embedded store');
    });
  }

  for (const kind of STORE_KINDS) {
    it(`never make clone write outside the folder it clones into (${kind}): ${UNSAFE_KEYS.length} unsafe keys refused, alone and under --prefix`, async () => {
      const ws = await makeWorkspace(kind);
      const root = await tempDir('nbstore-clone-keys-');
      const dir = join(root, 'a', 'b', 'ws');
      await cp(ws.dir, dir, { recursive: true });
      const env = testEnv(dir);
      const foreign = await foreignTool({ ...ws, dir });
      // What clones may write besides the files they clone: versions put into the embedded
      // store, the cache of versions read, locks.
      const machinery = ['store', 'cache', 'locks'].map((name) => join('a', 'b', 'ws', '.nbstore', name));
      // A safe notebook beside each unsafe key: a clone of the prefix writes it, and only it.
      await foreign.put('workspace/fine.ipynb', notebookWith('fine'));
      for (const [i, key] of UNSAFE_KEYS.entries()) {
        await foreign.put(key, notebookWith(key));
        const before = await treeState(root, machinery);
        // A key with an empty segment cannot be named: keys given are joined as bookstore joins
        // them, so clone looks for workspace/rooted.ipynb, which is not there.
        const single = joinKey(key) === key ? 'unsafe-key' : 'not-found';
        for (const argv of [
          ['clone', key],
          ['clone', key, `one-${i}/`],
          ['clone', `${key}@latest`, `one-${i}.ipynb`],
        ]) {
          const result = await runCli(argv, { cwd: dir, env });
          assert.equal(result.error?.code, single, `${key}: nbstore ${argv.join(' ')}: ${result.error?.message}`);
          assert.equal(result.stdout, '');
        }
        assert.deepEqual(changedPaths(before, await treeState(root, machinery)), [], `${key}: a clone of the key alone writes nothing`);

        // Clone skips keys that do not name notebooks; an unsafe one is refused alone, reported,
        // and the clone writes the rest and fails at the end.
        const bulk = await runCli(['clone', '--prefix', 'workspace', `all-${i}`], { cwd: dir, env });
        const written = changedPaths(before, await treeState(root, machinery));
        if (key === 'workspace//rooted.ipynb') {
          // Below the prefix its path is `/rooted.ipynb`, which bookstore strips to rooted.ipynb
          // (it writes this key for a prefix of `workspace/`): it lands inside the folder.
          assert.equal(bulk.status, 0, `${key}: clone --prefix: ${bulk.error?.message}`);
          assert.ok(written.includes(join('a', 'b', 'ws', `all-${i}`, 'rooted.ipynb')), written.join(', '));
          assert.ok(
            written.every(
              (path) => path.startsWith(join('a', 'b', 'ws', `all-${i}`)) || path.startsWith(join('a', 'b', 'ws', '.nbstore', 'state')),
            ),
            `${key}: nothing outside the folder: ${written.join(', ')}`,
          );
        } else if (key.endsWith('.ipynb')) {
          assert.equal(bulk.error?.code, 'unsafe-key', `${key}: clone --prefix: ${bulk.error?.message}`);
          assert.match(bulk.error?.message ?? '', /^1 of 2 notebooks were not cloned \(first: .*refusing a key/, key);
        } else {
          assert.equal(bulk.status, 0, `${key}: clone --prefix: ${bulk.error?.message}`);
        }
        const state = join('a', 'b', 'ws', '.nbstore', 'state');
        const expected = [
          join('a', 'b', 'ws', `all-${i}`),
          join('a', 'b', 'ws', `all-${i}`, 'fine.ipynb'),
          state,
          join(state, `${sha256(`all-${i}/fine.ipynb`).slice(0, 32)}.json`),
          // The key bookstore writes for a prefix of `workspace/` is a notebook of the folder too.
          ...(key === 'workspace//rooted.ipynb'
            ? [join('a', 'b', 'ws', `all-${i}`, 'rooted.ipynb'), join(state, `${sha256(`all-${i}/rooted.ipynb`).slice(0, 32)}.json`)]
            : []),
        ];
        assert.deepEqual(
          written,
          expected.filter((path) => !before.has(path)).sort(),
          `${key}: clone --prefix writes the safe notebooks only`,
        );
        await foreign.remove(key);
      }
    });
  }
});
