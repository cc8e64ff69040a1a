import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { revertNotebook } from '../ops/revert.js';

export default defineCommand({
  command: 'revert <rev> <path>',
  describe: "Make an earlier version's content the latest again, as a new version (history is kept)",
  examples: [
    ['$0 revert ~1 mine.ipynb', 'Undo the last push: a new version with the content before it, "revert to <id>"'],
    ['$0 revert 3HLf5xQa mine.ipynb -m "Back to the baseline"', 'With a message of your own'],
    ['$0 revert 3HLf5xQa old.ipynb', 'Bring back a deleted notebook (ls --deleted lists them)'],
  ],
  builder: (yargs) =>
    yargs
      .positional('rev', { type: 'string', demandOption: true, describe: 'Version id or prefix, ~N, @{date}' })
      .positional('path', { type: 'string', demandOption: true, describe: 'The notebook' })
      .option('message', { alias: 'm', type: 'string', describe: 'Message of the new version (default: revert to <short id>)' })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Overwrite local changes that are not pushed' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  async run(args, { io, workspace: findWorkspace, now }) {
    const workspace = await findWorkspace();
    const rel = await workspace.notebookPath(io.cwd, args.path);
    const store = await workspace.openStore();
    const result = await revertNotebook(workspace, store, rel, args.rev, { message: args.message, force: args.force, now: now() });
    if (args.json) {
      writeJson(io, result);
      return;
    }
    const paint = paintFor(io);
    writeLine(io.stdout, `${paint.green('reverted')}   ${rel}  ${paint.yellow(result.versionId)}  ${result.message}`);
  },
});
