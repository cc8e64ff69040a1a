import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hasControl } from '../src/lib/text.js';
import { BIN, runBin, tempDir } from './support/cli.js';
import { foreignTool } from './support/foreign.js';
import { notebookWith } from './support/saves.js';
import { shellQuote, Terminal } from './support/tmux.js';
import { makeWorkspace, STORE_KINDS } from './support/workspace.js';

const NBSTORE = `${shellQuote(process.execPath)} ${shellQuote(BIN)}`;

/** As `aws s3api put-object --metadata` would send them: nbstore percent-decodes its own. */
const HOSTILE_METADATA = {
  'nbstore-message': '%1B%5D0%3Bpwned%07%1B%5B2J',
  'nbstore-author': 'eve%0Aabcdef12  2026-01-01 00:00  admin  forged line',
};

/** The metadata as each store holds it: S3 carries it percent-encoded, the embedded store as nbstore reads it. */
const hostileMetadata = (kind: string) =>
  kind === 's3' ? HOSTILE_METADATA : Object.fromEntries(Object.entries(HOSTILE_METADATA).map(([k, v]) => [k, decodeURIComponent(v)]));
const HOSTILE_KEY = 'workspace/evil\u001b[2J\nname.ipynb';

/** Output lines with every character a terminal acts on escaped: nothing but the newlines that end lines. */
function assertPrintable(text: string, what: string): void {
  for (const line of text.split('\n')) assert.equal(hasControl(line), false, `${what}: ${JSON.stringify(line)}`);
}

for (const kind of STORE_KINDS) {
  describe(`what is printed, on the ${kind} store`, () => {
    it('escapes metadata and keys from another client in log, show, ls, status and clone', async () => {
      const ws = await makeWorkspace(kind);
      const tool = await foreignTool(ws);
      await tool.put('workspace/nb.ipynb', notebookWith('x'), hostileMetadata(kind));
      await tool.put(HOSTILE_KEY, notebookWith('y'));
      const log = await runBin(['log', 'nb.ipynb'], { cwd: ws.dir, env: ws.env });
      assert.equal(log.status, 0, log.stderr);
      assertPrintable(log.stdout, 'log');
      assert.equal(log.stdout.trim().split('\n').length, 1, 'one version, one line: no forged ones');
      assert.match(log.stdout, /\\x1b\]0;pwned\\a\\x1b\[2J/);
      const oneline = await runBin(['log', '--oneline', 'nb.ipynb'], { cwd: ws.dir, env: ws.env });
      assertPrintable(oneline.stdout, 'log --oneline');
      const show = await runBin(['show', 'latest', 'nb.ipynb'], { cwd: ws.dir, env: ws.env });
      assert.equal(show.status, 0, show.stderr);
      assertPrintable(show.stdout, 'show');
      assert.match(show.stdout, /eve\\nabcdef12/);
      const ls = await runBin(['ls'], { cwd: ws.dir, env: ws.env });
      assertPrintable(ls.stdout, 'ls');
      assert.match(ls.stdout, /^"evil\\x1b\[2J\\nname\.ipynb"/m);
      const into = await tempDir();
      const clone = await runBin(['clone', '--prefix', 'workspace', join(into, 'c')], { cwd: ws.dir, env: ws.env });
      assertPrintable(clone.stdout, 'clone');
      assertPrintable(clone.stderr, 'clone (stderr)');
      const status = await runBin(['status'], { cwd: ws.dir, env: ws.env });
      assertPrintable(status.stdout, 'status');
    });

    it('browse shows them escaped: the title is not set, the screen not cleared, the layout whole', async () => {
      const ws = await makeWorkspace(kind);
      await (await foreignTool(ws)).put('workspace/nb.ipynb', notebookWith('x'), hostileMetadata(kind));
      const term = await Terminal.start(`${NBSTORE} browse`, { cwd: ws.dir, env: ws.env, columns: 100, rows: 24 });
      try {
        const screen = await term.waitFor(/\\x1b\]0;pwned\\a\\x1b\[2J/, 'the message, escaped');
        assert.match(screen, /eve\\nabcdef1/);
        assert.match(screen, /^nbstore browse/);
        assert.equal(screen.split('\n').length, 24);
      } finally {
        await term.stop();
      }
    });
  });
}

describe('credentials and broken outputs', () => {
  it('status never prints the password of an endpoint URL', async () => {
    const ws = await makeWorkspace('s3');
    const endpoint = new URL(ws.env.NBSTORE_S3_ENDPOINT_URL ?? process.env.S3_ENDPOINT ?? 'http://127.0.0.1:7480');
    const env = { ...ws.env, NBSTORE_S3_ENDPOINT_URL: `http://user:s3cr3t@${endpoint.host}` };
    for (const argv of [['status'], ['status', '--json']]) {
      const result = await runBin(argv, { cwd: ws.dir, env });
      assert.doesNotMatch(result.stdout + result.stderr, /s3cr3t/, argv.join(' '));
      assert.match(result.stdout, /user|\*\*\*@/, argv.join(' '));
    }
  });

  it('a full disk on stdout (>/dev/full) is one line with no stack', async () => {
    const ws = await makeWorkspace('embedded');
    await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('x'));
    await ws.ok('push', 'nb.ipynb');
    const result = spawnSync('sh', ['-c', `${NBSTORE} log nb.ipynb >/dev/full`], { cwd: ws.dir, env: ws.env, encoding: 'utf8' });
    assert.equal(result.status, 1);
    assert.equal(result.stderr, 'nbstore: cannot write the output: ENOSPC\n');
  });
});
