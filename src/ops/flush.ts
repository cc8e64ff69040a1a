import { join } from 'node:path';
import { tryLock } from '../lib/fs.js';
import { type SpoolEntry, spoolEntries } from '../workspace/spool.js';
import type { Workspace } from '../workspace/workspace.js';
import { type Fork, flushSpool } from './push.js';

export interface FlusherResult {
  /** False when another flusher held the lock, and so took this run's work. */
  ran: boolean;
  delivered: number;
  paths: string[];
  /** Saves delivered over someone else's version. */
  forks: Fork[];
}

/** The lock one flusher per workspace holds; the Jupyter hook looks at it to see one is running. */
export function flusherLockPath(workspace: Workspace): string {
  return join(workspace.locksDir, 'flusher.lock');
}

/**
 * Delivers the spool in the background, as the Jupyter hook asks after each save: one flusher
 * per workspace at a time, which keeps going while saves arrive, so none is left waiting.
 *
 * A save is spooled first and then either finds the lock held, or starts a flusher. The holder
 * looks at the spool again after each round and once more after letting go of the lock, so a save
 * that found the lock held is always seen. After a failed round (the store unreachable) it stops
 * unless saves arrived since that round began: each save is worth one more try, and the spool
 * keeps the rest for the next push.
 */
export async function runFlusher(workspace: Workspace): Promise<FlusherResult> {
  const result: FlusherResult = { ran: false, delivered: 0, paths: [], forks: [] };
  let failure: { error: unknown; tried: Set<string> } | undefined;
  for (;;) {
    const release = await tryLock(flusherLockPath(workspace));
    if (!release) break;
    result.ran = true;
    try {
      for (;;) {
        const waiting = await spoolEntries(workspace.spoolDir);
        if (!hasNewWork(waiting, failure)) break;
        try {
          const round = await flushSpool(workspace, await workspace.openStore());
          result.delivered += round.delivered;
          result.paths = [...new Set([...result.paths, ...round.paths])];
          result.forks.push(...round.forks);
          failure = undefined;
        } catch (error) {
          failure = { error, tried: new Set(waiting.map((entry) => entry.id)) };
        }
      }
    } finally {
      await release();
    }
    if (!hasNewWork(await spoolEntries(workspace.spoolDir), failure)) break;
  }
  if (failure) throw failure.error;
  return result;
}

function hasNewWork(waiting: SpoolEntry[], failure: { tried: Set<string> } | undefined): boolean {
  return failure ? waiting.some((entry) => !failure.tried.has(entry.id)) : waiting.length > 0;
}
