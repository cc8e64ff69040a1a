import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { escapeControls, quotePath } from '../lib/text.js';
import { publishNotebook } from '../ops/publish.js';

export default defineCommand({
  command: 'publish <path>',
  describe: 'Publish a version of a notebook under the published prefix (a server-side copy)',
  examples: [
    ['$0 publish mine.ipynb -m "Q3 report"', 'Publish the latest pushed version; prints the published version id'],
    ['$0 publish mine.ipynb --version @~1', 'Publish the version before the latest, whatever the local file holds'],
  ],
  builder: (yargs) =>
    yargs
      // `--version` names the version to publish here, not nbstore's own version.
      .version(false)
      .positional('path', { type: 'string', demandOption: true, describe: 'The notebook (need not exist locally with --version)' })
      .option('version', {
        type: 'string',
        describe: 'Version to publish: id or prefix, latest, @~N, @{date} (default: the latest, which the local file must hold)',
      })
      .option('message', { alias: 'm', type: 'string', describe: 'Message recorded with the published version' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON (for scripts and the Jupyter extension)' }),
  async run(args, { io, workspace: findWorkspace, now }) {
    const workspace = await findWorkspace();
    const rel = workspace.relativePath(io.cwd, args.path);
    const store = await workspace.openStore();
    const result = await publishNotebook(workspace, store, rel, { revision: args.version, message: args.message, now: now() });
    if (args.json) {
      writeJson(io, { ...result, location: store.location });
      return;
    }
    const paint = paintFor(io);
    const verb = result.status === 'published' ? paint.green('published') : paint.dim('already published');
    writeLine(
      io.stdout,
      `${verb}  ${quotePath(result.path)}  ${escapeControls(result.sourceVersion)} → ${quotePath(result.publishedKey)}  ${paint.yellow(escapeControls(result.versionId))}`,
    );
  },
});
