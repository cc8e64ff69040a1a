import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import type { NotebookState } from '../history/local-state.js';
import type { Paint } from '../lib/paint.js';
import { redactUrl } from '../lib/redact.js';
import { bookstoreValidation, checkStore, storeUsable, workspaceStatus } from '../ops/status.js';
import { keysUnder } from '../store/keys.js';

const STATE_COLOUR: Record<NotebookState, keyof Paint> = {
  unmodified: 'dim',
  modified: 'yellow',
  'not pushed': 'green',
  behind: 'cyan',
  diverged: 'red',
  missing: 'red',
};

export default defineCommand({
  command: 'status',
  describe: 'Check the store and show the state of each tracked notebook',
  examples: [
    ['$0 status', 'bookstore validation, credentials, bucket, versioning; then each notebook and the spool'],
    ['$0 status --json', 'The same as JSON, for scripts and the Jupyter hook'],
  ],
  builder: (yargs) => yargs.option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  async run(args, { io, workspace: findWorkspace }) {
    const workspace = await findWorkspace();
    const { settings } = workspace;
    const store = await workspace.openStore();
    const bookstore = bookstoreValidation(settings);
    const checks = await checkStore(workspace, store);
    const usable = storeUsable(checks);
    const { notebooks, spooled } = await workspaceStatus(workspace, usable ? store : undefined);
    const exitStatus = usable ? 0 : 1;

    if (args.json) {
      const where =
        settings.store === 's3'
          ? { bucket: settings.s3_bucket, endpoint: redactUrl(settings.s3_endpoint_url) || 'https://s3.amazonaws.com' }
          : {};
      writeJson(io, {
        store: {
          kind: settings.store,
          location: store.location,
          ...where,
          workspacePrefix: settings.workspace_prefix,
          publishedPrefix: settings.published_prefix,
        },
        bookstore,
        checks,
        notebooks,
        spool: { waiting: spooled },
      });
      return exitStatus;
    }

    const paint = paintFor(io);
    const yesNo = (value: boolean | null, yes: string, no: string, unknown: string) =>
      value === null ? paint.dim(unknown) : value ? paint.green(yes) : paint.red(no);
    const prefixes = `${keysUnder(settings.workspace_prefix) || '(the root)'} and ${keysUnder(settings.published_prefix) || '(the root)'}`;
    const embedded = settings.store === 'embedded';
    const row = (label: string, value: string) => writeLine(io.stdout, `${label.padEnd(12)} ${value}`);
    row(
      'store',
      embedded
        ? `embedded (${store.location}), ${prefixes}`
        : `${store.location} at ${redactUrl(settings.s3_endpoint_url) || 'AWS'}, ${prefixes}`,
    );
    row(
      'bookstore',
      `${Object.entries(bookstore)
        .map(([name, valid]) => `${name} ${valid ? paint.green('yes') : paint.red('no')}`)
        .join(
          '  ',
        )}${embedded ? paint.dim('  (the embedded store stands in for bucket and endpoint; bookstore itself cannot read it)') : ''}`,
    );
    row('credentials', embedded ? paint.dim('not needed') : yesNo(checks.credentialsAccepted, 'accepted', 'rejected', 'not checked'));
    row('bucket', yesNo(checks.bucketReachable, 'reachable', 'not reachable', 'not checked'));
    row('versioning', yesNo(checks.versioningEnabled, 'enabled', 'not enabled', 'not checked'));
    if (checks.problem) row('problem', paint.red(checks.problem));

    writeLine(io.stdout);
    if (notebooks.length === 0) writeLine(io.stdout, 'no tracked notebooks (nbstore push or nbstore clone tracks them)');
    for (const n of notebooks) {
      const waiting = n.spooled > 0 ? paint.dim(`  (${n.spooled} save${n.spooled === 1 ? '' : 's'} in the spool)`) : '';
      const unknown = n.latest === null ? paint.dim('  (store not checked)') : '';
      writeLine(io.stdout, `${paint[STATE_COLOUR[n.state]](n.state.padEnd(11))} ${n.path}${waiting}${unknown}`);
    }
    writeLine(io.stdout);
    row(
      'spool',
      spooled === 0 ? 'no saves waiting' : `${spooled} save${spooled === 1 ? '' : 's'} waiting (nbstore push --flush sends them)`,
    );
    return exitStatus;
  },
});
