import { defineCommand, writeJson, writeLine } from '../cli/command.js';
import { paintFor } from '../cli/io.js';
import type { MergeDecision, OutputsChoice } from '../notebook/notebook-merge.js';
import { mergeNotebook } from '../ops/merge.js';

const OUTPUTS: readonly OutputsChoice[] = ['ours', 'theirs', 'clear'];

export default defineCommand({
  command: 'merge <path> [rev]',
  describe: 'Merge a version into the local notebook, three-way and cell by cell',
  examples: [
    ['$0 merge mine.ipynb', 'Merge the latest version (a colleague pushed while you edited); then push'],
    ['$0 merge mine.ipynb 3HLf5xQa', 'Fold a fork back in (status and log name the version)'],
    ['$0 merge mine.ipynb --dry-run', 'Show every decision, write nothing'],
    ['$0 merge mine.ipynb --outputs theirs --json', 'Take outputs of conflicting cells from the other side; JSON report'],
  ],
  builder: (yargs) =>
    yargs
      .positional('path', { type: 'string', demandOption: true, describe: 'The notebook (the local file is "ours")' })
      .positional('rev', { type: 'string', describe: 'The version to merge in ("theirs"; default: latest)' })
      .option('outputs', {
        choices: OUTPUTS,
        default: 'ours' as OutputsChoice,
        describe: 'Outputs of a cell changed on both sides: ours, theirs, or clear them',
      })
      .option('dry-run', { alias: 'n', type: 'boolean', default: false, describe: 'Show every decision, write nothing' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the decisions as JSON' }),
  async run(args, { io, workspace: findWorkspace, now }) {
    const workspace = await findWorkspace();
    const rel = await workspace.notebookPath(io.cwd, args.path);
    const store = await workspace.openStore();
    const report = await mergeNotebook(workspace, store, rel, {
      ...(args.rev !== undefined ? { revision: args.rev } : {}),
      outputs: args.outputs,
      dryRun: args.dryRun,
      now: now(),
    });
    const exitStatus = report.conflicts > 0 ? 1 : 0;
    if (args.json) {
      writeJson(io, report);
      return exitStatus;
    }
    const paint = paintFor(io);
    const short = (id: string) => report.shortIds[id] ?? id;
    const theirs = paint.yellow(short(report.theirs));
    if (report.status === 'up-to-date') {
      writeLine(io.stdout, `${rel}: already up to date (${theirs} is in the local file's history)`);
      return 0;
    }
    const ancestor =
      report.baseFrom === 'parent links'
        ? `common ancestor ${paint.yellow(short(report.base as string))}`
        : report.baseFrom === 'local base'
          ? `no common ancestor along the parent links: merging against the local base ${paint.yellow(short(report.base as string))}`
          : 'no common ancestor and no local base: merging as if both sides had added every cell';
    writeLine(
      io.stdout,
      `merging ${theirs} into ${rel} (local file${report.ours[0] ? ` from ${short(report.ours[0])}` : ''}); ${ancestor}`,
    );
    if (report.order === 'theirs') writeLine(io.stdout, paint.dim('  cells in the order of the merged version, which reordered them'));
    for (const decision of report.decisions) {
      if (!args.dryRun && decision.action === 'taken from ours' && decision.fields === undefined) continue;
      writeLine(io.stdout, `  ${describeDecision(decision, paint.red)}`);
    }
    const conflicts = report.conflicts;
    const what = conflicts > 0 ? paint.red(`${conflicts} conflict${conflicts === 1 ? '' : 's'}`) : paint.green('no conflicts');
    if (args.dryRun) writeLine(io.stdout, `dry run: ${what}; nothing written`);
    else if (conflicts > 0)
      writeLine(
        io.stdout,
        `merged with ${what}: fix the cells marked <<<<<<< in ${rel} (in Jupyter or an editor), then nbstore push ${rel}`,
      );
    else writeLine(io.stdout, `merged with ${what}; nbstore push ${rel} stores the merge`);
    return exitStatus;
  },
});

function describeDecision(decision: MergeDecision, red: (text: string) => string): string {
  const where =
    decision.metadataKey !== undefined
      ? `metadata ${decision.metadataKey}`
      : decision.cell !== undefined
        ? `cell ${decision.cell + 1}`
        : `base cell ${(decision.base ?? 0) + 1}`;
  const fields = decision.fields && decision.fields.length > 0 ? ` (${decision.fields.join(', ')})` : '';
  const action = decision.action === 'conflict' ? red(`CONFLICT: ${decision.conflict}`) : decision.action;
  return `${where.padEnd(12)} ${action}${fields}`;
}
