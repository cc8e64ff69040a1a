import type { ArgumentsCamelCase, Argv } from 'yargs';
import { printableJson } from '../lib/text.js';
import type { PartialSettings } from '../workspace/config.js';
import type { Workspace } from '../workspace/workspace.js';
import type { Io } from './io.js';

/** What every command gets besides its own arguments. */
export interface CommandContext {
  io: Io;
  /** Settings given as global flags (highest priority). */
  flags: PartialSettings;
  /** The workspace holding the current directory; fails with `not-a-workspace` outside one. */
  workspace(): Promise<Workspace>;
  now(): Date;
}

/**
 * A command as a typed object: yargs reads `command`, `describe`, `builder` and `examples`;
 * `run` does the work and returns the exit status (0 when it returns nothing). `run` throws
 * NbstoreError for failures and never exits the process.
 */
export interface Command<A = object> {
  command: string;
  describe: string;
  examples: ReadonlyArray<readonly [string, string]>;
  builder(yargs: Argv): Argv<A>;
  run(args: ArgumentsCamelCase<A>, context: CommandContext): Promise<number | void>;
}

export function defineCommand<A>(command: Command<A>): Command<A> {
  return command;
}

export function writeLine(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(`${line}\n`);
}

export function writeJson(io: Io, data: unknown): void {
  io.stdout.write(`${printableJson(data, 2)}\n`);
}
