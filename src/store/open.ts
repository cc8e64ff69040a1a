import { join } from 'node:path';
import type { Workspace } from '../workspace.js';
import { FileStore } from './file-store.js';
import { LazyStore } from './lazy-store.js';
import { s3Location } from './s3-location.js';
import type { Store } from './store.js';
import { VersionCache } from './version-cache.js';

/** Opens the workspace's store. */
export async function openStore(workspace: Workspace): Promise<Store> {
  if (workspace.settings.store === 'embedded') return new FileStore(join(workspace.dir, 'store'));
  return openBucket(workspace, workspace.settings.s3_bucket);
}

/**
 * An S3 bucket reached with the workspace's S3 settings (endpoint, region, credentials); also
 * for reading from a bucket other than the workspace's own, when an embedded workspace uses the
 * S3 settings of its flags, environment and user config. Only here is the AWS SDK loaded, and
 * only on the first request the version cache cannot answer.
 */
export async function openBucket(workspace: Workspace, bucket: string): Promise<Store> {
  const settings = { ...workspace.settings, store: 's3' as const, s3_bucket: bucket };
  const { id, location } = s3Location(settings);
  const s3 = new LazyStore(id, location, async () => {
    // The SDK warns on stderr about Node 20's support ending; nbstore prints only its own lines.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const { S3Store } = await import('./s3-store.js');
    const env = workspace.env;
    return new S3Store(settings, {
      connectTimeoutMs: positive(env.NBSTORE_CONNECT_TIMEOUT_MS),
      requestTimeoutMs: positive(env.NBSTORE_REQUEST_TIMEOUT_MS),
      env,
    });
  });
  return new VersionCache(s3, workspace.cacheDir);
}

function positive(value: string | undefined): number | undefined {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : undefined;
}
