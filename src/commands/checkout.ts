import { resolve } from 'node:path';
import { defineCommand, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { NbstoreError } from '../lib/errors.js';
import { escapeControls, quotePath } from '../lib/text.js';
import { checkoutVersion, writeVersionTo } from '../ops/checkout.js';
import { locateVersion } from '../ops/locate.js';

export default defineCommand({
  command: 'checkout <rev> [path]',
  describe: 'Restore a version of a notebook to the local file',
  examples: [
    ['$0 checkout 3HLf5xQa', 'Restore that version over its notebook (refuses unpushed edits)'],
    ['$0 checkout @~1 mine.ipynb --force', 'Go back one version, discarding local edits'],
    ['$0 checkout @{2d} mine.ipynb -o mine-2-days-ago.ipynb', 'Write the version of two days ago to another file'],
  ],
  builder: (yargs) =>
    yargs
      .positional('rev', { type: 'string', demandOption: true, describe: 'Version id or prefix, latest, @~N, @{date}' })
      .positional('path', { type: 'string', describe: 'The notebook (optional with a version id)' })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Overwrite local changes that are not pushed' })
      .option('output', { alias: 'o', type: 'string', describe: 'Write to this file instead; it does not become tracked' }),
  async run(args, context) {
    const { io } = context;
    const { workspace, store, rel, version, published } = await locateVersion(context, args.rev, args.path);
    const paint = paintFor(io);
    if (args.output !== undefined) {
      await writeVersionTo(store, version, resolve(io.cwd, args.output), args.output, { force: args.force });
      writeLine(
        io.stdout,
        `wrote ${quotePath(rel)} version ${paint.yellow(escapeControls(version.versionId))} to ${quotePath(args.output)}`,
      );
      return;
    }
    if (published) {
      throw new NbstoreError(
        'usage',
        `${version.versionId} is a version of ${version.key}, the published copy of ${rel}; checkout -o FILE writes it to another file`,
      );
    }
    const result = await checkoutVersion(workspace, store, rel, version, { force: args.force });
    writeLine(
      io.stdout,
      result.written
        ? `checked out ${quotePath(rel)} at version ${paint.yellow(escapeControls(version.versionId))}`
        : `${quotePath(rel)} is already at version ${paint.yellow(escapeControls(version.versionId))}`,
    );
    if (result.deleted) {
      writeLine(
        io.stdout,
        `${rel} is deleted in the store: the file is back, untracked; nbstore push ${rel} stores it again (nbstore revert does both)`,
      );
    }
  },
});
