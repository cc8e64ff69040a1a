import { mkdir, readFile, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256, writeFileAtomic } from '../files.js';
import type { CheckOptions, ObjectInfo, Store, StoredVersion, VersionInfo, VersionMeta } from './store.js';

/** Default bound on the bytes of cached bodies; the least recently used go first. */
export const DEFAULT_CACHE_BYTES = 512 * 1024 * 1024;

interface CachedMeta extends Omit<VersionMeta, 'lastModified'> {
  lastModified: string;
}

/**
 * A store wrapper that keeps version bodies and metadata on local disk. A version never changes
 * once written, so a cached one is always right: a second `show`, `diff` or `log` of the same
 * versions makes no request. Requests for the latest version, and for the `null` version (which
 * an unversioned write can replace), always go to the store; the latest is then kept as the
 * version it turned out to be.
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

  check(options?: CheckOptions): Promise<void> {
    return this.inner.check(options);
  }

  async put(key: string, body: Uint8Array, metadata: Record<string, string>): Promise<VersionMeta> {
    return this.inner.put(key, body, metadata);
  }

  async get(key: string, versionId?: string): Promise<StoredVersion> {
    if (!cacheable(versionId)) {
      // The latest is read from the store, and kept as the version it turned out to be.
      const version = await this.inner.get(key, versionId);
      if (versionId === undefined && cacheable(version.info.versionId)) await this.save(this.entryPath(key, version.info.versionId), version.info, version.body);
      return version;
    }
    const base = this.entryPath(key, versionId);
    const [meta, body] = await Promise.all([this.readMeta(base), readFile(`${base}.body`).catch(() => undefined)]);
    if (meta && body && body.byteLength === meta.size) {
      // Recency for the size bound.
      const now = new Date();
      await utimes(`${base}.body`, now, now).catch(() => undefined);
      return { info: meta, body };
    }
    const version = await this.inner.get(key, versionId);
    await this.save(base, version.info, version.body);
    return version;
  }

  async head(key: string, versionId?: string): Promise<VersionMeta> {
    if (!cacheable(versionId)) return this.inner.head(key, versionId);
    const base = this.entryPath(key, versionId);
    const cached = await this.readMeta(base);
    if (cached) return cached;
    const meta = await this.inner.head(key, versionId);
    await this.save(base, meta);
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

  private entryPath(key: string, versionId: string): string {
    return join(this.dir, sha256(`${this.id}\0${key}\0${versionId}`));
  }

  private async readMeta(base: string): Promise<VersionMeta | undefined> {
    try {
      const cached = JSON.parse(await readFile(`${base}.meta.json`, 'utf8')) as CachedMeta;
      return { ...cached, isLatest: false, lastModified: new Date(cached.lastModified) };
    } catch {
      return undefined;
    }
  }

  private async save(base: string, meta: VersionMeta, body?: Uint8Array): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
      // No fsync: after a power loss an entry may be empty, and a body whose length is not the
      // size its metadata records is not used.
      if (body) await writeFileAtomic(`${base}.body`, body, { durable: false });
      await writeFileAtomic(`${base}.meta.json`, JSON.stringify({ ...meta, isLatest: false }), { durable: false });
      if (body) await this.account(body.byteLength);
    } catch {
      // A cache that cannot be written only costs a later request.
    }
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

function cacheable(versionId: string | undefined): versionId is string {
  return versionId !== undefined && versionId !== 'null';
}
