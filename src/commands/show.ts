import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { wholeNumber } from '../cli/options.js';
import { fromMetadata, readVerified } from '../history/versions.js';
import { formatTime } from '../lib/time.js';
import { parseNotebook } from '../notebook/notebook.js';
import { renderNotebook } from '../notebook/render.js';
import { locateVersion } from '../ops/locate.js';

export default defineCommand({
  command: 'show <rev> [path]',
  describe: 'Print a version of a notebook',
  examples: [
    ['$0 show latest mine.ipynb', 'The latest version, rendered as cells'],
    ['$0 show 3HLf5xQa', 'A version by (a unique prefix of) its id; finds its notebook'],
    ['$0 show ~2 mine.ipynb --raw > old.ipynb', 'The stored bytes of the version two before the latest'],
  ],
  builder: (yargs) =>
    yargs
      .positional('rev', { type: 'string', demandOption: true, describe: 'Version id or prefix, latest, ~N, @{date}' })
      .positional('path', { type: 'string', describe: 'The notebook (optional with a version id)' })
      .option('raw', { type: 'boolean', default: false, describe: 'Write the stored bytes unchanged' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the version and the notebook as JSON' })
      .option('max-output-lines', {
        type: 'string',
        default: 20,
        coerce: wholeNumber('--max-output-lines', 1),
        describe: 'Lines of each text output to show',
      }),
  async run(args, context) {
    const { io } = context;
    const { store, rel, version, published } = await locateVersion(context, args.rev, args.path);
    const { body, info } = await readVerified(store, version.key, version.versionId);
    if (args.raw) {
      io.stdout.write(body);
      return;
    }
    const notebook = parseNotebook(body, `${rel}@${version.versionId}`);
    if (args.json) {
      writeJson(io, {
        path: rel,
        key: version.key,
        versionId: version.versionId,
        lastModified: version.lastModified.toISOString(),
        size: version.size,
        ...fromMetadata(info.metadata),
        notebook,
      });
      return;
    }
    const paint = paintFor(io);
    const meta = fromMetadata(info.metadata);
    writeLine(io.stdout, paint.yellow(`version ${version.versionId}`));
    writeLine(
      io.stdout,
      `notebook ${rel}${published ? ` (published copy, ${version.key})` : ''}  ${formatTime(version.lastModified)}${meta.author ? `  ${meta.author}` : ''}`,
    );
    if (meta.message) writeLine(io.stdout, `\n    ${meta.message}`);
    writeLine(io.stdout);
    io.stdout.write(renderNotebook(notebook, { paint, maxOutputLines: args.maxOutputLines }));
  },
});
