import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs, { type ArgumentsCamelCase, type Argv, type FallbackCompletionFunction } from 'yargs';
import type { Command, CommandContext } from './cli/command.js';
import { type Io, processIo } from './cli/io.js';
import browse from './commands/browse.js';
import checkout from './commands/checkout.js';
import clone from './commands/clone.js';
import diff from './commands/diff.js';
import fsck from './commands/fsck.js';
import hook from './commands/hook.js';
import init from './commands/init.js';
import log from './commands/log.js';
import ls from './commands/ls.js';
import merge from './commands/merge.js';
import mv from './commands/mv.js';
import publish from './commands/publish.js';
import pull from './commands/pull.js';
import push from './commands/push.js';
import revert from './commands/revert.js';
import rm from './commands/rm.js';
import serve from './commands/serve.js';
import show from './commands/show.js';
import status from './commands/status.js';
import { NbstoreError } from './lib/errors.js';
import { nearestWord } from './lib/nearest.js';
import { PACKAGE_ROOT } from './lib/package-root.js';
import { joinKey } from './store/keys.js';
import type { PartialSettings } from './workspace/config.js';
import { completeNotebookPath } from './workspace/notebook-files.js';
import { Workspace } from './workspace/workspace.js';

// Command modules are small: each loads what it needs (the S3 SDK, Ink) only when it runs.
// biome-ignore lint/suspicious/noExplicitAny: each command has its own argument type; yargs checks them
const COMMANDS: Command<any>[] = [
  init,
  push,
  pull,
  merge,
  log,
  show,
  diff,
  checkout,
  revert,
  rm,
  mv,
  publish,
  clone,
  ls,
  status,
  hook,
  browse,
  serve,
  fsck,
];

/** For bin/, which prints what an unexpected error says. */
export { escapeControls } from './lib/text.js';

export const VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface GlobalArgs {
  bucket?: string;
  endpointUrl?: string;
  region?: string;
  workspacePrefix?: string;
  publishedPrefix?: string;
  maxThreads?: number;
}

function globalOptions(parser: Argv): Argv<GlobalArgs> {
  return parser
    .option('bucket', { type: 'string', global: true, describe: 'S3 bucket (setting s3_bucket)' })
    .option('endpoint-url', { type: 'string', global: true, describe: 'S3 endpoint, e.g. for MinIO or Ceph (s3_endpoint_url)' })
    .option('region', { type: 'string', global: true, describe: 'S3 region (s3_region_name)' })
    .option('workspace-prefix', { type: 'string', global: true, describe: 'Key prefix for workspace notebooks (workspace_prefix)' })
    .option('published-prefix', { type: 'string', global: true, describe: 'Key prefix for published notebooks (published_prefix)' })
    .option('max-threads', { type: 'number', global: true, describe: 'Parallel S3 requests at most (max_threads)' })
    .group(['bucket', 'endpoint-url', 'region', 'workspace-prefix', 'published-prefix', 'max-threads'], 'Settings:');
}

function flagSettings(args: GlobalArgs): PartialSettings {
  const flags: PartialSettings = {};
  if (args.bucket) flags.s3_bucket = args.bucket;
  if (args.endpointUrl) flags.s3_endpoint_url = args.endpointUrl;
  if (args.region) flags.s3_region_name = args.region;
  if (args.workspacePrefix !== undefined) flags.workspace_prefix = joinKey(args.workspacePrefix);
  if (args.publishedPrefix !== undefined) flags.published_prefix = joinKey(args.publishedPrefix);
  if (args.maxThreads !== undefined) {
    if (!Number.isInteger(args.maxThreads) || args.maxThreads < 1)
      throw new NbstoreError('usage', '--max-threads must be a whole number of at least 1');
    flags.max_threads = args.maxThreads;
  }
  return flags;
}

/**
 * A notebook nested deeper than the stack (JSON.parse reads any depth; rendering and diffing
 * recurse) is the input's doing, not nbstore's: one line with a code, not an internal error.
 */
function asUserError(err: unknown): unknown {
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return new NbstoreError(
      'too-deep',
      'the notebook is nested too deeply for nbstore to show or compare (its JSON is thousands of levels deep)',
      {
        cause: err,
      },
    );
  }
  return err;
}

const PROTECTED = '\u0000';

/** The command yargs answers with a completion script, and the flag its scripts call nbstore with. */
const COMPLETION = 'completion';
const COMPLETION_FLAG = '--get-yargs-completions';

/**
 * Completes the word being typed: a command name or a flag as yargs completes them (and the
 * values a positional allows, such as hook's actions), otherwise a notebook path.
 */
function completeWord(io: Io): FallbackCompletionFunction {
  return (current, args, defaults, done) => {
    // Synchronously: yargs goes on to validate and run the command line unless it has the answer.
    defaults((_err, completions = []) => {
      const afterCommand = args._.length > 2; // the words are nbstore, the command, ...
      if (current.startsWith('-') || !afterCommand || completions.some((c) => !c.startsWith('-'))) return done(completions);
      // zsh reads `value:description`: a colon in a path is escaped.
      const zsh = `${io.env.SHELL ?? ''}${io.env.ZSH_NAME ?? ''}`.includes('zsh');
      const paths = completeNotebookPath(io.cwd, current).map((path) => (zsh ? path.replaceAll(':', '\\:') : path));
      done(paths.length > 0 ? paths : completions);
    });
  };
}
/** Flags whose value is free text: the word after them is that value whatever it starts with. */
const TEXT_FLAGS = new Set(['-m', '--message']);

/** A word yargs would read as a cluster of short flags, though it may be meant as a version id prefix. */
const SHORT_CLUSTER = /^-[^-]/;

/**
 * Version ids may start with '-' (Ceph RGW's do), which yargs would read as options. A word
 * that starts with a single '-' and is longer than any short flag is an argument (or the value
 * of the flag before it, as in `--version -9sN7OU`); so is the word after `-m` (`-m "-fix"`), and
 * every word after `--`. Such words are marked so yargs leaves them alone, and unmarked before a
 * command sees them.
 */
function protectArguments(argv: readonly string[]): string[] {
  const out: string[] = [];
  let afterSeparator = false;
  let textValue = false;
  for (const word of argv) {
    if (afterSeparator || textValue) out.push(PROTECTED + word);
    else if (word === '--') afterSeparator = true;
    else if (SHORT_CLUSTER.test(word) && word.length > 4) out.push(PROTECTED + word);
    else out.push(word);
    textValue = !afterSeparator && !textValue && TEXT_FLAGS.has(word);
  }
  return out;
}

function unprotect<T extends object>(args: T): T {
  const strip = (value: unknown): unknown =>
    typeof value === 'string' && value.startsWith(PROTECTED) ? value.slice(1) : Array.isArray(value) ? value.map(strip) : value;
  return Object.fromEntries(Object.entries(args).map(([key, value]) => [key, strip(value)])) as T;
}

/**
 * yargs renders the help of the command it runs before running it, in case the command fails
 * and the help is to be shown; nbstore's failures are one line without help, and that rendering
 * cost 30-60 ms of CPU on every command (a tenth of a cached `log`). It is an internal of yargs:
 * if it goes away, only this saving is lost; `--help` renders on demand either way.
 */
function skipHelpRendering(parser: Argv): void {
  type Internals = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } | undefined } };
  const usage = (parser as unknown as Internals).getInternalMethods?.().getUsageInstance?.();
  if (usage?.cacheHelpMessage) usage.cacheHelpMessage = () => undefined;
}

/**
 * Runs nbstore with `argv` (without the node and script names). Resolves to the exit status;
 * rejects with NbstoreError for a user error. Never exits the process: only bin/ does.
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const first = argv[0];
  const names = COMMANDS.map((c) => commandName(c));
  if (first !== undefined && !first.startsWith('-') && first !== COMPLETION && !names.includes(first)) {
    const near = nearestWord(first, names);
    throw new NbstoreError(
      'usage',
      `unknown command "${first}"${near ? `; did you mean nbstore ${near}?` : ''} (nbstore --help lists the commands)`,
    );
  }
  let failure: unknown;
  // The command runs only once the whole command line has been read and checked: yargs reports
  // unknown options after the handler it calls, which would have acted on a mistyped line.
  let chosen: { command: Command<object>; args: ArgumentsCamelCase<GlobalArgs> } | undefined;
  // The word being completed is not yet an argument (`--` may be the start of a flag).
  const completing = first === COMPLETION_FLAG;
  const words = completing ? [...protectArguments(argv.slice(0, -1)), ...argv.slice(-1)] : protectArguments(argv);
  const parser = globalOptions(yargs(words))
    .scriptName('nbstore')
    .usage('nbstore: git-style version control for Jupyter notebooks, history in S3 object versions\n\nUsage: $0 <command> [options]')
    .strict()
    .demandCommand(1, 'name a command (nbstore --help lists them)')
    .help()
    .alias('help', 'h')
    .version(VERSION)
    .completion(COMPLETION, 'Print a script for ~/.bashrc or ~/.zshrc that completes commands, flags and notebook paths', completeWord(io))
    .wrap(Math.min(110, io.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, err) => {
      // A `coerce` that rejected a value (see cli/options.ts) reaches here as yargs's YError.
      failure ??=
        err?.name === 'YError' ? new NbstoreError('usage', err.message) : (err ?? usageError(message ?? 'invalid arguments', argv));
    });

  for (const command of COMMANDS) {
    parser.command({
      command: command.command,
      describe: command.describe,
      builder: (y: Argv) => {
        const built = command.builder(y);
        for (const [example, description] of command.examples) built.example(example, description);
        return built;
      },
      handler: (args: ArgumentsCamelCase<GlobalArgs>) => {
        chosen = { command, args };
      },
    });
  }

  skipHelpRendering(parser);
  let output = '';
  try {
    await parser.parseAsync(words, {}, (_err, _args, text) => {
      output = text;
    });
  } catch (err) {
    failure ??= err;
  }
  if (failure) throw asUserError(failure);
  if (output) io.stdout.write(`${output}\n`);
  // Completing a word only prints candidates; the command line being typed never runs.
  if (!chosen || completing) return 0;
  let workspace: Promise<Workspace> | undefined;
  const flags = flagSettings(chosen.args);
  const context: CommandContext = {
    io,
    flags,
    workspace: () => (workspace ??= Workspace.find(io, flags)),
    now: () => new Date(),
  };
  try {
    return (await chosen.command.run(unprotect(chosen.args), context)) ?? 0;
  } catch (err) {
    throw asUserError(err);
  }
}

function commandName(command: Command<object>): string {
  return command.command.split(' ')[0] as string;
}

/** The options a command takes (and the global ones), long names and aliases. */
function optionNames(command: Command<object> | undefined): string[] {
  type Options = { key: Record<string, unknown>; alias: Record<string, string[]> };
  const parser = globalOptions(yargs([]));
  const { key, alias } = ((command ? command.builder(parser) : parser) as unknown as { getOptions(): Options }).getOptions();
  return [...Object.keys(key), ...Object.values(alias).flat()];
}

/**
 * yargs's own wording of a usage error, said as nbstore says it: which word is wrong and what
 * to type instead.
 */
function usageError(message: string, argv: readonly string[]): NbstoreError {
  const name = argv[0] ?? '';
  const command = COMMANDS.find((c) => commandName(c) === name);
  const help = command ? `nbstore ${name} --help` : 'nbstore --help';
  const known = optionNames(command);
  // `-9sN`: a version id prefix short enough to look like short flags, whatever yargs made of it.
  const cluster = argv.find(
    (word, i) => SHORT_CLUSTER.test(word) && word.length <= 4 && !TEXT_FLAGS.has(argv[i - 1] ?? '') && !known.includes(word.slice(1)),
  );
  if (cluster) {
    return new NbstoreError(
      'usage',
      `${cluster}: read as options; if it is a version id, write -- before it (nbstore ${argv.map((w) => (w === cluster ? `-- ${w}` : w)).join(' ')})`,
    );
  }
  const unknown = /^Unknown arguments?: (.*)$/s.exec(message);
  if (unknown) {
    const first = (unknown[1] as string).split(', ')[0] as string;
    const flag = first.length === 1 ? `-${first}` : `--${first}`;
    // yargs says the same of a word too many as of an unknown option.
    if (
      command &&
      !argv.some(
        (word) => word === flag || word.startsWith(`${flag}=`) || (first.length === 1 && /^-[^-]/.test(word) && word.includes(first)),
      )
    ) {
      return new NbstoreError('usage', `${name}: one argument too many, "${first}" (usage: nbstore ${command.command}; ${help} explains)`);
    }
    const near = nearestWord(
      first,
      known.filter((k) => k.length > 1 && !/[A-Z]/.test(k)),
    );
    return new NbstoreError('usage', `unknown option ${flag}${near ? `; did you mean --${near}?` : ''} (${help} lists the options)`);
  }
  const invalid = /Argument: (\S+), Given: "([^"]*)", Choices: (.*)$/s.exec(message);
  if (invalid) {
    const choices = (invalid[3] as string).split(', ').map((c) => c.replace(/^"|"$/g, ''));
    const near = nearestWord(invalid[2] as string, choices);
    return new NbstoreError(
      'usage',
      `${name}: "${invalid[2]}" is not ${/^[aeiou]/.test(invalid[1] as string) ? 'an' : 'a'} ${invalid[1]}${near ? `; did you mean nbstore ${name} ${near}?` : ''} (one of ${choices.join(', ')})`,
    );
  }
  const missing = /^Not enough non-option arguments: got (\d+)/.exec(message);
  if (missing && command) {
    const required = command.command.match(/<[^>]+>/g) ?? [];
    const lacking = required.slice(Number(missing[1])).join(' ') || 'an argument';
    return new NbstoreError('usage', `${name}: ${lacking} is missing (usage: nbstore ${command.command}; ${help} explains)`);
  }
  const said = message.replace(/\s*\n\s*/g, '; ');
  return new NbstoreError('usage', said.includes('--help') ? said : `${said} (${help})`);
}
