import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isNbstoreError } from '../../src/lib/errors.js';
import { sha256 } from '../../src/lib/fs.js';
import { colours, noColours } from '../../src/lib/paint.js';
import { canonicalJson } from '../../src/notebook/canonical-json.js';
import {
  type Cell,
  examineNotebook,
  isCurrentCanonical,
  type Notebook,
  type Output,
  parseNotebook,
  parseNotebookWith,
} from '../../src/notebook/notebook.js';
import { describeData, formatSize, renderNotebook } from '../../src/notebook/render.js';
import { fitToWidth } from '../../src/notebook/terminal-text.js';
import { joinKey } from '../../src/store/keys.js';
import { decodeMetadata, encodeMetadata } from '../../src/store/metadata.js';
import { mergePage } from '../../src/store/s3-store.js';
import { DEFAULTS, resolveSettings, validateConfigFile } from '../../src/workspace/config.js';
import { Workspace } from '../../src/workspace/workspace.js';
import { FIXTURES } from '../support/cli.js';

describe('parseNotebook', () => {
  it('accepts nbformat 4 and says in one line why anything else is not a notebook', () => {
    assert.equal(parseNotebook('{"nbformat":4,"nbformat_minor":0,"metadata":{},"cells":[]}', 'x').cells.length, 0);
    const cases: Array<[string, RegExp]> = [
      ['not json', /x: not a notebook \(not JSON\)$/],
      ['[]', /JSON but not an object/],
      ['{"cells":[]}', /no nbformat/],
      ['{"nbformat":3,"worksheets":[]}', /nbformat 3 is not supported/],
      ['{"nbformat":4,"metadata":{}}', /no cells list/],
      ['{"nbformat":4,"cells":[],"metadata":null}', /no metadata object/],
      ['{"nbformat":4,"metadata":{},"cells":[{"source":""}]}', /cell 1 has no cell_type/],
      ['{"nbformat":4,"metadata":{},"cells":[{"cell_type":"code"}]}', /cell 1 has no source/],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => parseNotebook(text, 'x'),
        (err: unknown) => isNbstoreError(err, 'not-a-notebook') && message.test(err.message) && !err.message.includes('\n'),
        text,
      );
    }
  });

  const hashOf = (text: string | Buffer) => examineNotebook(Buffer.from(text), 'x').canonical;
  const notebook = (metadata: string) => `{"nbformat":4,"nbformat_minor":5,"metadata":${metadata},"cells":[]}`;

  it('hashes canonical JSON: key order and whitespace do not count, content does', () => {
    const a = '{"nbformat":4,"nbformat_minor":5,"metadata":{"a":1,"b":2},"cells":[]}';
    const b = '{ "cells": [],\n "metadata": {"b":2,\t"a":1}, "nbformat_minor": 5, "nbformat": 4 }\n';
    const c = '{"nbformat":4,"nbformat_minor":5,"metadata":{"a":1,"b":3},"cells":[]}';
    assert.equal(hashOf(a), hashOf(b));
    assert.notEqual(hashOf(a), hashOf(c));
    assert.equal(canonicalJson(Buffer.from(b)).toString(), '{"cells":[],"metadata":{"a":1,"b":2},"nbformat":4,"nbformat_minor":5}');
  });

  it('counts as content every difference JSON.parse cannot hold', () => {
    const pairs: Array<[string, string]> = [
      ['{"id":12345678901234567890}', '{"id":12345678901234567891}'],
      ['{"x":1e999}', '{"x":-1e999}'],
      ['{"x":1.0}', '{"x":1}'],
      ['{"a":1,"a":2}', '{"a":2}'],
      ['{"a":1,"a":2}', '{"a":2,"a":1}'],
      ['{"s":"\\u00e9"}', '{"s":"é"}'],
      ['{"s":"a \\" b"}', '{"s":"a \\" c"}'],
    ];
    for (const [a, b] of pairs) assert.notEqual(hashOf(notebook(a)), hashOf(notebook(b)), `${a} against ${b}`);
    // Invalid UTF-8: both decode to U+FFFD, the bytes differ.
    const invalid = (byte: number) =>
      Buffer.concat([Buffer.from('{"nbformat":4,"nbformat_minor":5,"metadata":{"s":"'), Buffer.of(byte), Buffer.from('"},"cells":[]}')]);
    const [x, y] = [invalid(0xff), invalid(0xfe)];
    assert.equal(x.toString(), y.toString());
    assert.notEqual(hashOf(x), hashOf(y));
  });

  it('sorts nested objects out of order wherever they are, at any depth, without recursing', () => {
    const nested = '{"k":{"z":[{"b":1,"a":{"d":"}","c":"{"}}],"y":0}}';
    assert.equal(canonicalJson(Buffer.from(nested)).toString(), '{"k":{"y":0,"z":[{"a":{"c":"{","d":"}"},"b":1}]}}');
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    assert.equal(canonicalJson(Buffer.from(` ${deep} `)).toString(), deep);
    const deepObjects = `${'{"b":0,"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
    assert.equal(canonicalJson(Buffer.from(deepObjects)).toString(), `${'{"a":'.repeat(50_000)}1${',"b":0}'.repeat(50_000)}`);
  });

  it('tells its hashes from those earlier versions recorded', () => {
    assert.equal(isCurrentCanonical(hashOf(notebook('{}'))), true);
    assert.equal(isCurrentCanonical(sha256('{"cells":[],"metadata":{},"nbformat":4,"nbformat_minor":5}')), false);
  });
});

describe('large notebooks, parsed a cell at a time', () => {
  const STREAMED = 0;
  const WHOLE = Number.POSITIVE_INFINITY;
  const notebooks = async () => [
    ...(await Promise.all(
      ['analysis.ipynb', 'diff/images-a.ipynb', 'diff/metadata-b.ipynb', 'diff/nbformat-4.0-a.ipynb'].map((name) =>
        readFile(join(FIXTURES, name), 'utf8'),
      ),
    )),
    '{"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[]}\n',
    // Fields in any order, one that sorts before "cells", one named __proto__, one given twice.
    '{"metadata":{"b":1,"a":[]},"nbformat":4,"cells":[{"source":"x","cell_type":"code","outputs":[{"data":{"text/plain":"é😀"}}]}],"nbformat_minor":0}',
    '{"attachments":{},"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[{"cell_type":"raw","source":""}]}',
    '{"__proto__":{"x":1},"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[{"cell_type":"raw","source":""}]}',
    '{"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[{"cell_type":"raw","source":"first"}],"cells":[{"cell_type":"raw","source":"last"}]}',
  ];

  it('hash and parse to just what parsing them whole gives', async () => {
    for (const text of await notebooks()) {
      const bytes = Buffer.from(text);
      const whole = examineNotebook(bytes, 'x', { streamAbove: WHOLE });
      assert.deepEqual(examineNotebook(bytes, 'x', { streamAbove: STREAMED }), whole, text.slice(0, 60));
      const keep = (cell: object) => ({ ...cell, kept: true }) as never;
      let pauses = 0;
      const pause = async () => {
        pauses++;
      };
      const streamed = await parseNotebookWith(bytes, 'x', keep, pause, STREAMED);
      assert.ok(pauses > 0, 'a streamed parse pauses between chunks');
      assert.deepEqual(streamed, await parseNotebookWith(bytes, 'x', keep, pause, WHOLE), text.slice(0, 60));
    }
  });

  it('are refused for the same reasons, in one line', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"nbformat":4,"metadata":{},"cells":[', /x: not a notebook \(.+\)$/],
      ['{"nbformat":4,"metadata":{},"cells":[]} trailing', /x: not a notebook \(.+\)$/],
      ['{"cells":[]}', /no nbformat/],
      ['{"nbformat":3,"worksheets":[]}', /nbformat 3 is not supported/],
      ['{"nbformat":4,"metadata":{}}', /no cells list/],
      ['{"nbformat":4,"metadata":{},"cells":{"0":{}}}', /no cells list/],
      ['{"nbformat":4,"cells":[],"metadata":null}', /no metadata object/],
      ['{"nbformat":4,"metadata":{},"cells":[{"cell_type":"code","source":""},{"source":""}]}', /cell 2 has no cell_type/],
      ['{"nbformat":4,"metadata":{},"cells":[7]}', /cell 1 is not an object/],
      ['[{"nbformat":4}]', /JSON but not an object/],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => examineNotebook(Buffer.from(text), 'x', { streamAbove: STREAMED }),
        (err: unknown) => isNbstoreError(err, 'not-a-notebook') && message.test(err.message) && !err.message.includes('\n'),
        text,
      );
    }
  });
});

describe('renderNotebook', () => {
  it('shows cells with numbers and types, text outputs truncated, rich outputs summarised', async () => {
    const nb = parseNotebook(await readFile(join(FIXTURES, 'analysis.ipynb')), 'analysis');
    const text = renderNotebook(nb, { paint: noColours, maxOutputLines: 2 });
    assert.match(text, /^nbformat 4\.5 · 4 cells · Python 3\n/);
    assert.match(text, /── cell 2 \(code\) \[1\] ──\nimport pandas as pd\nsales = pd\.read_csv\('sales\.csv'\)/);
    assert.match(text, /│ region\n│ east {5}1200\n│ … 2 more lines/);
    assert.match(text, /│ image\/png 70 B [0-9a-f]{8}\n│ <Figure size 640x480 with 1 Axes>/);
  });

  it('describes data by type, decoded size and a short hash', () => {
    assert.match(describeData('image/png', 'AAAA'), /^image\/png 3 B [0-9a-f]{8}$/);
    assert.match(describeData('application/json', { a: 1 }), /^application\/json 7 B /);
    assert.equal(formatSize(1536), '1.5 KB');
    assert.equal(formatSize(10 * 1024 * 1024), '10 MB');
  });
});

describe('settings', () => {
  const env = {
    JPYNB_S3_BUCKET: 'from-bookstore',
    JPYNB_S3_REGION_NAME: 'eu-west-1',
    NBSTORE_S3_REGION_NAME: 'eu-north-1',
    NBSTORE_MAX_THREADS: '4',
  };

  it('ranks flags, NBSTORE_*, JPYNB_S3_*, workspace, user, defaults in that order', () => {
    const settings = resolveSettings({
      flags: { workspace_prefix: 'from-flag' },
      env,
      workspace: { store: 's3', s3_bucket: 'from-workspace', workspace_prefix: 'ws', published_prefix: 'pub-ws' },
      user: { published_prefix: 'pub-user', s3_endpoint_url: 'http://user' },
    });
    assert.equal(settings.workspace_prefix, 'from-flag');
    assert.equal(settings.s3_region_name, 'eu-north-1');
    assert.equal(settings.s3_bucket, 'from-bookstore');
    assert.equal(settings.published_prefix, 'pub-ws');
    assert.equal(settings.s3_endpoint_url, 'http://user');
    assert.equal(settings.max_threads, 4);
    assert.equal(resolveSettings({ env: {} }).max_threads, DEFAULTS.max_threads);
  });

  it('keeps the kind of store a workspace property, whatever the environment names', () => {
    assert.equal(resolveSettings({ env, workspace: { store: 'embedded' } }).store, 'embedded');
  });

  it('refuses unknown or ill-typed settings in config files', () => {
    assert.throws(
      () => validateConfigFile({ s3_bukket: 'x' }, 'c.json'),
      (e: unknown) => isNbstoreError(e, 'bad-config') && /unknown setting "s3_bukket"/.test(e.message),
    );
    assert.throws(
      () => validateConfigFile({ max_threads: 0 }, 'c.json'),
      (e: unknown) => isNbstoreError(e, 'bad-config'),
    );
    assert.throws(
      () => validateConfigFile([], 'c.json'),
      (e: unknown) => isNbstoreError(e, 'bad-config'),
    );
    // As bookstore keeps it: only leading slashes go.
    assert.deepEqual(validateConfigFile({ workspace_prefix: '/workspace/kylek/notebooks/' }, 'c.json'), {
      workspace_prefix: 'workspace/kylek/notebooks/',
    });
    assert.deepEqual(validateConfigFile({ workspace_prefix: '' }, 'c.json'), { workspace_prefix: '' });
  });

  it('joins keys as bookstore does', () => {
    assert.equal(joinKey('/workspace/kylek/notebooks', 'mine.ipynb'), 'workspace/kylek/notebooks/mine.ipynb');
    assert.equal(joinKey('', 'a/b.ipynb'), 'a/b.ipynb');
    // bookstore's s3_paths strips leading slashes from each part and nothing else.
    assert.equal(joinKey('/trail/kylek/', 'mine.ipynb'), 'trail/kylek//mine.ipynb');
    assert.equal(joinKey('trail', '/a//b.ipynb'), 'trail/a//b.ipynb');
    assert.equal(joinKey('', ''), '');
  });

  it('keeps an empty prefix as the bucket root, as bookstore does, and a set prefix as it is', () => {
    assert.equal(resolveSettings({ env: {}, workspace: { workspace_prefix: '' } }).workspace_prefix, '');
    assert.equal(resolveSettings({ env: {} }).workspace_prefix, 'workspace');
    assert.equal(resolveSettings({ env: {}, user: { published_prefix: '' }, workspace: {} }).published_prefix, '');
    assert.equal(new Workspace('/w', { ...DEFAULTS, workspace_prefix: '' }).keyFor('a.ipynb'), 'a.ipynb');
    const kylek = new Workspace('/w', { ...DEFAULTS, workspace_prefix: 'trail/kylek/' });
    assert.equal(kylek.keyFor('mine.ipynb'), 'trail/kylek//mine.ipynb');
    assert.equal(kylek.pathOfKey('trail/kylek//mine.ipynb'), 'mine.ipynb');
  });
});

describe('S3 metadata and listings', () => {
  it('percent-encodes only nbstore values that HTTP headers cannot carry', () => {
    const encoded = encodeMetadata({ 'nbstore-message': 'Zoë 100%', 'nbstore-author': 'kyle', 'other-tool': 'ü' });
    assert.deepEqual(encoded, { 'nbstore-message': 'Zo%C3%AB%20100%25', 'nbstore-author': 'kyle', 'other-tool': 'ü' });
    assert.deepEqual(decodeMetadata(encoded), { 'nbstore-message': 'Zoë 100%', 'nbstore-author': 'kyle', 'other-tool': 'ü' });
    assert.deepEqual(decodeMetadata({ 'Other-Tool': '50%off' }), { 'other-tool': '50%off' });
  });

  it('merges versions and delete markers into one history per key', () => {
    const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));
    const merged = mergePage(
      [
        { Key: 'a', VersionId: 'a3', LastModified: t(3), IsLatest: true },
        { Key: 'a', VersionId: 'a1', LastModified: t(1) },
        { Key: 'b', VersionId: 'b1', LastModified: t(1) },
      ],
      [
        { Key: 'a', VersionId: 'dm2', LastModified: t(2) },
        { Key: 'b', VersionId: 'dm5', LastModified: t(5), IsLatest: true },
      ],
    );
    assert.deepEqual(
      merged.map((v) => `${v.key}:${v.versionId}${v.isDeleteMarker ? '*' : ''}`),
      ['a:a3', 'a:dm2*', 'a:a1', 'b:dm5*', 'b:b1'],
    );
  });
});

describe('rendering outputs made for a terminal', () => {
  const nb = (cells: Cell[], metadata: Record<string, unknown> = {}): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata, cells });
  const codeCell = (outputs: Output[], extra: Partial<Cell> = {}): Cell => ({
    cell_type: 'code',
    source: 'run()',
    metadata: {},
    execution_count: 1,
    outputs,
    ...extra,
  });
  const traceback: Output = {
    output_type: 'error',
    ename: 'ZeroDivisionError',
    evalue: 'division by zero',
    traceback: [
      '\x1b[0;31m---------------------------------------------------------------------------\x1b[0m',
      '\x1b[0;31mZeroDivisionError\x1b[0m                         Traceback (most recent call last)',
      'Cell \x1b[0;32mIn[1], line 1\x1b[0m\n\x1b[0;32m----> 1\x1b[0m \x1b[38;5;241m1\x1b[39m\x1b[38;5;241m/\x1b[39m\x1b[38;5;241m0\x1b[39m',
      '\x1b[0;31mZeroDivisionError\x1b[0m: division by zero',
    ],
  };
  const hostile: Output = {
    output_type: 'stream',
    name: 'stdout',
    text: 'title\x1b]0;pwned\x07 clear\x1b[2J bell\x07 \x1b[1mbold\x1b[0m\n',
  };

  it('keeps colour on a colour terminal, strips it otherwise, and never passes other control sequences', () => {
    const plainText = renderNotebook(nb([codeCell([hostile, traceback])]), { paint: noColours, maxOutputLines: 20 });
    assert.doesNotMatch(plainText, /[\x00-\x08\x0b-\x1f\x7f]/, 'no control character at all without colour');
    assert.match(plainText, /│ title clear bell bold\n/);
    const coloured = renderNotebook(nb([codeCell([hostile, traceback])]), { paint: colours, maxOutputLines: 20 });
    assert.match(coloured, / bell \x1b\[1mbold\x1b\[0m\x1b\[0m\n/, 'SGR kept, and reset at the end of the line');
    assert.doesNotMatch(coloured, /\x1b\]|\x1b\[2J|\x07/, 'no title, no clear screen, no bell');
    // Every escape left is colour (SGR).
    assert.deepEqual(
      [...coloured.matchAll(/\x1b(.)[^m]*?([a-zA-Z])/g)].filter(([, open, final]) => open !== '[' || final !== 'm'),
      [],
    );
  });

  it('shows the traceback of an error, truncated like long text', () => {
    const text = renderNotebook(nb([codeCell([traceback])]), { paint: noColours, maxOutputLines: 3 });
    assert.match(text, /│ -{75}\n│ ZeroDivisionError {25}Traceback \(most recent call last\)\n│ Cell In\[1\], line 1\n│ … 2 more lines\n/);
    const whole = renderNotebook(nb([codeCell([traceback])]), { paint: noColours, maxOutputLines: 20 });
    assert.match(whole, /│ ----> 1 1\/0\n│ ZeroDivisionError: division by zero\n/);
    // Without a traceback, the error is its name and value.
    const bare = renderNotebook(nb([codeCell([{ output_type: 'error', ename: 'KeyError', evalue: "'x'", traceback: [] }])]), {
      paint: noColours,
      maxOutputLines: 20,
    });
    assert.match(bare, /│ KeyError: 'x'\n/);
  });

  it('renders carriage-return progress bars in their final state', () => {
    const tqdm: Output = {
      output_type: 'stream',
      name: 'stderr',
      text: '  0%|          | 0/3 [00:00<?, ?it/s]\r 33%|###3      | 1/3\r100%|##########| 3/3 [00:01<00:00,  2.9it/s]\r\ndone\nrewrite abc\rXY\n',
    };
    const text = renderNotebook(nb([codeCell([tqdm])]), { paint: noColours, maxOutputLines: 20 });
    assert.match(text, /\n│ 100%\|##########\| 3\/3 \[00:01<00:00, {2}2\.9it\/s\]\n│ done\n│ XYwrite abc\n$/);
    assert.doesNotMatch(text, /\r|0\/3/);
  });

  it('names a widget output by its model, from the widget state the notebook saved', () => {
    const view = (id: string): Output => ({
      output_type: 'display_data',
      metadata: {},
      data: {
        'text/plain': 'IntSlider(value=3)',
        'application/vnd.jupyter.widget-view+json': { model_id: id, version_major: 2, version_minor: 0 },
      },
    });
    const metadata = {
      widgets: {
        'application/vnd.jupyter.widget-state+json': {
          state: { '5f1e2d3c4b5a': { model_name: 'IntSliderModel', state: {} } },
          version_major: 2,
        },
      },
    };
    const text = renderNotebook(nb([codeCell([view('5f1e2d3c4b5a'), view('0a0b0c0d0e0f')])], metadata), {
      paint: noColours,
      maxOutputLines: 20,
    });
    assert.match(text, /│ widget IntSliderModel \(model 5f1e2d3c\)\n│ IntSlider\(value=3\)\n│ widget model 0a0b0c0d \(no saved state\)\n/);
    assert.doesNotMatch(text, /widget-view\+json/);
  });

  it('lists attachments as type, size and hash', () => {
    const cell: Cell = {
      cell_type: 'markdown',
      source: '![chart](attachment:chart.png)',
      metadata: {},
      attachments: { 'chart.png': { 'image/png': 'AAAA' } },
    };
    assert.match(
      renderNotebook(nb([cell]), { paint: noColours, maxOutputLines: 20 }),
      /\n!\[chart\]\(attachment:chart\.png\)\nattachment chart\.png: image\/png 3 B [0-9a-f]{8}\n$/,
    );
  });

  it('says what is missing of the version instead of printing undefined', () => {
    const text = renderNotebook({ nbformat: 4, metadata: {}, cells: [] } as unknown as Notebook, { paint: noColours, maxOutputLines: 20 });
    assert.match(text, /^nbformat 4 \(no nbformat_minor\) · 0 cells\n/);
  });

  it('cuts long lines to a width with a marker, colour reset and not counted', () => {
    const long = 'x'.repeat(3060);
    assert.equal(fitToWidth(`short\n${long}\n`, 80), `short\n${'x'.repeat(79)}…\n`);
    assert.equal(fitToWidth(`\x1b[31m${'y'.repeat(100)}\x1b[39m`, 10), `\x1b[31m${'y'.repeat(9)}\x1b[0m…`);
    assert.equal(fitToWidth(`\x1b[31m${'y'.repeat(10)}\x1b[39m`, 10), `\x1b[31m${'y'.repeat(10)}\x1b[39m`, 'escapes take no columns');
  });
});
