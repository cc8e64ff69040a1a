import { columnWidth, fitColumn } from '../cli/columns.js';
import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { type Io, paintFor } from '../cli/io.js';
import { wholeNumber } from '../cli/options.js';
import { writePaged } from '../cli/pager.js';
import { findForks } from '../history/ancestry.js';
import { parseWhen, shortIds } from '../history/revision.js';
import { describeHistory, describeMessage, followHistory, type HistoryEntry, listHistory } from '../history/versions.js';
import { NbstoreError } from '../lib/errors.js';
import { escapeControls, quotePath } from '../lib/text.js';
import { formatTime } from '../lib/time.js';
import { formatSize } from '../notebook/render.js';
import { type LogFilter, matchesFilter, workspaceLog } from '../ops/log.js';
import { publishedKeyFor, publishedVersionOf } from '../ops/publish.js';
import { readIndex } from '../store/commit-index.js';
import type { Workspace } from '../workspace/workspace.js';

/** Versions the workspace-wide log shows on a terminal when not told how many. */
const WORKSPACE_LOG_ON_TERMINAL = 20;

export default defineCommand({
  command: 'log [path]',
  describe: 'List the versions of a notebook, or the newest across the workspace, newest first',
  examples: [
    ['$0 log', 'The newest versions of every notebook in the workspace (20 on a terminal)'],
    ['$0 log --since 2d --author ana', "Ana's versions of the last two days, across the workspace"],
    ['$0 log mine.ipynb', 'Every version: short id, date, author, size, message'],
    ['$0 log mine.ipynb -n 5 --oneline', 'The last five, one short line each'],
    ['$0 log mine.ipynb --json', 'Full version ids and metadata, for scripts'],
    ['$0 log --published mine.ipynb', 'The published copies of the notebook, each with the version it came from'],
    ['$0 log --follow reports/q3.ipynb', 'The history across moves (nbstore mv)'],
  ],
  builder: (yargs) =>
    yargs
      .positional('path', { type: 'string', describe: 'The notebook (need not exist locally); without it, the whole workspace' })
      .option('max-count', {
        alias: 'n',
        type: 'string',
        coerce: wholeNumber('-n/--max-count', 1),
        describe: 'Show at most this many versions',
      })
      .option('since', { type: 'string', describe: 'Only versions since then: 2h, 7d, 3 weeks ago, 2026-11-20' })
      .option('author', { type: 'string', describe: 'Only versions whose author contains this' })
      .option('pager', { type: 'boolean', default: true, describe: 'Page long output on a terminal (--no-pager: never)' })
      .option('oneline', { type: 'boolean', default: false, describe: 'One short line per version' })
      .option('published', { type: 'boolean', default: false, describe: 'List the published history of the notebook' })
      .option('follow', { type: 'boolean', default: false, describe: 'Go on into the history before a move (nbstore mv)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  async run(args, { io, workspace: findWorkspace, now }) {
    const workspace = await findWorkspace();
    const filter: LogFilter = {
      ...(args.since !== undefined ? { since: parseWhen(args.since, now(), `--since ${args.since}`) } : {}),
      ...(args.author !== undefined ? { author: args.author } : {}),
    };
    const maxCount = args.maxCount;
    if (args.path === undefined) {
      if (args.published) throw new NbstoreError('usage', 'log --published needs a notebook path');
      const limit = maxCount ?? (io.stdout.isTTY ? WORKSPACE_LOG_ON_TERMINAL : Number.POSITIVE_INFINITY);
      return printWorkspaceLog(io, workspace, filter, limit, args);
    }
    const rel = await workspace.notebookPath(io.cwd, args.path);
    const store = await workspace.openStore();
    // The published version is asked for while the history is listed: one round trip, not two.
    // Should both fail, the listing's error is the one reported, whichever came first.
    const listedKey = args.published ? publishedKeyFor(workspace, rel) : workspace.keyFor(rel);
    const listing = listHistory(store, listedKey);
    // The index is read beside the listing, not after it.
    const index = readIndex(store, listedKey);
    const marks = Promise.all([
      args.published ? undefined : workspace.tracked(rel).then((tracked) => tracked?.base),
      args.published ? undefined : publishedVersionOf(workspace, store, rel),
    ]);
    marks.catch(() => undefined);
    const all = await listing;
    const [base, published] = await marks;
    const threads = workspace.settings.max_threads;
    let described: HistoryEntry[];
    if (args.follow && !args.published) {
      described = (await followHistory(store, listedKey, threads)).filter((e) => matchesFilter(e, filter));
    } else {
      // --since needs only the listing's dates; --author needs each version described first.
      const recent = all.filter((v) => matchesFilter(v, { ...filter, author: undefined }));
      described =
        filter.author === undefined
          ? await describeHistory(store, recent.slice(0, maxCount ?? recent.length), threads, index)
          : (await describeHistory(store, recent, threads, index)).filter((e) => matchesFilter(e, filter));
    }
    const entries = described.slice(0, maxCount ?? described.length);
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
    if (entries.length === 0 && all.length > 0) {
      writeLine(io.stdout, `${rel}: no versions match`);
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
    await writePaged(io, `${lines.join('\n')}\n`, args.pager);
  },
});

async function printWorkspaceLog(
  io: Io,
  workspace: Workspace,
  filter: LogFilter,
  limit: number,
  args: { json: boolean; oneline: boolean; pager: boolean },
) {
  const entries = await workspaceLog(workspace, await workspace.openStore(), filter, limit);
  if (args.json) {
    writeJson(
      io,
      entries.map((e) => ({ ...e, lastModified: e.lastModified.toISOString() })),
    );
    return;
  }
  if (entries.length === 0) {
    writeLine(
      io.stdout,
      filter.since || filter.author !== undefined ? 'no versions match' : 'no versions yet (nbstore push stores the first)',
    );
    return;
  }
  const paint = paintFor(io);
  const pathWidth = Math.min(40, Math.max(...entries.map((e) => e.path.length)));
  const authorWidth = Math.min(16, Math.max(0, ...entries.map((e) => (e.author ?? '-').length)));
  const lines = entries.map((e) => {
    const message = e.isDeleteMarker ? paint.red('[deleted]') : `${describeMessage(e)}${e.messageCut ? '…' : ''}`;
    if (args.oneline) return `${paint.yellow(e.shortId)} ${e.path} ${message}`;
    const author = (e.author ?? '-').slice(0, authorWidth).padEnd(authorWidth);
    return `${paint.yellow(e.shortId)}  ${formatTime(e.lastModified)}  ${e.path.padEnd(pathWidth)}  ${author}  ${message}`;
  });
  await writePaged(io, `${lines.join('\n')}\n`, args.pager);
}
