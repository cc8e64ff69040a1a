import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBin, tempDir, testEnv } from './support/cli.js';
import { makeWorkspace } from './support/workspace.js';

describe('failures of commands given --json', () => {
  it('are one JSON object on stderr with the stable code, and the usual exit status', async () => {
    const dir = await tempDir();
    const env = testEnv(dir);
    const failed = await runBin(['status', '--json'], { cwd: dir, env });
    assert.equal(failed.status, 1);
    assert.equal(failed.stdout, '');
    const lines = failed.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, failed.stderr);
    const { error } = JSON.parse(lines[0] as string) as { error: { code: string; message: string } };
    assert.equal(error.code, 'not-a-workspace');
    assert.match(error.message, /^not an nbstore workspace/);

    const plain = await runBin(['status'], { cwd: dir, env });
    assert.equal(plain.status, 1);
    assert.match(plain.stderr, /^nbstore: not an nbstore workspace .*\n$/);
  });

  it('keep usage errors and a workspace failure apart by code', async () => {
    const ws = await makeWorkspace('embedded');
    const unknown = await runBin(['show', 'zzzzzzzz', '--json'], { cwd: ws.dir, env: ws.env });
    assert.notEqual(unknown.status, 0);
    assert.equal((JSON.parse(unknown.stderr) as { error: { code: string } }).error.code, 'unknown-revision');
    const usage = await runBin(['log', '--json', '--no-such-flag', 'a.ipynb'], { cwd: ws.dir, env: ws.env });
    assert.equal(usage.status, 2);
    assert.equal((JSON.parse(usage.stderr) as { error: { code: string } }).error.code, 'usage');
  });

  it('after `--`, --json is an argument, not the flag', async () => {
    const dir = await tempDir();
    const result = await runBin(['status', '--', '--json'], { cwd: dir, env: testEnv(dir) });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /^nbstore: /);
  });
});
