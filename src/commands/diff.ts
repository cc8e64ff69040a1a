import { defineCommand, writeJson } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { wholeNumber } from '../cli/options.js';
import { NbstoreError } from '../lib/errors.js';
import { diffNotebooks, hasDifferences, parseForDiff } from '../notebook/notebook-diff.js';
import { notebookDiffJson, renderDiffStat, renderNotebookDiff, renderRawDiff } from '../notebook/render-diff.js';
import { readDiffSides } from '../ops/diff.js';

export default defineCommand({
  command: 'diff <path> [old] [new]',
  describe: 'Show what changed in a notebook, cell by cell',
  examples: [
    ['$0 diff mine.ipynb', 'Local edits since the version the file was pushed as or checked out from'],
    ['$0 diff mine.ipynb ~1', 'The version before the latest against the local file'],
    ['$0 diff mine.ipynb @~1 latest --stat', 'What the last push changed, in summary'],
    ['$0 diff mine.ipynb --ignore-outputs --exit-code', 'Exit 1 if code, text or metadata changed (for scripts)'],
  ],
  builder: (yargs) =>
    yargs
      .positional('path', { type: 'string', demandOption: true, describe: 'The notebook' })
      .positional('old', { type: 'string', describe: "Version to compare from (default: the local file's base version)" })
      .positional('new', { type: 'string', describe: 'Version to compare to (default: the local file)' })
      .option('ignore-outputs', { type: 'boolean', default: false, describe: 'Outputs do not count as changes' })
      .option('ignore-metadata', { type: 'boolean', default: false, describe: 'Metadata of cells and notebook does not count' })
      .option('include-all', {
        type: 'boolean',
        default: false,
        describe: 'Count execution counts, cell ids and volatile metadata (ExecuteTime, collapsed, …) too',
      })
      .option('stat', {
        type: 'boolean',
        default: false,
        describe: 'Print a summary: cells added, removed, modified, moved; outputs changed',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print the structured diff as JSON' })
      .option('exit-code', { type: 'boolean', default: false, describe: 'Exit 1 when there are differences, 0 when there are none' })
      .option('raw', { type: 'boolean', default: false, describe: 'Line diff of the stored bytes instead' })
      .option('max-output-lines', {
        type: 'string',
        default: 20,
        coerce: wholeNumber('--max-output-lines', 1),
        describe: 'Lines of each changed output to show',
      }),
  async run(args, context) {
    const { io } = context;
    if (args.raw && (args.json || args.stat))
      throw new NbstoreError('usage', '--raw prints a line diff; it does not combine with --json or --stat');
    const workspace = await context.workspace();
    const rel = workspace.relativePath(io.cwd, args.path);
    const store = await workspace.openStore();
    const revs = [args.old, args.new].filter((rev): rev is string => rev !== undefined);
    const paint = paintFor(io);
    const status = (changed: boolean) => (args.exitCode && changed ? 1 : 0);

    if (args.raw) {
      const text = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
      const [oldSide, newSide] = await readDiffSides(workspace, store, rel, revs, context.now(), text);
      const patch = renderRawDiff(oldSide.content, newSide.content, { old: oldSide.label, new: newSide.label }, paint);
      io.stdout.write(patch);
      return status(patch !== '');
    }

    const [oldSide, newSide] = await readDiffSides(workspace, store, rel, revs, context.now(), parseForDiff);
    const labels = { old: oldSide.label, new: newSide.label };
    const diff = diffNotebooks(oldSide.content, newSide.content, {
      ignoreOutputs: args.ignoreOutputs,
      ignoreMetadata: args.ignoreMetadata,
      includeAll: args.includeAll,
    });
    if (args.json) {
      const side = (s: typeof oldSide) => ({ label: s.label, ...(s.versionId ? { versionId: s.versionId } : { local: true }) });
      writeJson(io, { path: rel, old: side(oldSide), new: side(newSide), ...notebookDiffJson(diff) });
    } else if (args.stat) {
      io.stdout.write(renderDiffStat(diff, { paint }));
    } else {
      io.stdout.write(renderNotebookDiff(diff, labels, { paint, maxOutputLines: args.maxOutputLines }));
    }
    return status(hasDifferences(diff));
  },
});
