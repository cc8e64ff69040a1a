import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { processIo } from '../src/cli/io.js';
import { noColours } from '../src/lib/paint.js';
import { screenLines, WorkspaceBrowseSource } from '../src/ops/browse.js';
import { Workspace } from '../src/workspace/workspace.js';
import { BIN, REPO_ROOT, runBin, runCli } from './support/cli.js';
import { shellQuote, Terminal } from './support/tmux.js';
import { makeWorkspace, STORE_KINDS, type StoreKind, type TestWorkspace } from './support/workspace.js';

/** The browser's source over a test workspace, as `nbstore browse` makes it. */
async function sourceFor(ws: TestWorkspace, prefix?: string): Promise<WorkspaceBrowseSource> {
  const workspace = await Workspace.find({ ...processIo(), cwd: ws.dir, env: ws.env });
  return new WorkspaceBrowseSource(workspace, await workspace.openStore(), {
    paint: noColours,
    cwd: ws.dir,
    ...(prefix ? { prefix } : {}),
  });
}

/** A workspace with analysis.ipynb pushed twice (messages 'one' and 'two'), and the first version's bytes. */
async function pushedTwice(kind: StoreKind): Promise<{ ws: TestWorkspace; firstBytes: Buffer }> {
  const ws = await makeWorkspace(kind);
  await ws.addFixture('analysis.ipynb');
  await ws.ok('push', 'analysis.ipynb', '-m', 'one');
  const firstBytes = await readFile(join(ws.dir, 'analysis.ipynb'));
  await ws.edit('analysis.ipynb', 'two');
  await ws.ok('push', 'analysis.ipynb', '-m', 'two');
  return { ws, firstBytes };
}

for (const kind of STORE_KINDS) {
  describe(`browse's source on the ${kind} store`, () => {
    it('lists notebooks under a prefix, their versions with author, message and base, and previews as show renders', async () => {
      const { ws } = await pushedTwice(kind);
      await mkdir(join(ws.dir, 'reports'));
      await ws.addFixture('analysis.ipynb', 'reports/q1.ipynb');
      await ws.ok('push', 'reports/q1.ipynb');

      const source = await sourceFor(ws);
      const notebooks = await source.notebooks('workspace');
      assert.deepEqual(
        notebooks.map((nb) => [nb.path, nb.key]),
        [
          ['analysis.ipynb', 'workspace/analysis.ipynb'],
          ['reports/q1.ipynb', 'workspace/reports/q1.ipynb'],
        ],
      );
      assert.deepEqual(
        (await (await sourceFor(ws, 'reports/')).notebooks('workspace')).map((nb) => nb.path),
        ['reports/q1.ipynb'],
      );
      assert.deepEqual(
        (await (await sourceFor(ws, 'ana')).notebooks('workspace')).map((nb) => nb.path),
        ['analysis.ipynb'],
      );
      assert.match(
        source.describe('workspace'),
        kind === 'embedded' ? /^workspace\/ in the embedded store$/ : /^workspace\/ in s3:\/\/nbt-/,
      );
      assert.match((await sourceFor(ws, 'reports/')).describe('published'), /^published\/reports\/ in /);

      const versions = await source.versions('workspace', notebooks[0]!);
      assert.deepEqual(
        versions.map((v) => [v.message, v.author, v.isLatest, v.base]),
        [
          ['two', 'tester', true, true],
          ['one', 'tester', false, false],
        ],
      );
      const [latest, first] = versions;
      assert.ok(latest && first);
      assert.deepEqual(
        (await source.versions('workspace', notebooks[1]!)).map((v) => v.message),
        ['(no message)'],
      );

      const shown = (await ws.ok('show', first.versionId, 'analysis.ipynb')).split('\n');
      const preview = await source.preview(first);
      assert.match(preview.join('\n'), /── cell 1 \(markdown\) ──\n# Sales analysis/);
      assert.deepEqual(
        preview,
        shown.slice(shown.indexOf(preview[0]!), shown.indexOf(preview[0]!) + preview.length),
        'the preview is what show prints',
      );

      assert.match(await source.checkout('workspace', notebooks[0]!, first, false), /^checked out analysis\.ipynb at version /);
      assert.deepEqual(
        (await source.versions('workspace', notebooks[0]!)).map((v) => v.base),
        [false, true],
        'the base moved',
      );
      await ws.edit('analysis.ipynb', 'unpushed');
      await assert.rejects(source.checkout('workspace', notebooks[0]!, latest, false), { code: 'local-changes' });
      assert.match(await readFile(join(ws.dir, 'analysis.ipynb'), 'utf8'), /edit unpushed/, 'the refused checkout left the file alone');
      assert.match(await source.checkout('workspace', notebooks[0]!, latest, true), /^checked out/);
      await assert.rejects(source.checkout('published', notebooks[0]!, latest, false), { code: 'usage' });
    });

    it('diffs two versions and a version against the local file, as nbstore diff renders them', async () => {
      const { ws } = await pushedTwice(kind);
      const source = await sourceFor(ws);
      const [notebook] = await source.notebooks('workspace');
      assert.ok(notebook);
      const [newer, older] = await source.versions('workspace', notebook);
      assert.ok(newer && older);
      const diff = await source.diff('workspace', notebook, older, newer);
      assert.deepEqual(diff, (await ws.ok('diff', 'analysis.ipynb', older.versionId, newer.versionId)).replace(/\n$/, '').split('\n'));
      assert.match(diff.join('\n'), /@@ cell 1 \(markdown\) added @@\n\+edit two/);
      assert.deepEqual(await source.diffLocal('workspace', notebook, newer), [
        `no differences between analysis.ipynb@${newer.versionId} and analysis.ipynb (local file)`,
      ]);
      await ws.edit('analysis.ipynb', 'three');
      assert.match(
        (await source.diffLocal('workspace', notebook, newer)).join('\n'),
        /\+\+\+ analysis\.ipynb \(local file\)[\s\S]*\+edit three/,
      );
    });

    it('clones a version here: to a free name, to name-1.ipynb when the name is taken, over it when asked', async () => {
      const { ws, firstBytes } = await pushedTwice(kind);
      await mkdir(join(ws.dir, 'reports'));
      await ws.addFixture('analysis.ipynb', 'reports/q1.ipynb');
      await ws.ok('push', 'reports/q1.ipynb');
      const source = await sourceFor(ws);
      const [analysis, q1] = await source.notebooks('workspace');
      assert.ok(analysis && q1);
      const [, first] = await source.versions('workspace', analysis);
      assert.ok(first);

      assert.deepEqual(await source.planClone('workspace', q1), { target: 'q1.ipynb', exists: false, alternative: 'q1-1.ipynb' });
      assert.deepEqual(await source.planClone('workspace', analysis), {
        target: 'analysis.ipynb',
        exists: true,
        alternative: 'analysis-1.ipynb',
      });
      assert.equal(
        await source.clone('workspace', analysis, first, false),
        `cloned analysis.ipynb @ ${first.shortId} to analysis-1.ipynb (tracked)`,
      );
      assert.deepEqual(await readFile(join(ws.dir, 'analysis-1.ipynb')), firstBytes);
      assert.deepEqual(await source.planClone('workspace', analysis), {
        target: 'analysis.ipynb',
        exists: true,
        alternative: 'analysis-2.ipynb',
      });
      assert.match(await ws.ok('status'), /analysis-1\.ipynb/, 'the clone is tracked');

      await ws.edit('analysis.ipynb', 'unpushed');
      assert.equal(
        await source.clone('workspace', analysis, first, true),
        `cloned analysis.ipynb @ ${first.shortId} over analysis.ipynb (tracked)`,
      );
      assert.deepEqual(await readFile(join(ws.dir, 'analysis.ipynb')), firstBytes, 'overwritten, as the user agreed');
      assert.equal(
        (JSON.parse(await ws.ok('log', 'analysis.ipynb', '--json')) as Array<{ isBase: boolean; versionId: string }>).find((v) => v.isBase)
          ?.versionId,
        first.versionId,
      );
    });

    it('publishes a version, marks it, and lists the published copies', async () => {
      const { ws } = await pushedTwice(kind);
      const source = await sourceFor(ws);
      const [notebook] = await source.notebooks('workspace');
      assert.ok(notebook);
      assert.deepEqual(await source.notebooks('published'), []);
      const [, first] = await source.versions('workspace', notebook);
      assert.ok(first);
      assert.match(
        await source.publish('workspace', notebook, first),
        new RegExp(`^published analysis\\.ipynb @ ${first.shortId} → published/analysis\\.ipynb \\S+$`),
      );
      assert.deepEqual(
        (await source.versions('workspace', notebook)).map((v) => v.published),
        [false, true],
      );
      assert.match(await source.publish('workspace', notebook, first), /^already published: /);

      const [copy] = await source.notebooks('published');
      assert.deepEqual([copy?.path, copy?.key], ['analysis.ipynb', 'published/analysis.ipynb']);
      assert.ok(copy);
      const [published] = await source.versions('published', copy);
      assert.ok(published);
      assert.equal(published.published, false, 'marks belong to workspace versions');
      assert.deepEqual(await source.preview(published), await source.preview(first), 'the published copy holds that version');
      await assert.rejects(source.publish('published', copy, published), { code: 'usage' });
    });
  });
}

describe('browse', () => {
  it('says in one line that it needs an interactive terminal', async () => {
    const ws = await makeWorkspace('embedded');
    const inProcess = await ws.run('browse');
    assert.equal(inProcess.error?.code, 'no-tty');
    const piped = await runBin(['browse'], { cwd: ws.dir, env: ws.env });
    assert.equal(piped.status, 1);
    assert.equal(piped.stderr, 'nbstore: browse needs an interactive terminal; to list versions from a script, use nbstore log\n');
    assert.equal(piped.stdout, '');
  });

  it('has --help with examples', async () => {
    const result = await runCli(['browse', '--help'], { cwd: REPO_ROOT });
    assert.match(result.stdout, /^nbstore browse \[prefix\]/m);
    assert.match(result.stdout, /Examples:\n\s+nbstore browse /);
  });

  it('loads Ink and React for browse only', async () => {
    const ws = await makeWorkspace('embedded');
    await ws.addFixture('analysis.ipynb');
    const recorder = join(REPO_ROOT, 'test', 'support', 'record-imports.mjs');
    const env = { ...ws.env, NODE_OPTIONS: `--import ${recorder}` };
    for (const argv of [['push', 'analysis.ipynb'], ['log', 'analysis.ipynb'], ['show', 'latest', 'analysis.ipynb'], ['--help']]) {
      const result = await runBin(argv, { cwd: ws.dir, env });
      assert.equal(result.status, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /imported \S*(\/run|ink|react)/, `nbstore ${argv.join(' ')}`);
    }
    const log = join(ws.dir, 'imports.log');
    const term = await Terminal.start(`${shellQuote(process.execPath)} ${shellQuote(BIN)} browse`, {
      cwd: ws.dir,
      env: { ...env, NBSTORE_IMPORTS_LOG: log },
      columns: 80,
      rows: 24,
    });
    try {
      await term.waitFor(/analysis\.ipynb @ /);
      await term.press('q');
      assert.equal(await term.exited(), 0);
    } finally {
      await term.stop();
    }
    assert.match(await readFile(log, 'utf8'), /imported \S*\/run(-\w+)?\.js/);
  });
});

describe('screen lines', () => {
  it('expands tabs, keeps what a carriage return overwrote with, drops other control characters and keeps colours', () => {
    assert.deepEqual(screenLines('a\tb\n\tx\n'), ['a   b', '    x']);
    assert.deepEqual(screenLines('10%\r50%\r100%\n'), ['100%']);
    assert.deepEqual(screenLines('done\r\n'), ['done']);
    assert.deepEqual(screenLines('bell\x07 and\x08 nul\x00'), ['bell and nul']);
    assert.deepEqual(screenLines('\x1b[31mred\x1b[39m\tafter'), ['\x1b[31mred\x1b[39m after']);
  });
});
