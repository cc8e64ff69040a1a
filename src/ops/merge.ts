import { commonAncestor, isAncestor } from '../history/ancestry.js';
import { shortIds } from '../history/revision.js';
import { describeHistory, findVersion, type HistoryEntry, listHistory, readVerified } from '../history/versions.js';
import { NbstoreError } from '../lib/errors.js';
import { writeFileAtomic } from '../lib/fs.js';
import { canonicalOf, examineNotebook, type Notebook, parseNotebook } from '../notebook/notebook.js';
import { type MergeDecision, mergeNotebooks, type OutputsChoice, remainingConflicts } from '../notebook/notebook-merge.js';
import type { Store } from '../store/store.js';
import { readNotebookBytes } from '../workspace/notebook-files.js';
import { spoolEntries } from '../workspace/spool.js';
import type { Workspace } from '../workspace/workspace.js';

export interface MergeOptions {
  /** The version to merge in (theirs); by default the latest. */
  revision?: string;
  outputs?: OutputsChoice;
  /** Work out every decision, write nothing. */
  dryRun?: boolean;
  now?: Date;
}

export interface MergeReport {
  path: string;
  /** The version merged in. */
  theirs: string;
  /** The versions the local file descends from: its base, and a merge not yet pushed. */
  ours: string[];
  /** The common ancestor merged against, and how it was found. */
  base?: string;
  baseFrom: 'parent links' | 'local base' | 'none';
  /** What happened: `up-to-date` when theirs is already in the local file's history. */
  status: 'merged' | 'conflicts' | 'up-to-date';
  decisions: MergeDecision[];
  conflicts: number;
  order: 'ours' | 'theirs';
  written: boolean;
  /** Short ids of the versions, as `log` shows them. */
  shortIds: Record<string, string>;
}

/**
 * Merges a version (theirs) into the local file (ours), three-way, against their nearest common
 * ancestor along nbstore's parent links; without one, against the local base. Writes the result
 * atomically (not with `dryRun`) and records both parents in the state, so the next push makes
 * the merge version: its parent is whichever side is the latest, its second parent the other.
 */
export async function mergeNotebook(workspace: Workspace, store: Store, rel: string, options: MergeOptions = {}): Promise<MergeReport> {
  return workspace.withNotebookLock(rel, async () => {
    const key = workspace.keyFor(rel);
    const waiting = (await spoolEntries(workspace.spoolDir, rel)).length;
    if (waiting > 0) {
      throw new NbstoreError(
        'local-changes',
        `${rel}: ${waiting} save${waiting === 1 ? '' : 's'} waiting in the spool; push first (nbstore push ${rel})`,
      );
    }
    const localBytes = await readNotebookBytes(workspace.absolutePath(rel), rel);
    const ours = parseNotebook(localBytes, rel);
    const unresolved = remainingConflicts(ours).length;
    if (unresolved > 0) {
      throw new NbstoreError(
        'conflicts',
        `${rel}: ${unresolved} conflict${unresolved === 1 ? '' : 's'} of an earlier merge still marked; fix ${unresolved === 1 ? 'it' : 'them'} first`,
      );
    }
    const tracked = await workspace.tracked(rel);
    const oursHeads = tracked?.key === key ? [tracked.base, ...(tracked.mergeParent ? [tracked.mergeParent] : [])] : [];
    const theirsVersion = await findVersion(store, key, options.revision ?? 'latest', rel, options.now);
    const history: HistoryEntry[] = await describeHistory(store, await listHistory(store, key), workspace.settings.max_threads);
    const ids = Object.fromEntries(shortIds(history));
    const theirs = theirsVersion.versionId;
    const report = { path: rel, theirs, ours: oursHeads, shortIds: ids };
    if (oursHeads.length > 0 && isAncestor(history, theirs, oursHeads)) {
      return { ...report, baseFrom: 'none', status: 'up-to-date', decisions: [], conflicts: 0, order: 'ours', written: false };
    }

    const linked = oursHeads.length > 0 ? commonAncestor(history, oursHeads, theirs) : undefined;
    const baseId = linked ?? tracked?.base;
    const baseFrom = linked ? 'parent links' : baseId ? 'local base' : 'none';
    const theirsBody = (await readVerified(store, key, theirs)).body;
    const theirsNb = parseNotebook(theirsBody, `${rel}@${theirs}`);
    const baseNb: Notebook = baseId
      ? parseNotebook((await readVerified(store, key, baseId)).body, `${rel}@${baseId}`)
      : { ...ours, cells: [], metadata: {} };
    const labels = {
      base: baseId ?? '(none)',
      ours: tracked?.base ? `local (from ${ids[tracked.base] ?? tracked.base})` : 'local',
      theirs: ids[theirs] ?? theirs,
    };
    const merged = await mergeNotebooks(baseNb, ours, theirsNb, labels, { outputs: options.outputs ?? 'ours' });
    const result = {
      ...report,
      ...(baseId ? { base: baseId } : {}),
      baseFrom,
      status: merged.conflicts > 0 ? 'conflicts' : 'merged',
      decisions: merged.decisions,
      conflicts: merged.conflicts,
      order: merged.order,
    } as const;
    if (options.dryRun) return { ...result, written: false };

    const written = Buffer.from(`${JSON.stringify(merged.notebook, null, 1)}\n`);
    await writeFileAtomic(workspace.absolutePath(rel), written);
    // The next push's parent must be the latest version, or the push would fork again.
    const latest = history.find((v) => !v.isDeleteMarker);
    const oursBase = tracked?.key === key ? tracked.base : undefined;
    if (oursBase === undefined || oursBase !== latest?.versionId) {
      const { sha256, canonical } = examineNotebook(theirsBody, `${rel}@${theirs}`);
      // A result that is theirs exactly (no local edits) is a fast-forward, not a merge.
      const fastForward = canonicalOf(written, rel) === canonical;
      await workspace.track(rel, { key, base: theirs, sha256, canonical, ...(oursBase && !fastForward ? { mergeParent: oursBase } : {}) });
    } else if (tracked) {
      await workspace.track(rel, { key, base: oursBase, sha256: tracked.sha256, canonical: tracked.canonical, mergeParent: theirs });
    }
    return { ...result, written: true };
  });
}
