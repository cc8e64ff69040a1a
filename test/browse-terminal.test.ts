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
  it('says what c then y would lose, keeps the status line to its notebook, and Esc leaves the full-screen preview (100×24)', async () => {
    const { ws } = await workspaceWithHistory();
    await ws.edit('analysis.ipynb', 'not pushed yet');
    const edited = await readFile(join(ws.dir, 'analysis.ipynb'));
    const term = await Terminal.start(`${NBSTORE} browse`, { cwd: ws.dir, env: ws.env, columns: 100, rows: 24 });
    try {
      await term.waitFor(/│›analysis\.ipynb[\s\S]*Add a chart/, 'the versions listed');
      await term.press('c');
      await term.waitFor(/Overwrite analysis\.ipynb, losing its unpushed changes\? y yes · n write analysis-1\.ipynb · Esc cancel/);
      await term.press('Escape');
      await term.waitFor((screen) => !screen.includes('Overwrite'), 'the question gone');
      assert.deepEqual(await readFile(join(ws.dir, 'analysis.ipynb')), edited, 'the unpushed edits are kept');

      await term.press('c');
      await term.waitFor(/losing its unpushed changes/);
      await term.press('n');
      await term.waitFor(/cloned analysis\.ipynb @ \S+ to analysis-1\.ipynb/, 'the outcome on the status line');
      await term.press('j');
      await term.waitFor(
        (screen) => screen.includes('Versions of reports/summary.ipynb') && !screen.includes('cloned analysis.ipynb'),
        'the message about analysis.ipynb gone with another notebook selected',
      );

      await term.press('Enter', 'Enter');
      await term.waitFor(
        (screen) => !screen.includes('Versions of') && screen.includes('reports/summary.ipynb @'),
        'the full-screen preview',
      );
      await term.press('Escape');
      await term.waitFor(/Versions of reports\/summary\.ipynb/, 'back to the lists, not quit');
      await term.press('q');
      assert.equal(await term.exited(), 0);
    } finally {
      await term.stop();
    }
  });

  it('degrades legibly at 60×16, shows where a published copy came from, and says when a prefix matches nothing', async () => {
    const { ws } = await workspaceWithHistory();
    await mkdir(join(ws.dir, 'reports', 'quarterly'), { recursive: true });
    const long = 'reports/quarterly/revenue-by-region-and-month.ipynb';
    await ws.addFixture('analysis.ipynb', long);
    await ws.ok('push', long, '-m', 'Quarterly');
    await ws.ok('publish', long);
    const [source] = JSON.parse(await ws.ok('log', long, '--json')) as Logged[];
    assert.ok(source);
    const term = await Terminal.start(`${NBSTORE} browse reports/quarterly/`, { cwd: ws.dir, env: ws.env, columns: 60, rows: 16 });
    try {
      const narrow = await term.waitFor(/│›\S+ \d{4}-\d\d-\d\d \d\d:\d\d/, 'the versions listed');
      const lines = narrow.split('\n');
      assert.equal(lines.length, 16);
      assert.ok(lines.every((line) => line.length <= 60));
      // The header drops the program's name before the scopes and where they are.
      assert.match(lines[0] as string, /^ workspace {2}published {2}workspace\/reports\/quarterly\/ in the /);
      assert.match(lines[1] as string, /^┌─ Notebooks ─+┐┌─ Versions of /);
      assert.match(lines[6] as string, /^┌─ reports\/quarterly\/revenue-by-region[^\n]*┐$/, 'the preview title stays on its line');
      // A title too long for its border keeps the path's start and the file name.
      assert.match(narrow, /Versions of rep[^\n]*…[^\n]*\.ipynb/);
      await term.resize(100, 30);
      await term.waitFor((screen) => screen.split('\n').length === 30, 'the screen redrawn at 100×30');
      await term.press('t');
      const published = await term.waitFor(new RegExp(`from ${source.shortId}`), 'the published copy with its source');
      assert.match(published, /Published/);
      await term.press('q');
      assert.equal(await term.exited(), 0);
    } finally {
      await term.stop();
    }
    const empty = await Terminal.start(`${NBSTORE} browse nothing/`, { cwd: ws.dir, env: ws.env, columns: 80, rows: 24 });
    try {
      // The message wraps in the notebooks pane: read that pane's text as one line.
      const says = (text: string) => (screen: string) => {
        const lines = screen.split('\n');
        const width = (lines[1] ?? '').indexOf('┐');
        const pane = lines.slice(2).map((line) => line.slice(1, width));
        return pane.join(' ').replace(/\s+/g, ' ').includes(text);
      };
      await empty.waitFor(says('no notebook starts with nothing/'), 'the prefix that matched nothing named');
      await empty.press('/', 'z', 'z');
      await empty.waitFor(says('no notebook matches /zz'), 'the filter that matched nothing named');
      await empty.press('Escape', 'q');
      assert.equal(await empty.exited(), 0);
    } finally {
      await empty.stop();
    }
  });
});
