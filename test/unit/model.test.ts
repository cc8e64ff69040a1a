import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import stableStringify from 'fast-json-stable-stringify';
import { isNbstoreError } from '../../src/lib/errors.js';
import { sha256 } from '../../src/lib/fs.js';
import { noColours } from '../../src/lib/paint.js';
import { canonicalHash, examineNotebook, parseNotebook, parseNotebookWith } from '../../src/notebook/notebook.js';
import { describeData, formatSize, renderNotebook } from '../../src/notebook/render.js';
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

  it('hashes canonical JSON: key order and whitespace do not count, content does', () => {
    const a = parseNotebook('{"nbformat":4,"nbformat_minor":5,"metadata":{"a":1,"b":2},"cells":[]}', 'a');
    const b = parseNotebook('{ "cells": [], "metadata": {"b":2, "a":1}, "nbformat_minor": 5, "nbformat": 4 }', 'b');
    const c = parseNotebook('{"nbformat":4,"nbformat_minor":5,"metadata":{"a":1,"b":3},"cells":[]}', 'c');
    assert.equal(canonicalHash(a), canonicalHash(b));
    assert.notEqual(canonicalHash(a), canonicalHash(c));
  });

  it('hashes exactly the JSON fast-json-stable-stringify makes of the whole notebook, which earlier versions recorded', async () => {
    const texts = [
      await readFile(join(FIXTURES, 'analysis.ipynb'), 'utf8'),
      '{"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[]}',
      '{"z":[1,{"b":null,"a":"é\\u2028"}],"cells":[{"cell_type":"raw","source":["x\\n","y"],"metadata":{"k":{"d":1,"c":[]}}},{"source":"","cell_type":"markdown"}],"nbformat":4,"metadata":{"ü":1,"a":true},"nbformat_minor":0}',
    ];
    for (const text of texts) {
      const nb = parseNotebook(text, 'x');
      assert.equal(canonicalHash(nb), sha256(stableStringify(nb)), text.slice(0, 60));
    }
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
      assert.equal(whole.canonical, sha256(stableStringify(JSON.parse(text))));
      const keep = (cell: object) => ({ ...cell, kept: true }) as never;
      assert.deepEqual(parseNotebookWith(bytes, 'x', keep, STREAMED), parseNotebookWith(bytes, 'x', keep, WHOLE), text.slice(0, 60));
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
