import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { joinText, type Notebook, parseNotebook } from '../../src/notebook/notebook.js';
import { type MergeOptions, mergeNotebooks, remainingConflicts } from '../../src/notebook/notebook-merge.js';
import { FIXTURES } from '../support/cli.js';
import { assertValidNotebook } from '../support/nbformat.js';

const side = (situation: string, name: string): Notebook =>
  parseNotebook(readFileSync(join(FIXTURES, 'merge', situation, `${name}.ipynb`)), `${situation}/${name}`);
const labels = { base: 'B0000000', ours: 'local', theirs: 'T1111111' };

async function merge(situation: string, options: MergeOptions = {}) {
  const result = await mergeNotebooks(side(situation, 'base'), side(situation, 'ours'), side(situation, 'theirs'), labels, options);
  assertValidNotebook(result.notebook, situation);
  return result;
}

const sources = (nb: Notebook) => nb.cells.map((c) => joinText(c.source).split('\n')[0]);

describe('three-way notebook merge', () => {
  it('takes changes made on one side only, from either side', async () => {
    const { notebook, conflicts, decisions } = await merge('one-sided');
    assert.equal(conflicts, 0);
    assert.match(joinText(notebook.cells[0]?.source), /region and month/);
    assert.match(joinText(notebook.cells[2]?.source), /plot\.barh\(\)/);
    assert.deepEqual(
      decisions.map((d) => d.action),
      ['taken from ours', 'taken from ours', 'taken from theirs', 'taken from ours'],
    );
  });

  it('keeps cells added on both sides, each after the cell it follows, and one added alike on both once', async () => {
    const { notebook, decisions } = await merge('both-add');
    assert.deepEqual(sources(notebook), [
      '# Sales',
      'Data from the finance team.',
      'import pandas as pd',
      "df.groupby('region').revenue.sum().plot.bar()",
      'df.describe()',
      '## Summary',
    ]);
    assert.deepEqual(
      decisions.map((d) => d.action),
      ['taken from ours', 'added by ours', 'taken from ours', 'taken from ours', 'added by theirs', 'added by both'],
    );
  });

  it('makes a cell deleted on one side and edited on the other a conflict, and drops one deleted and left alone', async () => {
    const { notebook, conflicts, decisions } = await merge('delete-edit');
    assert.equal(conflicts, 1);
    assert.equal(notebook.cells.length, 3);
    const conflict = decisions.find((d) => d.action === 'conflict');
    assert.equal(conflict?.conflict, 'deleted by ours, edited by theirs');
    assert.ok(decisions.some((d) => d.action === 'deleted by ours' && d.base === 3));
    const cell = notebook.cells[2];
    assert.equal(
      joinText(cell?.source),
      "<<<<<<< local (deleted)\n=======\ndf.groupby('region').revenue.mean().plot.bar()\n>>>>>>> T1111111",
    );
    assert.deepEqual(cell?.metadata?.nbstore, {
      conflict: { kind: 'deleted by ours, edited by theirs', base: 'B0000000', ours: 'local', theirs: 'T1111111' },
    });
    assert.deepEqual(remainingConflicts(notebook), [
      { cell: 2, kind: 'deleted by ours, edited by theirs', ours: 'local', theirs: 'T1111111' },
    ]);
  });

  it('keeps the order of the side that reordered cells, with the other side edits in it', async () => {
    const { notebook, order, conflicts } = await merge('reordered');
    assert.equal(order, 'theirs');
    assert.equal(conflicts, 0);
    assert.deepEqual(sources(notebook), ['## Notes', '# Sales', 'import pandas as pd', "df.groupby('region').revenue.sum().plot.bar()"]);
    assert.match(joinText(notebook.cells[2]?.source), /sales-2026\.csv/);
  });

  it('marks a cell edited differently on both sides, with outputs from the side --outputs names', async () => {
    const ours = await merge('conflict');
    assert.equal(ours.conflicts, 1);
    const cell = ours.notebook.cells[2];
    assert.equal(
      joinText(cell?.source),
      "<<<<<<< local\ndf.groupby('region').revenue.sum().plot.pie()\n=======\ndf.groupby('region').revenue.median().plot.line()\n>>>>>>> T1111111",
    );
    assert.equal(cell?.execution_count, 5);
    assert.match(JSON.stringify(cell?.outputs), /ours ran it/);
    assert.deepEqual(ours.decisions[2]?.fields, ['source']);

    const theirs = await merge('conflict', { outputs: 'theirs' });
    assert.match(JSON.stringify(theirs.notebook.cells[2]?.outputs), /theirs ran it/);
    assert.equal(theirs.notebook.cells[2]?.execution_count, 7);
    const cleared = await merge('conflict', { outputs: 'clear' });
    assert.deepEqual(cleared.notebook.cells[2]?.outputs, []);
    assert.equal(cleared.notebook.cells[2]?.execution_count, null);
    // A cell no side changed keeps its outputs whatever --outputs says.
    assert.match(JSON.stringify(cleared.notebook.cells[1]?.outputs), /north/);
  });

  it('merges notebook metadata key by key, keeping ours where both changed a key, and cell metadata too', async () => {
    const { notebook, decisions, conflicts } = await merge('metadata');
    assert.equal(conflicts, 0);
    assert.deepEqual(notebook.metadata.authors, [{ name: 'Ada' }]);
    assert.equal((notebook.metadata.language_info as { version: string }).version, '3.12.1');
    assert.equal(notebook.metadata.title, 'Sales by region');
    assert.deepEqual(notebook.cells[1]?.metadata, { tags: ['parameters'] });
    assert.ok(decisions.some((d) => d.metadataKey === 'title' && d.action === 'both changed, kept ours'));
    assert.ok(decisions.some((d) => d.metadataKey === 'language_info.version' && d.action === 'taken from theirs'));
  });

  it('takes outputs changed on one side together with source edited on the other', async () => {
    const { notebook, decisions } = await merge('outputs');
    assert.match(joinText(notebook.cells[0]?.source), /in EUR/);
    assert.match(JSON.stringify(notebook.cells[1]?.outputs), /135/);
    assert.equal(notebook.cells[1]?.execution_count, 3);
    assert.equal(notebook.cells[2]?.execution_count, 4);
    assert.deepEqual(
      decisions.map((d) => d.action),
      ['taken from ours', 'taken from theirs', 'taken from theirs'],
    );
  });

  it('merges nbformat 4.4 notebooks, cells matched by content and given no ids', async () => {
    const { notebook } = await merge('nbformat-4.4');
    assert.equal(notebook.nbformat_minor, 4);
    assert.deepEqual(sources(notebook), [
      'Theirs: an opening line.',
      '# Sales',
      'import pandas as pd',
      "df.groupby('region').revenue.sum().plot.area()",
      'Ours: closing words.',
    ]);
    assert.ok(notebook.cells.every((c) => c.id === undefined));
  });

  it('merges nbformat 4.5 notebooks by cell id, keeping the ids', async () => {
    const { notebook, order } = await merge('nbformat-4.5');
    assert.equal(order, 'ours');
    assert.deepEqual(
      notebook.cells.map((c) => c.id),
      ['opening', 'intro', 'plot', 'load', 'closing'],
    );
    assert.match(joinText(notebook.cells[2]?.source), /plot\.area\(\)/);
  });

  it('gives every cell an id when one side is nbformat 4.5 and the other 4.4', async () => {
    const base = side('nbformat-4.4', 'base');
    const { notebook } = await mergeNotebooks(base, side('nbformat-4.4', 'ours'), side('nbformat-4.5', 'theirs'), labels);
    assert.equal(notebook.nbformat_minor, 5);
    assert.ok(notebook.cells.every((c) => typeof c.id === 'string'));
    assert.equal(new Set(notebook.cells.map((c) => c.id)).size, notebook.cells.length);
    assertValidNotebook(notebook, '4.4 + 4.5');
  });

  it('counts a conflict as resolved once its markers are gone from the source', async () => {
    const { notebook } = await merge('conflict');
    const cell = notebook.cells[2];
    assert.ok(cell);
    cell.source = ["df.groupby('region').revenue.sum().plot.pie()"];
    assert.deepEqual(remainingConflicts(notebook), []);
  });
});
