import { relative, resolve } from 'node:path';
import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { progressReporter } from '../cli/progress.js';
import { parseRevision } from '../history/revision.js';
import { NbstoreError } from '../lib/errors.js';
import { plural } from '../lib/plural.js';
import { escapeControls, quotePath } from '../lib/text.js';
import { formatTime } from '../lib/time.js';
import {
  type CloneResult,
  clonePrefix,
  cloneTarget,
  cloneVersion,
  type Origin,
  openOrigin,
  resolveSourceKey,
  sourceVersion,
  splitRevision,
  workspacePath,
} from '../ops/clone.js';
import { parseStoreUrl } from '../workspace/config.js';
import type { Workspace } from '../workspace/workspace.js';

export default defineCommand({
  command: 'clone [source] [target]',
  describe: 'Copy a stored notebook (or every notebook under a prefix) to new local files',
  examples: [
    ['$0 clone published/reports/q3.ipynb', 'Write q3.ipynb here (q3-1.ipynb if q3.ipynb exists); never overwrites'],
    ['$0 clone workspace/mine.ipynb@~2 old.ipynb', 'A version two before the latest, to old.ipynb'],
    ['$0 clone s3://other-bucket/team/eda.ipynb', 'From another bucket on the same S3 endpoint'],
    ['$0 clone --prefix workspace/team restore/ --at 2026-11-20T14:00', 'Every notebook under the prefix as it was then'],
  ],
  builder: (yargs) =>
    yargs
      .positional('source', {
        type: 'string',
        describe:
          "A key (its first segment is the workspace or published prefix's: workspace/…, published/…), else a path in this workspace, or s3://bucket/key; @REV for a version; with --prefix: the folder to clone into (default: the prefix's last segment)",
      })
      .positional('target', { type: 'string', describe: "File or folder to write (default: the key's name, here)" })
      .option('prefix', { type: 'string', describe: 'Clone every notebook under this key prefix (or s3://bucket/prefix)' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Of one notebook: print the result as JSON (for scripts and the Jupyter extension)',
      })
      .option('at', { type: 'string', describe: 'With --prefix: each notebook as it was at this time (2026-11-20T14:00, 2d, …)' }),
  async run(args, context) {
    const { io } = context;
    const workspace = await context.workspace();
    const paint = paintFor(io);
    const shown = (file: string) => relative(io.cwd, file) || file;
    const report = (result: CloneResult) => {
      const taken = result.taken ? ` (${quotePath(shown(result.taken))} exists)` : '';
      const source = `${quotePath(result.source)}@${paint.yellow(escapeControls(result.versionId))}`;
      writeLine(
        io.stdout,
        result.alreadyThere
          ? `${paint.dim('already')} ${source} → ${quotePath(shown(result.file))} (already there, identical)`
          : `${paint.green('cloned')}  ${source} → ${quotePath(shown(result.file))}${taken}`,
      );
    };

    if (args.prefix === undefined) {
      if (args.at !== undefined) throw new NbstoreError('usage', '--at goes with --prefix; for one notebook add @{DATE} to the source');
      if (args.source === undefined)
        throw new NbstoreError('usage', 'name the notebook to clone (a key, or s3://bucket/key), or use --prefix');
      const { origin, key, revision } = await locateSource(workspace, args.source);
      const target = await cloneTarget(io.cwd, key, args.target);
      const version = await sourceVersion(origin.store, key, revision, context.now());
      const result = await cloneVersion(workspace, origin, version, target);
      if (args.json) {
        writeJson(io, result);
        return;
      }
      report(result);
      if (!result.tracked && !origin.trackable && workspacePath(workspace, result.file) !== undefined) {
        writeLine(
          io.stdout,
          paint.dim(
            `not tracked (from another bucket): nbstore push ${shown(result.file)} stores it in ${(await workspace.openStore()).location}`,
          ),
        );
      }
      return;
    }

    if (args.target !== undefined) throw new NbstoreError('usage', 'with --prefix, name at most one folder to clone into');
    if (args.json) throw new NbstoreError('usage', '--json goes with the clone of one notebook, not with --prefix');
    const { origin, key: prefix } = await locateSource(workspace, args.prefix, { prefix: true });
    const at = args.at === undefined ? undefined : parseTime(args.at, context.now());
    // As git clone does: into a folder named after the prefix's last segment.
    const folder = args.source ?? prefix.split('/').filter(Boolean).pop();
    if (folder === undefined) throw new NbstoreError('usage', `${args.prefix}: name the folder to clone the whole store into`);
    const dir = resolve(io.cwd, folder);
    let progress = progressReporter(io, 'cloning', 0);
    const { cloned, failures } = await clonePrefix(workspace, origin, prefix, dir, {
      ...(at ? { at } : {}),
      onPlanned: (count) => (progress = progressReporter(io, 'cloning', count)),
      onCloned: (result) => {
        progress.clear();
        report(result);
        progress.tick();
      },
      onFailed: (err) => {
        progress.clear();
        writeLine(io.stderr, `nbstore: ${err.message}`);
        progress.tick();
      },
    });
    progress.done();
    const first = failures[0];
    if (first) {
      throw new NbstoreError(
        first.code,
        `${failures.length} of ${failures.length + cloned.length} notebooks were not cloned (first: ${first.message})`,
        { exitCode: first.exitCode },
      );
    }
    const kept = cloned.filter((result) => result.alreadyThere).length;
    const written = cloned.length - kept;
    writeLine(
      io.stdout,
      `cloned ${plural(written, 'notebook')} into ${quotePath(shown(dir))}${kept > 0 ? ` (${kept} already there)` : ''}${at ? ` as of ${formatTime(at)}` : ''}`,
    );
  },
});

/** A source as given: `s3://bucket/key` (a raw key in that bucket) or a key of the workspace's store. */
async function locateSource(
  workspace: Workspace,
  text: string,
  options: { prefix?: boolean } = {},
): Promise<{ origin: Origin; key: string; revision?: string }> {
  // A prefix given to clone names a folder: `workspace/` is `workspace`.
  const { key, revision } = options.prefix ? { key: text.replace(/\/+$/, ''), revision: undefined } : splitRevision(text);
  if (!key.startsWith('s3://'))
    return { origin: await openOrigin(workspace), key: resolveSourceKey(workspace, key), ...(revision ? { revision } : {}) };
  const { bucket, prefix = '' } = parseStoreUrl(key);
  if (prefix === '' && !options.prefix) throw new NbstoreError('usage', `${text}: name a notebook key after the bucket (s3://bucket/key)`);
  return { origin: await openOrigin(workspace, bucket), key: prefix, ...(revision ? { revision } : {}) };
}

/** `--at`: a date or a span back from now, as in `@{…}` revisions. */
function parseTime(text: string, now: Date): Date {
  const rev = parseRevision(text.startsWith('@{') ? text : `@{${text}}`, now);
  if (rev.kind !== 'at') throw new NbstoreError('bad-revision', `--at ${text}: not a time`);
  return rev.time;
}
