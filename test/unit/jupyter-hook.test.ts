import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { isNbstoreError } from '../../src/lib/errors.js';
import { exists } from '../../src/lib/fs.js';
import { VERSION } from '../../src/main.js';
import {
  currentTarget,
  type HookStatus,
  type HookTarget,
  hookBlock,
  jupyterConfigDir,
  setsPostSaveHook,
  targetOfBlock,
  withHookBlock,
  withoutHookBlock,
} from '../../src/ops/hook.js';
import { ok, runCli, tempDir, testEnv } from '../support/cli.js';
import { jupyterPython } from '../support/jupyter.js';

const target: HookTarget = { hooks: '/opt/nbstore/hooks', node: '/usr/bin/node', nbstore: '/opt/nbstore/bin/nbstore.js' };
const block = hookBlock(target);
const USER_CONFIG =
  'c.ServerApp.port = 9999\n\ndef user_hook(os_path, model, contents_manager, **kwargs):\n    pass\n\nc.FileContentsManager.post_save_hook = user_hook\n';

describe('the hook block in a Jupyter config file', () => {
  it('is added after what the file holds, once, and removing it gives the file back byte for byte', () => {
    for (const original of ['', 'c.ServerApp.port = 9999\n', USER_CONFIG]) {
      const added = withHookBlock(original, block, 'f.py');
      assert.equal(added.change, 'added');
      assert.ok(added.text.startsWith(original));
      assert.ok(added.text.endsWith(block));
      assert.deepEqual(withHookBlock(added.text, block, 'f.py'), { text: added.text, change: 'unchanged' });
      assert.deepEqual(withoutHookBlock(added.text, 'f.py'), { text: original, removed: true });
    }
  });

  it('gives a file without a final newline one, and leaves a file without the block alone', () => {
    const added = withHookBlock('c.A = 1', block, 'f.py').text;
    assert.equal(added, `c.A = 1\n\n${block}`);
    assert.equal(withoutHookBlock(added, 'f.py').text, 'c.A = 1\n');
    assert.deepEqual(withoutHookBlock(USER_CONFIG, 'f.py'), { text: USER_CONFIG, removed: false });
  });

  it('is replaced where it stands when nbstore moved, keeping what the user wrote before and after it', () => {
    const installed = `${withHookBlock(USER_CONFIG, block, 'f.py').text}c.After = 2\n`;
    const moved = hookBlock({ ...target, node: '/home/me/.nvm/versions/node/v20.1.0/bin/node' });
    const updated = withHookBlock(installed, moved, 'f.py');
    assert.equal(updated.change, 'updated');
    assert.equal(updated.text, installed.replace(block, moved));
    assert.equal(withoutHookBlock(updated.text, 'f.py').text, `${USER_CONFIG}c.After = 2\n`);
  });

  it('refuses, with one line, a block that lost one of its marker lines', () => {
    const installed = withHookBlock(USER_CONFIG, block, 'f.py').text;
    for (const broken of [installed.replace('# <<< nbstore hook <<<\n', ''), installed.replace('# >>> nbstore hook >>>\n', '')]) {
      assert.throws(
        () => withHookBlock(broken, block, '/home/me/.jupyter/f.py'),
        (err) => isNbstoreError(err, 'bad-config') && /^\/home\/me\/\.jupyter\/f\.py: the nbstore hook block is missing/.test(err.message),
      );
      assert.throws(
        () => withoutHookBlock(broken, 'f.py'),
        (err) => isNbstoreError(err, 'bad-config'),
      );
    }
  });

  it('records the paths it runs, readable back even when they hold quotes, backslashes and spaces', async () => {
    const odd: HookTarget = {
      hooks: '/opt/my "nb" store/hooks',
      node: 'C:\\Program Files\\node.exe',
      nbstore: '/opt/nbstöre/bin/nbstore.js',
    };
    const oddBlock = hookBlock(odd);
    assert.deepEqual(targetOfBlock(oddBlock), odd);
    // And it is Python that parses.
    const dir = await tempDir();
    await writeFile(join(dir, 'config.py'), oddBlock);
    await promisify(execFile)(jupyterPython(), [
      '-c',
      'import ast, sys; ast.parse(open(sys.argv[1], encoding="utf-8").read())',
      join(dir, 'config.py'),
    ]);
  });

  it("notices a post_save_hook the file sets itself, but not one in a comment or in nbstore's block", () => {
    assert.equal(setsPostSaveHook(USER_CONFIG, 'f.py'), true);
    assert.equal(setsPostSaveHook('# c.FileContentsManager.post_save_hook = f\n', 'f.py'), false);
    assert.equal(
      setsPostSaveHook(withHookBlock('c.A = 1\n', block.replace('import sys', 'post_save_hook = 1; import sys'), 'f.py').text, 'f.py'),
      false,
    );
  });

  it('goes in --config-dir, else JUPYTER_CONFIG_DIR, else ~/.jupyter', () => {
    assert.equal(jupyterConfigDir({ JUPYTER_CONFIG_DIR: '/etc/jc', HOME: '/home/me' }, '/work', 'here'), '/work/here');
    assert.equal(jupyterConfigDir({ JUPYTER_CONFIG_DIR: '/etc/jc', HOME: '/home/me' }, '/work'), '/etc/jc');
    assert.equal(jupyterConfigDir({ HOME: '/home/me' }, '/work'), '/home/me/.jupyter');
  });
});

describe('nbstore hook install, status and uninstall', () => {
  it('installs into both config files, keeping what they hold and their mode; installing again changes nothing; uninstall restores them', async () => {
    const home = await tempDir();
    const env = testEnv(home);
    const configDir = join(home, '.jupyter');
    await mkdir(configDir);
    const serverConfig = join(configDir, 'jupyter_server_config.py');
    const notebookConfig = join(configDir, 'jupyter_notebook_config.py');
    await writeFile(serverConfig, USER_CONFIG);
    await chmod(serverConfig, 0o600);
    const { node, nbstore } = currentTarget();

    assert.equal(
      await ok(['hook', 'install'], { cwd: home, env }),
      [
        `added the nbstore hook to ${serverConfig} (its own post_save_hook keeps running, before nbstore's)`,
        `added the nbstore hook to ${notebookConfig}`,
        `the hook runs ${node} ${nbstore}`,
        'restart Jupyter to load it; notebooks saved inside an nbstore workspace then become versions',
        '',
      ].join('\n'),
    );
    const installed = await readFile(serverConfig, 'utf8');
    assert.equal(installed, `${USER_CONFIG}\n${hookBlock(currentTarget())}`);
    assert.equal(await readFile(notebookConfig, 'utf8'), hookBlock(currentTarget()));
    assert.equal((await stat(serverConfig)).mode & 0o777, 0o600);

    assert.equal(
      await ok(['hook', 'install'], { cwd: home, env }),
      `the nbstore hook is already in ${serverConfig} (its own post_save_hook keeps running, before nbstore's)\nthe nbstore hook is already in ${notebookConfig}\nthe hook runs ${node} ${nbstore}\n`,
    );
    assert.equal(await readFile(serverConfig, 'utf8'), installed);

    assert.equal(
      await ok(['hook', 'status'], { cwd: home, env }),
      `installed      ${serverConfig}\ninstalled      ${notebookConfig}\nruns           ${node} ${nbstore} (nbstore ${VERSION})\n`,
    );
    const status = JSON.parse(await ok(['hook', 'status', '--json'], { cwd: home, env })) as HookStatus;
    assert.deepEqual(status.targets, [{ target: currentTarget(), hookModule: true, runs: true, version: VERSION }]);

    assert.equal(
      await ok(['hook', 'uninstall'], { cwd: home, env }),
      `removed the nbstore hook from ${serverConfig}\nremoved the nbstore hook from ${notebookConfig}, and the file, which held nothing else\nrestart Jupyter to unload it\n`,
    );
    assert.equal(await readFile(serverConfig, 'utf8'), USER_CONFIG);
    assert.equal(await exists(notebookConfig), false, 'the file install created, with nothing else in it, is gone');
    assert.equal((await stat(serverConfig)).mode & 0o777, 0o600);
    assert.equal(
      await ok(['hook', 'uninstall'], { cwd: home, env }),
      `no nbstore hook in ${serverConfig}\nno nbstore hook in ${notebookConfig}\n`,
    );
    assert.equal(
      await ok(['hook', 'status'], { cwd: home, env }),
      `the nbstore hook is not installed in ${configDir} (nbstore hook install adds it)\n`,
    );
  });

  it('uses JUPYTER_CONFIG_DIR, creating it, and --config-dir over it', async () => {
    const home = await tempDir();
    const fromEnv = join(home, 'from-env');
    await ok(['hook', 'install'], { cwd: home, env: testEnv(home, { JUPYTER_CONFIG_DIR: fromEnv }) });
    assert.match(await readFile(join(fromEnv, 'jupyter_server_config.py'), 'utf8'), /^# >>> nbstore hook >>>$/m);
    await ok(['hook', 'install', '--config-dir', 'flagged'], { cwd: home, env: testEnv(home, { JUPYTER_CONFIG_DIR: fromEnv }) });
    assert.match(await readFile(join(home, 'flagged', 'jupyter_notebook_config.py'), 'utf8'), /^# >>> nbstore hook >>>$/m);
  });

  it('status says when the nbstore the hook runs does not run', async () => {
    const home = await tempDir();
    const configDir = join(home, '.jupyter');
    await mkdir(configDir);
    await writeFile(join(configDir, 'jupyter_server_config.py'), hookBlock({ ...currentTarget(), node: join(home, 'gone', 'node') }));
    const result = await runCli(['hook', 'status'], { cwd: home, env: testEnv(home) });
    assert.equal(result.status, 0);
    assert.match(
      result.stdout,
      new RegExp(`^does not run   ${join(home, 'gone', 'node')} \\S+: ${join(home, 'gone', 'node')}: no such file$`, 'm'),
    );
    assert.match(result.stdout, /^not installed {2}.*jupyter_notebook_config\.py$/m);
  });

  it('refuses a config file whose block is broken, naming it, and leaves it alone', async () => {
    const home = await tempDir();
    const configDir = join(home, '.jupyter');
    await mkdir(configDir);
    const broken = `${USER_CONFIG}# >>> nbstore hook >>>\nimport sys\n`;
    await writeFile(join(configDir, 'jupyter_server_config.py'), broken);
    const result = await runCli(['hook', 'install'], { cwd: home, env: testEnv(home) });
    assert.equal(result.error?.code, 'bad-config');
    assert.match(result.error?.message ?? '', /jupyter_server_config\.py: the nbstore hook block is missing its last line/);
    assert.equal(await readFile(join(configDir, 'jupyter_server_config.py'), 'utf8'), broken);
  });
});
