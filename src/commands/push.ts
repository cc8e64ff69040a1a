import { defineCommand, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { progressReporter } from '../cli/progress.js';
import { mapLimit } from '../lib/concurrency.js';
import { isNbstoreError, NbstoreError } from '../lib/errors.js';
import { plural } from '../lib/plural.js';
import { escapeControls, quotePath } from '../lib/text.js';
import { describeFork, flushSpool, modifiedNotebooks, type PushResult, pushNotebook } from '../ops/push.js';
import { notebooksUnder } from '../workspace/notebook-files.js';

export default defineCommand({
  command: 'push [paths..]',
  describe: 'Store notebooks as new versions (folders: every notebook in them; none: every modified one)',
  examples: [
    ['$0 push mine.ipynb -m "Fit the baseline"', 'Push one notebook with a message; prints the new version id'],
    ['$0 push notebooks/', 'Push every notebook under a folder, in parallel'],
    ['$0 push --flush', 'Send saves that are waiting in the local spool'],
    ['$0 push', 'Push every tracked notebook that is modified (untracked ones must be named)'],
  ],
  builder: (yargs) =>
    yargs
      .positional('paths', { type: 'string', array: true, describe: 'Notebooks or folders' })
      .option('message', { alias: 'm', type: 'string', describe: 'Message recorded with the version' })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'Push even when someone else pushed a version since the local file was pushed or checked out',
      })
      .option('flush', {
        type: 'boolean',
        default: false,
        describe: 'Deliver saves waiting in the spool (from the Jupyter hook or an outage)',
      }),
  async run(args, { io, workspace: findWorkspace }) {
    const workspace = await findWorkspace();
    const paths = args.paths ?? [];
    const store = await workspace.openStore();
    const paint = paintFor(io);

    if (args.flush) {
      const { delivered, paths: flushed, forks } = await flushSpool(workspace, store);
      for (const fork of forks) writeLine(io.stdout, describeFork(fork));
      writeLine(
        io.stdout,
        flushed.length === 0
          ? 'nothing waiting in the spool'
          : `delivered ${plural(delivered, 'saved version')} of ${plural(flushed.length, 'notebook')}`,
      );
      if (paths.length === 0) return;
    }

    // No path: every tracked notebook that is modified, as `git commit -a` takes them.
    const rels = paths.length > 0 ? await notebooksUnder(workspace, io.cwd, paths) : await modifiedNotebooks(workspace);
    if (rels.length === 0) {
      writeLine(io.stdout, 'nothing to push: no tracked notebook is modified (untracked ones are pushed when named: nbstore push PATH)');
      return;
    }
    const options = { message: args.message, force: args.force };
    const report = (result: PushResult) => {
      if (result.delivered > 0) writeLine(io.stdout, `${quotePath(result.path)}: delivered ${plural(result.delivered, 'earlier save')}`);
      writeLine(
        io.stdout,
        result.status === 'pushed'
          ? `${paint.green('pushed')}     ${quotePath(result.path)}  ${paint.yellow(escapeControls(result.versionId))}`
          : result.status === 'behind'
            ? `${paint.cyan('behind')}     ${quotePath(result.path)}  ${paint.dim(escapeControls(result.versionId))}: version ${escapeControls(result.latest ?? '')} was pushed since; nothing to push (nbstore checkout latest ${quotePath(result.path)} brings the file up to date)`
            : `${paint.dim('up to date')} ${quotePath(result.path)}  ${paint.dim(escapeControls(result.versionId))}`,
      );
    };
    if (rels.length === 1) {
      report(await pushNotebook(workspace, store, rels[0] as string, options));
      return;
    }

    // Pushed in parallel, reported in path order: each line as soon as those before it are done.
    const progress = progressReporter(io, 'pushing', rels.length);
    const outcomes: Array<PushResult | NbstoreError | undefined> = rels.map(() => undefined);
    let reported = 0;
    const reportInOrder = () => {
      for (let next = outcomes[reported]; next !== undefined; next = outcomes[++reported]) {
        progress.clear();
        if (next instanceof NbstoreError) writeLine(io.stderr, `nbstore: ${next.message}`);
        else report(next);
      }
    };
    await mapLimit(
      rels.map((rel, index) => ({ rel, index })),
      workspace.settings.max_threads,
      async ({ rel, index }) => {
        try {
          outcomes[index] = await pushNotebook(workspace, store, rel, options);
        } catch (err) {
          if (!isNbstoreError(err)) throw err;
          outcomes[index] = err;
        } finally {
          progress.tick();
        }
        reportInOrder();
      },
    );
    progress.done();
    const failures = outcomes.filter((o): o is NbstoreError => o instanceof NbstoreError);
    const count = (status: PushResult['status']) => outcomes.filter((o) => !(o instanceof NbstoreError) && o?.status === status).length;
    const spooled = failures.filter((f) => f.code === 'spooled').length;
    const summary = [
      `${count('pushed')} pushed`,
      `${count('up-to-date')} up to date`,
      ...(count('behind') > 0 ? [`${count('behind')} behind`] : []),
      `${spooled} spooled`,
      `${failures.length - spooled} failed`,
    ];
    writeLine(io.stdout, `${rels.length} notebooks: ${summary.join(', ')}`);
    const first = failures[0];
    if (first) {
      throw new NbstoreError(first.code, `${failures.length} of ${rels.length} notebooks were not pushed (first: ${first.message})`, {
        exitCode: first.exitCode,
      });
    }
  },
});
