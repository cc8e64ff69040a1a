import { columnWidth, fitColumn } from '../cli/columns.js';
import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { shortIds } from '../history/revision.js';
import { formatTime } from '../lib/time.js';
import { formatSize } from '../notebook/render.js';
import { listNotebooks } from '../ops/ls.js';

export default defineCommand({
  command: 'ls [prefix]',
  describe: 'List the notebooks in the store with their latest version',
  examples: [
    ['$0 ls', 'Every notebook under the workspace prefix: path, version, date, author, size'],
    ['$0 ls reports/ --published', 'Published notebooks whose path starts with reports/'],
    ['$0 ls --json', 'Full version ids, for scripts'],
  ],
  builder: (yargs) =>
    yargs
      .positional('prefix', {
        type: 'string',
        default: '',
        describe: 'Only paths that start with this (below the workspace or published prefix)',
      })
      .option('published', { type: 'boolean', default: false, describe: 'List the published notebooks' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  async run(args, { io, workspace: findWorkspace }) {
    const workspace = await findWorkspace();
    const store = await workspace.openStore();
    const base = args.published ? workspace.settings.published_prefix : workspace.settings.workspace_prefix;
    const notebooks = await listNotebooks(store, base, args.prefix, workspace.settings.max_threads);
    if (args.json) {
      writeJson(
        io,
        notebooks.map((n) => ({ ...n, lastModified: n.lastModified.toISOString() })),
      );
      return;
    }
    if (notebooks.length === 0) {
      writeLine(io.stdout, `no notebooks under ${base ? `${base}/` : ''}${args.prefix} in ${store.location}`);
      return;
    }
    const paint = paintFor(io);
    const ids = shortIds(notebooks);
    const pathWidth = columnWidth(notebooks.map((n) => n.path));
    const authorWidth = columnWidth(
      notebooks.map((n) => n.author ?? '-'),
      16,
    );
    for (const n of notebooks) {
      const author = fitColumn(n.author ?? '-', authorWidth);
      writeLine(
        io.stdout,
        `${fitColumn(n.path, pathWidth)}  ${paint.yellow(ids.get(n.versionId) ?? n.versionId)}  ${formatTime(n.lastModified)}  ${author}  ${formatSize(n.size).padStart(8)}`,
      );
    }
  },
});
