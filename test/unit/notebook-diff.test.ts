import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { colours, noColours } from '../../src/lib/paint.js';
import { type Cell, type Notebook, parseNotebook } from '../../src/notebook/notebook.js';
import {
  type CellDiff,
  type DiffOptions,
  diffNotebooks,
  hasDifferences,
  type NotebookDiff,
  parseForDiff,
  valueChanges,
} from '../../src/notebook/notebook-diff.js';
import { notebookDiffJson, renderDiffStat, renderNotebookDiff, renderRawDiff } from '../../src/notebook/render-diff.js';
import { FIXTURES } from '../support/cli.js';

const fixture = (name: string): Notebook => parseNotebook(readFileSync(join(FIXTURES, 'diff', name)), name);
const diffPair = async (name: string, options: DiffOptions = {}) =>
  await diffNotebooks(fixture(`${name}-a.ipynb`), fixture(`${name}-b.ipynb`), options);
const plain = { paint: noColours, maxOutputLines: 20 };
const render = (diff: NotebookDiff, options = plain) => renderNotebookDiff(diff, { old: 'a', new: 'b' }, options);

/** Each cell's change as [change, old cell number, new cell number], 1-based as printed. */
function outline(diff: NotebookDiff): Array<[string, number | null, number | null]> {
  return diff.cells.map((cell: CellDiff) => [
    cell.change,
    cell.change === 'added' ? null : cell.oldIndex + 1,
    cell.change === 'removed' ? null : cell.newIndex + 1,
  ]);
}

describe('diffNotebooks: cells', () => {
  it('finds added, removed, moved and edited cells by id (nbformat 4.5), in reading order', async () => {
    const diff = await diffPair('nbformat-4.5');
    assert.equal(diff.matchedBy, 'id');
    assert.deepEqual(outline(diff), [
      ['moved', 5, 1],
      ['modified', 2, 3],
      ['removed', 3, null],
      ['added', null, 5],
    ]);
    assert.deepEqual(diff.stat, {
      added: 1,
      removed: 1,
      modified: 1,
      moved: 1,
      linesAdded: 2,
      linesRemoved: 2,
      outputsChanged: 0,
      metadataChanged: 0,
      notebookChanged: false,
    });
    assert.equal(
      render(diff),
      [
        '--- a',
        '+++ b',
        '@@ cell 5 -> 1 (code) moved @@ def ratio(a, b):',
        '@@ cell 2 -> 3 (code) @@',
        ' import pandas as pd',
        ' ',
        "-df = pd.read_csv('customers.csv')",
        "+df = pd.read_parquet('customers.parquet')",
        ' df = df[df.active]',
        ' df.head()',
        '@@ cell 3 (markdown) removed @@',
        '-## Cleaning',
        '@@ cell 5 (code) added @@',
        '+df.churned.value_counts().plot.bar()',
        '',
      ].join('\n'),
    );
  });

  it('gives the same diff for nbformat 4.0 to 4.4, which have no cell ids, by matching content', async () => {
    const byId = await diffPair('nbformat-4.5');
    for (const minor of [0, 1, 2, 3, 4]) {
      const diff = await diffPair(`nbformat-4.${minor}`);
      assert.equal(diff.matchedBy, 'content', `4.${minor}`);
      assert.deepEqual(outline(diff), outline(byId), `4.${minor}`);
      assert.deepEqual(diff.stat, byId.stat, `4.${minor}`);
      assert.equal(render(diff), render(byId), `4.${minor}`);
    }
  });

  it('treats ids that appear on upgrading to 4.5 as noise, and reports the format change', async () => {
    const upgraded = await diffNotebooks(fixture('nbformat-4.4-a.ipynb'), fixture('nbformat-4.5-a.ipynb'));
    assert.deepEqual(upgraded.cells, []);
    assert.deepEqual(upgraded.notebook, [{ path: 'nbformat', old: '4.4', new: '4.5' }]);
    assert.deepEqual(
      (await diffNotebooks(fixture('nbformat-4.4-a.ipynb'), fixture('nbformat-4.5-a.ipynb'), { ignoreMetadata: true })).notebook,
      [],
    );
    const everything = await diffNotebooks(fixture('nbformat-4.4-a.ipynb'), fixture('nbformat-4.5-a.ipynb'), { includeAll: true });
    assert.equal(everything.cells.length, 6);
    assert.match(render(everything), /@@ cell 1 \(markdown\) @@ # Churn model\n\+id: "intro"\n/);
  });

  it('diffs empty notebooks: nothing against nothing, every cell added or removed otherwise', async () => {
    const empty = fixture('empty.ipynb');
    const full = fixture('nbformat-4.5-a.ipynb');
    const none = await diffNotebooks(empty, empty);
    assert.equal(hasDifferences(none), false);
    assert.equal(render(none), '');
    assert.equal(renderDiffStat(none, plain), '');
    assert.deepEqual(
      outline(await diffNotebooks(empty, full)),
      full.cells.map((_, i) => ['added', null, i + 1]),
    );
    assert.deepEqual(
      outline(await diffNotebooks(full, empty)),
      full.cells.map((_, i) => ['removed', i + 1, null]),
    );
    assert.match(render(await diffNotebooks(empty, full)), /^@@ cell 2 \(code\) added @@\n\+import pandas as pd\n\+\n\+df = pd\.read_csv/m);
  });
});

describe('diffNotebooks: outputs', () => {
  it('diffs text outputs line by line and ignores execution counts that only a re-run changed', async () => {
    const diff = await diffPair('outputs');
    assert.deepEqual(outline(diff), [
      ['modified', 1, 1],
      ['modified', 3, 3],
    ]);
    assert.equal(diff.stat.outputsChanged, 2);
    assert.equal(
      render(diff),
      [
        '--- a',
        '+++ b',
        '@@ cell 1 (code) @@ for epoch in range(30):',
        ' │ epoch 24  loss 0.0400',
        ' │ epoch 25  loss 0.0385',
        ' │ epoch 26  loss 0.0370',
        '-│ epoch 27  loss 0.0357',
        '+│ epoch 27  loss 0.0312',
        ' │ epoch 28  loss 0.0345',
        ' │ epoch 29  loss 0.0333',
        "@@ cell 3 (code) @@ int('x')",
        // The traceback is shown (this fixture's is one line each).
        '-│ ValueError: invalid literal',
        '+│ TypeError: int()',
        '',
      ].join('\n'),
    );
  });

  it('truncates long output diffs as show truncates long outputs', async () => {
    const text = render(await diffPair('outputs'), { paint: noColours, maxOutputLines: 4 });
    assert.match(text, / │ epoch 26 {2}loss 0\.0370\n-│ epoch 27 {2}loss 0\.0357\n │ … 3 more lines\n/);
  });

  it('leaves outputs out with ignoreOutputs, and counts execution counts with includeAll', async () => {
    assert.equal(hasDifferences(await diffPair('outputs', { ignoreOutputs: true })), false);
    const everything = await diffPair('outputs', { includeAll: true });
    assert.deepEqual(
      outline(everything),
      [1, 2, 3, 4].map((n) => ['modified', n, n]),
    );
    assert.match(render(everything), /@@ cell 4 \(code\) @@ x = 1\n-execution_count: 8\n\+execution_count: 15\n/);
    // The result's only change is its execution count, which its summary does not show.
    assert.match(
      render(everything),
      /@@ cell 2 \(code\) @@ ratio\(3, 4\)\n-execution_count: 6\n\+execution_count: 13\n │ \(the outputs differ only in what this summary leaves out/,
    );
  });

  it('shows image outputs as mime type, size and short hash, never their data', async () => {
    const diff = await diffPair('images');
    assert.deepEqual(outline(diff), [
      ['modified', 1, 1],
      ['modified', 3, 3],
    ]);
    const text = render(diff);
    assert.match(
      text,
      /@@ cell 1 \(code\) @@\n-df\.age\.hist\(\)\n\+df\.age\.hist\(bins=20\)\n-│ image\/png 73 B [0-9a-f]{8}\n\+│ image\/png 74 B [0-9a-f]{8}\n │ <Figure size 640x480 with 1 Axes>\n/,
    );
    assert.match(
      text,
      /@@ cell 3 \(code\) @@ df\.plot\.scatter\('age', 'spend'\)\n\+│ image\/png 73 B [0-9a-f]{8}\n\+│ <Figure size 640x480 with 1 Axes>\n$/,
    );
    const image = fixture('images-b.ipynb').cells[0]?.outputs?.[0]?.data?.['image/png'] as string;
    const json = JSON.stringify(notebookDiffJson(diff));
    assert.ok(!json.includes(image.trim().slice(0, 40)), 'no base64 in the JSON form');
    assert.match(json, /"mime":"image\/png","bytes":74,"hash":"[0-9a-f]{8}"/);
  });
});

describe('parseForDiff', () => {
  it('holds rich data as digests and gives the diff, rendering and JSON that the whole notebooks give', async () => {
    const pairs = readdirSync(join(FIXTURES, 'diff'))
      .filter((name) => name.endsWith('-a.ipynb'))
      .map((name) => name.replace(/-a\.ipynb$/, ''));
    assert.ok(pairs.includes('images') && pairs.length >= 8, pairs.join(' '));
    const bytes = (name: string) => readFileSync(join(FIXTURES, 'diff', name));
    for (const name of pairs) {
      for (const options of [{}, { includeAll: true }, { ignoreMetadata: true }]) {
        const whole = await diffPair(name, options);
        const digested = await diffNotebooks(
          await parseForDiff(bytes(`${name}-a.ipynb`), 'a'),
          await parseForDiff(bytes(`${name}-b.ipynb`), 'b'),
          options,
        );
        assert.equal(render(digested), render(whole), name);
        assert.equal(renderDiffStat(digested, plain), renderDiffStat(whole, plain), name);
        assert.deepEqual(JSON.parse(JSON.stringify(notebookDiffJson(digested))), JSON.parse(JSON.stringify(notebookDiffJson(whole))), name);
      }
    }
    const images = await parseForDiff(bytes('images-a.ipynb'), 'a');
    assert.doesNotMatch(JSON.stringify(images), /iVBOR/, 'no PNG data is held');
  });
});

describe('diffNotebooks: metadata', () => {
  it('lists metadata changes and ignores volatile metadata (timings, view state)', async () => {
    const diff = await diffPair('metadata');
    assert.deepEqual(outline(diff), [['modified', 1, 1]]);
    assert.equal(
      render(diff),
      [
        '--- a',
        '+++ b',
        '@@ cell 1 (code) @@ import numpy as np',
        '-metadata.tags: ["setup"]',
        '+metadata.tags: ["setup","parameters"]',
        '@@ notebook @@',
        '-kernelspec.display_name: "Python 3"',
        '+kernelspec.display_name: "Python 3.12"',
        '',
      ].join('\n'),
    );
  });

  it('leaves all metadata out with ignoreMetadata, and shows the volatile keys with includeAll', async () => {
    assert.equal(hasDifferences(await diffPair('metadata', { ignoreMetadata: true })), false);
    const paths = (await diffPair('metadata', { includeAll: true })).cells.flatMap((c) =>
      c.change === 'modified' ? (c.metadata ?? []).map((m) => m.path) : [],
    );
    assert.deepEqual(paths, ['ExecuteTime.end_time', 'ExecuteTime.start_time', 'tags', 'collapsed', 'scrolled']);
  });

  it('descends into objects and records absent keys as absent', async () => {
    assert.deepEqual(valueChanges({ a: { b: 1, c: [1] }, 'x.y': 1 }, { a: { b: 2, c: [1] }, d: null }), [
      { path: 'a.b', old: 1, new: 2 },
      { path: 'd', new: null },
      { path: '["x.y"]', old: 1 },
    ]);
  });
});

describe('rendering a diff', () => {
  it('colours only through the Paint it is given', async () => {
    const diff = await diffPair('nbformat-4.5');
    assert.doesNotMatch(render(diff), /\x1b\[/);
    const coloured = render(diff, { paint: colours, maxOutputLines: 20 });
    assert.ok(coloured.includes(`${colours.red("-df = pd.read_csv('customers.csv')")}\n`));
    assert.ok(coloured.includes(colours.green('+df.churned.value_counts().plot.bar()')));
    assert.ok(coloured.includes(colours.cyan('@@ cell 3 (markdown) removed @@')));
  });

  it('summarises with --stat', async () => {
    assert.equal(
      renderDiffStat(await diffPair('nbformat-4.5'), plain),
      [
        ' cell 5 -> 1 (code) moved  | moved',
        ' cell 2 -> 3 (code)        | source 2 +-',
        ' cell 3 (markdown) removed | source 1 -',
        ' cell 5 (code) added       | source 1 +',
        ' 4 cells changed: 1 added, 1 removed, 1 modified, 1 moved; source lines +2 -2; outputs changed in 0 cells; metadata in 0 cells',
        '',
      ].join('\n'),
    );
    assert.match(renderDiffStat(await diffPair('metadata'), plain), /^ notebook {6}\| metadata\n.*metadata in 1 cell and the notebook\n$/m);
  });

  it('gives a structured JSON form', async () => {
    const json = notebookDiffJson(await diffPair('nbformat-4.5')) as {
      changed: boolean;
      matchedBy: string;
      cells: Array<Record<string, unknown>>;
    };
    assert.equal(json.changed, true);
    assert.equal(json.matchedBy, 'id');
    assert.deepEqual(json.cells[0], { change: 'moved', oldIndex: 4, newIndex: 0, moved: true, cellType: 'code' });
    assert.deepEqual(json.cells[2], { change: 'removed', oldIndex: 2, cellType: 'markdown', source: '## Cleaning', outputs: [] });
    assert.deepEqual(
      (json.cells[1]!.source as Array<{ lines: string[] }>)[0]?.lines.filter((l) => !l.startsWith(' ')),
      ["-df = pd.read_csv('customers.csv')", "+df = pd.read_parquet('customers.parquet')"],
    );
  });

  it('falls back to a line diff of the bytes with --raw', async () => {
    const patch = renderRawDiff(
      '{\n "a": 1,\n "b": 2\n}\n',
      '{\n "a": 1,\n "b": 3\n}\n',
      { old: 'x@v1', new: 'x (local file)' },
      noColours,
    );
    assert.equal(
      patch,
      ['--- x@v1', '+++ x (local file)', '@@ -1,4 +1,4 @@', ' {', '  "a": 1,', '- "b": 2', '+ "b": 3', ' }', ''].join('\n'),
    );
    assert.equal(renderRawDiff('same', 'same', { old: 'a', new: 'b' }, noColours), '');
  });
});

describe('diffNotebooks: what a careful reader sees', () => {
  const nb = (cells: Cell[], nbformatMinor = 5): Notebook => ({ nbformat: 4, nbformat_minor: nbformatMinor, metadata: {}, cells });
  const code = (source: string, extra: Partial<Cell> = {}): Cell => ({
    cell_type: 'code',
    source,
    metadata: {},
    execution_count: null,
    outputs: [],
    ...extra,
  });

  it('counts a change of cell ids alone as no change, unless --include-all', async () => {
    const cells = ['import pandas as pd', 'df = pd.read_csv("a.csv")', 'df.head()'];
    const before = nb(cells.map((s, i) => code(s, { id: `old-${i}` })));
    const after = nb(cells.map((s, i) => code(s, { id: `new-${i}` })));
    const diff = await diffNotebooks(before, after);
    assert.equal(hasDifferences(diff), false, render(diff));
    const all = await diffNotebooks(before, after, { includeAll: true });
    assert.deepEqual(outline(all), [
      ['modified', 1, 1],
      ['modified', 2, 2],
      ['modified', 3, 3],
    ]);
    assert.match(render(all), /@@ cell 1 \(code\) @@ import pandas as pd\n-id: "old-0"\n\+id: "new-0"\n/);
  });

  it('says so when only the traceback of an error changed', async () => {
    const error = (frame: string): Cell =>
      code('load()', {
        outputs: [
          {
            output_type: 'error',
            ename: 'FileNotFoundError',
            evalue: 'data.csv',
            traceback: ['\x1b[0;31mFileNotFoundError\x1b[0m  Traceback', frame, '\x1b[0;31mFileNotFoundError\x1b[0m: data.csv'],
          },
        ],
      });
    const diff = await diffNotebooks(nb([error('File io.py:10, in load()')]), nb([error('File io.py:12, in load()')]));
    assert.equal(
      render(diff),
      [
        '--- a',
        '+++ b',
        '@@ cell 1 (code) @@ load()',
        ' │ FileNotFoundError  Traceback',
        '-│ File io.py:10, in load()',
        '+│ File io.py:12, in load()',
        ' │ FileNotFoundError: data.csv',
        '',
      ].join('\n'),
    );
    const coloured = render(diff, { paint: colours, maxOutputLines: 20 });
    assert.match(coloured, /\n │ \x1b\[0;31mFileNotFoundError\x1b\[0m {2}Traceback\x1b\[0m\n/, 'the traceback keeps its colour');
  });

  it('names widget outputs by their model, and prints nothing from the file raw', async () => {
    const view = (id: string): Cell['outputs'] => [
      {
        output_type: 'display_data',
        metadata: {},
        data: {
          'text/plain': 'IntSlider()',
          'application/vnd.jupyter.widget-view+json': { model_id: id, version_major: 2, version_minor: 0 },
        },
      },
    ];
    const state = { aaaa1111: { model_name: 'IntSliderModel' }, bbbb2222: { model_name: 'FloatSliderModel' } };
    const withWidgets = (cells: Cell[]) => ({
      ...nb(cells),
      metadata: { widgets: { 'application/vnd.jupyter.widget-state+json': { state } } },
    });
    const bytes = (notebook: Notebook) => Buffer.from(JSON.stringify(notebook));
    // Read as diff reads versions: rich data digested, the widget's reference to its model kept.
    const diff = await diffNotebooks(
      await parseForDiff(bytes(withWidgets([code('w', { outputs: view('aaaa1111') })])), 'a'),
      await parseForDiff(bytes(withWidgets([code('w', { outputs: view('bbbb2222') })])), 'b'),
    );
    assert.match(render(diff), /\n-│ widget IntSliderModel \(model aaaa1111\)\n\+│ widget FloatSliderModel \(model bbbb2222\)\n/);
    const hostile = await diffNotebooks(nb([]), nb([{ cell_type: 'code\x1b]0;pwned\x07', source: 'a\x1b[2J', metadata: {} }]));
    assert.match(render(hostile), /@@ cell 1 \(code\) added @@\n\+a\n$/);
    assert.match(renderDiffStat(hostile, plain), /^ cell 1 \(code\) added \| source 1 \+\n/);
  });

  it('shows both numbers of a cell whose number changed, so that no number is read against the wrong side', async () => {
    const before = nb([code('a()'), code('b()'), code('c = 1'), code('d()')], 4);
    const after = nb([code('b()'), code('c = 2'), code('d()'), code('e()')], 4);
    const text = render(await diffNotebooks(before, after));
    assert.match(
      text,
      /@@ cell 1 \(code\) removed @@\n-a\(\)\n@@ cell 3 -> 2 \(code\) @@\n-c = 1\n\+c = 2\n@@ cell 4 \(code\) added @@\n\+e\(\)\n$/,
    );
  });
});
