import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import type { NotebookState } from '../history/local-state.js';
import type { Paint } from '../lib/paint.js';
import { plural } from '../lib/plural.js';
import { escapeControls, quotePath, redactUrl } from '../lib/text.js';
import { bookstoreValidation, checkStore, storeUsable, workspaceStatus } from '../ops/status.js';
import { keysUnder } from '../store/keys.js';

const STATE_COLOUR: Record<NotebookState, keyof Paint> = {
  unmodified: 'dim',
  modified: 'yellow',
  'not pushed': 'green',
  behind: 'cyan',
  diverged: 'red',
  missing: 'red',
  untracked: 'dim',
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
    const { notebooks, spooled, setAside } = await workspaceStatus(workspace, usable ? store : undefined, { forks: true });
    const exitStatus = usable ? 0 : 1;

    if (args.json) {
      const where =
        settings.store === 's3'
          ? { bucket: settings.s3_bucket, endpoint: redactUrl(settings.s3_endpoint_url || 'https://s3.amazonaws.com') }
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
        spool: { waiting: spooled, setAside },
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
        ? `embedded (${quotePath(store.location)}), ${escapeControls(prefixes)}`
        : `${escapeControls(store.location)} at ${escapeControls(redactUrl(settings.s3_endpoint_url || 'AWS'))}, ${escapeControls(prefixes)}`,
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
    if (checks.problem) row('problem', paint.red(escapeControls(checks.problem)));

    writeLine(io.stdout);
    if (notebooks.length === 0) writeLine(io.stdout, 'no tracked notebooks (nbstore push or nbstore clone tracks them)');
    for (const n of notebooks) {
      const waiting = n.spooled > 0 ? paint.dim(`  (${plural(n.spooled, 'save')} in the spool)`) : '';
      const unknown = n.latest === null ? paint.dim('  (store not checked)') : '';
      writeLine(io.stdout, `${paint[STATE_COLOUR[n.state]](n.state.padEnd(11))} ${n.path}${waiting}${unknown}`);
      if (n.conflicts) {
        const cells = n.conflicts.map((c) => c.cell + 1).join(', ');
        writeLine(
          io.stdout,
          `${' '.repeat(12)}${paint.red(plural(n.conflicts.length, 'conflict'))} from a merge, in ${n.conflicts.length === 1 ? 'cell' : 'cells'} ${cells}: fix the <<<<<<< markers, then push`,
        );
      }
      for (const fork of n.forks ?? []) {
        const count = fork.versions.length;
        writeLine(
          io.stdout,
          `${' '.repeat(12)}${paint.red('fork')}: ${paint.yellow(fork.shortId)}${count > 1 ? ` and ${count - 1} before it` : ''} not in the history of the latest; nbstore merge ${quotePath(n.path)} ${fork.shortId} folds it in`,
        );
      }
    }
    const untracked = notebooks.filter((n) => n.state === 'untracked').length;
    if (untracked > 0) writeLine(io.stdout, paint.dim(`(untracked notebooks are pushed only when named: nbstore push PATH)`));
    writeLine(io.stdout);
    row('spool', spooled === 0 ? 'no saves waiting' : `${plural(spooled, 'save')} waiting (nbstore push --flush sends them)`);
    for (const entry of setAside) {
      row('set aside', paint.red(`${quotePath(entry.path)} saved ${entry.savedAt}, refused by the store: ${escapeControls(entry.reason)}`));
      row('', `its bytes are in ${quotePath(entry.file)}`);
    }
    return exitStatus;
  },
});
