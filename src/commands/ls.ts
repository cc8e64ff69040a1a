import { columnWidth, fitColumn } from '../cli/columns.js';
import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { shortIds } from '../history/revision.js';
import { escapeControls, quotePath } from '../lib/text.js';
import { formatTime } from '../lib/time.js';
import { formatSize } from '../notebook/render.js';
import { deletedNotebooks, listNotebooks } from '../ops/ls.js';

export default defineCommand({
  command: 'ls [prefix]',
  describe: 'List the notebooks in the store with their latest version',
  examples: [
    ['$0 ls', 'Every notebook under the workspace prefix: path, version, date, author, size'],
    ['$0 ls reports/ --published', 'Published notebooks whose path starts with reports/'],
    ['$0 ls --json', 'Full version ids, for scripts'],
    ['$0 ls --deleted', 'Deleted notebooks, with the version before the delete (checkout or revert bring it back)'],
  ],
  builder: (yargs) =>
    yargs
      .positional('prefix', {
        type: 'string',
        default: '',
        describe: 'Only paths that start with this (below the workspace or published prefix)',
      })
      .option('published', { type: 'boolean', default: false, describe: 'List the published notebooks' })
      .option('deleted', { type: 'boolean', default: false, describe: 'List the deleted notebooks instead' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  async run(args, { io, workspace: findWorkspace }) {
    const workspace = await findWorkspace();
    const store = await workspace.openStore();
    const base = args.published ? workspace.settings.published_prefix : workspace.settings.workspace_prefix;
    if (args.deleted) {
      const deleted = await deletedNotebooks(store, base, args.prefix);
      if (args.json) {
        writeJson(
          io,
          deleted.map((n) => ({ ...n, deletedAt: n.deletedAt.toISOString() })),
        );
        return;
      }
      if (deleted.length === 0)
        writeLine(io.stdout, `no deleted notebooks under ${base ? `${base}/` : ''}${args.prefix} in ${store.location}`);
      const paint = paintFor(io);
      const width = Math.max(0, ...deleted.map((n) => n.path.length));
      for (const n of deleted) {
        writeLine(
          io.stdout,
          `${n.path.padEnd(width)}  ${paint.red('deleted')} ${formatTime(n.deletedAt)}${n.lastVersion ? `  last version ${paint.yellow(n.lastVersion)}` : ''}`,
        );
      }
      return;
    }
    const notebooks = await listNotebooks(store, base, args.prefix, workspace.settings.max_threads);
    if (args.json) {
      writeJson(
        io,
        notebooks.map((n) => ({ ...n, lastModified: n.lastModified.toISOString() })),
      );
      return;
    }
    if (notebooks.length === 0) {
      writeLine(
        io.stdout,
        `no notebooks under ${quotePath(`${base ? `${base}/` : ''}${args.prefix}`)} in ${escapeControls(store.location)}`,
      );
      return;
    }
    const paint = paintFor(io);
    const ids = shortIds(notebooks);
    const pathWidth = columnWidth(notebooks.map((n) => quotePath(n.path)));
    const authorWidth = columnWidth(
      notebooks.map((n) => escapeControls(n.author ?? '-')),
      16,
    );
    for (const n of notebooks) {
      const author = fitColumn(escapeControls(n.author ?? '-'), authorWidth);
      writeLine(
        io.stdout,
        `${fitColumn(quotePath(n.path), pathWidth)}  ${paint.yellow(escapeControls(ids.get(n.versionId) ?? n.versionId))}  ${formatTime(n.lastModified)}  ${author}  ${formatSize(n.size).padStart(8)}`,
      );
    }
  },
});
