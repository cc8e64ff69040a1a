import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { pullNotebooks } from '../ops/pull.js';

export default defineCommand({
  command: 'pull [paths..]',
  describe: 'Bring notebooks that are behind to the latest version (those with local changes are left to merge)',
  examples: [
    ['$0 pull', 'Every tracked notebook that someone pushed a newer version of'],
    ['$0 pull team/report.ipynb', 'Only that notebook (fetches it if it is new here)'],
    ['$0 pull --json', 'What happened to each notebook, for scripts'],
  ],
  builder: (yargs) =>
    yargs
      .positional('paths', { type: 'string', array: true, describe: 'Notebooks (default: every tracked one)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  async run(args, { io, workspace: findWorkspace }) {
    const workspace = await findWorkspace();
    const named = args.paths ?? [];
    const rels = named.length > 0 ? await Promise.all(named.map((p) => workspace.notebookPath(io.cwd, p))) : undefined;
    const store = await workspace.openStore();
    const results = await pullNotebooks(workspace, store, rels);
    const count = (action: string) => results.filter((r) => r.action === action).length;
    const left = count('left');
    if (args.json) {
      writeJson(io, results);
      return left > 0 ? 1 : 0;
    }
    const paint = paintFor(io);
    for (const r of results) {
      if (r.action === 'updated') writeLine(io.stdout, `${paint.green('updated')}    ${r.path}  ${paint.yellow(r.latest ?? '')}`);
      else if (r.action === 'left') writeLine(io.stdout, `${paint.red('left')}       ${r.path}  (${r.reason})`);
      else if (r.action === 'skipped') writeLine(io.stdout, `${paint.dim('skipped')}    ${r.path}  (${r.reason})`);
      else if (named.length > 0 || r.reason)
        writeLine(io.stdout, `${paint.dim('up to date')} ${r.path}${r.reason ? paint.dim(`  (${r.reason})`) : ''}`);
    }
    const parts = [`${count('updated')} updated`, `${count('up-to-date')} up to date`];
    if (left > 0) parts.push(`${left} left to merge`);
    if (count('skipped') > 0) parts.push(`${count('skipped')} skipped`);
    writeLine(io.stdout, `pull: ${parts.join(', ')}`);
    return left > 0 ? 1 : 0;
  },
});
