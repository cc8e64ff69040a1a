import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchCells } from '../../src/notebook/cell-match.js';
import type { Cell } from '../../src/notebook/notebook.js';

const code = (source: string, id?: string): Cell => ({
  cell_type: 'code',
  source,
  metadata: {},
  outputs: [],
  execution_count: null,
  ...(id ? { id } : {}),
});
const md = (source: string, id?: string): Cell => ({ cell_type: 'markdown', source, metadata: {}, ...(id ? { id } : {}) });
/** Cells with ids: each letter is a cell whose id and source are that letter. */
const lettered = (letters: string) => [...letters].map((l) => code(`x = '${l}'`, l));
const moved = (match: Awaited<ReturnType<typeof matchCells>>) => match.pairs.filter((p) => p.moved).map((p) => [p.old, p.new]);

describe('matchCells by id', () => {
  it('pairs cells by id whatever their content, and finds what was added and removed', async () => {
    const oldCells = [code('a = 1', 'a'), code('import numpy as np', 'b'), code('c = 1', 'c')];
    const newCells = [code('a = 2', 'a'), code('plt.show()', 'd'), code('c = 1', 'c')];
    const match = await matchCells(oldCells, newCells);
    assert.equal(match.by, 'id');
    assert.deepEqual(match.pairs, [
      { old: 0, new: 0, moved: false },
      { old: 2, new: 2, moved: false },
    ]);
    assert.deepEqual(match.removed, [1]);
    assert.deepEqual(match.added, [1]);
  });

  it('marks as moved only the cells out of order with the rest', async () => {
    assert.deepEqual(moved(await matchCells(lettered('abcdef'), lettered('fabcde'))), [[5, 0]]);
    assert.deepEqual(moved(await matchCells(lettered('abcdef'), lettered('bcdefa'))), [[0, 5]]);
    assert.equal(
      moved(await matchCells(lettered('abcdef'), lettered('badcfe'))).length,
      3,
      'three swapped neighbours: one of each pair moved',
    );
    // Inserts and deletes shift cells; that is not a move.
    assert.deepEqual(moved(await matchCells(lettered('abcdef'), lettered('xabdefy'))), []);
  });

  it('falls back to content when ids are missing on either side or repeated', async () => {
    assert.equal((await matchCells([code('a', 'a')], [code('a')])).by, 'content');
    assert.equal((await matchCells([code('a', 'a'), code('b', 'a')], [code('a', 'a'), code('b', 'a')])).by, 'content');
    assert.equal((await matchCells([], [])).by, 'content');
  });

  it('aligns by content the cells whose ids do not agree: new ids are not new cells', async () => {
    // Another tool gave every cell a new id: the same cells, nothing removed or added.
    const oldCells = [md('# Title', 'm1'), code('x = 1', 'c1'), code('print(x)', 'c2')];
    const renamed = await matchCells(oldCells, [md('# Title', 'n1'), code('x = 1', 'n2'), code('print(x)', 'n3')]);
    assert.equal(renamed.by, 'content');
    assert.deepEqual(
      [renamed.pairs.map((p) => [p.old, p.new, p.moved]), renamed.removed, renamed.added],
      [
        [
          [0, 0, false],
          [1, 1, false],
          [2, 2, false],
        ],
        [],
        [],
      ],
    );
    // Ids that agree still decide; a pasted copy of a cell (new id) between them pairs by content.
    const mixed = await matchCells(oldCells, [md('# Title', 'm1'), code('x = 1', 'pasted'), code('print(x)', 'c2')]);
    assert.equal(mixed.by, 'id');
    assert.deepEqual(
      mixed.pairs.map((p) => [p.old, p.new]),
      [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
    );
  });
});

describe('matchCells by content', () => {
  it('aligns identical cells by longest common subsequence', async () => {
    const oldCells = [md('# T'), code('a = 1'), code('b = 2'), code('c = 3')];
    const newCells = [md('# T'), code('b = 2'), code('c = 3'), code('d = 4')];
    const match = await matchCells(oldCells, newCells);
    assert.equal(match.by, 'content');
    assert.deepEqual(
      match.pairs.map((p) => [p.old, p.new]),
      [
        [0, 0],
        [2, 1],
        [3, 2],
      ],
    );
    assert.deepEqual(match.removed, [1]);
    assert.deepEqual(match.added, [3]);
  });

  it('pairs an edited cell with its old self when they are alike and of the same type', async () => {
    const before = 'import pandas as pd\ndf = pd.read_csv("a.csv")\ndf = df.dropna()\ndf.head()';
    const after = 'import pandas as pd\ndf = pd.read_csv("b.csv")\ndf = df.dropna()\ndf.head()';
    const match = await matchCells([md('# T'), code(before), md('end')], [md('# T'), code(after), md('end')]);
    assert.deepEqual(
      match.pairs.map((p) => [p.old, p.new, p.moved]),
      [
        [0, 0, false],
        [1, 1, false],
        [2, 2, false],
      ],
    );
    // Short cells are compared by characters: one changed number keeps the cell.
    assert.deepEqual(
      (await matchCells([code('x = 1')], [code('x = 2')])).pairs.map((p) => [p.old, p.new]),
      [[0, 0]],
    );
  });

  it('reports unlike cells, or cells whose type changed, as removed and added', async () => {
    const unlike = await matchCells([code('import numpy as np')], [code('plt.show()')]);
    assert.deepEqual([unlike.pairs, unlike.removed, unlike.added], [[], [0], [0]]);
    const retyped = await matchCells([md('Total revenue')], [code('Total revenue')]);
    assert.deepEqual([retyped.pairs, retyped.removed, retyped.added], [[], [0], [0]]);
  });

  it('pairs a long cell with the like one among several candidates, keeping order', async () => {
    const body = (name: string) => `def ${name}(x):\n    y = x * 2\n    z = y + 1\n    return z`;
    const oldCells = [code(body('first')), code(body('second'))];
    const newCells = [code('print("new")'), code(body('second').replace('+ 1', '+ 2'))];
    const match = await matchCells(oldCells, newCells);
    assert.deepEqual(
      match.pairs.map((p) => [p.old, p.new]),
      [[1, 1]],
    );
    assert.deepEqual(match.removed, [0]);
    assert.deepEqual(match.added, [0]);
  });

  it('finds a moved cell by its content; blank content is not a move', async () => {
    const oldCells = [code('load()'), code('clean()'), code('plot()'), code('save()')];
    const newCells = [code('plot()'), code('load()'), code('clean()'), code('save()')];
    assert.deepEqual(moved(await matchCells(oldCells, newCells)), [[2, 0]]);
    const blank = await matchCells([code(''), code('a()'), code('b()')], [code('a()'), code('b()'), code('')]);
    assert.deepEqual(moved(blank), []);
    assert.deepEqual([blank.removed, blank.added], [[0], [2]]);
    const repeated = await matchCells(
      [code('x'), code('x'), code('b()'), code('c()'), code('d()')],
      [code('b()'), code('c()'), code('d()'), code('x'), code('x')],
    );
    // As many copies taken out as put back in: they moved, the first where the first went.
    assert.deepEqual(moved(repeated), [
      [0, 3],
      [1, 4],
    ]);
    assert.deepEqual([repeated.removed, repeated.added], [[], []]);
    const unequal = await matchCells([code('x'), code('x'), code('b()')], [code('b()'), code('x')]);
    assert.deepEqual([moved(unequal), unequal.removed, unequal.added], [[], [0, 1], [1]]);
  });

  it('tells identical cells apart by their outputs: swapped, each keeping its output, they moved', async () => {
    const x = (out?: string): Cell => ({
      ...code('x'),
      outputs: out ? [{ output_type: 'execute_result', data: { 'text/plain': out }, metadata: {} }] : [],
    });
    const match = await matchCells([code('x = 3'), x('3'), x(), code('x = 5')], [code('x = 3'), x(), x('3'), code('x = 5')]);
    assert.deepEqual([moved(match), match.removed, match.added], [[[2, 1]], [], []]);
  });

  it('pairs lightly edited cells as edits, within lines: prose reworded, several lines touched', async () => {
    const before = md('## Loading the quarterly sales data\n\nWe read the raw export and drop the rows without a region.');
    const after = md('## Loading the sales data\n\nWe read the raw CSV export and drop rows without a region.');
    const prose = await matchCells([md('# Report'), before, code('df.head()')], [md('# Report'), after, code('df.head()')]);
    assert.deepEqual(
      prose.pairs.map((p) => [p.old, p.new]),
      [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
    );
    // Most lines changed a little (a suffix each): still the same cell.
    const lines = await matchCells([code('test\nhello\nmore\ntext\nworld')], [code('test 2\nhello 2\nmore\ntext 2\nworld 2')]);
    assert.deepEqual(
      lines.pairs.map((p) => [p.old, p.new]),
      [[0, 0]],
    );
    // A short assignment whose value changed, between unchanged neighbours: an edit.
    const value = await matchCells(
      [code('import math'), code('end = 0.5'), code('plot(end)')],
      [code('import math'), code('end = 10*pi'), code('plot(end)')],
    );
    assert.deepEqual(
      value.pairs.map((p) => [p.old, p.new]),
      [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
    );
  });

  it('does not pair cells whose content was replaced wholesale, even in the same place', async () => {
    const match = await matchCells(
      [md('# T'), code('four = 4\nfive = 5\nsix = 6'), md('end')],
      [md('# T'), code('one = 1\ntwo = 2\nthree = 3'), md('end')],
    );
    assert.deepEqual(
      [match.pairs.map((p) => [p.old, p.new]), match.removed, match.added],
      [
        [
          [0, 0],
          [2, 2],
        ],
        [1],
        [1],
      ],
    );
  });

  it('aligns long notebooks in near-linear time: reversed cells are moves, scattered edits are edits', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => code(`value_${i} = compute(${i})`));
    const reversed = await matchCells(many, [...many].reverse());
    assert.equal(reversed.pairs.length, 10_000);
    assert.equal(moved(reversed).length, 9_999);
    const edited = many.map((cell, i) => (i % 25 === 0 ? code(`${cell.source}\n# checked`) : cell));
    const scattered = await matchCells(many, edited);
    assert.deepEqual(
      [scattered.pairs.length, moved(scattered).length, scattered.removed.length, scattered.added.length],
      [10_000, 0, 0, 0],
    );
  });

  it('pairs runs of differences too large to search position by position', async () => {
    const oldCells = Array.from({ length: 200 }, (_, i) => code(`old_${i} = ${i}`));
    const newCells = Array.from({ length: 200 }, (_, i) => code(i === 7 ? 'import os' : `old_${i} = ${i + 1}`));
    const match = await matchCells(oldCells, newCells);
    assert.deepEqual([match.pairs.length, match.removed, match.added], [199, [7], [7]]);
    assert.ok(match.pairs.every((p) => p.old === p.new && !p.moved));
  });
});
