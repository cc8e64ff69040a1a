import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256 } from '../src/lib/fs.js';
import { readSpooledBody, spoolEntries } from '../src/workspace/spool.js';
import { FIXTURES, ok, tempDir, testEnv } from './support/cli.js';
import { type LoggedVersion, leftovers, logOf, range, UNREACHABLE } from './support/inspect.js';
import { type JupyterServer, notebookSaying, startJupyter } from './support/jupyter.js';
import { assertValidNotebookFile } from './support/nbformat.js';
import { s3Endpoint } from './support/s3.js';
import { S3Proxy } from './support/s3-proxy.js';
import { makeSecondMachine, makeWorkspace } from './support/workspace.js';

const SAVED = [200, 201];

/**
 * Waits until the hook has delivered every save of the workspace: its spool is empty (a save
 * leaves it only once it is a version in the store) and no flusher the hook started still runs.
 * Fails after a minute, saying what still waits.
 */
async function deliveredByHook(jupyter: JupyterServer, workspaceDir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    await jupyter.flushersDone();
    const waiting = await spoolEntries(join(workspaceDir, '.nbstore', 'spool'));
    if (waiting.length === 0) return;
    if (Date.now() > deadline) {
      const hookLog = await readFile(join(workspaceDir, '.nbstore', 'hook.log'), 'utf8').catch(() => '(no hook.log)');
      throw new Error(`the hook left ${waiting.length} saves in the spool for a minute; hook.log ends: ${hookLog.slice(-500)}`);
    }
    await sleep(50);
  }
}

/** The contents manager Jupyter Server 2 uses by default: its saves of one file can overlap. */
const ASYNC_CONTENTS_MANAGER = 'jupyter_server.services.contents.largefilemanager.AsyncLargeFileManager';

/**
 * Starts Jupyter Server (or classic Notebook) serving `<home>/notebooks`, with a config file that
 * already sets a post_save_hook of the user's (it logs each saved path to `userHookLog`), into
 * which `nbstore hook install` then put nbstore's hook. `contentsManager` names the server's
 * contents manager class, when not its default.
 */
async function startWithUserHook(
  app: 'server' | 'notebook',
  contentsManager?: string,
): Promise<{ jupyter: JupyterServer; userHookLog: string }> {
  const home = await tempDir(`nbstore-jupyter-${app}-`);
  const configDir = join(home, 'jupyter-config');
  const userHookLog = join(home, 'user-hook.log');
  await mkdir(configDir);
  await mkdir(join(home, 'notebooks'));
  await writeFile(
    join(configDir, app === 'server' ? 'jupyter_server_config.py' : 'jupyter_notebook_config.py'),
    [
      'def user_hook(os_path, model, contents_manager, **kwargs):',
      `    with open(${JSON.stringify(userHookLog)}, "a") as out:`,
      '        out.write(os_path + "\\n")',
      '',
      'c.FileContentsManager.post_save_hook = user_hook',
      ...(contentsManager ? [`c.ServerApp.contents_manager_class = ${JSON.stringify(contentsManager)}`] : []),
      '',
    ].join('\n'),
  );
  await ok(['hook', 'install', '--config-dir', configDir], { cwd: home, env: testEnv(home) });
  const jupyter = await startJupyter({ root: join(home, 'notebooks'), configDir, env: testEnv(home), home, app });
  return { jupyter, userHookLog };
}

/** Notebooks saved at once: about what several tabs saving together (or autosave racing a save) send. */
const AT_ONCE = 6;

/**
 * Saves one notebook AT_ONCE times at once through the server, each a different content big
 * enough that writing it takes the server a while; each content must become one version, and
 * no lock may be left.
 */
async function saveAtOnce(jupyter: JupyterServer): Promise<void> {
  const ws = await makeWorkspace('s3', { parent: jupyter.root });
  const path = `${basename(ws.dir)}/together.ipynb`;
  const said = ['before', ...range(AT_ONCE).map((i) => `together ${i}`)];
  const big = (text: string) => {
    const notebook = notebookSaying(text) as { cells: unknown[] };
    notebook.cells.push({ cell_type: 'markdown', id: 'padding', metadata: {}, source: 'x'.repeat(1 << 20) });
    return notebook;
  };
  assert.ok(SAVED.includes(await jupyter.saveNotebook(path, big('before'))));
  const statuses = await Promise.all(said.slice(1).map((text) => jupyter.saveNotebook(path, big(text))));
  assert.deepEqual(statuses, Array(AT_ONCE).fill(200), 'every save succeeded');
  await deliveredByHook(jupyter, ws.dir);

  const log = await logOf(ws, 'together.ipynb');
  const versionSays = await Promise.all(
    log.map(async (v) => {
      const notebook = JSON.parse(await ws.ok('show', v.versionId, 'together.ipynb', '--raw')) as {
        cells: Array<{ source: string | string[] }>;
      };
      return [notebook.cells[0]?.source ?? ''].flat().join('').replace(/^# /, '');
    }),
  );
  assert.deepEqual([...versionSays].sort(), [...said].sort(), 'one version per content saved');
  assert.equal(versionSays.at(-1), 'before');
  assert.equal(
    (await ws.run('show', 'latest', 'together.ipynb', '--raw')).stdout,
    await readFile(join(ws.dir, 'together.ipynb'), 'utf8'),
    'the latest version is the file on disk',
  );
  await jupyter.flushersDone();
  assert.deepEqual(await leftovers(ws), { locks: [], spooled: [] });
}

describe('the hook in Jupyter Server', () => {
  let jupyter: JupyterServer;
  let userHookLog: string;
  let notebooks: string;

  before(async () => {
    ({ jupyter, userHookLog } = await startWithUserHook('server'));
    notebooks = jupyter.root;
  });
  after(() => jupyter?.stop());

  it('makes ten saves 50 ms apart ten versions in RGW, in save order; the latest is the file on disk', async () => {
    const ws = await makeWorkspace('s3', { parent: notebooks });
    const file = join(ws.dir, 'analysis.ipynb');
    const saved: string[] = [];
    for (let i = 1; i <= 10; i++) {
      assert.ok(SAVED.includes(await jupyter.saveNotebook(`${basename(ws.dir)}/analysis.ipynb`, notebookSaying(`save ${i}`))));
      saved.push(sha256(await readFile(file)));
      await sleep(50);
    }
    await deliveredByHook(jupyter, ws.dir);

    const log = await logOf(ws, 'analysis.ipynb');
    assert.deepEqual(log.map((v) => v.sha256).reverse(), saved);
    const savedAt = log.map((v) => v.savedAt ?? '').reverse();
    assert.ok(
      savedAt.every((time) => time !== ''),
      'every version records its save time',
    );
    assert.deepEqual(savedAt, [...savedAt].sort());
    assert.ok(log.every((v) => v.author === 'tester'));
    assert.equal((await ws.run('show', 'latest', 'analysis.ipynb', '--raw')).stdout, await readFile(file, 'utf8'));
  });

  it('keeps saves in the spool while S3 is unreachable; one push then delivers them in order with their save times', async () => {
    const ws = await makeWorkspace('s3', { parent: notebooks });
    // The config the hook's flushers read names an endpoint that refuses connections; only the
    // test's own commands below are told (by the environment) where S3 is.
    const configPath = join(ws.dir, '.nbstore', 'config.json');
    await writeFile(configPath, JSON.stringify({ ...JSON.parse(await readFile(configPath, 'utf8')), s3_endpoint_url: UNREACHABLE }));
    const reachable = { cwd: ws.dir, env: { ...ws.env, NBSTORE_S3_ENDPOINT_URL: s3Endpoint() } };

    const saved: string[] = [];
    for (let i = 1; i <= 5; i++) {
      assert.ok(SAVED.includes(await jupyter.saveNotebook(`${basename(ws.dir)}/report.ipynb`, notebookSaying(`offline ${i}`))));
      saved.push(sha256(await readFile(join(ws.dir, 'report.ipynb'))));
    }
    // The hook copies each save into the spool before Jupyter answers.
    const waiting = await spoolEntries(join(ws.dir, '.nbstore', 'spool'));
    assert.deepEqual(
      waiting.map((entry) => entry.path),
      Array(5).fill('report.ipynb'),
    );
    const spooledBodies = await Promise.all(waiting.map((entry) => readFile(join(ws.dir, '.nbstore', 'spool', `${entry.id}.ipynb`))));
    assert.deepEqual(
      spooledBodies.map((body) => sha256(body)),
      saved,
    );
    await jupyter.logged(new RegExp(`nbstore: saves in ${ws.dir} wait in \\.nbstore/spool: cannot reach the S3 endpoint`));
    assert.match(await readFile(join(ws.dir, '.nbstore', 'hook.log'), 'utf8'), /^nbstore: cannot reach the S3 endpoint/m);

    assert.deepEqual(
      JSON.parse(await ok(['log', 'report.ipynb', '--json'], reachable)),
      [],
      'nothing reached the store while it was unreachable',
    );
    assert.equal(await ok(['push', '--flush'], reachable), 'delivered 5 saved versions of 1 notebook\n');
    const log = JSON.parse(await ok(['log', 'report.ipynb', '--json'], reachable)) as LoggedVersion[];
    assert.deepEqual(log.map((v) => v.sha256).reverse(), saved);
    assert.deepEqual(
      log.map((v) => v.savedAt).reverse(),
      waiting.map((entry) => entry.savedAt),
    );
    assert.deepEqual(await spoolEntries(join(ws.dir, '.nbstore', 'spool')), []);
  });

  it('keeps 50 saves made while S3 is blocked, each saved by Jupyter; once S3 is back the next save delivers them all, in save order', async (t) => {
    const SAVES = 50;
    const proxy = await S3Proxy.start();
    t.after(() => proxy.close());
    const ws = await makeWorkspace('s3', { parent: notebooks });
    // The flushers the hook starts reach S3 through the proxy, which the test stops and resumes.
    const configPath = join(ws.dir, '.nbstore', 'config.json');
    await writeFile(configPath, JSON.stringify({ ...JSON.parse(await readFile(configPath, 'utf8')), s3_endpoint_url: proxy.url }));
    const path = `${basename(ws.dir)}/outage.ipynb`;
    const file = join(ws.dir, 'outage.ipynb');

    await proxy.stop();
    const saved: string[] = [];
    for (let i = 1; i <= SAVES; i++) {
      assert.ok(SAVED.includes(await jupyter.saveNotebook(path, notebookSaying(`outage ${i}`))), `save ${i}`);
      saved.push(sha256(await readFile(file)));
    }
    // The hook copies each save into the spool before Jupyter answers.
    const spool = join(ws.dir, '.nbstore', 'spool');
    const waiting = await spoolEntries(spool);
    assert.deepEqual(
      await Promise.all(waiting.map(async (entry) => sha256(await readSpooledBody(spool, entry)))),
      saved,
      'every save is kept locally, in order',
    );
    await jupyter.logged(new RegExp(`nbstore: saves in ${ws.dir} wait in \\.nbstore/spool: cannot reach the S3 endpoint`));
    const failures =
      (await readFile(join(ws.dir, '.nbstore', 'hook.log'), 'utf8')).match(
        /^nbstore: cannot reach the S3 endpoint \S+ \(ECONNREFUSED\)/gm,
      ) ?? [];
    assert.ok(failures.length > 0, 'the hook tried to deliver them');

    await proxy.resume();
    assert.ok(SAVED.includes(await jupyter.saveNotebook(path, notebookSaying('S3 is back'))));
    saved.push(sha256(await readFile(file)));
    await deliveredByHook(jupyter, ws.dir);
    const log = (await logOf(ws, 'outage.ipynb')).reverse();
    assert.deepEqual(
      log.map((v) => v.sha256),
      saved,
      'every save is a version, in save order',
    );
    const savedAt = log.map((v) => v.savedAt ?? '');
    assert.deepEqual([...savedAt].sort(), savedAt, 'with its save time');
    await jupyter.flushersDone();
    assert.deepEqual(await leftovers(ws), { locks: [], spooled: [] });
    t.diagnostic(
      `${SAVES} saves through Jupyter while S3 was blocked, each kept (failed deliveries logged by then: ${failures.length}); ${log.length} versions in S3 after one more save`,
    );
  });

  it(`makes ${AT_ONCE} saves of one notebook at once one version each, leaving no lock`, () => saveAtOnce(jupyter));

  it('keeps the post_save_hook the config already had running', async () => {
    const ws = await makeWorkspace('embedded', { parent: notebooks });
    assert.ok(SAVED.includes(await jupyter.saveNotebook(`${basename(ws.dir)}/chained.ipynb`, notebookSaying('chained'))));
    await deliveredByHook(jupyter, ws.dir);
    assert.ok((await readFile(userHookLog, 'utf8')).split('\n').includes(join(ws.dir, 'chained.ipynb')));
    assert.equal((await logOf(ws, 'chained.ipynb')).length, 1);
  });

  it('ignores notebooks outside a workspace, warning once, and files that are not notebooks', async () => {
    const loose = await tempDir('loose-', notebooks);
    for (const name of ['a.ipynb', 'b.ipynb']) {
      assert.ok(SAVED.includes(await jupyter.saveNotebook(`${basename(loose)}/${name}`, notebookSaying(name))));
    }
    const log = await jupyter.logged(new RegExp(`nbstore: ${join(loose, 'a.ipynb')} is not in an nbstore workspace`));
    assert.equal(log.split('is not in an nbstore workspace').length - 1, 1);

    const ws = await makeWorkspace('embedded', { parent: notebooks });
    assert.ok(SAVED.includes(await jupyter.saveText(`${basename(ws.dir)}/notes.txt`, 'not a notebook')));
    assert.deepEqual(await spoolEntries(join(ws.dir, '.nbstore', 'spool')), []);
    await deliveredByHook(jupyter, ws.dir);
    assert.deepEqual(JSON.parse(await ws.ok('log', 'notes.txt', '--json')), []);
  });

  it('never fails a save: what goes wrong is logged to Jupyter and to .nbstore/hook.log', async () => {
    const ws = await makeWorkspace('embedded', { parent: notebooks });
    // The spool cannot be made: a file stands where its directory goes.
    await writeFile(join(ws.dir, '.nbstore', 'spool'), 'in the way');
    assert.ok(SAVED.includes(await jupyter.saveNotebook(`${basename(ws.dir)}/broken.ipynb`, notebookSaying('broken'))));
    assert.match(await readFile(join(ws.dir, 'broken.ipynb'), 'utf8'), /broken/);
    // The reason is the system's error message, in the server's language, naming the spool.
    await jupyter.logged(
      new RegExp(`nbstore: could not keep the save of ${join(ws.dir, 'broken.ipynb')}: .+ \\(${join(ws.dir, '.nbstore', 'spool')}\\)`),
    );
    assert.match(
      await readFile(join(ws.dir, '.nbstore', 'hook.log'), 'utf8'),
      /^\S+Z hook: could not keep the save of \S+\/broken\.ipynb: .+ \(\S+\/\.nbstore\/spool\)$/m,
    );
  });
});

describe('the hook in Jupyter Server with the contents manager of Jupyter Server 2', () => {
  let jupyter: JupyterServer;

  before(async () => {
    ({ jupyter } = await startWithUserHook('server', ASYNC_CONTENTS_MANAGER));
  });
  after(() => jupyter?.stop());

  it(`makes ${AT_ONCE} saves of one notebook at once one version each, leaving no lock`, () => saveAtOnce(jupyter));
});

describe('the hook in classic Notebook 6', () => {
  let jupyter: JupyterServer;
  let userHookLog: string;

  before(async () => {
    ({ jupyter, userHookLog } = await startWithUserHook('notebook'));
  });
  after(() => jupyter?.stop());

  it('makes each save a version, after the post_save_hook the config already had', async () => {
    const ws = await makeWorkspace('embedded', { parent: jupyter.root });
    const saved: string[] = [];
    for (let i = 1; i <= 3; i++) {
      assert.ok(SAVED.includes(await jupyter.saveNotebook(`${basename(ws.dir)}/classic.ipynb`, notebookSaying(`classic ${i}`))));
      saved.push(sha256(await readFile(join(ws.dir, 'classic.ipynb'))));
    }
    await deliveredByHook(jupyter, ws.dir);
    const log = await logOf(ws, 'classic.ipynb');
    assert.deepEqual(log.map((v) => v.sha256).reverse(), saved);
    assert.equal((await readFile(userHookLog, 'utf8')).split('\n').filter((line) => line === join(ws.dir, 'classic.ipynb')).length, 3);
  });
});

describe('the hook on two machines saving one notebook', () => {
  let first: JupyterServer;
  let second: JupyterServer;

  before(async () => {
    [{ jupyter: first }, { jupyter: second }] = await Promise.all([startWithUserHook('server'), startWithUserHook('server')]);
  });
  after(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
  });

  it('forks the history when both save from one version; status and log show the fork, merge folds it back', async () => {
    const fixture = (side: string) => JSON.parse(readFileSync(join(FIXTURES, 'merge', 'one-sided', `${side}.ipynb`), 'utf8'));
    const mine = await makeWorkspace('s3', { parent: first.root });
    const theirs = await makeSecondMachine('s3', mine, { parent: second.root });
    const path = (ws: { dir: string }) => `${basename(ws.dir)}/nb.ipynb`;
    assert.ok(SAVED.includes(await first.saveNotebook(path(mine), fixture('base'))));
    await deliveredByHook(first, mine.dir);
    await theirs.ok('pull', 'nb.ipynb');

    // Each server saves its own edit on top of the same version; the hook holds neither back.
    assert.ok(SAVED.includes(await second.saveNotebook(path(theirs), fixture('theirs'))));
    await deliveredByHook(second, theirs.dir);
    assert.ok(SAVED.includes(await first.saveNotebook(path(mine), fixture('ours'))));
    await deliveredByHook(first, mine.dir);

    const log = JSON.parse(await mine.ok('log', 'nb.ipynb', '--json')) as Array<LoggedVersion & { isFork: boolean; mergeParent?: string }>;
    assert.deepEqual(
      log.map((v) => v.isFork),
      [false, true, false],
    );
    const forked = log[1] as LoggedVersion;
    const status = JSON.parse(await mine.ok('status', '--json')) as {
      notebooks: Array<{ path: string; forks?: Array<{ versionId: string }> }>;
    };
    assert.deepEqual(
      status.notebooks.find((n) => n.path === 'nb.ipynb')?.forks?.map((f) => f.versionId),
      [forked.versionId],
    );

    assert.match(await mine.ok('merge', 'nb.ipynb', forked.versionId), /merged with no conflicts/);
    assertValidNotebookFile(join(mine.dir, 'nb.ipynb'));
    await mine.ok('push', 'nb.ipynb');
    const after = JSON.parse(await mine.ok('log', 'nb.ipynb', '--json')) as Array<{ isFork: boolean; mergeParent?: string }>;
    assert.equal(after[0]?.mergeParent, forked.versionId);
    assert.ok(after.every((v) => !v.isFork));
    const merged = await readFile(join(mine.dir, 'nb.ipynb'), 'utf8');
    assert.match(merged, /region and month/);
    assert.match(merged, /plot\.barh/);
  });
});
