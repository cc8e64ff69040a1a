import { paintFor } from '../io.js';
import { formatSize } from '../notebook/render.js';
import { formatTime } from '../time.js';
import { type HistoryEntry, describeHistory, listHistory } from '../versions.js';
import { defineCommand, writeJson, writeLine } from './command.js';

export default defineCommand({
  command: 'log <path>',
  describe: 'List the versions of a notebook, newest first',
  examples: [
    ['$0 log mine.ipynb', 'Every version: short id, date, author, size, message'],
    ['$0 log mine.ipynb -n 5 --oneline', 'The last five, one short line each'],
    ['$0 log mine.ipynb --json', 'Full version ids and metadata, for scripts'],
  ],
  builder: (yargs) =>
    yargs
      .positional('path', { type: 'string', demandOption: true, describe: 'The notebook (need not exist locally)' })
      .option('max-count', { alias: 'n', type: 'number', describe: 'Show at most this many versions' })
      .option('oneline', { type: 'boolean', default: false, describe: 'One short line per version' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  async run(args, { io, workspace: findWorkspace }) {
    const workspace = await findWorkspace();
    const rel = await workspace.notebookPath(io.cwd, args.path);
    const store = await workspace.openStore();
    const all = await listHistory(store, workspace.keyFor(rel));
    const limit = args.maxCount !== undefined && args.maxCount >= 0 ? Math.floor(args.maxCount) : all.length;
    const entries = await describeHistory(store, all.slice(0, limit), workspace.settings.max_threads);
    const base = (await workspace.readState()).notebooks[rel]?.base;

    if (args.json) {
      writeJson(io, entries.map((e) => ({ ...e, lastModified: e.lastModified.toISOString(), isBase: e.versionId === base })));
      return;
    }
    if (all.length === 0) {
      writeLine(io.stdout, `${rel}: no versions yet (nbstore push ${args.path} stores the first)`);
      return;
    }
    const paint = paintFor(io);
    const authorWidth = Math.min(16, Math.max(0, ...entries.map((e) => (e.author ?? '-').length)));
    for (const entry of entries) {
      const marks = [entry.isLatest ? paint.green('latest') : '', entry.versionId === base ? paint.cyan('base') : ''].filter(Boolean);
      const markText = marks.length > 0 ? ` (${marks.join(', ')})` : '';
      if (entry.isDeleteMarker) {
        writeLine(io.stdout, `${paint.red(entry.shortId)}  ${formatTime(entry.lastModified)}  ${paint.red('[deleted]')}${markText}`);
      } else if (args.oneline) {
        writeLine(io.stdout, `${paint.yellow(entry.shortId)} ${describeMessage(entry)}${markText}`);
      } else {
        const author = (entry.author ?? '-').slice(0, authorWidth).padEnd(authorWidth);
        writeLine(io.stdout, `${paint.yellow(entry.shortId)}  ${formatTime(entry.lastModified)}  ${author}  ${formatSize(entry.size).padStart(8)}  ${describeMessage(entry)}${markText}`);
      }
    }
  },
});

function describeMessage(entry: HistoryEntry): string {
  if (entry.message) return entry.message;
  if (entry.sha256 === undefined && entry.author === undefined) return '(written by another tool)';
  return entry.savedAt ? `(saved ${formatTime(new Date(entry.savedAt))})` : '(no message)';
}
