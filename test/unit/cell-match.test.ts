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
const moved = (match: ReturnType<typeof matchCells>) => match.pairs.filter((p) => p.moved).map((p) => [p.old, p.new]);

describe('matchCells by id', () => {
  it('pairs cells by id whatever their content, and finds what was added and removed', () => {
    const oldCells = [code('a = 1', 'a'), code('b = 1', 'b'), code('c = 1', 'c')];
    const newCells = [code('a = 2', 'a'), code('d = 1', 'd'), code('c = 1', 'c')];
    const match = matchCells(oldCells, newCells);
    assert.equal(match.by, 'id');
    assert.deepEqual(match.pairs, [
      { old: 0, new: 0, moved: false },
      { old: 2, new: 2, moved: false },
    ]);
    assert.deepEqual(match.removed, [1]);
    assert.deepEqual(match.added, [1]);
  });

  it('marks as moved only the cells out of order with the rest', () => {
    assert.deepEqual(moved(matchCells(lettered('abcdef'), lettered('fabcde'))), [[5, 0]]);
    assert.deepEqual(moved(matchCells(lettered('abcdef'), lettered('bcdefa'))), [[0, 5]]);
    assert.equal(moved(matchCells(lettered('abcdef'), lettered('badcfe'))).length, 3, 'three swapped neighbours: one of each pair moved');
    // Inserts and deletes shift cells; that is not a move.
    assert.deepEqual(moved(matchCells(lettered('abcdef'), lettered('xabdefy'))), []);
  });

  it('falls back to content when ids are missing on either side or repeated', () => {
    assert.equal(matchCells([code('a', 'a')], [code('a')]).by, 'content');
    assert.equal(matchCells([code('a', 'a'), code('b', 'a')], [code('a', 'a'), code('b', 'a')]).by, 'content');
    assert.equal(matchCells([], []).by, 'id');
  });
});

describe('matchCells by content', () => {
  it('aligns identical cells by longest common subsequence', () => {
    const oldCells = [md('# T'), code('a = 1'), code('b = 2'), code('c = 3')];
    const newCells = [md('# T'), code('b = 2'), code('c = 3'), code('d = 4')];
    const match = matchCells(oldCells, newCells);
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

  it('pairs an edited cell with its old self when they are alike and of the same type', () => {
    const before = 'import pandas as pd\ndf = pd.read_csv("a.csv")\ndf = df.dropna()\ndf.head()';
    const after = 'import pandas as pd\ndf = pd.read_csv("b.csv")\ndf = df.dropna()\ndf.head()';
    const match = matchCells([md('# T'), code(before), md('end')], [md('# T'), code(after), md('end')]);
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
      matchCells([code('x = 1')], [code('x = 2')]).pairs.map((p) => [p.old, p.new]),
      [[0, 0]],
    );
  });

  it('reports unlike cells, or cells whose type changed, as removed and added', () => {
    const unlike = matchCells([code('import numpy as np')], [code('plt.show()')]);
    assert.deepEqual([unlike.pairs, unlike.removed, unlike.added], [[], [0], [0]]);
    const retyped = matchCells([md('Total revenue')], [code('Total revenue')]);
    assert.deepEqual([retyped.pairs, retyped.removed, retyped.added], [[], [0], [0]]);
  });

  it('pairs a long cell with the like one among several candidates, keeping order', () => {
    const body = (name: string) => `def ${name}(x):\n    y = x * 2\n    z = y + 1\n    return z`;
    const oldCells = [code(body('first')), code(body('second'))];
    const newCells = [code('print("new")'), code(body('second').replace('+ 1', '+ 2'))];
    const match = matchCells(oldCells, newCells);
    assert.deepEqual(
      match.pairs.map((p) => [p.old, p.new]),
      [[1, 1]],
    );
    assert.deepEqual(match.removed, [0]);
    assert.deepEqual(match.added, [0]);
  });

  it('finds a moved cell by its unique content; blank or repeated content is not a move', () => {
    const oldCells = [code('load()'), code('clean()'), code('plot()'), code('save()')];
    const newCells = [code('plot()'), code('load()'), code('clean()'), code('save()')];
    assert.deepEqual(moved(matchCells(oldCells, newCells)), [[2, 0]]);
    const blank = matchCells([code(''), code('a()'), code('b()')], [code('a()'), code('b()'), code('')]);
    assert.deepEqual(moved(blank), []);
    assert.deepEqual([blank.removed, blank.added], [[0], [2]]);
    const repeated = matchCells(
      [code('x'), code('x'), code('b()'), code('c()'), code('d()')],
      [code('b()'), code('c()'), code('d()'), code('x'), code('x')],
    );
    assert.deepEqual(moved(repeated), []);
    assert.deepEqual(
      [repeated.removed, repeated.added],
      [
        [0, 1],
        [3, 4],
      ],
    );
  });

  it('does not search for likeness across runs of differences too large to be edits', () => {
    const oldCells = Array.from({ length: 200 }, (_, i) => code(`old_${i} = ${i}`));
    const newCells = Array.from({ length: 200 }, (_, i) => code(`old_${i} = ${i + 1}`));
    const match = matchCells(oldCells, newCells);
    assert.deepEqual([match.pairs.length, match.removed.length, match.added.length], [0, 200, 200]);
  });
});
