import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BIN, FIXTURES, runBin, tempDir, testEnv } from './support/cli.js';

const run = promisify(execFile);

/** A folder with notebooks, a notebook in a subfolder, and files that are not notebooks. */
async function project(): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const home = await tempDir('nbstore-completion-');
  const dir = join(home, 'work');
  const bin = join(home, 'bin');
  await mkdir(join(dir, 'reports'), { recursive: true });
  await mkdir(join(dir, '.nbstore-like'), { recursive: true });
  await mkdir(bin);
  await copyFile(join(FIXTURES, 'analysis.ipynb'), join(dir, 'analysis.ipynb'));
  await copyFile(join(FIXTURES, 'analysis.ipynb'), join(dir, 'reports', 'q3 summary.ipynb'));
  await writeFile(join(dir, 'analysis.py'), 'print(1)\n');
  // The completion script calls `nbstore` from PATH, as an installed nbstore is.
  await symlink(BIN, join(bin, 'nbstore'));
  return { dir, env: testEnv(home, { PATH: `${bin}:${process.env.PATH}`, SHELL: '/bin/bash' }) };
}

/** What bash offers for the words typed so far (the last is the one being completed). */
async function bashCompletes(dir: string, env: NodeJS.ProcessEnv, ...words: string[]): Promise<string[]> {
  const script = await runBin(['completion'], { cwd: dir, env });
  assert.equal(script.status, 0, script.stderr);
  const quoted = words.map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
  const typed = `COMP_WORDS=(nbstore ${quoted}); COMP_CWORD=${words.length}; _nbstore_yargs_completions; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout, stderr } = await run('bash', ['-c', `${script.stdout}\n${typed}`], { cwd: dir, env });
  assert.equal(stderr, '');
  return stdout.split('\n').filter(Boolean);
}

describe('nbstore completion', () => {
  it('completes commands, flags and notebook paths through the script bash runs', async () => {
    const { dir, env } = await project();
    assert.deepEqual(await bashCompletes(dir, env, 'pu'), ['push', 'pull', 'publish']);
    assert.ok((await bashCompletes(dir, env, '')).includes('checkout'));
    assert.deepEqual(await bashCompletes(dir, env, 'log', '--one'), ['--oneline']);
    assert.deepEqual(await bashCompletes(dir, env, 'push', 'ana'), ['analysis.ipynb']);
    assert.deepEqual(await bashCompletes(dir, env, 'hook', 'st'), ['status']);
    // A lone folder is opened: completion goes on to the notebook inside it.
    assert.deepEqual(await bashCompletes(dir, env, 'diff', 're'), ['"reports/q3 summary.ipynb"']);
    // Past a version id that starts with '-' (protected from being read as flags).
    assert.deepEqual(await bashCompletes(dir, env, 'show', '-9sN7OU', 'an'), ['analysis.ipynb']);
    assert.deepEqual(await bashCompletes(dir, env, 'push', '.nb'), []);
  });

  it('answers completion requests without running the command line', async () => {
    const { dir, env } = await project();
    assert.equal((await runBin(['init'], { cwd: dir, env })).status, 0);
    const asked = await runBin(['--get-yargs-completions', 'nbstore', 'push', ''], { cwd: dir, env });
    assert.deepEqual(asked.stdout.split('\n').filter(Boolean), ['analysis.ipynb', 'reports/']);
    assert.equal(asked.stderr, '');
    const log = await runBin(['log', 'analysis.ipynb'], { cwd: dir, env });
    assert.match(log.stdout, /no versions yet/);
  });

  it('prints a zsh script under zsh, whose completions carry descriptions', async () => {
    const { dir, env } = await project();
    const zshEnv = { ...env, SHELL: '/bin/zsh' };
    const script = await runBin(['completion'], { cwd: dir, env: zshEnv });
    assert.match(script.stdout, /^#compdef nbstore\n/);
    const asked = await runBin(['--get-yargs-completions', 'nbstore', 'pu'], { cwd: dir, env: zshEnv });
    assert.match(asked.stdout, /^push:Store notebooks as new versions/m);
  });
});
