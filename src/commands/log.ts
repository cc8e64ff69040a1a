import { columnWidth, fitColumn } from '../cli/columns.js';
import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { wholeNumber } from '../cli/options.js';
import { findForks } from '../history/ancestry.js';
import { shortIds } from '../history/revision.js';
import { describeHistory, describeMessage, followHistory, listHistory } from '../history/versions.js';
import { escapeControls, quotePath } from '../lib/text.js';
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
    ['$0 log --follow reports/q3.ipynb', 'The history across moves (nbstore mv)'],
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
      .option('follow', { type: 'boolean', default: false, describe: 'Go on into the history before a move (nbstore mv)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  async run(args, { io, workspace: findWorkspace }) {
    const workspace = await findWorkspace();
    const rel = await workspace.notebookPath(io.cwd, args.path);
    const store = await workspace.openStore();
    // The published version is asked for while the history is listed: one round trip, not two.
    // Should both fail, the listing's error is the one reported, whichever came first.
    const listedKey = args.published ? publishedKeyFor(workspace, rel) : workspace.keyFor(rel);
    const listing = listHistory(store, listedKey);
    const marks = Promise.all([
      args.published ? undefined : workspace.tracked(rel).then((tracked) => tracked?.base),
      args.published ? undefined : publishedVersionOf(workspace, store, rel),
    ]);
    marks.catch(() => undefined);
    const all = await listing;
    const [base, published] = await marks;
    const limit = args.maxCount;
    const described =
      args.follow && !args.published
        ? await followHistory(store, listedKey, workspace.settings.max_threads)
        : await describeHistory(store, all.slice(0, limit), workspace.settings.max_threads);
    const entries = described.slice(0, limit);
    // Forks: versions outside the history of the latest (two machines pushing from one version).
    const forked = new Set(args.published ? [] : findForks(described.filter((e) => e.key === listedKey)).flatMap((f) => f.versions));
    // Where a followed version was: its path, or its key when that is no path of this workspace.
    const shownPath = (key: string): string => {
      try {
        return workspace.pathOfKey(key) ?? key;
      } catch {
        return key;
      }
    };
    const shortOf = new Map(described.map((e) => [e.versionId, e.shortId]));
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
          isFork: forked.has(e.versionId),
        })),
      );
      return;
    }
    if (all.length === 0) {
      writeLine(
        io.stdout,
        args.published
          ? `${quotePath(rel)}: never published (nbstore publish ${quotePath(args.path)} publishes it)`
          : `${quotePath(rel)}: no versions yet (nbstore push ${quotePath(args.path)} stores the first)`,
      );
      return;
    }
    const paint = paintFor(io);
    const authorWidth = columnWidth(
      entries.map((e) => escapeControls(e.author ?? '-')),
      16,
    );
    // One write for the lot: a write per line costs more than the rest of a cached `log`.
    const lines: string[] = [];
    for (const entry of entries) {
      const marks = [
        entry.isLatest && entry.key === listedKey ? paint.green('latest') : '',
        entry.versionId === base ? paint.cyan('base') : '',
        entry.versionId === published ? paint.magenta('published') : '',
        entry.mergeParent
          ? paint.cyan(`merge of ${[entry.parent, entry.mergeParent].map((id) => (id ? (shortOf.get(id) ?? id) : '?')).join(' and ')}`)
          : '',
        forked.has(entry.versionId)
          ? paint.red(`fork from ${shortOf.get(entry.parent ?? '') ?? entry.parent ?? '?'}, not in the latest's history`)
          : '',
        entry.key !== listedKey ? paint.dim(shownPath(entry.key)) : '',
      ].filter(Boolean);
      const source = entry.sourceVersion
        ? ` ${paint.dim(`from ${escapeControls(sourceIds.get(entry.sourceVersion) ?? entry.sourceVersion)}`)}`
        : '';
      const markText = `${source}${marks.length > 0 ? ` (${marks.join(', ')})` : ''}`;
      if (entry.isDeleteMarker) {
        lines.push(`${paint.red(entry.shortId)}  ${formatTime(entry.lastModified)}  ${paint.red('[deleted]')}${markText}`);
      } else if (args.oneline) {
        lines.push(`${paint.yellow(entry.shortId)} ${escapeControls(describeMessage(entry))}${markText}`);
      } else {
        const author = fitColumn(escapeControls(entry.author ?? '-'), authorWidth);
        lines.push(
          `${paint.yellow(entry.shortId)}  ${formatTime(entry.lastModified)}  ${author}  ${formatSize(entry.size).padStart(8)}  ${escapeControls(describeMessage(entry))}${markText}`,
        );
      }
    }
    writeLine(io.stdout, lines.join('\n'));
  },
});
