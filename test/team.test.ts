import assert from 'node:assert/strict';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { addToSpool } from '../src/workspace/spool.js';
import { putBehindNbstore } from './support/behind.js';
import { FIXTURES } from './support/cli.js';
import { assertValidNotebookFile } from './support/nbformat.js';
import {
  makeSecondMachine,
  makeWorkspace,
  okJson,
  pushedId,
  STORE_KINDS,
  type TestWorkspace,
  trackedNotebooks,
} from './support/workspace.js';

interface LoggedVersion {
  versionId: string;
  shortId: string;
  key: string;
  message?: string;
  author?: string;
  parent?: string;
  mergeParent?: string;
  isDeleteMarker: boolean;
  isFork: boolean;
}

interface StatusJson {
  notebooks: Array<{
    path: string;
    state: string;
    conflicts?: Array<{ cell: number }>;
    forks?: Array<{ versionId: string; shortId: string }>;
  }>;
}

/** Puts a side of a merge fixture in place as the notebook. */
async function placeSide(ws: TestWorkspace, situation: string, side: 'base' | 'ours' | 'theirs', as = 'nb.ipynb'): Promise<void> {
  await copyFile(join(FIXTURES, 'merge', situation, `${side}.ipynb`), join(ws.dir, as));
}

const readNotebook = async (ws: TestWorkspace, rel = 'nb.ipynb') => JSON.parse(await readFile(join(ws.dir, rel), 'utf8'));
const log = (ws: TestWorkspace, ...args: string[]) => okJson<LoggedVersion[]>(ws, 'log', ...args);
const state = async (ws: TestWorkspace, rel = 'nb.ipynb') => (await okJson<StatusJson>(ws, 'status')).notebooks.find((n) => n.path === rel);

/** Two machines on one store, both at the base of `situation`. */
async function twoMachines(kind: (typeof STORE_KINDS)[number], situation = 'conflict') {
  const mine = await makeWorkspace(kind);
  await placeSide(mine, situation, 'base');
  const base = pushedId(await mine.ok('push', 'nb.ipynb', '-m', 'base'));
  const theirs = await makeSecondMachine(kind, mine);
  assert.match(await theirs.ok('pull', 'nb.ipynb'), /updated\s+nb\.ipynb/);
  return { mine, theirs, base };
}

for (const kind of STORE_KINDS) {
  describe(`team verbs on the ${kind} store, two machines`, () => {
    it('pull brings a notebook that is behind to the latest and leaves one with local changes to merge', async () => {
      const { mine, theirs } = await twoMachines(kind, 'one-sided');
      await placeSide(theirs, 'one-sided', 'theirs');
      const second = pushedId(await theirs.ok('push'));
      assert.equal((await state(mine))?.state, 'behind');
      const pulled = await mine.ok('pull');
      assert.match(pulled, /updated\s+nb\.ipynb/);
      assert.match(pulled, /pull: 1 updated, 0 up to date/);
      assert.equal((await state(mine))?.state, 'unmodified');
      assert.deepEqual(await readNotebook(mine), await readNotebook(theirs));
      assert.match(await mine.ok('pull'), /pull: 0 updated, 1 up to date/);

      await placeSide(theirs, 'one-sided', 'base');
      await theirs.ok('push', '-m', 'back');
      await placeSide(mine, 'one-sided', 'ours');
      const left = await mine.run('pull', '--json');
      assert.equal(left.status, 1);
      const [result] = JSON.parse(left.stdout);
      assert.equal(result.action, 'left');
      assert.match(result.reason, /nbstore merge nb\.ipynb/);
      // Left alone: the local edit is still there.
      assert.match(JSON.stringify(await readNotebook(mine)), /region and month/);
      assert.notEqual(second, undefined);
    });

    it('merge marks a conflict, exits 1, is listed by status, refused by push until fixed, then pushed as a merge', async () => {
      const { mine, theirs, base } = await twoMachines(kind);
      await placeSide(theirs, 'conflict', 'theirs');
      const their = pushedId(await theirs.ok('push', '-m', 'median line'));
      await placeSide(mine, 'conflict', 'ours');
      const before = await readFile(join(mine.dir, 'nb.ipynb'));

      const dry = await mine.run('merge', 'nb.ipynb', '--dry-run', '--json');
      assert.equal(dry.status, 1);
      const report = JSON.parse(dry.stdout);
      assert.equal(report.base, base);
      assert.equal(report.baseFrom, 'parent links');
      assert.equal(report.theirs, their);
      assert.equal(report.written, false);
      assert.deepEqual(
        report.decisions.map((d: { action: string }) => d.action),
        ['taken from ours', 'taken from ours', 'conflict'],
      );
      assert.deepEqual(await readFile(join(mine.dir, 'nb.ipynb')), before);

      const merged = await mine.run('merge', 'nb.ipynb');
      assert.equal(merged.status, 1);
      assert.match(merged.stdout, /cell 3\s+CONFLICT: both edited \(source\)/);
      assertValidNotebookFile(join(mine.dir, 'nb.ipynb'));
      const nb = await readNotebook(mine);
      assert.match(nb.cells[2].source.join(''), /^<<<<<<< local \(from \S+\)\n.*plot\.pie\(\)\n=======\n.*plot\.line\(\)\n>>>>>>> \S+$/s);
      assert.equal(nb.cells[2].metadata.nbstore.conflict.theirs.length >= 8, true);
      assert.deepEqual(
        (await state(mine))?.conflicts?.map((c) => c.cell),
        [2],
      );
      assert.match(await mine.ok('status'), /1 conflict from a merge, in cell 3/);
      const refused = await mine.run('push');
      assert.equal(refused.error?.code, 'conflicts');

      nb.cells[2].source = ["df.groupby('region').revenue.median().plot.pie()"];
      delete nb.cells[2].metadata.nbstore;
      await writeFile(join(mine.dir, 'nb.ipynb'), JSON.stringify(nb, null, 1));
      const mergeVersion = pushedId(await mine.ok('push'));
      const [latest] = await log(mine, 'nb.ipynb');
      assert.equal(latest?.versionId, mergeVersion);
      assert.equal(latest?.parent, their, 'a fast-forward of the latest');
      assert.equal(latest?.mergeParent, base);
      assert.match(await mine.ok('log', 'nb.ipynb', '--oneline'), /merge of /);
      assert.equal((await state(mine))?.state, 'unmodified');

      assert.match(await theirs.ok('pull'), /updated\s+nb\.ipynb/);
      assert.match(JSON.stringify(await readNotebook(theirs)), /median\(\)\.plot\.pie/);
    });

    it('delivers a save the hook spooled while conflicts were being fixed, and records the merge with the fixed one', async () => {
      const { mine, theirs, base } = await twoMachines(kind);
      await placeSide(theirs, 'conflict', 'theirs');
      const their = pushedId(await theirs.ok('push'));
      await placeSide(mine, 'conflict', 'ours');
      assert.equal((await mine.run('merge', 'nb.ipynb')).status, 1);
      // Jupyter saves the notebook, markers and all, while the conflict is being fixed.
      const marked = await readFile(join(mine.dir, 'nb.ipynb'));
      await addToSpool(
        join(mine.dir, '.nbstore', 'spool'),
        { path: 'nb.ipynb', savedAt: new Date().toISOString(), author: 'tester' },
        marked,
      );
      assert.match(await mine.ok('push', '--flush'), /delivered 1 saved version/);
      const [saved] = await log(mine, 'nb.ipynb');
      assert.equal(saved?.parent, their);
      assert.equal(saved?.mergeParent, undefined, 'not the merge yet');
      assert.equal((await state(mine))?.conflicts?.length, 1, 'still listed');

      const nb = await readNotebook(mine);
      nb.cells[2].source = ['df.plot()'];
      delete nb.cells[2].metadata.nbstore;
      await writeFile(join(mine.dir, 'nb.ipynb'), JSON.stringify(nb, null, 1));
      await mine.ok('push');
      const [merge] = await log(mine, 'nb.ipynb');
      assert.equal(merge?.parent, saved?.versionId);
      assert.equal(merge?.mergeParent, base);
      assert.equal(merge?.message, 'merge');
    });

    it('merges against the local base, and says so, when the parent links do not meet', async () => {
      const { mine, base } = await twoMachines(kind, 'one-sided');
      // Another tool's version whose parent link names a version this history does not have.
      const theirBytes = await readFile(join(FIXTURES, 'merge', 'one-sided', 'theirs.ipynb'));
      await putBehindNbstore(mine, 'workspace/nb.ipynb', theirBytes, { 'nbstore-parent': 'a-version-long-gone' });
      await placeSide(mine, 'one-sided', 'ours');
      const report = await okJson<{ base: string; baseFrom: string; conflicts: number }>(mine, 'merge', 'nb.ipynb', '--dry-run');
      assert.deepEqual([report.base, report.baseFrom, report.conflicts], [base, 'local base', 0]);
      assert.match(await mine.ok('merge', 'nb.ipynb'), /no common ancestor along the parent links: merging against the local base/);
      const text = JSON.stringify(await readNotebook(mine));
      assert.match(text, /region and month/);
      assert.match(text, /plot\.barh/);
    });

    it('merge takes both sides of a merge without conflicts, and says when there is nothing to merge', async () => {
      const { mine, theirs } = await twoMachines(kind, 'both-add');
      await placeSide(theirs, 'both-add', 'theirs');
      await theirs.ok('push');
      await placeSide(mine, 'both-add', 'ours');
      assert.match(await mine.ok('merge', 'nb.ipynb'), /merged with no conflicts/);
      assertValidNotebookFile(join(mine.dir, 'nb.ipynb'));
      assert.equal((await readNotebook(mine)).cells.length, 6);
      await mine.ok('push');
      assert.match(await mine.ok('merge', 'nb.ipynb'), /already up to date/);

      // With no local edits a merge is a fast-forward: nothing to push, no second parent kept.
      await theirs.ok('pull');
      await placeSide(theirs, 'both-add', 'base');
      const back = pushedId(await theirs.ok('push', '-m', 'back to the base'));
      assert.match(await mine.ok('merge', 'nb.ipynb'), /merged with no conflicts/);
      assert.equal((await state(mine))?.state, 'unmodified');
      assert.deepEqual(await trackedNotebooks(mine).then((t) => [t['nb.ipynb']?.base, 'mergeParent' in (t['nb.ipynb'] ?? {})]), [
        back,
        false,
      ]);
      assert.match(await mine.ok('push'), /nothing to push/);
    });

    it('revert makes an old version the latest by a copy, updates the local file, and refuses unpushed edits', async () => {
      const { mine, theirs, base } = await twoMachines(kind, 'one-sided');
      await placeSide(theirs, 'one-sided', 'theirs');
      await theirs.ok('push', '-m', 'barh');
      await mine.ok('pull');
      await mine.edit('nb.ipynb', 'unpushed');
      const refused = await mine.run('revert', base, 'nb.ipynb');
      assert.equal(refused.error?.code, 'local-changes');
      assert.equal((await log(mine, 'nb.ipynb')).length, 2, 'nothing copied');

      await mine.ok('checkout', 'latest', 'nb.ipynb', '--force');
      assert.match(await mine.ok('revert', '~1', 'nb.ipynb'), /reverted\s+nb\.ipynb\s+\S+\s+revert to \S+/);
      const history = await log(mine, 'nb.ipynb');
      assert.equal(history.length, 3, 'history is kept');
      assert.equal(history[0]?.message, `revert to ${history[2]?.shortId}`);
      assert.equal(history[0]?.parent, history[1]?.versionId);
      assert.equal((await state(mine))?.state, 'unmodified');
      assert.deepEqual(
        (await readNotebook(mine)).cells,
        JSON.parse(await readFile(join(FIXTURES, 'merge', 'one-sided', 'base.ipynb'), 'utf8')).cells,
      );
      await mine.ok('revert', history[1]?.versionId as string, 'nb.ipynb', '-m', 'barh again');
      assert.equal((await log(mine, 'nb.ipynb'))[0]?.message, 'barh again');
      assert.match(await theirs.ok('pull'), /updated/);
    });

    it('rm leaves a delete marker that log shows and ls --deleted lists; revert or checkout bring it back', async () => {
      const { mine, theirs } = await twoMachines(kind, 'one-sided');
      const last = (await log(mine, 'nb.ipynb'))[0]?.versionId as string;
      await mine.edit('nb.ipynb', 'unpushed');
      assert.equal((await mine.run('rm', 'nb.ipynb')).error?.code, 'local-changes');
      await mine.ok('checkout', 'latest', 'nb.ipynb', '--force');
      assert.match(await mine.ok('rm', 'nb.ipynb'), /deleted\s+nb\.ipynb/);
      await assert.rejects(readFile(join(mine.dir, 'nb.ipynb')), { code: 'ENOENT' });
      assert.equal(await state(mine), undefined, 'dropped from the state');
      assert.equal((await log(mine, 'nb.ipynb'))[0]?.isDeleteMarker, true);
      assert.match(await mine.ok('log', 'nb.ipynb'), /\[deleted\]/);
      assert.deepEqual(
        (await okJson<Array<{ path: string; lastVersion: string }>>(mine, 'ls', '--deleted')).map((n) => [n.path, n.lastVersion]),
        [['nb.ipynb', last]],
      );
      assert.deepEqual(await okJson(mine, 'ls'), []);

      // The other machine's copy is missing from the store now; its file stays until settled.
      await theirs.ok('revert', last, 'nb.ipynb');
      assert.deepEqual(await okJson(mine, 'ls', '--deleted'), []);
      await mine.ok('pull', 'nb.ipynb');
      assert.equal((await state(mine))?.state, 'unmodified');

      await mine.ok('rm', 'nb.ipynb', '--cached');
      assert.equal((await state(mine))?.state, 'untracked', 'kept, untracked');
      await rm(join(mine.dir, 'nb.ipynb'));
      assert.match(await mine.ok('checkout', last, 'nb.ipynb'), /deleted in the store/);
      await mine.ok('push', 'nb.ipynb');
      assert.equal((await okJson<Array<{ path: string }>>(mine, 'ls')).length, 1);
    });

    it('mv continues the notebook at the new key; log --follow shows the history across two moves', async () => {
      const { mine, theirs } = await twoMachines(kind, 'one-sided');
      await mine.edit('nb.ipynb', 'second');
      await mine.ok('push', '-m', 'second');
      await mine.ok('mv', 'nb.ipynb', 'reports/q3.ipynb');
      await mine.edit('reports/q3.ipynb', 'third');
      await mine.ok('mv', 'reports/q3.ipynb', 'final.ipynb');
      assert.equal((await state(mine, 'final.ipynb'))?.state, 'modified', 'edits move with the file');
      await mine.ok('push', '-m', 'third');
      await assert.rejects(readFile(join(mine.dir, 'nb.ipynb')), { code: 'ENOENT' });

      const plain = await log(mine, 'final.ipynb');
      assert.deepEqual(
        plain.map((v) => v.message),
        ['third', 'move from reports/q3.ipynb'],
      );
      const followed = await log(mine, '--follow', 'final.ipynb');
      assert.deepEqual(
        followed.map((v) => (v.isDeleteMarker ? `[deleted ${v.key}]` : v.message)),
        [
          'third',
          'move from reports/q3.ipynb',
          '[deleted workspace/reports/q3.ipynb]',
          'move from nb.ipynb',
          '[deleted workspace/nb.ipynb]',
          'second',
          'base',
        ],
      );
      assert.match(await mine.ok('log', '--follow', 'final.ipynb', '--oneline'), /base \(nb\.ipynb\)/);
      assert.equal((await theirs.run('merge', 'final.ipynb')).error?.code, 'file-missing');
      assert.match(await theirs.ok('pull', 'final.ipynb'), /updated\s+final\.ipynb/);
    });

    it('status lists untracked notebooks, and a missing one until rm or checkout settles it; push with no path pushes the modified', async () => {
      const { mine } = await twoMachines(kind, 'one-sided');
      await placeSide(mine, 'both-add', 'base', 'other.ipynb');
      await placeSide(mine, 'both-add', 'base', 'third.ipynb');
      await mine.ok('push', 'third.ipynb');
      await placeSide(mine, 'both-add', 'ours', 'third.ipynb');
      await mine.edit('nb.ipynb', 'changed');
      const states = Object.fromEntries((await okJson<StatusJson>(mine, 'status')).notebooks.map((n) => [n.path, n.state]));
      assert.deepEqual(states, { 'nb.ipynb': 'modified', 'other.ipynb': 'untracked', 'third.ipynb': 'modified' });
      assert.match(await mine.ok('status'), /untracked\s+other\.ipynb/);

      const pushed = await mine.ok('push');
      assert.match(pushed, /pushed\s+nb\.ipynb/);
      assert.match(pushed, /pushed\s+third\.ipynb/);
      assert.doesNotMatch(pushed, /other\.ipynb/);
      assert.match(await mine.ok('push'), /nothing to push/);

      await rm(join(mine.dir, 'third.ipynb'));
      assert.equal((await state(mine, 'third.ipynb'))?.state, 'missing');
      assert.equal((await state(mine, 'third.ipynb'))?.state, 'missing', 'stays missing');
      await mine.ok('checkout', 'latest', 'third.ipynb');
      assert.equal((await state(mine, 'third.ipynb'))?.state, 'unmodified');
      await rm(join(mine.dir, 'third.ipynb'));
      await mine.ok('rm', 'third.ipynb');
      assert.equal(await state(mine, 'third.ipynb'), undefined);
    });

    it('shows a fork where two machines pushed from one version, and merge REV folds it back in', async () => {
      const { mine, base } = await twoMachines(kind, 'one-sided');
      await placeSide(mine, 'one-sided', 'ours');
      const forked = pushedId(await mine.ok('push', '-m', 'from this machine'));
      // The other machine's save on top of the same base, as its Jupyter hook (which never holds
      // a save back) delivers it while this one's push is on its way.
      const theirBytes = await readFile(join(FIXTURES, 'merge', 'one-sided', 'theirs.ipynb'));
      await putBehindNbstore(mine, 'workspace/nb.ipynb', theirBytes, {
        'nbstore-parent': base,
        'nbstore-author': 'colleague',
        'nbstore-message': 'from the other machine',
      });
      const history = await log(mine, 'nb.ipynb');
      assert.deepEqual(
        history.map((v) => v.isFork),
        [false, true, false],
      );
      assert.equal(history[1]?.versionId, forked);
      assert.match(await mine.ok('log', 'nb.ipynb'), new RegExp(`from this machine \\(base, fork from ${history[2]?.shortId}`));
      const fork = (await state(mine))?.forks?.[0];
      assert.equal(fork?.versionId, forked);
      assert.match(
        await mine.ok('status'),
        new RegExp(`fork: ${fork?.shortId} not in the history of the latest; nbstore merge nb.ipynb ${fork?.shortId}`),
      );

      await mine.ok('pull');
      const merged = await okJson<{ base: string; conflicts: number }>(mine, 'merge', 'nb.ipynb', fork?.shortId as string);
      assert.equal(merged.base, base);
      assert.equal(merged.conflicts, 0);
      assertValidNotebookFile(join(mine.dir, 'nb.ipynb'));
      await mine.ok('push');
      const after = await log(mine, 'nb.ipynb');
      assert.equal(after[0]?.mergeParent, forked);
      assert.equal(after[0]?.parent, history[0]?.versionId);
      assert.ok(after.every((v) => !v.isFork));
      assert.equal((await state(mine))?.forks, undefined);
      const text = JSON.stringify(await readNotebook(mine));
      assert.match(text, /region and month/);
      assert.match(text, /plot\.barh/);
    });
  });
}
