import { join } from 'node:path';
import { fitsS3Key, IndexedStore } from './commit-index.js';
import { FileStore, fitsEmbeddedKey } from './file-store.js';
import { LazyStore } from './lazy-store.js';
import { s3Location } from './s3-location.js';
import type { StoreSettings } from './settings.js';
import { VersionCache } from './version-cache.js';

/** Where a workspace keeps what its store needs on disk. */
export interface StoreDirs {
  /** The embedded store's versions. */
  embedded: string;
  /** Cached bodies of S3 versions (which never change). */
  cache: string;
}

/** What messages of the S3 store tell the user, which the settings layer knows. */
export interface S3Hints {
  /** How s3_endpoint_url is set (flag, variables, config file). */
  setEndpoint: string;
}

/** Opens the store the settings name, behind the commit index (src/store/commit-index.ts), which
 * every write then updates without its caller doing anything. */
export async function openStore(settings: StoreSettings, dirs: StoreDirs, env: NodeJS.ProcessEnv, hints: S3Hints): Promise<IndexedStore> {
  if (settings.store === 'embedded') return new IndexedStore(new FileStore(dirs.embedded), fitsEmbeddedKey, true);
  return openBucket(settings, settings.s3_bucket, dirs.cache, env, hints);
}

/**
 * An S3 bucket reached with the given S3 settings (endpoint, region, credentials); also for
 * reading from a bucket other than the workspace's own, when an embedded workspace uses the S3
 * settings of its flags, environment and user config. Only here is the AWS SDK loaded, and only
 * on the first request the version cache cannot answer.
 */
export async function openBucket(
  settings: StoreSettings,
  bucket: string,
  cacheDir: string,
  env: NodeJS.ProcessEnv,
  hints: S3Hints,
): Promise<IndexedStore> {
  const bucketSettings = { ...settings, store: 's3' as const, s3_bucket: bucket };
  const { id, location } = s3Location(bucketSettings);
  const s3 = new LazyStore(id, location, async () => {
    // The SDK warns on stderr about Node 20's support ending; nbstore prints only its own lines.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const { S3Store } = await import('./s3-store.js');
    return new S3Store(bucketSettings, {
      connectTimeoutMs: positive(env.NBSTORE_CONNECT_TIMEOUT_MS),
      requestTimeoutMs: positive(env.NBSTORE_REQUEST_TIMEOUT_MS),
      env,
      setEndpoint: hints.setEndpoint,
    });
  });
  return new IndexedStore(new VersionCache(s3, cacheDir), fitsS3Key);
}

/** The embedded store's folder inside a workspace's `.nbstore/`. */
export function embeddedStoreDir(workspaceDir: string): string {
  return join(workspaceDir, 'store');
}

function positive(value: string | undefined): number | undefined {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : undefined;
}
