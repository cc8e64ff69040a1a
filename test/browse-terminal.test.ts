import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN } from './support/cli.js';
import { shellQuote, Terminal } from './support/tmux.js';
import { makeWorkspace, pushedId, type TestWorkspace } from './support/workspace.js';

interface Logged {
  versionId: string;
  shortId: string;
}

const NBSTORE = `${shellQuote(process.execPath)} ${shellQuote(BIN)}`;

/** A workspace on the embedded store with three notebooks, one of them with three versions. */
async function workspaceWithHistory(): Promise<{ ws: TestWorkspace; versions: Logged[]; firstBytes: Buffer }> {
  const ws = await makeWorkspace('embedded');
  await ws.addFixture('analysis.ipynb');
  await ws.ok('push', 'analysis.ipynb', '-m', 'First look at sales');
  const firstBytes = await readFile(join(ws.dir, 'analysis.ipynb'));
  await ws.edit('analysis.ipynb', 'revenue by month');
  await ws.ok('push', 'analysis.ipynb', '-m', 'Break revenue down by month');
  await ws.edit('analysis.ipynb', 'a chart');
  pushedId(await ws.ok('push', 'analysis.ipynb', '-m', 'Add a chart'));
  await mkdir(join(ws.dir, 'reports'));
  await ws.addFixture('analysis.ipynb', 'reports/summary.ipynb');
  await ws.ok('push', 'reports/summary.ipynb', '-m', 'Summary for the board');
  await ws.edit('reports/summary.ipynb', 'totals');
  await ws.ok('push', 'reports/summary.ipynb', '-m', 'Fix the totals');
  await ws.addFixture('analysis.ipynb', 'zeta.ipynb');
  await ws.ok('push', 'zeta.ipynb', '-m', 'Scratch');
  const versions = JSON.parse(await ws.ok('log', 'analysis.ipynb', '--json')) as Logged[];
  return { ws, versions, firstBytes };
}

describe('nbstore browse in a terminal', () => {
  it('navigates, shows a diff, clones a version byte for byte, redraws on resize and quits (80×24)', async () => {
    const { ws, versions, firstBytes } = await workspaceWithHistory();
    const [third, second, first] = versions;
    assert.ok(third && second && first);
    const term = await Terminal.start(`${NBSTORE} browse`, { cwd: ws.dir, env: ws.env, columns: 80, rows: 24 });
    try {
      const opened = await term.waitFor(
        new RegExp(`analysis\\.ipynb @ ${third.shortId}[^\\n]*\\n│nbformat`),
        'the first notebook previewed',
      );
      assert.match(opened, /│›analysis\.ipynb/);
      assert.match(opened, /reports\/summary\.ipynb/);
      assert.match(opened, /zeta\.ipynb/);
      assert.match(opened, new RegExp(`›${third.shortId} \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d tester\\s+◆ Add a chart`));
      assert.match(opened, new RegExp(`${first.shortId} .* First look at s`));
      assert.match(opened, /── cell 1 \(markdown\) ──/);
      assert.equal(opened.split('\n').length, 24);

      await term.press('j');
      await term.waitFor(/Versions of reports\/summary\.ipynb[\s\S]*Fix the totals/, 'the second notebook and its versions');
      await term.press('k', 'Tab', 'j');
      await term.waitFor(
        new RegExp(`analysis\\.ipynb @ ${second.shortId} · .* · Break revenue down by month`),
        'the second version previewed',
      );

      await term.press('d');
      const diff = await term.waitFor(/\+\+\+ analysis\.ipynb@/, 'the diff against the version before');
      assert.match(diff, new RegExp(`diff analysis\\.ipynb\\s+${first.shortId} → ${second.shortId}`));
      assert.match(diff, new RegExp(`--- analysis\\.ipynb@${first.versionId.slice(0, 20)}`));
      assert.match(diff, /\+edit revenue by month/);
      await term.press('Escape');
      await term.waitFor(
        (screen) => !screen.includes('diff analysis.ipynb') && screen.includes('Versions of analysis.ipynb'),
        'the lists back',
      );

      await term.resize(100, 30);
      const wide = await term.waitFor(
        (screen) => screen.split('\n').length === 30 && screen.split('\n').some((line) => line.length > 80),
        'the screen redrawn at 100×30',
      );
      assert.match(wide, /Versions of analysis\.ipynb/);
      await term.resize(80, 24);
      await term.waitFor(
        (screen) => screen.split('\n').length === 24 && screen.split('\n').every((line) => line.length <= 80) && screen.includes('q quit'),
        'the screen redrawn at 80×24',
      );

      await term.press('j', 'c');
      await term.waitFor(/Overwrite analysis\.ipynb\? y yes · n write analysis-1\.ipynb · Esc cancel/);
      await term.press('n');
      await term.waitFor(/cloned .*analysis-1\.ipynb/);
      assert.deepEqual(await readFile(join(ws.dir, 'analysis-1.ipynb')), firstBytes, 'the clone holds the first version byte for byte');

      await term.press('q');
      assert.equal(await term.exited(), 0);
    } finally {
      await term.stop();
    }
  });

  it('prints the chosen version id on y, drawing on the terminal while stdout goes to a pipe, with CI=true set', async () => {
    const { ws, versions } = await workspaceWithHistory();
    const [third, second] = versions;
    assert.ok(third && second);
    // CI=true makes Ink draw only its last frame, unless browse keeps it from Ink.
    const term = await Terminal.start(`${NBSTORE} browse > chosen.txt`, {
      cwd: ws.dir,
      env: { ...ws.env, CI: 'true' },
      columns: 80,
      rows: 24,
    });
    try {
      await term.waitFor(new RegExp(`›${third.shortId} `), 'the versions listed');
      await term.press('Tab', 'Down');
      await term.waitFor(new RegExp(`analysis\\.ipynb @ ${second.shortId}`));
      await term.press('y');
      assert.equal(await term.exited(), 0);
      assert.equal(await readFile(join(ws.dir, 'chosen.txt'), 'utf8'), `${second.versionId}\n`);
    } finally {
      await term.stop();
    }
  });
});
