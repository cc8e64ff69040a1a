/**
 * The one decision of how a local notebook stands against the store. Pure: callers gather the
 * facts (file hashes, the state record, the latest version) and act on the answer.
 */

/** What nbstore remembers of a tracked notebook: the version the local file was last pushed as
 * or checked out from, and the hashes of those bytes. */
export interface TrackedNotebook {
  key: string;
  base: string;
  sha256: string;
  canonical: string;
  /** After a merge not yet pushed: the version merged in besides `base`, the next push's second parent. */
  mergeParent?: string;
  /** A version someone else pushed that the Jupyter hook then delivered a save over: the history
   * forks there, and the notebook stays diverged until a push --force or a checkout. */
  forkedFrom?: string;
}

export type NotebookState = 'unmodified' | 'modified' | 'not pushed' | 'behind' | 'diverged' | 'missing' | 'untracked';

/** What is known of one notebook, locally and in the store. */
export interface NotebookFacts {
  /** The notebook's key (`<workspace_prefix>/<path>`). */
  key: string;
  tracked?: TrackedNotebook;
  /** The local file's hashes (canonical: undefined when it does not parse); undefined: no file. */
  local?: { sha256: string; canonical?: string };
  /** The latest version id at `key`: undefined when there is none; null when the store could not be asked. */
  latest: string | undefined | null;
  /** Whether the latest version holds the file's content, however serialised (asked when the
   * file is not tracked at `key`, or the latest is not its base). */
  matchesLatest?: boolean;
  /** Saves of it waiting in the spool. */
  spooled: number;
  /** Found by looking through the workspace, not named: with no record and no saves, it is untracked. */
  found?: boolean;
}

/**
 * One notebook's state, as git's status would put it. Every verb that asks "is the local file
 * the stored version?" (push, checkout, publish, status, browse) asks this function. `modified`: local changes (or saves in the
 * spool) on top of the version it came from; `behind`: someone pushed a newer version; `diverged`:
 * both (or the hook delivered a save over someone else's version); `not pushed`: no version at its
 * key. A file is unchanged when its bytes are its base's, or differ only in formatting (the same
 * lossless canonical hash); a canonical hash recorded by an earlier nbstore, of another kind, never
 * equals one taken now, so then the bytes decide. A file whose content the latest version holds is
 * `unmodified` whatever its base: another writer (bookstore) may have stored the same notebook
 * serialised its own way. A clone tracked against another key (from the published prefix) is
 * compared with the latest version at its own key. `untracked`: a file found in the workspace that
 * nbstore has no record of (as git's; push must name it).
 */
export function classifyNotebook(facts: NotebookFacts): NotebookState {
  const { local, latest } = facts;
  if (!local) return 'missing';
  if (facts.found && facts.tracked === undefined && facts.spooled === 0) return 'untracked';
  if (latest === undefined) return 'not pushed';
  const tracked = facts.tracked?.key === facts.key ? facts.tracked : undefined;
  if (latest !== null && tracked?.forkedFrom !== undefined) return 'diverged';
  if (facts.spooled === 0 && facts.matchesLatest === true) return 'unmodified';
  const changed = facts.spooled > 0 || (tracked ? local.sha256 !== tracked.sha256 && local.canonical !== tracked.canonical : true);
  const behind = latest !== null && tracked !== undefined && latest !== tracked.base;
  if (changed) return behind ? 'diverged' : 'modified';
  return behind ? 'behind' : 'unmodified';
}

/** Whether the file holds its tracked base's content (by its bytes or, however serialised, its canonical hash). */
export function holdsBase(tracked: TrackedNotebook, local: { sha256: string; canonical?: string }): boolean {
  return local.sha256 === tracked.sha256 || local.canonical === tracked.canonical;
}
