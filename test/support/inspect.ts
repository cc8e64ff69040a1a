import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { processIo } from '../../src/cli/io.js';
import { listHistory, readVerified } from '../../src/history/versions.js';
import { sha256 } from '../../src/lib/fs.js';
import { Workspace } from '../../src/workspace/workspace.js';
import { type TestWorkspace, trackedNotebooks } from './workspace.js';

/** What `nbstore log --json` prints for each version. */
export interface LoggedVersion {
  versionId: string;
  author?: string;
  message?: string;
  parent?: string;
  sha256?: string;
  savedAt?: string;
  isLatest: boolean;
  isBase: boolean;
  isDeleteMarker: boolean;
}

/** Nothing listens on the discard port: connections to it are refused. */
export const UNREACHABLE = 'http://127.0.0.1:9';

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export async function logOf(ws: TestWorkspace, rel: string): Promise<LoggedVersion[]> {
  return JSON.parse(await ws.ok('log', rel, '--json')) as LoggedVersion[];
}

export async function stateOf(ws: TestWorkspace): Promise<{ notebooks: Record<string, { base: string; sha256: string }> }> {
  return { notebooks: await trackedNotebooks(ws) };
}

/** What is left in `.nbstore/locks`, and complete entries waiting in `.nbstore/spool`. */
export async function leftovers(ws: TestWorkspace): Promise<{ locks: string[]; spooled: string[] }> {
  const list = (dir: string) => readdir(join(ws.dir, '.nbstore', dir)).catch(() => [] as string[]);
  return { locks: await list('locks'), spooled: (await list('spool')).filter((n) => n.endsWith('.json')) };
}

/** The notebook's versions, newest first, each read back and checked against its recorded
 * SHA-256 (readVerified fails on a torn or altered body). */
export async function verifiedHistory(ws: TestWorkspace, rel: string): Promise<Array<{ versionId: string; sha256: string }>> {
  const workspace = await Workspace.load(ws.dir, { ...processIo(), cwd: ws.dir, env: ws.env });
  const store = await workspace.openStore();
  const history = (await listHistory(store, workspace.keyFor(rel))).filter((v) => !v.isDeleteMarker);
  return Promise.all(
    history.map(async (v) => ({ versionId: v.versionId, sha256: sha256((await readVerified(store, v.key, v.versionId)).body) })),
  );
}

/** Each version's parent is the version before it: history is one line, never a fork. */
export function assertOneLine(log: readonly LoggedVersion[]): void {
  for (const [i, version] of log.slice(0, -1).entries()) {
    assert.equal(version.parent, log[i + 1]?.versionId, `the parent of version ${log.length - i} is the version before it`);
  }
}
