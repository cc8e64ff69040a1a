import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { listDir, STALE_TEMPORARY_MS, sha256 } from '../src/lib/fs.js';
import { numberedName } from '../src/ops/clone.js';
import { readSpooledBody, spoolEntries } from '../src/workspace/spool.js';
import { BIN, REPO_ROOT, runBin, runCli } from './support/cli.js';
import { leftovers, logOf, range, stateOf, UNREACHABLE, verifiedHistory } from './support/inspect.js';
import { S3Proxy, type SeenRequest } from './support/s3-proxy.js';
import { notebookWith, spoolSave } from './support/saves.js';
import { makeWorkspace, pushedId, type StoreKind, type TestWorkspace, trackedNotebooks } from './support/workspace.js';

const PAUSE_WRITES = join(REPO_ROOT, 'test', 'support', 'pause-writes.mjs');
/** The temporary file of a state write. */
const STATE_WRITE = /\/\.nbstore\/state\/\.[0-9a-f]{32}\.json\.[0-9a-f]+\.tmp$/;

/** Makes the nbstore run with `env` stop half-way through its first write to a path `pattern` matches. */
function pauseWrites(env: NodeJS.ProcessEnv, pattern: RegExp | undefined): void {
  if (pattern) Object.assign(env, { NODE_OPTIONS: `--import ${PAUSE_WRITES}`, NBSTORE_TEST_PAUSE_WRITE: pattern.source });
}

/** What a run of nbstore can be killed after: the first lock it takes in `.nbstore/locks`, or its
 * stopping at a paused write. */
interface Signs {
  lockTaken: Promise<unknown>;
  paused: Promise<unknown>;
}

/**
 * Runs the real executable with `argv` in the workspace `dir` and kill -9's it once `moment`
 * resolves, unless it has exited by then. Resolves to whether it was killed while running.
 */
async function killDuring(
  argv: string[],
  dir: string,
  env: NodeJS.ProcessEnv,
  moment: (signs: Signs) => Promise<unknown>,
): Promise<boolean> {
  const watcher = watch(join(dir, '.nbstore', 'locks'));
  try {
    const lockTaken = new Promise((resolve) => watcher.once('change', resolve));
    const child = spawn(process.execPath, [BIN, ...argv], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (_code, signal) => resolve(signal));
    });
    const paused = new Promise((resolve) =>
      child.stderr.on('data', (chunk: Buffer) => chunk.toString().includes('paused ') && resolve(undefined)),
    );
    await Promise.race([moment({ lockTaken, paused }).then(() => child.kill('SIGKILL')), exited]);
    return (await exited) === 'SIGKILL';
  } finally {
    watcher.close();
  }
}

describe('crash', { concurrency: true }, () => {
  // The three kinds of trial run at once: the recoveries wait out stale locks (10 s), and those
  // waits overlap.
  describe('of a push', () => {
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
    const PAUSED_WRITE: Partial<Record<Moment, RegExp>> = {
      'state-write': STATE_WRITE,
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
        pauseWrites(env, PAUSED_WRITE[trial.moment]);

        const locks = join(ws.dir, '.nbstore', 'locks');
        const killed = await killDuring(['push', 'nb.ipynb'], ws.dir, env, ({ lockTaken, paused }) =>
          trial.moment === 'random'
            ? lockTaken.then(() => sleep(Math.random() * RANDOM_WINDOW_MS[trial.kind]))
            : trial.moment.startsWith('upload')
              ? (proxy as S3Proxy).waitFor((r) => r.method === 'PUT')
              : paused,
        );

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

  describe('of a clone', () => {
    /** A clone of one notebook, or of the ten under a prefix, into the workspace (so that it locks
     * each file it writes and records it in the state). */
    type Shape = 'one' | 'prefix';
    /** Killed at a random moment once it has begun, or half-way through writing a cloned
     * notebook or a state file. */
    type Moment = 'random' | 'notebook-write' | 'state-write';
    interface Trial {
      kind: StoreKind;
      shape: Shape;
      moment: Moment;
    }
    const trials = (kind: StoreKind, shape: Shape, moment: Moment, n: number): Trial[] => range(n).map(() => ({ kind, shape, moment }));
    const TRIALS: Trial[] = [
      ...trials('s3', 'prefix', 'random', 5),
      ...trials('s3', 'one', 'random', 2),
      ...trials('s3', 'prefix', 'notebook-write', 2),
      ...trials('s3', 'prefix', 'state-write', 2),
      ...trials('embedded', 'prefix', 'random', 2),
      ...trials('embedded', 'one', 'notebook-write', 1),
    ];
    const NOTEBOOKS = 10;
    const PAUSED_WRITE: Partial<Record<Moment, RegExp>> = {
      'notebook-write': /\/(restored\/\.n\d+|\.copy)\.ipynb\.[0-9a-f]+\.tmp$/,
      'state-write': STATE_WRITE,
    };
    /**
     * How long a random kill may come after the clone starts reading a notebook from S3 (from the
     * embedded store: after its first lock): about as long as the clone runs on, reading and then
     * writing.
     */
    const RANDOM_WINDOW_MS: Record<StoreKind, Record<Shape, number>> = { s3: { one: 60, prefix: 250 }, embedded: { one: 10, prefix: 15 } };
    const isRead = (r: SeenRequest) => r.method === 'GET' && !/[?&](versions|list-type)\b/.test(r.url);

    interface Outcome {
      trial: Trial;
      killed: boolean;
      /** Cloned files written whole before the kill. */
      whole: number;
      /** Temporary files the kill left beside the files being written (hidden, never a file asked for). */
      temporaries: number;
    }

    async function runTrial(trial: Trial, index: number): Promise<Outcome> {
      const ws = await makeWorkspace(trial.kind);
      const label = `clone trial ${index} (${trial.kind}, ${trial.shape}, ${trial.moment})`;
      await mkdir(join(ws.dir, 'team'));
      const bodies = range(NOTEBOOKS).map((i) => notebookWith(`${label} n${i}`));
      for (const [i, body] of bodies.entries()) await writeFile(join(ws.dir, 'team', `n${i}.ipynb`), body);
      await ws.ok('push', 'team');
      // The files the clone asks for, each with what it must hold once written.
      const [folder, argv, asked] =
        trial.shape === 'prefix'
          ? [
              'restored',
              ['clone', '--prefix', 'workspace/team', 'restored'],
              range(NOTEBOOKS).map((i) => ({ name: `n${i}.ipynb`, body: bodies[i] as Buffer })),
            ]
          : ['.', ['clone', 'workspace/team/n0.ipynb', 'copy.ipynb'], [{ name: 'copy.ipynb', body: bodies[0] as Buffer }]];
      const proxy = trial.kind === 's3' ? await S3Proxy.start() : undefined;
      const env = { ...ws.env, ...(proxy ? { NBSTORE_S3_ENDPOINT_URL: proxy.url } : {}) };
      pauseWrites(env, PAUSED_WRITE[trial.moment]);
      let killed: boolean;
      try {
        killed = await killDuring(argv, ws.dir, env, ({ lockTaken, paused }) => {
          if (trial.moment !== 'random') return paused;
          const started = proxy ? proxy.waitFor(isRead) : lockTaken;
          return started.then(() => sleep(Math.random() * RANDOM_WINDOW_MS[trial.kind][trial.shape]));
        });
      } finally {
        await proxy?.close();
      }
      if (trial.moment !== 'random') assert.ok(killed, `${label}: killed mid-write`);

      // Right after the kill: each file asked for is absent or whole, nothing else is there but
      // hidden temporary files, and the state parses and names only whole files.
      const written = await clonedFiles(ws.dir, folder, asked, label);
      await assertTrackedWhole(ws, label);
      const hidden = async () => (await listDir(join(ws.dir, folder))).filter((name) => /^\..+\.tmp$/.test(name));
      const temporaries = (await hidden()).length;
      // As if the kill were long ago: the next write into the folder removes what it left.
      const then = new Date(Date.now() - STALE_TEMPORARY_MS - 1000);
      for (const name of await hidden()) await utimes(join(ws.dir, folder, name), then, then);

      // The same clone again succeeds unaided (waiting out any lock the kill left). clone never
      // overwrites: a single clone writes a numbered copy beside a file already there; a prefix
      // clone keeps a file already holding the version (reported as already there).
      const again = await runCli(argv, { cwd: ws.dir, env: ws.env });
      assert.equal(again.status, 0, `${label}: the clone again: ${again.error?.message}`);
      if (trial.shape === 'prefix' && written.length > 0) assert.match(again.stdout, /\(already there, identical\)/);
      const expected = asked.flatMap(({ name, body }) =>
        written.includes(name) && trial.shape !== 'prefix'
          ? [
              { name, body },
              { name: numberedName(name, 1), body },
            ]
          : [{ name, body }],
      );
      assert.deepEqual(
        (await clonedFiles(ws.dir, folder, expected, label)).sort(),
        expected.map((f) => f.name).sort(),
        `${label}: every file once more`,
      );
      await assertTrackedWhole(ws, label);
      assert.deepEqual((await leftovers(ws)).locks, [], `${label}: no lock left`);
      assert.deepEqual(await hidden(), [], `${label}: no temporary file left`);
      return { trial, killed, whole: written.length, temporaries };
    }

    /** The files of `folder` (relative to the workspace) that are not hidden: each must be one of
     * `asked`, whole. Returns their names. */
    async function clonedFiles(
      dir: string,
      folder: string,
      asked: Array<{ name: string; body: Buffer }>,
      label: string,
    ): Promise<string[]> {
      const names = (await listDir(join(dir, folder))).filter((name) => !name.startsWith('.') && name !== 'team');
      for (const name of names) {
        const body = asked.find((f) => f.name === name)?.body;
        assert.ok(body, `${label}: ${name} is not a file the clone asked for`);
        assert.equal(sha256(await readFile(join(dir, folder, name))), sha256(body), `${label}: ${name} is whole`);
      }
      return names;
    }

    /** Every state file parses, and each clone it records holds the bytes it says. */
    async function assertTrackedWhole(ws: TestWorkspace, label: string): Promise<void> {
      for (const [path, tracked] of Object.entries(await trackedNotebooks(ws))) {
        if (path.startsWith('team/')) continue;
        assert.equal(sha256(await readFile(join(ws.dir, path))), tracked.sha256, `${label}: the state of ${path} matches it`);
      }
    }

    it(`kill -9 of clone and clone --prefix at random moments and mid-write (${TRIALS.length} trials): each file is absent or whole, the clone again succeeds unaided`, async (t) => {
      const outcomes = await Promise.all(TRIALS.map(runTrial));
      const killed = outcomes.filter((o) => o.killed);
      t.diagnostic(
        `${outcomes.length} trials survived (${outcomes.filter((o) => o.trial.kind === 's3').length} on RGW); ${killed.length} killed mid-clone, ` +
          `random kills that landed mid-clone: ${killed.filter((o) => o.trial.moment === 'random').length} of ${outcomes.filter((o) => o.trial.moment === 'random').length}; ` +
          `files written whole before the kill: ${outcomes.map((o) => o.whole).join(' ')}; hidden temporary files the kills left (and the next clone removed): ${outcomes.reduce((n, o) => n + o.temporaries, 0)}`,
      );
    });
  });

  describe("of the hook's flusher", () => {
    /** Killed at a random moment once it holds the flusher lock; once S3 has stored its first
     * delivery but before the answer arrives; or half-way through recording that delivery. */
    type Moment = 'random' | 'upload-after-store' | 'state-write';
    interface Trial {
      kind: StoreKind;
      moment: Moment;
    }
    const trials = (kind: StoreKind, moment: Moment, n: number): Trial[] => range(n).map(() => ({ kind, moment }));
    const TRIALS: Trial[] = [
      ...trials('s3', 'random', 4),
      ...trials('s3', 'upload-after-store', 2),
      ...trials('s3', 'state-write', 2),
      ...trials('embedded', 'random', 2),
    ];
    const SAVES = 10;
    /** How long a random kill may come after the flusher's first request to S3 (for the embedded
     * store: after it takes the flusher lock): about as long as delivering the spool takes. */
    const RANDOM_WINDOW_MS: Record<StoreKind, number> = { s3: 400, embedded: 600 };

    interface Outcome {
      trial: Trial;
      killed: boolean;
      /** Saves in the store when the flusher was killed. */
      stored: number;
      /** Saves the next flush stored a second time (stored before the kill, not yet taken out of the spool). */
      twice: number;
    }

    async function runTrial(trial: Trial, index: number): Promise<Outcome> {
      const ws = await makeWorkspace(trial.kind);
      const label = `flusher trial ${index} (${trial.kind}, ${trial.moment})`;
      const saves = range(SAVES).map((i) => notebookWith(`${label} save ${i}`));
      for (const bytes of saves) await spoolSave(ws.dir, 'nb.ipynb', bytes);
      const hashes = saves.map((bytes) => sha256(bytes));
      const locks = join(ws.dir, '.nbstore', 'locks');
      await mkdir(locks, { recursive: true });

      const proxy = trial.kind === 's3' ? await S3Proxy.start() : undefined;
      const env = { ...ws.env, ...(proxy ? { NBSTORE_S3_ENDPOINT_URL: proxy.url } : {}) };
      if (proxy && trial.moment === 'upload-after-store') proxy.mode = { kind: 'hold-upload', when: 'after-store' };
      pauseWrites(env, trial.moment === 'state-write' ? STATE_WRITE : undefined);
      let killed: boolean;
      try {
        killed = await killDuring(['hook', 'flush'], ws.dir, env, ({ lockTaken, paused }) =>
          trial.moment === 'random'
            ? (proxy ? proxy.waitFor(() => true) : lockTaken).then(() => sleep(Math.random() * RANDOM_WINDOW_MS[trial.kind]))
            : trial.moment === 'upload-after-store'
              ? (proxy as S3Proxy).waitFor((r) => r.method === 'PUT')
              : paused,
        );
      } finally {
        await proxy?.close();
      }
      if (trial.moment !== 'random') assert.ok(killed, `${label}: killed mid-delivery`);

      // Right after the kill no save is lost: the store holds the first saves, in order, and the
      // spool the rest (and perhaps the last one stored, not yet taken out of it).
      const stored = (await verifiedHistory(ws, 'nb.ipynb')).map((v) => v.sha256).reverse();
      assert.deepEqual(stored, hashes.slice(0, stored.length), `${label}: the store holds the first saves, in order`);
      const spool = join(ws.dir, '.nbstore', 'spool');
      const waiting = await Promise.all((await spoolEntries(spool)).map(async (entry) => sha256(await readSpooledBody(spool, entry))));
      const rest = hashes.slice(stored.length);
      assert.ok(
        isDeepStrictEqual(waiting, rest) || isDeepStrictEqual(waiting, hashes.slice(stored.length - 1)),
        `${label}: the spool holds the saves the store does not (${stored.length} stored, ${waiting.length} waiting)`,
      );

      // The next flush that can take the flusher lock, once the killed flusher's is stale (as the
      // hook starts one after the next save), delivers the rest in save order.
      const held = await stat(join(locks, 'flusher.lock')).catch(() => undefined);
      if (held) await sleep(held.mtimeMs + 10_000 + 100 - Date.now());
      const next = await runBin(['hook', 'flush'], { cwd: ws.dir, env: ws.env });
      assert.equal(next.status, 0, `${label}: the next flush: ${next.stderr}`);
      if (rest.length > 0) assert.match(next.stdout, / delivered \d+ saved versions? of nb\.ipynb\n$/, label);
      const log = (await logOf(ws, 'nb.ipynb')).reverse();
      const once = log.filter((v, i) => v.sha256 !== log[i - 1]?.sha256);
      assert.deepEqual(
        once.map((v) => v.sha256),
        hashes,
        `${label}: every save, in save order`,
      );
      const twice = log.length - once.length;
      assert.ok(twice <= 1, `${label}: at most the save being delivered at the kill is stored twice`);
      const savedAt = log.map((v) => v.savedAt ?? '');
      assert.deepEqual([...savedAt].sort(), savedAt, `${label}: with their save times`);
      assert.equal((await verifiedHistory(ws, 'nb.ipynb')).length, log.length, `${label}: every version reads back whole`);
      assert.deepEqual(await leftovers(ws), { locks: [], spooled: [] }, label);
      return { trial, killed, stored: stored.length, twice };
    }

    it(`kill -9 of nbstore hook flush mid-delivery (${TRIALS.length} trials): no spooled save is lost, the next flush delivers all in order`, async (t) => {
      const outcomes = await Promise.all(TRIALS.map(runTrial));
      t.diagnostic(
        `${outcomes.length} trials survived, ${outcomes.filter((o) => o.killed).length} killed mid-delivery; ` +
          `saves stored at the kill: ${outcomes.map((o) => o.stored).join(' ')} of ${SAVES} each, all ${outcomes.length * SAVES} in the store after the next flush; ` +
          `stored twice: ${outcomes.reduce((n, o) => n + o.twice, 0)}`,
      );
    });
  });
});
