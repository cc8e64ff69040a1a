import { join } from 'node:path';
import type { Workspace } from '../workspace.js';
import { FileStore } from './file-store.js';
import { LazyStore } from './lazy-store.js';
import { s3Location } from './s3-location.js';
import type { Store } from './store.js';
import { VersionCache } from './version-cache.js';

/**
 * Opens the workspace's store. Only S3 workspaces load the AWS SDK, and only here, on the first
 * request the version cache cannot answer.
 */
export async function openStore(workspace: Workspace): Promise<Store> {
  if (workspace.settings.store === 'embedded') return new FileStore(join(workspace.dir, 'store'));
  const { id, location } = s3Location(workspace.settings);
  const s3 = new LazyStore(id, location, async () => {
    // The SDK warns on stderr about Node 20's support ending; nbstore prints only its own lines.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const { S3Store } = await import('./s3-store.js');
    const env = workspace.env;
    return new S3Store(workspace.settings, {
      connectTimeoutMs: positive(env.NBSTORE_CONNECT_TIMEOUT_MS),
      requestTimeoutMs: positive(env.NBSTORE_REQUEST_TIMEOUT_MS),
    });
  });
  return new VersionCache(s3, workspace.cacheDir);
}

function positive(value: string | undefined): number | undefined {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : undefined;
}
