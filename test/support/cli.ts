import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { NbstoreError } from '../../src/lib/errors.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(REPO_ROOT, 'bin', 'nbstore.js');
export const FIXTURES = join(REPO_ROOT, 'fixtures');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
  /** The NbstoreError a failing command threw, for asserting its code. */
  error?: NbstoreError;
}

export async function tempDir(prefix = 'nbstore-test-', parent = tmpdir()): Promise<string> {
  return mkdtemp(join(parent, prefix));
}

/** A private HOME per test directory keeps the machine's user config and AWS profile out. */
export function testEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), USER: 'tester', NO_COLOR: '1', ...extra };
}

/** Runs `main(argv)` in-process with its own cwd, environment and captured output. */
export async function runCli(argv: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const io = { cwd: options.cwd, env: options.env ?? testEnv(options.cwd), stdout, stderr, stdin: new PassThrough() };
  let status: number;
  let error: NbstoreError | undefined;
  // Loaded here, not at the top: processes that only run the executable stay light.
  const { main } = await import('../../src/main.js');
  try {
    status = await main(argv, io);
  } catch (e) {
    if (!(e instanceof NbstoreError)) throw e;
    error = e;
    status = e.exitCode;
  }
  return { status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ...(error ? { error } : {}) };
}

/** Runs the real executable as a separate process. */
export function runBin(argv: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      cwd: options.cwd,
      env: options.env ?? testEnv(options.cwd),
      timeout: options.timeoutMs ?? 60_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ status: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

/** Asserts success and returns stdout; a failure shows what the command said. */
export async function ok(argv: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  const result = await runCli(argv, options);
  if (result.status !== 0)
    throw new Error(
      `nbstore ${argv.join(' ')} failed (${result.status}): ${result.error?.code ?? ''} ${result.error?.message ?? result.stderr}`,
    );
  return result.stdout;
}
