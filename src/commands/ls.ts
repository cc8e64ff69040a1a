import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { shortIds } from '../history/revision.js';
import { escapeControls, quotePath } from '../lib/text.js';
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
      writeLine(
        io.stdout,
        `no notebooks under ${quotePath(`${base ? `${base}/` : ''}${args.prefix}`)} in ${escapeControls(store.location)}`,
      );
      return;
    }
    const paint = paintFor(io);
    const ids = shortIds(notebooks);
    const pathWidth = Math.max(...notebooks.map((n) => quotePath(n.path).length));
    const authorWidth = Math.min(16, Math.max(...notebooks.map((n) => escapeControls(n.author ?? '-').length)));
    for (const n of notebooks) {
      const author = escapeControls(n.author ?? '-')
        .slice(0, authorWidth)
        .padEnd(authorWidth);
      writeLine(
        io.stdout,
        `${quotePath(n.path).padEnd(pathWidth)}  ${paint.yellow(escapeControls(ids.get(n.versionId) ?? n.versionId))}  ${formatTime(n.lastModified)}  ${author}  ${formatSize(n.size).padStart(8)}`,
      );
    }
  },
});
