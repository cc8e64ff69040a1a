import { copyFile, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CliResult, FIXTURES, ok, runCli, tempDir, testEnv } from './cli.js';
import { createBucket, s3Endpoint } from './s3.js';

export type StoreKind = 'embedded' | 's3';
export const STORE_KINDS: StoreKind[] = ['embedded', 's3'];

export interface TestWorkspace {
  dir: string;
  env: NodeJS.ProcessEnv;
  bucket?: string;
  /** Runs nbstore in the workspace; never throws for a failing command. */
  run(...argv: string[]): Promise<CliResult>;
  /** Runs nbstore and requires success; returns stdout. */
  ok(...argv: string[]): Promise<string>;
  /** Copies a fixture notebook into the workspace. */
  addFixture(name: string, as?: string): Promise<string>;
  /** Rewrites the notebook's first markdown cell, so the content differs. */
  edit(file: string, marker: string): Promise<void>;
}

/** A fresh workspace on the embedded store or on a fresh versioned bucket. */
export async function makeWorkspace(
  kind: StoreKind,
  options: { prefix?: string; env?: NodeJS.ProcessEnv; parent?: string } = {},
): Promise<TestWorkspace> {
  const dir = await tempDir(`nbstore-${kind}-`, options.parent);
  const env = testEnv(dir, options.env);
  let bucket: string | undefined;
  const init = ['init'];
  if (kind === 's3') {
    bucket = await createBucket('ws');
    init.push(`s3://${bucket}${options.prefix ? `/${options.prefix}` : ''}`);
    const endpoint = s3Endpoint();
    if (endpoint) init.push('--endpoint-url', endpoint);
  } else if (options.prefix) {
    init.push('--workspace-prefix', options.prefix);
  }
  await ok(init, { cwd: dir, env });
  return workspaceAt(dir, env, bucket);
}

function workspaceAt(dir: string, env: NodeJS.ProcessEnv, bucket: string | undefined): TestWorkspace {
  return {
    dir,
    env,
    ...(bucket ? { bucket } : {}),
    run: (...argv) => runCli(argv, { cwd: dir, env }),
    ok: (...argv) => ok(argv, { cwd: dir, env }),
    async addFixture(name, as = name) {
      await copyFile(join(FIXTURES, name), join(dir, as));
      return as;
    },
    async edit(file, marker) {
      const nb = JSON.parse(await readFile(join(dir, file), 'utf8'));
      nb.cells.unshift({ cell_type: 'markdown', metadata: {}, source: [`edit ${marker}`] });
      await writeFile(join(dir, file), JSON.stringify(nb, null, 1));
    },
  };
}

/**
 * A second workspace ("another machine") on the same store as `first`: the same bucket, or for
 * the embedded store the same store folder.
 */
export async function makeSecondMachine(kind: StoreKind, first: TestWorkspace, options: { parent?: string } = {}): Promise<TestWorkspace> {
  const dir = await tempDir(`nbstore-${kind}-second-`, options.parent);
  const env = testEnv(dir, { USER: 'colleague' });
  const init = ['init'];
  if (kind === 's3') {
    init.push(`s3://${first.bucket}`);
    const endpoint = s3Endpoint();
    if (endpoint) init.push('--endpoint-url', endpoint);
  }
  await ok(init, { cwd: dir, env });
  if (kind === 'embedded') {
    await rm(join(dir, '.nbstore', 'store'), { recursive: true, force: true });
    await symlink(join(first.dir, '.nbstore', 'store'), join(dir, '.nbstore', 'store'));
  }
  return workspaceAt(dir, env, first.bucket);
}

/** The version id that `nbstore push` printed. */
export function pushedId(stdout: string): string {
  const match = /^pushed\s+\S+\s+(\S+)$/m.exec(stdout);
  if (!match) throw new Error(`no version id in: ${stdout}`);
  return match[1] as string;
}

/** Runs a read command with `--json` and requires success; returns the parsed output. */
export async function okJson<T>(ws: TestWorkspace, ...argv: string[]): Promise<T> {
  return JSON.parse(await ws.ok(...argv, '--json')) as T;
}

/** The bytes of a one-cell notebook whose markdown cell says `text`. */
export function markdownNotebook(text: string): string {
  return `${JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'markdown', metadata: {}, source: [text] }] })}\n`;
}

/** What the workspace tracks: workspace-relative path → base version and hashes. */
export async function trackedNotebooks(
  ws: TestWorkspace,
): Promise<Record<string, { key: string; base: string; sha256: string; canonical: string }>> {
  const dir = join(ws.dir, '.nbstore', 'state');
  // Only finished state files: a killed write leaves a hidden temporary file beside them.
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => /^[0-9a-f]{32}\.json$/.test(name));
  const entries = await Promise.all(names.map(async (name) => JSON.parse(await readFile(join(dir, name), 'utf8'))));
  return Object.fromEntries(entries.map(({ path, ...entry }) => [path, entry]));
}

/** Forgets which version every local file came from, as a fresh checkout of the files would. */
export async function forgetTracking(ws: TestWorkspace): Promise<void> {
  await rm(join(ws.dir, '.nbstore', 'state'), { recursive: true, force: true });
}
