import { NbstoreError } from '../lib/errors.js';
import { plural } from '../lib/plural.js';
import { formatTime } from '../lib/time.js';
import type { VersionInfo } from '../store/store.js';

/**
 * What a user may name a version by:
 *   a full version id, or a unique prefix of one;
 *   `latest`, `@` or `HEAD`;
 *   `~N`, `@~N`, `latest~N`: N versions before the latest;
 *   `@{2026-11-20T14:00}`, `@{2h}`, `@{7d}`, `@{3 weeks ago}`: the latest version at or before then.
 */
export type Revision = { kind: 'latest' } | { kind: 'back'; count: number } | { kind: 'at'; time: Date } | { kind: 'id'; id: string };

const LATEST = new Set(['latest', '@', 'HEAD']);
const UNIT_MS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  second: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hour: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  w: 604_800_000,
  wk: 604_800_000,
  week: 604_800_000,
};

export function parseRevision(text: string, now: Date): Revision {
  const rev = text.trim();
  if (LATEST.has(rev)) return { kind: 'latest' };
  const back = /^(?:@|latest|HEAD)?~(\d*)$/.exec(rev);
  if (back) return { kind: 'back', count: back[1] === '' ? 1 : Number(back[1]) };
  const at = /^@\{(.*)\}$/.exec(rev);
  if (at) return { kind: 'at', time: parseWhen(at[1] as string, now, rev) };
  if (/^[A-Za-z0-9._+=-]+$/.test(rev)) return { kind: 'id', id: rev };
  throw new NbstoreError('bad-revision', `"${text}" is not a revision (use a version id, latest, @~N or @{date})`);
}

/** A time as a revision or `--since` names it: `2h`, `3 weeks ago`, `2026-11-20`, `2026-11-20T14:00`. */
export function parseWhen(text: string, now: Date, rev: string): Date {
  const spec = text.trim();
  const relative = /^(\d+)\s*([a-z]+?)s?(?:\s+ago)?$/i.exec(spec);
  if (relative) {
    const unit = UNIT_MS[(relative[2] as string).toLowerCase()];
    // Past what a Date holds (±100,000,000 days) is no time at all.
    const time = unit === undefined ? undefined : new Date(now.getTime() - Number(relative[1]) * unit);
    if (time && !Number.isNaN(time.getTime())) return time;
    if (time) throw new NbstoreError('bad-revision', `${rev}: "${spec}" is further back than any time can be`);
  }
  // A date with no time is midnight local time, as a date with a time and no zone is.
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(spec) ? `${spec}T00:00` : spec;
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(iso)) {
    const time = new Date(iso.replace(' ', 'T'));
    if (!Number.isNaN(time.getTime())) return time;
  }
  throw new NbstoreError('bad-revision', `${rev}: cannot read "${spec}" as a time (use e.g. @{2026-11-20T14:00} or @{2h})`);
}

/** Save times (`nbstore-saved-at`) of versions, by version id, where they differ from when the store got them. */
export type SaveTimes = ReadonlyMap<string, Date>;

/**
 * When a version was saved: its `nbstore-saved-at` (a save delivered from the spool later) when
 * known, else when the store got it.
 */
export function saveTime(version: VersionInfo, saveTimes: SaveTimes): Date {
  return saveTimes.get(version.versionId) ?? version.lastModified;
}

/**
 * Picks the version a revision names from `history` (newest first, delete markers included).
 * `subject` names the notebook in messages. `@{time}` goes by save time: the newest version
 * saved at or before it.
 */
export function resolveRevision(
  rev: Revision,
  history: readonly VersionInfo[],
  subject: string,
  saveTimes: SaveTimes = new Map(),
): VersionInfo {
  const versions = history.filter((v) => !v.isDeleteMarker);
  switch (rev.kind) {
    case 'latest': {
      const latest = versions[0];
      if (!latest) throw new NbstoreError('unknown-revision', `${subject}: no versions in the store`);
      return latest;
    }
    case 'back': {
      const version = versions[rev.count];
      if (!version) {
        throw new NbstoreError(
          'unknown-revision',
          `${subject}: ~${rev.count} is beyond the first version (${plural(versions.length, 'version')})`,
        );
      }
      return version;
    }
    case 'at': {
      const version = versions.find((v) => saveTime(v, saveTimes).getTime() <= rev.time.getTime());
      if (!version) throw new NbstoreError('unknown-revision', `${subject}: no version at or before ${formatTime(rev.time)}`);
      return version;
    }
    case 'id': {
      const exact = history.filter((v) => v.versionId === rev.id);
      const matches = exact.length > 0 ? exact : history.filter((v) => v.versionId.startsWith(rev.id));
      const real = matches.filter((v) => !v.isDeleteMarker);
      if (matches.length === 0) throw new NbstoreError('unknown-revision', `${subject}: no version ${rev.id}`);
      if (real.length === 0) throw new NbstoreError('unknown-revision', `${subject}: ${rev.id} is a delete marker, not a version`);
      if (real.length > 1) {
        const shown = shortIds(history);
        const candidates = real.slice(0, 8).map((v) => `${shown.get(v.versionId)}${subjectsDiffer(real) ? ` (${v.key})` : ''}`);
        throw new NbstoreError(
          'ambiguous-revision',
          `${rev.id} is ambiguous: it could be ${candidates.join(', ')}${real.length > 8 ? ` and ${real.length - 8} more` : ''}`,
        );
      }
      return real[0] as VersionInfo;
    }
  }
}

function subjectsDiffer(versions: readonly VersionInfo[]): boolean {
  return new Set(versions.map((v) => v.key)).size > 1;
}

/** The shortest prefix length, at least 8, that tells every version in `history` apart. */
export function shortIds(history: readonly Pick<VersionInfo, 'versionId'>[], minLength = 8): Map<string, string> {
  const ids = [...new Set(history.map((v) => v.versionId))];
  let length = minLength;
  for (;;) {
    const prefixes = new Set(ids.map((id) => id.slice(0, length)));
    if (prefixes.size === ids.length || ids.every((id) => id.length <= length)) break;
    length++;
  }
  return new Map(ids.map((id) => [id, id.slice(0, length)]));
}
