import { relative, resolve } from 'node:path';
import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { wholeNumber } from '../cli/options.js';
import { writePaged } from '../cli/pager.js';
import { NbstoreError } from '../lib/errors.js';
import { writeFileAtomic } from '../lib/fs.js';
import { parseNotebook } from '../notebook/notebook.js';
import { diffNotebooks, hasDifferences, parseForDiff } from '../notebook/notebook-diff.js';
import { notebookDiffJson, renderDiffStat, renderNotebookDiff, renderRawDiff } from '../notebook/render-diff.js';
import { fitToWidth } from '../notebook/terminal-text.js';
import { readDiffSides } from '../ops/diff.js';

export default defineCommand({
  command: 'diff <path> [old] [new]',
  describe: 'Show what changed in a notebook, cell by cell',
  examples: [
    ['$0 diff mine.ipynb', 'Local edits since the version the file was pushed as or checked out from'],
    ['$0 diff mine.ipynb @~1', 'The version before the latest against the local file'],
    ['$0 diff mine.ipynb @~1 latest --stat', 'What the last push changed, in summary'],
    ['$0 diff mine.ipynb --ignore-outputs --exit-code', 'Exit 1 if code, text or metadata changed (for scripts)'],
    ['$0 diff mine.ipynb @~1 latest --html review.html', 'The same diff as one HTML file, images shown before and after'],
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
      .option('html', { type: 'string', describe: 'Write the diff as one self-contained HTML file (images embedded) to this file' })
      .option('raw', { type: 'boolean', default: false, describe: 'Line diff of the stored bytes instead' })
      .option('max-output-lines', {
        type: 'string',
        default: 20,
        coerce: wholeNumber('--max-output-lines', 1),
        describe: 'Lines of each changed output to show',
      })
      .option('pager', { type: 'boolean', default: true, describe: 'Page long output on a terminal (--no-pager: never)' }),
  async run(args, context) {
    const { io } = context;
    if (args.raw && (args.json || args.stat))
      throw new NbstoreError('usage', '--raw prints a line diff; it does not combine with --json or --stat');
    if (args.html !== undefined && (args.raw || args.json || args.stat))
      throw new NbstoreError('usage', '--html writes the cell diff as a page; it does not combine with --raw, --json or --stat');
    if (args.html === '') throw new NbstoreError('usage', '--html needs the file to write');
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
      await writePaged(io, patch, args.pager);
      return status(patch !== '');
    }

    // A page shows the images themselves, so it reads the notebooks whole.
    const [oldSide, newSide] = await readDiffSides(workspace, store, rel, revs, context.now(), args.html ? parseNotebook : parseForDiff);
    const labels = { old: oldSide.label, new: newSide.label };
    const diff = await diffNotebooks(oldSide.content, newSide.content, {
      ignoreOutputs: args.ignoreOutputs,
      ignoreMetadata: args.ignoreMetadata,
      includeAll: args.includeAll,
    });
    if (args.html !== undefined) {
      // React and the HTML renderers load only here, so other commands start without them.
      const { diffDocument } = await import('../../ui/web/routes.js');
      const file = resolve(io.cwd, args.html);
      await writeFileAtomic(file, diffDocument(diff, labels));
      writeLine(io.stdout, `wrote ${relative(io.cwd, file) || file}`);
    } else if (args.json) {
      const side = (s: typeof oldSide) => ({ label: s.label, ...(s.versionId ? { versionId: s.versionId } : { local: true }) });
      writeJson(io, { path: rel, old: side(oldSide), new: side(newSide), ...notebookDiffJson(diff) });
    } else {
      const text = args.stat
        ? renderDiffStat(diff, { paint })
        : renderNotebookDiff(diff, labels, { paint, maxOutputLines: Math.max(1, args.maxOutputLines) });
      // On a terminal, long lines are cut to its width; through a pipe, or with --raw, nothing is cut.
      await writePaged(io, io.stdout.isTTY && io.stdout.columns ? fitToWidth(text, io.stdout.columns) : text, args.pager);
    }
    return status(hasDifferences(diff));
  },
});
