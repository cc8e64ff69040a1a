import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { main } from '../src/main.js';
import { BIN } from './support/cli.js';
import { makeWorkspace, pushedId, STORE_KINDS, type TestWorkspace } from './support/workspace.js';

/** A notebook as another tool might write it: one line of output 3,060 characters long, coloured text, a huge integer. */
function notebookText(options: { minor?: boolean; value?: string } = {}): string {
  const source = `print("${'x'.repeat(3060)}")`;
  return `{
 "cells": [
  {"cell_type": "code", "execution_count": 1, "id": "a1", "metadata": {"big": ${options.value ?? '9223372036854775807'}}, "source": ${JSON.stringify(source)},
   "outputs": [{"output_type": "stream", "name": "stdout", "text": ["\\u001b[1;31mwarning\\u001b[0m ${'y'.repeat(3060)}\\n"]}]}
 ],
 "metadata": {},
 "nbformat": 4${options.minor === false ? '' : ',\n "nbformat_minor": 5'}
}
`;
}

/** Runs nbstore in-process with stdout a terminal of `columns` columns (or a pipe). */
async function onTerminal(ws: TestWorkspace, argv: string[], terminal: { columns?: number; colour?: boolean }): Promise<string> {
  const stdout = Object.assign(new PassThrough(), terminal.columns ? { isTTY: true, columns: terminal.columns } : {});
  const chunks: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const env = { ...ws.env };
  if (terminal.colour) delete env.NO_COLOR;
  const status = await main(argv, { cwd: ws.dir, env, stdout, stderr: new PassThrough(), stdin: new PassThrough() });
  assert.equal(status, 0);
  return Buffer.concat(chunks).toString('utf8');
}

for (const kind of STORE_KINDS) {
  describe(`show and diff of real-world notebooks on the ${kind} store`, () => {
    it('cut long lines to the terminal width with a marker; pipes and --raw keep them whole', async () => {
      const ws = await makeWorkspace(kind);
      await writeFile(join(ws.dir, 'nb.ipynb'), notebookText());
      const id = pushedId(await ws.ok('push', 'nb.ipynb'));
      const cut = await onTerminal(ws, ['show', id, 'nb.ipynb'], { columns: 80 });
      assert.match(cut, /\n│ warning y{69}…\n/);
      assert.ok(
        cut.split('\n').every((line) => [...line].length <= 80),
        'no line is wider than the terminal',
      );
      const piped = await onTerminal(ws, ['show', id, 'nb.ipynb'], {});
      assert.match(piped, /\n│ warning y{3060}\n/);
      assert.equal(await onTerminal(ws, ['show', id, 'nb.ipynb', '--raw'], { columns: 80 }), notebookText());

      await writeFile(join(ws.dir, 'nb.ipynb'), notebookText().replace('warning', 'caution'));
      const diff = await onTerminal(ws, ['diff', 'nb.ipynb'], { columns: 60 });
      assert.match(diff, /\n-│ warning y{48}…\n\+│ caution y{48}…\n/);
      assert.match(await onTerminal(ws, ['diff', 'nb.ipynb'], {}), /\n-│ warning y{3060}\n/);
    });

    it('print colour from outputs on a colour terminal and none with NO_COLOR or through a pipe', async () => {
      const ws = await makeWorkspace(kind);
      await writeFile(join(ws.dir, 'nb.ipynb'), notebookText());
      const id = pushedId(await ws.ok('push', 'nb.ipynb'));
      const coloured = await onTerminal(ws, ['show', id, 'nb.ipynb'], { columns: 200, colour: true });
      assert.match(coloured, /│ (\x1b\[22m)?\x1b\[1;31mwarning\x1b\[0m y+/);
      const noColour = await onTerminal(ws, ['show', id, 'nb.ipynb'], { columns: 200 });
      assert.doesNotMatch(noColour, /\x1b/, 'NO_COLOR: no escape at all');
      assert.doesNotMatch(await ws.ok('show', id, 'nb.ipynb'), /\x1b/, 'a pipe: no escape at all');
    });

    it('show --json keeps integers past 2^53 exact; show names a missing nbformat_minor', async () => {
      const ws = await makeWorkspace(kind);
      await writeFile(join(ws.dir, 'nb.ipynb'), notebookText({ minor: false }));
      const id = pushedId(await ws.ok('push', 'nb.ipynb'));
      const json = await ws.ok('show', id, 'nb.ipynb', '--json');
      assert.match(json, /"big": 9223372036854775807\}/);
      const parsed = JSON.parse(json) as { versionId: string; path: string; notebook: { cells: unknown[] } };
      assert.deepEqual([parsed.versionId, parsed.path, parsed.notebook.cells.length], [id, 'nb.ipynb', 1]);
      assert.match(await ws.ok('show', id, 'nb.ipynb'), /^nbformat 4 \(no nbformat_minor\) · 1 cell$/m);
    });
  });
}

describe('show --json of a large notebook', () => {
  it('keeps memory under three times the file', async () => {
    const ws = await makeWorkspace('embedded');
    // About 57 MB: text outputs, as a long-running notebook collects them.
    const output = { output_type: 'stream', name: 'stdout', text: [`${'loss 0.1234 epoch 12345 '.repeat(400)}\n`] };
    const cells = Array.from({ length: 6200 }, (_, i) => ({
      cell_type: 'code',
      execution_count: i,
      id: `c${i}`,
      metadata: {},
      source: `step(${i})`,
      outputs: [output],
    }));
    const file = join(ws.dir, 'big.ipynb');
    await writeFile(file, JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 }));
    const { size } = await stat(file);
    assert.ok(size > 56 * 1024 * 1024, `${size} bytes`);
    const id = pushedId(await ws.ok('push', 'big.ipynb'));

    const maxRssReporter = 'process.on("exit", () => process.stderr.write("maxrss " + process.resourceUsage().maxRSS + "\\n"));';
    const reporter = `data:text/javascript,${encodeURIComponent(maxRssReporter)}`;
    const child = spawn(process.execPath, ['--import', reporter, BIN, 'show', id, 'big.ipynb', '--json'], {
      cwd: ws.dir,
      env: ws.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let bytes = 0;
    let tail = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      tail = (tail + chunk.toString('latin1')).slice(-200);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.ok(bytes > size, 'the whole notebook was written');
    assert.match(tail, /"nbformat_minor":5\}\n}\n$/);
    const maxRss = Number(/maxrss (\d+)/.exec(stderr)?.[1]) * 1024;
    assert.ok(maxRss < 3 * size, `peak ${Math.round(maxRss / 2 ** 20)} MB for a ${Math.round(size / 2 ** 20)} MB notebook`);
  });
});
