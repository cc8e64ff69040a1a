import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NbstoreError } from '../../src/lib/errors.js';
import { escapeControls, escapeControlsButTabs, excerpt, hasControl, quoted, quotePath, redactUrl } from '../../src/lib/text.js';

const HOSTILE = 'a\u001b]0;pwned\u0007\u001b[2J\nforged\r\u007f\u009b31m';

describe('escaping text from outside', () => {
  it('writes every C0, C1 and DEL character as a visible escape and keeps the rest', () => {
    const escaped = escapeControls(HOSTILE);
    assert.equal(escaped, 'a\\x1b]0;pwned\\a\\x1b[2J\\nforged\\r\\x7f\\x9b31m');
    assert.equal(hasControl(escaped), false);
    assert.equal(escapeControls('Zürich C:\\temp ☃ 表'), 'Zürich C:\\temp ☃ 表');
  });

  it('keeps tabs in lines of code, escaping the rest', () => {
    assert.equal(escapeControlsButTabs('\tx = 1\u001b[2J\r'), '\tx = 1\\x1b[2J\\r');
  });

  it('quotes a path as git does, only when it needs it, unambiguously', () => {
    assert.equal(quotePath('reports/q1 final.ipynb'), 'reports/q1 final.ipynb');
    assert.equal(quotePath('a\nb.ipynb'), '"a\\nb.ipynb"');
    assert.equal(quotePath('a\\nb.ipynb'), '"a\\\\nb.ipynb"');
    assert.equal(quotePath('say "hi".ipynb'), '"say \\"hi\\".ipynb"');
    assert.equal(hasControl(quotePath(HOSTILE)), false);
  });

  it('quotes a name always, as JSON does, with C1 and DEL escaped too', () => {
    assert.equal(quoted('a"b\n'), '"a\\"b\\n"');
    assert.equal(quoted('x\u009by\u007f'), '"x\\u009by\\u007f"');
  });

  it('quotes at most a short escaped excerpt', () => {
    assert.equal(excerpt('\u001b[2J'.repeat(100), 6), '\\x1b[2J\\x1b[…');
    assert.equal(excerpt('short'), 'short');
  });

  it('takes the credentials out of URLs', () => {
    assert.equal(redactUrl('http://user:secret@host:7480/path'), 'http://***@host:7480/path');
    assert.equal(
      redactUrl('see https://k@s3.example.com and http://plain.example'),
      'see https://***@s3.example.com and http://plain.example',
    );
    assert.equal(redactUrl('http://host/a@b'), 'http://host/a@b');
  });

  it('makes every error message one printable line', () => {
    const err = new NbstoreError('s3-error', `server says: ${HOSTILE} at http://u:p@h/`);
    assert.equal(hasControl(err.message), false);
    assert.doesNotMatch(err.message, /u:p/);
  });
});
