import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FIXTURES, REPO_ROOT, tempDir } from './support/cli.js';

const run = promisify(execFile);

/** The environment outside `npm test`: npm's own variables would steer the nested npm. */
function userEnv(home: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return { ...env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), USER: 'tester', NO_COLOR: '1', npm_config_update_notifier: 'false' };
}

describe('the npm package', () => {
  // The suite has built dist/ already: packing without scripts keeps prepack from rebuilding it
  // under the tests that are running from it.
  it('packs only what runs, installs globally without a warning, and works from another folder', async () => {
    const home = await tempDir('nbstore-package-');
    const env = userEnv(home);
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', home], { cwd: REPO_ROOT, env });
    const [tarball] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    assert.ok(tarball);
    const files = tarball.files.map((f) => f.path);
    assert.ok(files.includes('LICENSE') && files.includes('README.md') && files.includes('bin/nbstore.js'), files.join(' '));
    assert.ok(files.includes('hooks/nbstore_jupyter_hook.py') && files.includes('dist/bundle/main.js'), files.join(' '));
    const stray = files.filter((f) => !/^(bin\/|dist\/bundle\/|hooks\/|LICENSE$|README\.md$|package\.json$)/.test(f));
    assert.deepEqual(stray, []);

    const prefix = join(home, 'prefix');
    const install = await run('npm', ['install', '-g', '--prefix', prefix, join(home, tarball.filename)], { cwd: home, env });
    assert.equal(install.stderr, '');
    assert.match(install.stdout, /added 1 package/);

    const work = join(home, 'work');
    await mkdir(work);
    await copyFile(join(FIXTURES, 'analysis.ipynb'), join(work, 'analysis.ipynb'));
    const nbstore = async (...argv: string[]) => {
      const result = await run(join(prefix, 'bin', 'nbstore'), argv, { cwd: work, env });
      assert.equal(result.stderr, '', `nbstore ${argv.join(' ')} wrote to stderr`);
      return result.stdout;
    };
    assert.match(await nbstore('init'), /Initialised nbstore workspace/);
    assert.match(await nbstore('push', 'analysis.ipynb', '-m', 'First look at sales'), /^pushed\s+analysis\.ipynb\s+\S+/);
    assert.match(await nbstore('log', 'analysis.ipynb'), /First look at sales \(latest, base\)/);
    const configDir = join(home, 'jupyter');
    assert.match(await nbstore('hook', 'install', '--config-dir', configDir), /added the nbstore hook/);
    const status = await nbstore('hook', 'status', '--config-dir', configDir);
    assert.ok(status.includes(join(prefix, 'lib', 'node_modules', 'nbstore')), status);
    assert.deepEqual(await readdir(join(prefix, 'lib', 'node_modules')), ['nbstore']);

    // The shipped source maps lead a stack trace to nbstore's source lines (NBSTORE_DEBUG=1 turns
    // them on in bin/nbstore.js): here a write that throws inside main().
    const bundle = join(prefix, 'lib', 'node_modules', 'nbstore', 'dist', 'bundle', 'main.js');
    const traced = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `process.setSourceMapsEnabled(true);
         const { main } = await import(${JSON.stringify(bundle)});
         const broken = { write() { throw new Error('broken pipe'); } };
         await main(['ls', '--help'], { cwd: process.cwd(), env: {}, stdout: broken, stderr: broken, stdin: process.stdin })
           .catch((err) => console.log(err.stack));`,
      ],
      { cwd: work, env },
    );
    assert.match(traced.stdout, /\(\S*[\\/]src[\\/]main\.ts:\d+:\d+\)/);
  });
});
