import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sha256 } from '../src/lib/fs.js';
import { runBin, tempDir } from './support/cli.js';
import { makeWorkspace, pushedId, STORE_KINDS } from './support/workspace.js';

interface LoggedVersion {
  versionId: string;
  shortId: string;
  key: string;
  message?: string;
  author?: string;
  parent?: string;
  sha256?: string;
  isLatest: boolean;
  isBase: boolean;
  isDeleteMarker: boolean;
}

for (const kind of STORE_KINDS) {
  describe(`core loop on the ${kind} store`, () => {
    it('pushes, skips unchanged content, and logs versions newest first with their metadata', async () => {
      const ws = await makeWorkspace(kind);
      await ws.addFixture('analysis.ipynb', 'mine.ipynb');
      const first = pushedId(await ws.ok('push', 'mine.ipynb', '-m', 'First cut'));

      // Same content, different key order and whitespace: canonical JSON says unchanged.
      const nb = JSON.parse(await readFile(join(ws.dir, 'mine.ipynb'), 'utf8'));
      await writeFile(
        join(ws.dir, 'mine.ipynb'),
        JSON.stringify({ nbformat_minor: nb.nbformat_minor, metadata: nb.metadata, nbformat: nb.nbformat, cells: nb.cells }),
      );
      assert.match(await ws.ok('push', 'mine.ipynb'), /up to date\s+mine\.ipynb/);

      await ws.edit('mine.ipynb', 'two');
      const bytes = await readFile(join(ws.dir, 'mine.ipynb'));
      const second = pushedId(await ws.ok('push', 'mine.ipynb', '-m', 'Säson 2 ✓'));
      assert.notEqual(first, second);

      const log = JSON.parse(await ws.ok('log', 'mine.ipynb', '--json')) as LoggedVersion[];
      assert.deepEqual(
        log.map((v) => v.versionId),
        [second, first],
      );
      assert.equal(log[0]?.message, 'Säson 2 ✓');
      assert.equal(log[0]?.parent, first);
      assert.equal(log[0]?.author, 'tester');
      assert.equal(log[0]?.sha256, sha256(bytes));
      assert.equal(log[0]?.isLatest, true);
      assert.equal(log[0]?.isBase, true);
      assert.equal(log[1]?.parent, undefined);

      const text = await ws.ok('log', 'mine.ipynb');
      const lines = text.trim().split('\n');
      assert.equal(lines.length, 2);
      assert.match(
        lines[0] as string,
        new RegExp(`^${log[0]?.shortId}\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}\\s+tester\\s+[\\d.]+ KB\\s+Säson 2 ✓ \\(latest, base\\)$`),
      );
      assert.equal((await ws.ok('log', 'mine.ipynb', '-n', '1', '--oneline')).trim(), `${log[0]?.shortId} Säson 2 ✓ (latest, base)`);
    });

    it('stores the bytes exactly as on disk, at <workspace_prefix>/<path>', async () => {
      const ws = await makeWorkspace(kind, { prefix: 'workspace/kylek/notebooks' });
      await ws.addFixture('analysis.ipynb', 'mine.ipynb');
      const id = pushedId(await ws.ok('push', 'mine.ipynb'));
      const raw = await ws.run('show', id, '--raw');
      assert.equal(raw.stdout, await readFile(join(ws.dir, 'mine.ipynb'), 'utf8'));
      const log = JSON.parse(await ws.ok('log', 'mine.ipynb', '--json')) as LoggedVersion[];
      assert.equal(log[0]?.key, 'workspace/kylek/notebooks/mine.ipynb');
    });

    it('logs exactly the key asked for, never keys that share its prefix', async () => {
      const ws = await makeWorkspace(kind);
      await ws.addFixture('analysis.ipynb', 'mine.ipynb');
      await ws.addFixture('analysis.ipynb', 'mine.ipynb-copy.ipynb');
      await ws.ok('push', 'mine.ipynb');
      await ws.edit('mine.ipynb-copy.ipynb', 'x');
      await ws.ok('push', 'mine.ipynb-copy.ipynb');
      const log = JSON.parse(await ws.ok('log', 'mine.ipynb', '--json')) as LoggedVersion[];
      assert.equal(log.length, 1);
      assert.ok(log[0]?.key.endsWith('/mine.ipynb'));
    });

    it('shows a version rendered as cells, outputs summarised', async () => {
      const ws = await makeWorkspace(kind);
      await ws.addFixture('analysis.ipynb');
      await ws.ok('push', 'analysis.ipynb', '-m', 'baseline');
      const shown = await ws.ok('show', 'latest', 'analysis.ipynb');
      assert.match(shown, /── cell 1 \(markdown\) ──\n# Sales analysis/);
      assert.match(shown, /── cell 3 \(code\) \[2\] ──\nsales\.groupby/);
      assert.match(shown, /│ image\/png 70 B [0-9a-f]{8}/);
      assert.match(shown, /baseline/);
      const short = await ws.ok('show', 'latest', 'analysis.ipynb', '--max-output-lines', '1');
      assert.match(short, /│ region\n│ … 3 more lines/);
    });

    it('resolves latest, ~N, @~N, @{date}, ids and prefixes, and refuses the rest with stable codes', async () => {
      const ws = await makeWorkspace(kind);
      await ws.addFixture('analysis.ipynb', 'r.ipynb');
      const ids: string[] = [];
      for (const n of [1, 2, 3]) {
        await ws.edit('r.ipynb', String(n));
        ids.push(pushedId(await ws.ok('push', 'r.ipynb', '-m', `v${n}`)));
      }
      const messageOf = async (rev: string) => (JSON.parse(await ws.ok('show', rev, 'r.ipynb', '--json')) as { message: string }).message;
      assert.equal(await messageOf('latest'), 'v3');
      assert.equal(await messageOf('@'), 'v3');
      assert.equal(await messageOf('~1'), 'v2');
      assert.equal(await messageOf('@~2'), 'v1');
      assert.equal(await messageOf(ids[0] as string), 'v1');
      assert.equal(await messageOf((ids[1] as string).slice(0, 12)), 'v2');
      assert.equal(await messageOf('@{2099-01-01T00:00}'), 'v3');
      assert.equal(await messageOf('@{0s}'), 'v3');

      assert.equal((await ws.run('show', '~3', 'r.ipynb')).error?.code, 'unknown-revision');
      assert.equal((await ws.run('show', 'nosuchversionatall', 'r.ipynb')).error?.code, 'unknown-revision');
      // Ceph RGW's version ids may start with '-': such a word is a revision, not an option.
      assert.match((await ws.run('show', '-j4fgDHWE.', 'r.ipynb')).error?.message ?? '', /no version -j4fgDHWE\./);
      assert.match((await ws.run('show', '--', '-x', 'r.ipynb')).error?.message ?? '', /no version -x/);
      assert.match((await ws.run('checkout', '-j4fgDHWE.', 'r.ipynb', '--force')).error?.message ?? '', /no version -j4fgDHWE\./);
      await ws.edit('r.ipynb', '4');
      assert.match(await ws.ok('push', 'r.ipynb', '-m', '-1 regression, +2 fixes'), /^pushed/);
      assert.equal(await messageOf('latest'), '-1 regression, +2 fixes');
      assert.equal((await ws.run('show', '@{1999-01-01}', 'r.ipynb')).error?.code, 'unknown-revision');
      assert.equal((await ws.run('show', '@{2h}', 'r.ipynb')).error?.code, 'unknown-revision');
      assert.equal((await ws.run('show', '@{last tuesday}', 'r.ipynb')).error?.code, 'bad-revision');
      assert.equal((await ws.run('show', 'a/b', 'r.ipynb')).error?.code, 'bad-revision');
      assert.equal((await ws.run('show', '~1')).error?.code, 'usage');
    });

    it('lists the candidates of an ambiguous prefix', async () => {
      const ws = await makeWorkspace(kind);
      await ws.addFixture('analysis.ipynb', 'amb.ipynb');
      // Push until two version ids share a first character (certain long before 100 pushes).
      const seen = new Map<string, string>();
      let shared: string | undefined;
      for (let n = 0; n < 100 && !shared; n++) {
        await ws.edit('amb.ipynb', String(n));
        const id = pushedId(await ws.ok('push', 'amb.ipynb'));
        if (seen.has(id[0] as string)) shared = id[0];
        seen.set(id[0] as string, id);
      }
      assert.ok(shared);
      const result = await ws.run('show', shared, 'amb.ipynb');
      assert.equal(result.error?.code, 'ambiguous-revision');
      assert.match(result.error?.message ?? '', /is ambiguous: it could be \S+, \S+/);
    });

    it('checks out a version by id alone, refuses to clobber unpushed edits, and forces', async () => {
      const ws = await makeWorkspace(kind);
      await ws.addFixture('analysis.ipynb', 'c.ipynb');
      const v1 = pushedId(await ws.ok('push', 'c.ipynb'));
      const v1Bytes = await readFile(join(ws.dir, 'c.ipynb'));
      await ws.edit('c.ipynb', 'two');
      const v2 = pushedId(await ws.ok('push', 'c.ipynb'));

      assert.match(await ws.ok('checkout', v1.slice(0, 10)), /checked out c\.ipynb at version/);
      assert.deepEqual(await readFile(join(ws.dir, 'c.ipynb')), v1Bytes);
      const log = JSON.parse(await ws.ok('log', 'c.ipynb', '--json')) as LoggedVersion[];
      assert.equal(log.find((v) => v.isBase)?.versionId, v1);

      await ws.edit('c.ipynb', 'unpushed');
      const edited = await readFile(join(ws.dir, 'c.ipynb'));
      const refused = await ws.run('checkout', v2);
      assert.equal(refused.error?.code, 'local-changes');
      assert.deepEqual(await readFile(join(ws.dir, 'c.ipynb')), edited, 'the refused checkout left the file alone');

      await ws.ok('checkout', v2, '-o', 'other.ipynb');
      assert.equal(
        sha256(await readFile(join(ws.dir, 'other.ipynb'))),
        (JSON.parse(await ws.ok('log', 'c.ipynb', '--json')) as LoggedVersion[])[0]?.sha256,
      );
      assert.equal((await ws.run('checkout', v1, 'c.ipynb', '-o', 'other.ipynb')).error?.code, 'local-changes');

      await ws.ok('checkout', v2, 'c.ipynb', '--force');
      assert.match(await ws.ok('push', 'c.ipynb'), /up to date/);
      const names = await readdir(ws.dir);
      assert.ok(!names.some((n) => n.endsWith('.lock') || n.endsWith('.tmp')), `nothing beside the notebook: ${names.join(', ')}`);
    });

    it('refuses bad input with one line and sends nothing', async () => {
      const ws = await makeWorkspace(kind);
      await writeFile(join(ws.dir, 'text.ipynb'), 'this is not json');
      await writeFile(join(ws.dir, 'list.ipynb'), '[1, 2, 3]');
      await writeFile(join(ws.dir, 'v3.ipynb'), JSON.stringify({ nbformat: 3, worksheets: [], metadata: {} }));
      const cases: Array<[string[], string]> = [
        [['push', 'missing.ipynb'], 'file-missing'],
        [['push', 'text.ipynb'], 'not-a-notebook'],
        [['push', 'list.ipynb'], 'not-a-notebook'],
        [['push', 'v3.ipynb'], 'not-a-notebook'],
        [['push', '../outside.ipynb'], 'outside-workspace'],
        // With no path: every modified tracked notebook, none here; the untracked files are left alone.
        [['push'], ''],
        [['log', 'never-pushed.ipynb', '--json'], ''],
        [['show', 'latest', 'never-pushed.ipynb'], 'unknown-revision'],
        [['frobnicate'], 'usage'],
        [['init'], 'already-a-workspace'],
      ];
      for (const [argv, code] of cases) {
        const result = await ws.run(...argv);
        assert.equal(result.error?.code ?? '', code, `nbstore ${argv.join(' ')}`);
        if (code) assert.doesNotMatch(result.error?.message ?? '', /\n/);
      }
      assert.deepEqual(JSON.parse(await ws.ok('log', 'text.ipynb', '--json')), [], 'nothing was sent for a refused file');
    });

    it('says how to recover from a corrupt state file, and recovers once it is removed', async () => {
      const ws = await makeWorkspace(kind);
      await ws.addFixture('analysis.ipynb', 's.ipynb');
      await ws.ok('push', 's.ipynb');
      const stateDir = join(ws.dir, '.nbstore', 'state');
      const [file] = await readdir(stateDir);
      await writeFile(join(stateDir, file as string), '{"path": "s.ipynb", "base": ');
      const broken = await ws.run('push', 's.ipynb');
      assert.equal(broken.error?.code, 'bad-state');
      assert.match(
        broken.error?.message ?? '',
        new RegExp(`^\\.nbstore/state/${file} is corrupt; remove it \\(rm \\.nbstore/state/${file}\\)`),
      );
      await rm(join(stateDir, file as string));
      assert.match(await ws.ok('push', 's.ipynb'), /up to date\s+s\.ipynb/);
    });

    it('lets two processes push the same notebook at once: both succeed, one after the other', async () => {
      const ws = await makeWorkspace(kind);
      await ws.addFixture('analysis.ipynb', 'both.ipynb');
      const [a, b] = await Promise.all([
        runBin(['push', 'both.ipynb', '-m', 'a'], { cwd: ws.dir, env: ws.env }),
        runBin(['push', 'both.ipynb', '-m', 'b'], { cwd: ws.dir, env: ws.env }),
      ]);
      assert.equal(a.status, 0, a.stderr);
      assert.equal(b.status, 0, b.stderr);
      assert.equal([a.stdout, b.stdout].filter((s) => /^pushed/m.test(s)).length, 1);
      assert.equal([a.stdout, b.stdout].filter((s) => /^up to date/m.test(s)).length, 1);
      assert.equal((JSON.parse(await ws.ok('log', 'both.ipynb', '--json')) as unknown[]).length, 1);
      assert.deepEqual(await readdir(join(ws.dir, '.nbstore', 'locks')), [], 'no lock is left behind');
    });

    it('pushes a folder of notebooks in parallel', async () => {
      const ws = await makeWorkspace(kind);
      for (const n of [1, 2, 3, 4, 5]) await ws.addFixture('analysis.ipynb', `nb${n}.ipynb`);
      const out = await ws.ok('push', '.');
      assert.equal(
        out
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('pushed')).length,
        5,
      );
      assert.match(await ws.ok('push', '.'), /up to date\s+nb3\.ipynb/);
    });
  });
}

describe('outside a workspace', () => {
  it('every command says to run nbstore init, in one line, exit 1, no stack trace', async () => {
    const dir = await tempDir();
    for (const argv of [
      ['push', 'x.ipynb'],
      ['log', 'x.ipynb'],
      ['show', 'latest', 'x.ipynb'],
      ['checkout', 'abc'],
    ]) {
      const result = await runBin(argv, { cwd: dir });
      assert.equal(result.status, 1);
      assert.equal(result.stderr, 'nbstore: not an nbstore workspace (or any parent directory); run `nbstore init` first\n');
    }
  });
});

describe('help', () => {
  it('every command has --help with an example', async () => {
    const dir = await tempDir();
    for (const command of ['init', 'push', 'log', 'show', 'checkout']) {
      const result = await runBin([command, '--help'], { cwd: dir });
      assert.equal(result.status, 0, command);
      assert.match(result.stdout, new RegExp(`^nbstore ${command}`, 'm'));
      assert.match(result.stdout, /Examples:\n\s+nbstore /, command);
    }
  });
});
