import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { removeNotebook } from '../ops/rm.js';

export default defineCommand({
  command: 'rm <path>',
  describe: 'Delete a notebook: a delete marker in the store (history kept), the local file removed',
  examples: [
    ['$0 rm old.ipynb', 'Delete it; `ls --deleted` lists it, `checkout <id> old.ipynb` or `revert <id> old.ipynb` bring it back'],
    ['$0 rm old.ipynb --cached', 'Delete it in the store, keep the local file (untracked)'],
  ],
  builder: (yargs) =>
    yargs
      .positional('path', { type: 'string', demandOption: true, describe: 'The notebook' })
      .option('cached', { type: 'boolean', default: false, describe: 'Keep the local file' })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Remove the local file even with changes not pushed' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  async run(args, { io, workspace: findWorkspace }) {
    const workspace = await findWorkspace();
    const rel = workspace.relativePath(io.cwd, args.path);
    const store = await workspace.openStore();
    const result = await removeNotebook(workspace, store, rel, { cached: args.cached, force: args.force });
    if (args.json) {
      writeJson(io, result);
      return;
    }
    const paint = paintFor(io);
    writeLine(
      io.stdout,
      `${paint.red('deleted')}    ${rel}  (was ${paint.yellow(result.lastVersion)}; ${result.fileRemoved ? 'local file removed' : 'local file kept, untracked'})`,
    );
  },
});
