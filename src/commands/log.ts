import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { wholeNumber } from '../cli/options.js';
import { shortIds } from '../history/revision.js';
import { describeHistory, describeMessage, listHistory } from '../history/versions.js';
import { formatTime } from '../lib/time.js';
import { formatSize } from '../notebook/render.js';
import { publishedKeyFor, publishedVersionOf } from '../ops/publish.js';

export default defineCommand({
  command: 'log <path>',
  describe: 'List the versions of a notebook, newest first',
  examples: [
    ['$0 log mine.ipynb', 'Every version: short id, date, author, size, message'],
    ['$0 log mine.ipynb -n 5 --oneline', 'The last five, one short line each'],
    ['$0 log mine.ipynb --json', 'Full version ids and metadata, for scripts'],
    ['$0 log --published mine.ipynb', 'The published copies of the notebook, each with the version it came from'],
  ],
  builder: (yargs) =>
    yargs
      .positional('path', { type: 'string', demandOption: true, describe: 'The notebook (need not exist locally)' })
      .option('max-count', {
        alias: 'n',
        type: 'string',
        coerce: wholeNumber('-n/--max-count', 1),
        describe: 'Show at most this many versions',
      })
      .option('oneline', { type: 'boolean', default: false, describe: 'One short line per version' })
      .option('published', { type: 'boolean', default: false, describe: 'List the published history of the notebook' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  async run(args, { io, workspace: findWorkspace }) {
    const workspace = await findWorkspace();
    const rel = await workspace.notebookPath(io.cwd, args.path);
    const store = await workspace.openStore();
    // The published version is asked for while the history is listed: one round trip, not two.
    // Should both fail, the listing's error is the one reported, whichever came first.
    const listing = listHistory(store, args.published ? publishedKeyFor(workspace, rel) : workspace.keyFor(rel));
    const marks = Promise.all([
      args.published ? undefined : workspace.tracked(rel).then((tracked) => tracked?.base),
      args.published ? undefined : publishedVersionOf(workspace, store, rel),
    ]);
    marks.catch(() => undefined);
    const all = await listing;
    const [base, published] = await marks;
    const limit = args.maxCount ?? all.length;
    const entries = await describeHistory(store, all.slice(0, limit), workspace.settings.max_threads);
    // A published version names its source by the short id `log` shows for it.
    const sourceIds = args.published ? shortIds(await listHistory(store, workspace.keyFor(rel))) : new Map<string, string>();

    if (args.json) {
      writeJson(
        io,
        entries.map((e) => ({
          ...e,
          lastModified: e.lastModified.toISOString(),
          isBase: e.versionId === base,
          isPublished: e.versionId === published,
        })),
      );
      return;
    }
    if (all.length === 0) {
      writeLine(
        io.stdout,
        args.published
          ? `${rel}: never published (nbstore publish ${args.path} publishes it)`
          : `${rel}: no versions yet (nbstore push ${args.path} stores the first)`,
      );
      return;
    }
    const paint = paintFor(io);
    const authorWidth = Math.min(16, Math.max(0, ...entries.map((e) => (e.author ?? '-').length)));
    // One write for the lot: a write per line costs more than the rest of a cached `log`.
    const lines: string[] = [];
    for (const entry of entries) {
      const marks = [
        entry.isLatest ? paint.green('latest') : '',
        entry.versionId === base ? paint.cyan('base') : '',
        entry.versionId === published ? paint.magenta('published') : '',
      ].filter(Boolean);
      const source = entry.sourceVersion ? ` ${paint.dim(`from ${sourceIds.get(entry.sourceVersion) ?? entry.sourceVersion}`)}` : '';
      const markText = `${source}${marks.length > 0 ? ` (${marks.join(', ')})` : ''}`;
      if (entry.isDeleteMarker) {
        lines.push(`${paint.red(entry.shortId)}  ${formatTime(entry.lastModified)}  ${paint.red('[deleted]')}${markText}`);
      } else if (args.oneline) {
        lines.push(`${paint.yellow(entry.shortId)} ${describeMessage(entry)}${markText}`);
      } else {
        const author = (entry.author ?? '-').slice(0, authorWidth).padEnd(authorWidth);
        lines.push(
          `${paint.yellow(entry.shortId)}  ${formatTime(entry.lastModified)}  ${author}  ${formatSize(entry.size).padStart(8)}  ${describeMessage(entry)}${markText}`,
        );
      }
    }
    writeLine(io.stdout, lines.join('\n'));
  },
});
