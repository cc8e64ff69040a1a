import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wholeNumber } from '../../src/cli/options.js';
import { isNbstoreError } from '../../src/lib/errors.js';
import { editDistance, nearestWord } from '../../src/lib/nearest.js';
import { redactUrl } from '../../src/lib/text.js';

describe('usage helpers', () => {
  it('suggests the nearest word only when a typo could explain the difference', () => {
    assert.equal(editDistance('pusj', 'push'), 1);
    assert.equal(editDistance('', 'log'), 3);
    const commands = ['init', 'push', 'log', 'show', 'diff', 'checkout', 'publish', 'clone', 'ls', 'status', 'hook', 'browse'];
    assert.equal(nearestWord('pusj', commands), 'push');
    assert.equal(nearestWord('chekout', commands), 'checkout');
    assert.equal(nearestWord('Stauts', commands), 'status');
    assert.equal(nearestWord('frobnicate', commands), undefined);
    assert.equal(nearestWord('instal', ['install', 'uninstall', 'status', 'flush']), 'install');
  });

  it('takes whole numbers of at least the minimum, and refuses the rest as usage errors', () => {
    const count = wholeNumber('-n', 1);
    assert.equal(count('3'), 3);
    assert.equal(count(7), 7);
    for (const bad of ['abc', '-1', '0', '2.5', '', ['1', '2']]) {
      assert.throws(
        () => count(bad),
        (e: unknown) => isNbstoreError(e, 'usage') && /^-n takes a whole number of at least 1, not /.test(e.message),
        String(bad),
      );
    }
  });

  it('replaces the user name and password of a URL, whatever it looks like', () => {
    assert.equal(redactUrl('http://kylek:hunter2@127.0.0.1:9'), 'http://***@127.0.0.1:9');
    assert.equal(redactUrl('https://kylek@s3.example'), 'https://***@s3.example');
    assert.equal(redactUrl('htp//kylek:hunter2@rgw'), 'htp//***@rgw');
    assert.equal(redactUrl('http://127.0.0.1:7480'), 'http://127.0.0.1:7480');
  });
});
