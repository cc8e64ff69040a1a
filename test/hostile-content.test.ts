import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import stableStringify from 'fast-json-stable-stringify';
import { sha256 } from '../src/lib/fs.js';
import { hasControl } from '../src/lib/text.js';
import { runBin } from './support/cli.js';
import { foreignTool } from './support/foreign.js';
import { makeWorkspace, pushedId, STORE_KINDS } from './support/workspace.js';

/** A notebook whose one cell's metadata holds `value` written as it is (a JSON token, not a JS value). */
const notebookWith = (value: string) =>
  `{\n "cells": [{"cell_type": "code", "execution_count": null, "id": "c1", "metadata": {"run": ${value}}, "outputs": [], "source": ["x = 1"]}],\n "metadata": {}, "nbformat": 4, "nbformat_minor": 5\n}\n`;

/** Edits JSON.parse cannot see: each pair reads the same to it, and differs in content. */
const LOSSY_EDITS: Array<[string, string, string]> = [
  ['an integer past 2^53', '12345678901234567890', '12345678901234567891'],
  ['1e999 against -1e999', '1e999', '-1e999'],
  ['a key given twice', '{"a": 1, "a": 2}', '{"a": 2}'],
];

for (const kind of STORE_KINDS) {
  describe(`lossless change detection on the ${kind} store`, () => {
    for (const [what, before, after] of LOSSY_EDITS) {
      it(`sees ${what} as a change in push, status and checkout`, async () => {
        const ws = await makeWorkspace(kind);
        await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith(before));
        const first = pushedId(await ws.ok('push', 'nb.ipynb', '-m', 'before'));
        await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith(after));
        assert.match(await ws.ok('status'), /^modified\s+nb\.ipynb$/m);
        const refused = await ws.run('checkout', first, 'nb.ipynb');
        assert.equal(refused.error?.code, 'local-changes');
        assert.equal(await readFile(join(ws.dir, 'nb.ipynb'), 'utf8'), notebookWith(after));
        const second = pushedId(await ws.ok('push', 'nb.ipynb', '-m', 'after'));
        assert.notEqual(second, first);
        // Whitespace and key order alone are still no change.
        await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith(after).replace(/\n /g, '\n    '));
        assert.match(await ws.ok('push', 'nb.ipynb'), /up to date\s+nb\.ipynb/);
      });
    }

    it('sees a change of invalid UTF-8 bytes, which decode alike', async () => {
      const ws = await makeWorkspace(kind);
      const make = (byte: number) => {
        const [head, tail] = notebookWith('"@@"').split('@@') as [string, string];
        return Buffer.concat([Buffer.from(head), Buffer.of(byte), Buffer.from(tail)]);
      };
      await writeFile(join(ws.dir, 'nb.ipynb'), make(0xff));
      pushedId(await ws.ok('push', 'nb.ipynb'));
      await writeFile(join(ws.dir, 'nb.ipynb'), make(0xfe));
      assert.match(await ws.ok('status'), /^modified\s+nb\.ipynb$/m);
      pushedId(await ws.ok('push', 'nb.ipynb'));
    });

    it('takes a notebook nested 100,000 deep for push, and says in one line that 2,000 deep is too deep to diff', async () => {
      const ws = await makeWorkspace(kind);
      const nested = (depth: number, leaf: number) => notebookWith(`${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`);
      await writeFile(join(ws.dir, 'deep.ipynb'), nested(100_000, 1));
      pushedId(await ws.ok('push', 'deep.ipynb'));
      await writeFile(join(ws.dir, 'deep.ipynb'), nested(100_000, 2));
      assert.match(await ws.ok('status'), /^modified\s+deep\.ipynb$/m);
      pushedId(await ws.ok('push', 'deep.ipynb'));
      await writeFile(join(ws.dir, 'deep.ipynb'), nested(2_000, 3));
      const diff = await runBin(['diff', 'deep.ipynb'], { cwd: ws.dir, env: ws.env });
      assert.equal(diff.status, 1);
      assert.match(diff.stderr, /^nbstore: the notebook is nested too deeply for nbstore to show or compare[^\n]*\n$/);
    });

    it('quotes at most a short, escaped excerpt of a file that is not JSON', async () => {
      const ws = await makeWorkspace(kind);
      await writeFile(join(ws.dir, 'bad.ipynb'), `{"nbformat": 4, "x": \u001b]0;pwned\u0007${'y'.repeat(5_000)}`);
      const push = await runBin(['push', 'bad.ipynb'], { cwd: ws.dir, env: ws.env });
      assert.equal(push.status, 1);
      assert.match(push.stderr, /^nbstore: bad\.ipynb: not a notebook \([^\n]{1,130}\)\n$/);
      assert.equal(hasControl(push.stderr.trimEnd()), false);
    });

    it('does not take a version whose recorded canonical hash is of the old, lossy kind for the local file', async () => {
      const ws = await makeWorkspace(kind);
      const stored = notebookWith('12345678901234567890');
      // As an earlier nbstore recorded it: the SHA-256 of fast-json-stable-stringify after JSON.parse.
      const recorded = { 'nbstore-sha256': sha256(Buffer.from(stored)), 'nbstore-canonical': sha256(stableStringify(JSON.parse(stored))) };
      await (await foreignTool(ws)).put('workspace/nb.ipynb', stored, recorded);
      await writeFile(join(ws.dir, 'nb.ipynb'), stored.replace(/\n /g, '\n  '));
      assert.match(await ws.ok('push', 'nb.ipynb'), /up to date\s+nb\.ipynb/);
      await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('12345678901234567891'));
      assert.match(await ws.ok('push', 'nb.ipynb'), /^pushed\s+nb\.ipynb/m);
    });
  });
}
