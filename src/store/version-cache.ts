import { appendFile, mkdir, readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256, writeFileAtomic } from '../lib/fs.js';
import type { CheckOptions, CheckResult, ObjectInfo, Store, StoredVersion, VersionInfo, VersionMeta } from './store.js';

/** Default bound on the bytes of cached bodies; the least recently used go first. */
export const DEFAULT_CACHE_BYTES = 512 * 1024 * 1024;

interface CachedMeta extends Omit<VersionMeta, 'lastModified'> {
  lastModified: string;
  /** The SHA-256 of the body as it was cached: a body on disk that no longer has it is not served. */
  bodySha256?: string;
}

/** The cached metadata of one key's versions, by version id, as its index file holds it. */
type KeyIndex = Map<string, CachedMeta>;

/**
 * A store wrapper that keeps version bodies and metadata on local disk. A version never changes
 * once written, so a cached one is always right: a second `show`, `diff` or `log` of the same
 * versions makes no request. Requests for the latest version, and for the `null` version (which
 * an unversioned write can replace), always go to the store; the latest is then kept as the
 * version it turned out to be.
 *
 * The metadata of all cached versions of a key lives in one index file, a line of JSON per
 * version (read once, so a `log` of a long history costs one file read, not one per version;
 * appended to, so caching a version costs no rewrite); each body in its own file.
 */
export class VersionCache implements Store {
  readonly id: string;
  readonly location: string;

  constructor(
    private readonly inner: Store,
    private readonly dir: string,
    private readonly maxBytes = DEFAULT_CACHE_BYTES,
  ) {
    this.id = inner.id;
    this.location = inner.location;
  }

  check(options?: CheckOptions): Promise<CheckResult> {
    return this.inner.check(options);
  }

  async put(key: string, body: Uint8Array, metadata: Record<string, string>): Promise<VersionMeta> {
    return this.inner.put(key, body, metadata);
  }

  async get(key: string, versionId?: string): Promise<StoredVersion> {
    if (!cacheable(versionId)) {
      // The latest is read from the store, and kept as the version it turned out to be.
      const version = await this.inner.get(key, versionId);
      if (versionId === undefined && cacheable(version.info.versionId)) await this.save(key, version.info, version.body);
      return version;
    }
    const bodyPath = this.bodyPath(key, versionId);
    const [cached, body] = await Promise.all([(await this.index(key)).get(versionId), readFile(bodyPath).catch(() => undefined)]);
    if (cached && body) {
      // A disk, a crash or another program may have changed the file: only the bytes cached are served.
      if (cached.bodySha256 !== undefined && body.byteLength === cached.size && sha256(body) === cached.bodySha256) {
        // Recency for the size bound.
        const now = new Date();
        await utimes(bodyPath, now, now).catch(() => undefined);
        return { info: metaOf(cached), body };
      }
      await rm(bodyPath, { force: true }).catch(() => undefined);
    }
    const version = await this.inner.get(key, versionId);
    await this.save(key, version.info, version.body);
    return version;
  }

  async head(key: string, versionId?: string): Promise<VersionMeta> {
    if (!cacheable(versionId)) return this.inner.head(key, versionId);
    const cached = await this.cachedMeta(key, versionId);
    if (cached) return cached;
    const meta = await this.inner.head(key, versionId);
    await this.save(key, meta);
    return meta;
  }

  versions(prefix: string): AsyncIterable<VersionInfo> {
    return this.inner.versions(prefix);
  }

  objects(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.objects(prefix);
  }

  copy(from: { key: string; versionId: string }, toKey: string, metadata: Record<string, string>): Promise<VersionMeta> {
    return this.inner.copy(from, toKey, metadata);
  }

  remove(key: string): Promise<VersionInfo> {
    return this.inner.remove(key);
  }

  private bodyPath(key: string, versionId: string): string {
    return join(this.dir, `${sha256(`${this.id}\0${key}\0${versionId}`)}.body`);
  }

  private indexPath(key: string): string {
    return join(this.dir, `${sha256(`${this.id}\0${key}`)}.versions.jsonl`);
  }

  /** Each key's index, read from disk once per process. */
  private readonly indexes = new Map<string, Promise<KeyIndex>>();

  private index(key: string): Promise<KeyIndex> {
    let index = this.indexes.get(key);
    if (!index) {
      index = this.readIndex(key);
      this.indexes.set(key, index);
    }
    return index;
  }

  private async readIndex(key: string): Promise<KeyIndex> {
    const index: KeyIndex = new Map();
    const text = await readFile(this.indexPath(key), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      try {
        const meta = JSON.parse(line) as CachedMeta;
        index.set(meta.versionId, meta);
      } catch {
        // An empty or torn line (a write cut short): that version is asked for again.
      }
    }
    return index;
  }

  private async cachedMeta(key: string, versionId: string): Promise<VersionMeta | undefined> {
    const cached = (await this.index(key)).get(versionId);
    return cached && metaOf(cached);
  }

  /** The cache folder, made once per run rather than once per version saved. */
  private dirMade?: Promise<unknown>;

  private async save(key: string, meta: VersionMeta, body?: Uint8Array): Promise<void> {
    try {
      this.dirMade ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
        this.dirMade = undefined;
        throw err;
      });
      await this.dirMade;
      // No fsync: after a power loss an entry may be empty, and a body whose length is not the
      // size its metadata records is not used.
      if (body) await writeFileAtomic(this.bodyPath(key, meta.versionId), body, { durable: false, mode: 0o600 });
      const index = await this.index(key);
      const bodySha256 = body ? sha256(body) : index.get(meta.versionId)?.bodySha256;
      const cached: CachedMeta = {
        ...meta,
        isLatest: false,
        lastModified: meta.lastModified.toISOString(),
        ...(bodySha256 !== undefined ? { bodySha256 } : {}),
      };
      index.set(meta.versionId, cached);
      await this.appendToIndex(key, `${JSON.stringify(cached)}\n`);
      if (body) await this.account(body.byteLength);
    } catch {
      // A cache that cannot be written only costs a later request.
    }
  }

  /** Per key: lines waiting for the append under way to finish, and the append they will share. */
  private readonly queuedLines = new Map<string, { lines: string[]; written: Promise<void> }>();
  /** Per key: the last append started or queued. */
  private readonly lastAppends = new Map<string, Promise<void>>();

  /** Appends a line to a key's index: one append at a time per key (so lines never interleave),
   * and lines added meanwhile go together in the next. */
  private appendToIndex(key: string, line: string): Promise<void> {
    const queued = this.queuedLines.get(key);
    if (queued) {
      queued.lines.push(line);
      return queued.written;
    }
    const lines = [line];
    const written = (this.lastAppends.get(key) ?? Promise.resolve()).then(() => {
      this.queuedLines.delete(key);
      return appendFile(this.indexPath(key), lines.join(''), { mode: 0o600 });
    });
    this.queuedLines.set(key, { lines, written });
    this.lastAppends.set(
      key,
      written.catch(() => undefined),
    );
    return written;
  }

  /** Bytes of cached bodies: measured once per process, then counted as bodies are added. */
  private cachedBytes?: Promise<number>;

  /** Counts a new body and, past the bound, drops the least recently used bodies. Counts are
   * chained, so concurrent saves add up; the first measure may count a body twice, which only
   * prunes a little early. */
  private async account(added: number): Promise<void> {
    const counted = this.cachedBytes ?? this.bodies().then((entries) => entries.reduce((sum, e) => sum + e.size, 0) - added);
    this.cachedBytes = counted.then((total) => (total + added > this.maxBytes ? this.prune() : total + added));
    await this.cachedBytes;
  }

  private async prune(): Promise<number> {
    const entries = (await this.bodies()).sort((a, b) => a.used - b.used);
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    for (const entry of entries) {
      if (total <= this.maxBytes) break;
      await rm(join(this.dir, entry.name), { force: true });
      total -= entry.size;
    }
    return total;
  }

  private async bodies(): Promise<Array<{ name: string; size: number; used: number }>> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.body'));
    return Promise.all(
      names.map(async (name) => {
        const s = await stat(join(this.dir, name)).catch(() => undefined);
        return { name, size: s?.size ?? 0, used: s?.mtimeMs ?? 0 };
      }),
    );
  }
}

function metaOf({ bodySha256: _, ...cached }: CachedMeta): VersionMeta {
  return { ...cached, isLatest: false, lastModified: new Date(cached.lastModified) };
}

function cacheable(versionId: string | undefined): versionId is string {
  return versionId !== undefined && versionId !== 'null';
}
