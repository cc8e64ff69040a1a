import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnWidth, displayWidth, fitColumn } from '../../src/cli/columns.js';
import { plural } from '../../src/lib/plural.js';

describe('plural', () => {
  it('is singular for exactly one and plural otherwise', () => {
    assert.equal(plural(1, 'cell'), '1 cell');
    assert.equal(plural(0, 'cell'), '0 cells');
    assert.equal(plural(2, 'more line'), '2 more lines');
    assert.equal(plural(3, 'entry', 'entries'), '3 entries');
  });
});

describe('columns', () => {
  it('measures wide characters as two cells and combining marks as none', () => {
    assert.equal(displayWidth('report.ipynb'), 12);
    assert.equal(displayWidth('売上分析.ipynb'), 14);
    assert.equal(displayWidth('café'), 4);
    assert.equal(displayWidth('cafe\u0301'), 4);
    assert.equal(displayWidth('📈.ipynb'), 8);
  });

  it('sizes a column by its widest value, up to a limit', () => {
    assert.equal(columnWidth(['a.ipynb', '売上.ipynb']), 10);
    assert.equal(columnWidth(['山田太郎', 'kylek'], 6), 6);
    assert.equal(columnWidth([]), 0);
  });

  it('fits text to a width in cells, padding or cutting at a whole character', () => {
    assert.equal(fitColumn('kylek', 8), 'kylek   ');
    assert.equal(fitColumn('山田', 6), '山田  ');
    assert.equal(fitColumn('山田太郎', 5), '山田 ');
    assert.equal(fitColumn('abcdef', 4), 'abcd');
    assert.equal(fitColumn('e\u0301tude', 2), 'e\u0301t');
  });

  it('lines up rows that mix wide and narrow names', () => {
    const names = ['売上分析.ipynb', 'sales.ipynb', 'données.ipynb'];
    const width = columnWidth(names);
    const rows = names.map((name) => `${fitColumn(name, width)}  |`);
    assert.deepEqual(
      rows.map((row) => displayWidth(row)),
      [width + 3, width + 3, width + 3],
    );
  });
});
