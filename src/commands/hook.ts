import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { plural } from '../lib/plural.js';
import { quotePath } from '../lib/text.js';
import { runFlusher } from '../ops/flush.js';
import { currentTarget, type HookStatus, type HookTarget, hookStatus, installHook, jupyterConfigDir, uninstallHook } from '../ops/hook.js';
import { describeFork } from '../ops/push.js';

const ACTIONS = ['install', 'uninstall', 'status', 'flush'] as const;

export default defineCommand({
  command: 'hook <action>',
  describe: 'Install, remove or check the Jupyter hook that makes every save a version',
  examples: [
    ['$0 hook install', 'Add the hook to ~/.jupyter (or $JUPYTER_CONFIG_DIR); restart Jupyter to load it'],
    ['$0 hook status', 'Where the hook is installed, and whether the nbstore it runs works'],
    ['$0 hook uninstall --config-dir /etc/jupyter', 'Remove the hook from another config directory'],
    ['$0 hook flush', 'Deliver the spool as the hook does after a save (one flusher per workspace)'],
  ],
  builder: (yargs) =>
    yargs
      .positional('action', { choices: ACTIONS, demandOption: true, describe: 'install, uninstall, status, or flush (what the hook runs)' })
      .option('config-dir', { type: 'string', describe: 'Jupyter config directory (default: $JUPYTER_CONFIG_DIR or ~/.jupyter)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON (status)' }),
  async run(args, { io, workspace: findWorkspace, now }) {
    const configDir = jupyterConfigDir(io.env, io.cwd, args.configDir);
    const action = args.action as (typeof ACTIONS)[number];

    if (action === 'install') {
      const target = currentTarget();
      const files = await installHook(configDir, target);
      for (const { file, change, chains } of files) {
        const line =
          change === 'added'
            ? `added the nbstore hook to ${file}`
            : change === 'updated'
              ? `updated the nbstore hook in ${file}`
              : `the nbstore hook is already in ${file}`;
        writeLine(io.stdout, chains ? `${line} (its own post_save_hook keeps running, before nbstore's)` : line);
      }
      writeLine(io.stdout, `the hook runs ${describeTarget(target)}`);
      if (files.some((f) => f.change !== 'unchanged'))
        writeLine(io.stdout, 'restart Jupyter to load it; notebooks saved inside an nbstore workspace then become versions');
      return;
    }

    if (action === 'uninstall') {
      const files = await uninstallHook(configDir);
      for (const { file, removed, deleted } of files)
        writeLine(
          io.stdout,
          deleted
            ? `removed the nbstore hook from ${file}, and the file, which held nothing else`
            : removed
              ? `removed the nbstore hook from ${file}`
              : `no nbstore hook in ${file}`,
        );
      if (files.some((f) => f.removed)) writeLine(io.stdout, 'restart Jupyter to unload it');
      return;
    }

    if (action === 'status') {
      const status = await hookStatus(configDir);
      if (args.json) writeJson(io, status);
      else printStatus(status, io);
      return;
    }

    const workspace = await findWorkspace();
    const result = await runFlusher(workspace);
    // The hook sends this output to .nbstore/hook.log.
    for (const fork of result.forks) writeLine(io.stdout, `${now().toISOString()} ${describeFork(fork)}`);
    if (result.delivered > 0) {
      writeLine(
        io.stdout,
        `${now().toISOString()} delivered ${plural(result.delivered, 'saved version')} of ${result.paths.map(quotePath).join(', ')}`,
      );
    }
  },
});

function describeTarget(target: Partial<HookTarget>): string {
  return `${target.node ?? '(no node)'} ${target.nbstore ?? '(no nbstore)'}`;
}

function printStatus(status: HookStatus, io: Parameters<typeof paintFor>[0]): void {
  const paint = paintFor(io);
  if (!status.files.some((f) => f.installed)) {
    writeLine(io.stdout, `the nbstore hook is not installed in ${status.configDir} (nbstore hook install adds it)`);
    return;
  }
  for (const { file, installed } of status.files) {
    writeLine(io.stdout, installed ? `${paint.green('installed')}      ${file}` : `${paint.dim('not installed')}  ${file}`);
  }
  for (const { target, hookModule, runs, version, problem } of status.targets) {
    if (!hookModule)
      writeLine(
        io.stdout,
        `${paint.red('missing')}        ${target.hooks ?? '(no hooks directory)'}/nbstore_jupyter_hook.py: saves are not versioned (reinstall nbstore, then nbstore hook install)`,
      );
    writeLine(
      io.stdout,
      runs
        ? `${paint.green('runs')}           ${describeTarget(target)} (nbstore ${version})`
        : `${paint.red('does not run')}   ${describeTarget(target)}: ${problem}`,
    );
  }
}
