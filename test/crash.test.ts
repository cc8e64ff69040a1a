import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256 } from '../src/files.js';
import { BIN, REPO_ROOT, runCli } from './support/cli.js';
import { UNREACHABLE, leftovers, range, stateOf, verifiedHistory } from './support/inspect.js';
import { S3Proxy } from './support/s3-proxy.js';
import { notebookWith } from './support/saves.js';
import { type StoreKind, makeWorkspace, pushedId } from './support/workspace.js';

describe('crash', () => {
  /**
   * Where a push is killed: at a random moment once it holds the notebook's lock; during the
   * upload, before the store has the version or after it has it but before the answer arrives
   * (the proxy holds the request there); or half-way through writing a file (pause-writes.mjs
   * stops the process there): the state, an embedded store's blob, or a save into the spool
   * while S3 is unreachable.
   */
  type Moment = 'random' | 'upload-before-store' | 'upload-after-store' | 'state-write' | 'blob-write' | 'spool-write';
  interface Trial {
    kind: StoreKind;
    moment: Moment;
  }
  const trials = (kind: StoreKind, moment: Moment, n: number): Trial[] => range(n).map(() => ({ kind, moment }));
  const TRIALS: Trial[] = [
    ...trials('s3', 'random', 8),
    ...trials('s3', 'upload-before-store', 3),
    ...trials('s3', 'upload-after-store', 3),
    ...trials('s3', 'state-write', 3),
    ...trials('s3', 'spool-write', 3),
    ...trials('embedded', 'random', 2),
    ...trials('embedded', 'blob-write', 2),
    ...trials('embedded', 'state-write', 2),
  ];
  const PAUSE_WRITES = join(REPO_ROOT, 'test', 'support', 'pause-writes.mjs');
  const PAUSED_WRITE: Partial<Record<Moment, RegExp>> = {
    'state-write': /\/\.nbstore\/state\/\.[0-9a-f]{32}\.json\.[0-9a-f]+\.tmp$/,
    'blob-write': /\/\.nbstore\/store\/blobs\/\./,
    'spool-write': /\/\.nbstore\/spool\/\.\d{20}-[0-9a-f]+\.ipynb\./,
  };
  /** How long after taking the lock a random kill may come: about as long as the push holds it. */
  const RANDOM_WINDOW_MS: Record<StoreKind, number> = { s3: 60, embedded: 15 };

  interface Outcome {
    trial: Trial;
    /** Killed while running, rather than after it had finished. */
    killed: boolean;
    /** The killed process left its lock behind, for the next push to take over once stale. */
    lockLeft: boolean;
  }

  async function runTrial(trial: Trial, index: number): Promise<Outcome> {
    const ws = await makeWorkspace(trial.kind);
    const label = `trial ${index} (${trial.kind}, ${trial.moment})`;
    await ws.addFixture('analysis.ipynb', 'nb.ipynb');
    const first = pushedId(await ws.ok('push', 'nb.ipynb'));
    const bytes = notebookWith(label);
    await writeFile(join(ws.dir, 'nb.ipynb'), bytes);
    const proxy = trial.kind === 's3' ? await S3Proxy.start() : undefined;
    try {
      const env: NodeJS.ProcessEnv = { ...ws.env };
      if (proxy) env.NBSTORE_S3_ENDPOINT_URL = trial.moment === 'spool-write' ? UNREACHABLE : proxy.url;
      if (proxy && trial.moment === 'upload-before-store') proxy.mode = { kind: 'hold-upload', when: 'before-store' };
      if (proxy && trial.moment === 'upload-after-store') proxy.mode = { kind: 'hold-upload', when: 'after-store' };
      const pauseAt = PAUSED_WRITE[trial.moment];
      if (pauseAt) Object.assign(env, { NODE_OPTIONS: `--import ${PAUSE_WRITES}`, NBSTORE_TEST_PAUSE_WRITE: pauseAt.source });

      const locks = join(ws.dir, '.nbstore', 'locks');
      const watcher = watch(locks);
      const lockTaken = new Promise((resolve) => watcher.once('change', resolve));
      const child = spawn(process.execPath, [BIN, 'push', 'nb.ipynb'], { cwd: ws.dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
      const exited = new Promise<NodeJS.Signals | null>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (_code, signal) => resolve(signal));
      });
      const paused = new Promise((resolve) => child.stderr.on('data', (chunk: Buffer) => chunk.toString().includes('paused ') && resolve(undefined)));
      const moment =
        trial.moment === 'random'
          ? lockTaken.then(() => sleep(Math.random() * RANDOM_WINDOW_MS[trial.kind]))
          : trial.moment.startsWith('upload')
            ? (proxy as S3Proxy).waitFor((r) => r.method === 'PUT')
            : paused;
      await Promise.race([moment.then(() => child.kill('SIGKILL')), exited]);
      const killed = (await exited) === 'SIGKILL';
      watcher.close();

      // Right after the kill: the notebook is intact, the state parses.
      assert.deepEqual(await readFile(join(ws.dir, 'nb.ipynb')), bytes, `${label}: the notebook is intact`);
      const base = (await stateOf(ws)).notebooks['nb.ipynb']?.base;
      const lockLeft = (await readdir(locks)).length > 0;
      if (trial.moment !== 'random') {
        assert.ok(killed && lockLeft, `${label}: killed while holding the lock`);
        const stored = (await verifiedHistory(ws, 'nb.ipynb')).length;
        const expected = trial.moment === 'upload-after-store' || trial.moment === 'state-write' ? 2 : 1;
        assert.equal(stored, expected, `${label}: versions in the store after the kill`);
        assert.equal(base, first, `${label}: the state still names the first version`);
      }

      // The next push succeeds with no clean-up: it waits for the dead process's lock to go stale.
      const next = await runCli(['push', 'nb.ipynb'], { cwd: ws.dir, env: ws.env });
      assert.equal(next.status, 0, `${label}: the next push: ${next.error?.message}`);
      // Every version reads back whole; the latest holds the notebook and is its base.
      const history = await verifiedHistory(ws, 'nb.ipynb');
      assert.equal(history.at(-1)?.versionId, first, label);
      assert.equal(history[0]?.sha256, sha256(bytes), `${label}: the latest version holds the notebook`);
      assert.equal((await stateOf(ws)).notebooks['nb.ipynb']?.base, history[0]?.versionId, `${label}: and is its base`);
      assert.deepEqual(await leftovers(ws), { locks: [], spooled: [] }, label);
      return { trial, killed, lockLeft };
    } finally {
      await proxy?.close();
    }
  }

  it(`kill -9 at random moments and mid-write (${TRIALS.length} trials): the state parses, the notebook is intact, the next push succeeds unaided`, async (t) => {
    // Concurrently: each recovery waits out a stale lock (10 s), and those waits overlap.
    const outcomes = await Promise.all(TRIALS.map(runTrial));
    const killed = outcomes.filter((o) => o.killed);
    t.diagnostic(
      `${outcomes.length} trials survived (${outcomes.filter((o) => o.trial.kind === 's3').length} on RGW, ${outcomes.filter((o) => o.trial.kind === 'embedded').length} embedded); ` +
        `${killed.length} killed mid-push, ${outcomes.filter((o) => o.lockLeft).length} leaving a stale lock the next push took over; ` +
        `random kills that landed mid-push: ${killed.filter((o) => o.trial.moment === 'random').length} of ${outcomes.filter((o) => o.trial.moment === 'random').length}`,
    );
  });
});
