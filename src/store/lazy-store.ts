import type { CheckOptions, CheckResult, ObjectInfo, Store, StoredVersion, VersionInfo, VersionMeta } from './store.js';

/**
 * A store opened on first use. Behind the version cache it means that a command whose versions
 * are all cached never loads the S3 SDK (most of a cached command's time) nor makes a client.
 */
export class LazyStore implements Store {
  private opened?: Promise<Store>;

  constructor(
    readonly id: string,
    readonly location: string,
    private readonly open: () => Promise<Store>,
  ) {}

  private inner(): Promise<Store> {
    this.opened ??= this.open();
    return this.opened;
  }

  async check(options?: CheckOptions): Promise<CheckResult> {
    return (await this.inner()).check(options);
  }

  async put(key: string, body: Uint8Array, metadata: Record<string, string>): Promise<VersionMeta> {
    return (await this.inner()).put(key, body, metadata);
  }

  async get(key: string, versionId?: string): Promise<StoredVersion> {
    return (await this.inner()).get(key, versionId);
  }

  async head(key: string, versionId?: string): Promise<VersionMeta> {
    return (await this.inner()).head(key, versionId);
  }

  async *versions(prefix: string): AsyncIterable<VersionInfo> {
    yield* (await this.inner()).versions(prefix);
  }

  async *objects(prefix: string): AsyncIterable<ObjectInfo> {
    yield* (await this.inner()).objects(prefix);
  }

  async copy(from: { key: string; versionId: string }, toKey: string, metadata: Record<string, string>): Promise<VersionMeta> {
    return (await this.inner()).copy(from, toKey, metadata);
  }

  async remove(key: string): Promise<VersionInfo> {
    return (await this.inner()).remove(key);
  }
}
