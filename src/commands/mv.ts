import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { NbstoreError } from '../lib/errors.js';
import { moveNotebook } from '../ops/mv.js';

export default defineCommand({
  command: 'mv <old> <new>',
  describe: 'Move (rename) a notebook; its history follows it (log --follow)',
  examples: [
    ['$0 mv draft.ipynb reports/q3.ipynb', 'Continue the notebook at the new path; the old path gets a delete marker'],
    ['$0 log --follow reports/q3.ipynb', 'The history across the move'],
  ],
  builder: (yargs) =>
    yargs
      .positional('old', { type: 'string', demandOption: true, describe: 'The notebook' })
      .positional('new', { type: 'string', demandOption: true, describe: 'Its new path' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  async run(args, { io, workspace: findWorkspace }) {
    const workspace = await findWorkspace();
    const from = workspace.relativePath(io.cwd, args.old);
    const to = workspace.relativePath(io.cwd, args.new);
    if (!to.endsWith('.ipynb')) throw new NbstoreError('usage', `${args.new}: a notebook path ends in .ipynb`);
    const store = await workspace.openStore();
    const result = await moveNotebook(workspace, store, from, to);
    if (args.json) {
      writeJson(io, result);
      return;
    }
    const paint = paintFor(io);
    writeLine(
      io.stdout,
      `moved      ${from} -> ${to}  ${paint.yellow(result.versionId)}${result.fileMoved ? '' : paint.dim('  (no local file to rename)')}`,
    );
  },
});
