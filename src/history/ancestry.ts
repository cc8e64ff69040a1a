/**
 * A notebook's history as a graph: each version names its parent (`nbstore-parent`) and, for a
 * merge, a second parent (`nbstore-merge-parent`). A version without a parent link (the first,
 * or one another tool wrote) follows the version before it at its key. Pure.
 */

/** What ancestry needs of a version: its id and links. */
export interface LinkedVersion {
  versionId: string;
  isDeleteMarker: boolean;
  parent?: string;
  mergeParent?: string;
}

/** Parents of every version of `history` (newest first, as listings give it). */
function parentMap(history: readonly LinkedVersion[]): Map<string, string[]> {
  const versions = history.filter((v) => !v.isDeleteMarker);
  const parents = new Map<string, string[]>();
  versions.forEach((version, i) => {
    const first = version.parent ?? versions[i + 1]?.versionId;
    parents.set(
      version.versionId,
      [first, version.mergeParent].filter((id): id is string => id !== undefined),
    );
  });
  return parents;
}

/** Each version reachable from `heads` (themselves included), with its distance from the nearest head. */
function reachable(parents: Map<string, string[]>, heads: readonly string[]): Map<string, number> {
  const distance = new Map<string, number>();
  let frontier = heads.filter((h) => !distance.has(h));
  for (const head of frontier) distance.set(head, 0);
  for (let d = 1; frontier.length > 0; d++) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const parent of parents.get(id) ?? []) {
        if (distance.has(parent)) continue;
        distance.set(parent, d);
        next.push(parent);
      }
    }
    frontier = next;
  }
  return distance;
}

/** Whether `ancestor` is `of` or in its history. */
export function isAncestor(history: readonly LinkedVersion[], ancestor: string, of: readonly string[]): boolean {
  return reachable(parentMap(history), of).has(ancestor);
}

/**
 * The nearest common ancestor of `ours` (the versions the local file descends from) and
 * `theirs`: of the versions in both histories, the one closest to the two sides together.
 * Undefined when the links do not meet.
 */
export function commonAncestor(history: readonly LinkedVersion[], ours: readonly string[], theirs: string): string | undefined {
  const parents = parentMap(history);
  const fromOurs = reachable(parents, ours);
  const fromTheirs = reachable(parents, [theirs]);
  let best: { id: string; distance: number } | undefined;
  for (const [id, d] of fromOurs) {
    const other = fromTheirs.get(id);
    if (other === undefined) continue;
    if (!best || d + other < best.distance) best = { id, distance: d + other };
  }
  return best?.id;
}

/** A version left outside the history of the latest: a fork, with the version it forked from. */
export interface Fork {
  /** The newest version of the forked line. */
  versionId: string;
  /** Every version of it not in the latest's history, newest first. */
  versions: string[];
  /** Where it left the latest's history. */
  forkedFrom?: string;
}

/**
 * The forks of a history: versions not in the history of the latest version (as two machines,
 * or two Jupyter servers, saving from the same version make). Each fork is named by its newest
 * version, the one `merge PATH <version>` folds back in. Empty when the latest is a delete marker.
 */
export function findForks(history: readonly LinkedVersion[]): Fork[] {
  const latest = history[0];
  if (!latest || latest.isDeleteMarker) return [];
  const parents = parentMap(history);
  const main = reachable(parents, [latest.versionId]);
  const outside = history.filter((v) => !v.isDeleteMarker && !main.has(v.versionId)).map((v) => v.versionId);
  // A fork's tip is an outside version no other outside version descends from.
  const inner = new Set(outside.flatMap((id) => parents.get(id) ?? []));
  const forks: Fork[] = [];
  for (const tip of outside.filter((id) => !inner.has(id))) {
    const line = [...reachable(parents, [tip]).keys()];
    const versions = outside.filter((id) => line.includes(id));
    const forkedFrom = line.find((id) => main.has(id));
    forks.push({ versionId: tip, versions, ...(forkedFrom ? { forkedFrom } : {}) });
  }
  return forks;
}
