import { defineCommand } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { wholeNumber } from '../cli/options.js';
import { writePaged } from '../cli/pager.js';
import { readVerified } from '../history/versions.js';
import { escapeControls, quotePath } from '../lib/text.js';
import { formatTime } from '../lib/time.js';
import { checkNotebook, parseNotebook } from '../notebook/notebook.js';
import { renderNotebook } from '../notebook/render.js';
import { fitToWidth } from '../notebook/terminal-text.js';
import { locateVersion } from '../ops/locate.js';
import { recordedFields } from '../store/metadata.js';

export default defineCommand({
  command: 'show <rev> [path]',
  describe: 'Print a version of a notebook',
  examples: [
    ['$0 show latest mine.ipynb', 'The latest version, rendered as cells'],
    ['$0 show 3HLf5xQa', 'A version by (a unique prefix of) its id; finds its notebook'],
    ['$0 show @~2 mine.ipynb --raw > old.ipynb', 'The stored bytes of the version two before the latest'],
  ],
  builder: (yargs) =>
    yargs
      .positional('rev', { type: 'string', demandOption: true, describe: 'Version id or prefix, latest, @~N, @{date}' })
      .positional('path', { type: 'string', describe: 'The notebook (optional with a version id)' })
      .option('raw', { type: 'boolean', default: false, describe: 'Write the stored bytes unchanged' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the version and the notebook as JSON' })
      .option('max-output-lines', {
        type: 'string',
        default: 20,
        coerce: wholeNumber('--max-output-lines', 1),
        describe: 'Lines of each text output to show',
      })
      .option('pager', { type: 'boolean', default: true, describe: 'Page long output on a terminal (--no-pager: never)' }),
  async run(args, context) {
    const { io } = context;
    const { store, rel, version, published } = await locateVersion(context, args.rev, args.path);
    const { body, info } = await readVerified(store, version.key, version.versionId);
    if (args.raw) {
      io.stdout.write(body);
      return;
    }
    const source = `${rel}@${version.versionId}`;
    if (args.json) {
      // The notebook goes out as the bytes it is stored as, once checked to be one: numbers stay
      // exact (JSON.parse rounds integers past 2^53) and no parsed copy of a large notebook is made.
      checkNotebook(body, source);
      const head = JSON.stringify(
        {
          path: rel,
          key: version.key,
          versionId: version.versionId,
          lastModified: version.lastModified.toISOString(),
          size: version.size,
          ...recordedFields(info.metadata),
        },
        null,
        2,
      );
      io.stdout.write(`${head.replace(/\n}$/, '')},\n  "notebook": `);
      io.stdout.write(body);
      io.stdout.write('\n}\n');
      return;
    }
    const notebook = parseNotebook(body, source);
    const paint = paintFor(io);
    const meta = recordedFields(info.metadata);
    const header = [
      paint.yellow(`version ${escapeControls(version.versionId)}`),
      `notebook ${quotePath(rel)}${published ? ` (published copy, ${quotePath(version.key)})` : ''}  ${formatTime(version.lastModified)}${meta.author ? `  ${escapeControls(meta.author)}` : ''}`,
      ...(meta.message ? ['', `    ${escapeControls(meta.message)}`] : []),
      '',
    ];
    const text = `${header.join('\n')}\n${renderNotebook(notebook, { paint, maxOutputLines: args.maxOutputLines })}`;
    // On a terminal, long lines are cut to its width; through a pipe, or with --raw, nothing is cut.
    await writePaged(io, io.stdout.isTTY && io.stdout.columns ? fitToWidth(text, io.stdout.columns) : text, args.pager);
  },
});
