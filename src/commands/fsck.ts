import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import { checkIndex } from '../ops/fsck.js';

export default defineCommand({
  command: 'fsck [prefix]',
  describe: "Check the commit index against the store's versions, and write the entries it lacks",
  examples: [
    ['$0 fsck', 'The workspace and published notebooks: missing entries written, entries of vanished versions reported'],
    ['$0 fsck workspace/reports/ --dry-run', 'Only report, for keys that start with workspace/reports/'],
  ],
  builder: (yargs) =>
    yargs
      .positional('prefix', { type: 'string', describe: 'Only keys that start with this (default: the workspace and published prefixes)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Report what is wrong; write nothing' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  async run(args, { io, workspace: findWorkspace }) {
    const workspace = await findWorkspace();
    const store = await workspace.openStore();
    const { workspace_prefix: own, published_prefix: published } = workspace.settings;
    const asPrefix = (base: string) => (base === '' ? '' : `${base}/`);
    // Each prefix once: an empty one is the whole bucket, and so holds the other.
    const prefixes =
      args.prefix !== undefined
        ? [args.prefix]
        : own === '' || published === '' || own === published
          ? [own === '' || published === '' ? '' : asPrefix(own)]
          : [asPrefix(own), asPrefix(published)];
    const reports = [];
    for (const prefix of prefixes)
      reports.push(await checkIndex(store, prefix, { dryRun: args.dryRun, threads: workspace.settings.max_threads }));
    const missing = reports.flatMap((r) => r.missing);
    const stale = reports.flatMap((r) => r.stale);
    const unindexable = reports.flatMap((r) => r.unindexable);
    const written = reports.reduce((sum, r) => sum + r.written, 0);
    const checked = reports.reduce((sum, r) => sum + r.checked, 0);
    if (args.json) {
      writeJson(io, {
        checked,
        missing: missing.map((v) => ({ key: v.key, versionId: v.versionId })),
        written,
        unindexable: unindexable.map((v) => ({ key: v.key, versionId: v.versionId })),
        stale: stale.map((e) => ({ key: e.key, versionId: e.versionId })),
      });
    } else {
      const paint = paintFor(io);
      const lines: string[] = [];
      for (const v of missing) lines.push(`${paint.yellow('missing entry')}  ${v.key}@${v.versionId}${args.dryRun ? '' : ' (written)'}`);
      for (const v of unindexable) lines.push(`${paint.red('no entry fits')}  ${v.key}@${v.versionId} (key too long; log asks for it)`);
      for (const e of stale) lines.push(`${paint.red('stale entry')}    ${e.key}@${e.versionId} (the version is gone)`);
      lines.push(
        `checked ${checked} version${checked === 1 ? '' : 's'}: ${missing.length} without an index entry${args.dryRun ? '' : `, ${written} written`}, ${stale.length} stale`,
      );
      writeLine(io.stdout, lines.join('\n'));
    }
    // Non-zero while anything is left wrong: missing entries on a dry run, stale entries, keys no entry fits.
    return (args.dryRun && missing.length > 0) || stale.length > 0 || unindexable.length > 0 ? 1 : 0;
  },
});
