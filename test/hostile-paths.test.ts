import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, runCli, tempDir } from './support/cli.js';
import { foreignTool } from './support/foreign.js';
import { notebookWith } from './support/saves.js';
import { shellQuote, Terminal } from './support/tmux.js';
import { makeWorkspace, pushedId, STORE_KINDS } from './support/workspace.js';

const NBSTORE = `${shellQuote(process.execPath)} ${shellQuote(BIN)}`;

for (const kind of STORE_KINDS) {
  describe(`paths from keys, on the ${kind} store`, () => {
    it('refuses to check out through a symlinked folder, as git does, and writes nothing there', async () => {
      const ws = await makeWorkspace(kind);
      const elsewhere = await tempDir('nbstore-elsewhere-');
      await symlink(elsewhere, join(ws.dir, 'data'));
      await (await foreignTool(ws)).put('workspace/data/evil.ipynb', notebookWith('evil'));
      const id = JSON.parse(await ws.ok('log', 'data/evil.ipynb', '--json'))[0].versionId as string;
      for (const argv of [
        ['checkout', id],
        ['checkout', id, 'data/evil.ipynb'],
      ]) {
        const result = await ws.run(...argv);
        assert.equal(result.error?.code, 'unsafe-key', argv.join(' '));
        assert.match(result.error?.message ?? '', /refusing a path through data, a symbolic link/);
      }
      await assert.rejects(stat(join(elsewhere, 'evil.ipynb')), /ENOENT/);
    });

    it('clone --prefix skips each key it refuses (a symlinked subfolder, a climbing key), reports it, writes the rest, exits 1', async () => {
      const ws = await makeWorkspace(kind);
      const tool = await foreignTool(ws);
      await tool.put('workspace/team/fine.ipynb', notebookWith('fine'));
      await tool.put('workspace/team/data/evil.ipynb', notebookWith('evil'));
      await tool.put('workspace/team/../../up.ipynb', notebookWith('up'));
      const elsewhere = await tempDir('nbstore-elsewhere-');
      const into = join(ws.dir, 'restored');
      await mkdir(into);
      await symlink(elsewhere, join(into, 'data'));
      const result = await ws.run('clone', '--prefix', 'workspace/team', 'restored');
      assert.equal(result.status, 1);
      assert.equal(result.error?.code, 'unsafe-key');
      assert.match(result.error?.message ?? '', /^2 of 3 notebooks were not cloned/);
      assert.match(result.stderr, /^nbstore: data\/evil\.ipynb: refusing a path through data, a symbolic link/m);
      assert.match(result.stderr, /^nbstore: "workspace\/team\/\.\.\/\.\.\/up\.ipynb": refusing a key with "\.\."/m);
      assert.equal(await readFile(join(into, 'fine.ipynb'), 'utf8'), notebookWith('fine').toString());
      await assert.rejects(stat(join(elsewhere, 'evil.ipynb')), /ENOENT/);
    });

    it('never replaces a notebook that is a symbolic link with a file', async () => {
      const ws = await makeWorkspace(kind);
      const elsewhere = await tempDir('nbstore-elsewhere-');
      await writeFile(join(elsewhere, 'real.ipynb'), notebookWith('one'));
      await symlink(join(elsewhere, 'real.ipynb'), join(ws.dir, 'nb.ipynb'));
      const first = pushedId(await ws.ok('push', 'nb.ipynb'));
      await writeFile(join(elsewhere, 'real.ipynb'), notebookWith('two'));
      pushedId(await ws.ok('push', 'nb.ipynb'));
      const result = await ws.run('checkout', '--force', first, 'nb.ipynb');
      assert.equal(result.error?.code, 'unsafe-key');
      assert.match(result.error?.message ?? '', /^nb\.ipynb: is a symbolic link; nbstore does not replace a link with a file/);
      assert.ok((await lstat(join(ws.dir, 'nb.ipynb'))).isSymbolicLink());
      assert.equal(await readFile(join(elsewhere, 'real.ipynb'), 'utf8'), notebookWith('two').toString());
    });

    it('keeps the mode of a notebook it checks out over (0600 stays private, 0444 read-only)', async () => {
      const ws = await makeWorkspace(kind);
      await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith('one'));
      const first = pushedId(await ws.ok('push', 'nb.ipynb'));
      for (const mode of [0o600, 0o444, 0o664]) {
        await chmod(join(ws.dir, 'nb.ipynb'), 0o644);
        await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith(`edit ${mode}`));
        await chmod(join(ws.dir, 'nb.ipynb'), mode);
        await ws.ok('checkout', '--force', first, 'nb.ipynb');
        assert.equal(await readFile(join(ws.dir, 'nb.ipynb'), 'utf8'), notebookWith('one').toString());
        assert.equal((await stat(join(ws.dir, 'nb.ipynb'))).mode & 0o777, mode, mode.toString(8));
      }
    });

    it("browse's o, c and D refuse a key that climbs out of the workspace, and write and read nothing outside", async () => {
      const ws = await makeWorkspace(kind);
      await (await foreignTool(ws)).put('workspace/br/../escaped.ipynb', notebookWith('escaped'));
      await writeFile(join(ws.dir, '..', 'escaped.ipynb'), notebookWith('outside, not to be read'));
      // One browser per key: each shows the same refusal.
      for (const key of ['o', 'D', 'c']) {
        const term = await Terminal.start(`${NBSTORE} browse`, { cwd: ws.dir, env: ws.env, columns: 120, rows: 24 });
        try {
          await term.waitFor(/›br\/\.\.\/escaped\.ipynb/, 'the hostile key listed');
          await term.press('Tab');
          await term.waitFor(/br\/\.\.\/escaped\.ipynb @ \S+ · /, 'its version previewed');
          await term.press(key);
          await term.waitFor(/refusing a key with "\.\." in its path/, `${key} refused`);
        } finally {
          await term.stop();
        }
      }
      assert.equal(await readFile(join(ws.dir, '..', 'escaped.ipynb'), 'utf8'), notebookWith('outside, not to be read').toString());
    });
  });
}

describe('hook install on a symlinked Jupyter config', () => {
  it('writes through the link, which stays a link', async () => {
    const home = await tempDir('nbstore-home-');
    const dotfiles = await tempDir('nbstore-dotfiles-');
    const configDir = join(home, '.jupyter');
    await mkdir(configDir);
    await writeFile(join(dotfiles, 'jupyter_server_config.py'), '# mine\n');
    await symlink(join(dotfiles, 'jupyter_server_config.py'), join(configDir, 'jupyter_server_config.py'));
    const env = { ...process.env, HOME: home, JUPYTER_CONFIG_DIR: configDir, NO_COLOR: '1' };
    const result = await runCli(['hook', 'install'], { cwd: home, env });
    assert.equal(result.status, 0, result.error?.message);
    assert.ok((await lstat(join(configDir, 'jupyter_server_config.py'))).isSymbolicLink());
    assert.equal(await readlink(join(configDir, 'jupyter_server_config.py')), join(dotfiles, 'jupyter_server_config.py'));
    assert.match(await readFile(join(dotfiles, 'jupyter_server_config.py'), 'utf8'), /^# mine\n[\s\S]*nbstore/);
  });
});
