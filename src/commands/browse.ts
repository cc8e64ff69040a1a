import { defineCommand, writeLine } from '../cli/command.js';
import { type Io, type OutStream, paintFor } from '../cli/io.js';
import { NbstoreError } from '../lib/errors.js';
import { WorkspaceBrowseSource } from '../ops/browse.js';

export default defineCommand({
  command: 'browse [prefix]',
  describe: 'Browse notebooks and their versions in the terminal: preview, diff, clone, check out, publish',
  examples: [
    ['$0 browse', 'Every notebook of the workspace; the footer lists the keys'],
    ['$0 browse reports/ --published', 'Published notebooks under reports/'],
    ['$0 checkout "$($0 browse)"', 'Pick a version (y prints its id), then check it out'],
  ],
  builder: (yargs) =>
    yargs
      .positional('prefix', { type: 'string', describe: 'Only notebooks whose path starts with this (a folder, or the start of a name)' })
      .option('published', { type: 'boolean', default: false, describe: 'Start in the published notebooks (t switches)' }),
  async run(args, context) {
    const { io } = context;
    const screen = interactiveScreen(io);
    const workspace = await context.workspace();
    const store = await workspace.openStore();
    const source = new WorkspaceBrowseSource(workspace, store, {
      paint: paintFor(io, screen),
      cwd: io.cwd,
      ...(args.prefix ? { prefix: args.prefix } : {}),
    });
    // Ink and React load only here, so other commands start without them.
    const { runBrowser } = await withoutCiMarkers(() => import('../../ui/run.js'));
    const result = await runBrowser(source, { input: io.stdin, screen, errors: io.stderr }, args.published ? 'published' : 'workspace');
    if (result.printVersionId !== undefined) writeLine(io.stdout, result.printVersionId);
  },
});

/**
 * Runs `load` with CI's environment markers hidden. Ink draws only its last frame where CI or
 * CONTINUOUS_INTEGRATION is set, which it reads once, as it loads; browse has just checked that
 * it is on a terminal, where a person needs every frame.
 */
async function withoutCiMarkers<T>(load: () => Promise<T>): Promise<T> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await load();
  } finally {
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  }
}

/**
 * The terminal to draw on: stdout, or stderr when stdout is piped (so `$(nbstore browse)` works).
 * Keys come from stdin, which must be a terminal too.
 */
function interactiveScreen(io: Io): OutStream {
  const screen = io.stdout.isTTY ? io.stdout : io.stderr.isTTY ? io.stderr : undefined;
  if (!screen || !io.stdin.isTTY) {
    throw new NbstoreError('no-tty', 'browse needs an interactive terminal; to list versions from a script, use nbstore log');
  }
  return screen;
}
