import type { Writable } from 'node:stream';
import { colours, noColours, type Paint } from '../lib/paint.js';

/** A writable stream that may be a terminal. */
export type OutStream = Writable & { isTTY?: boolean; columns?: number; rows?: number };

/**
 * Everything a command reads from or writes to its surroundings. `main(argv, io)` takes it so that
 * tests run commands in-process with their own directory, environment and captured output.
 */
export interface Io {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: OutStream;
  stderr: OutStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
}

export function processIo(): Io {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
  };
}

/** Colours only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function wantsColour(io: Io, stream: OutStream = io.stdout): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export function paintFor(io: Io, stream: OutStream = io.stdout): Paint {
  return wantsColour(io, stream) ? colours : noColours;
}
