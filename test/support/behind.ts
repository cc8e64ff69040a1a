import { lstat, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ListObjectVersionsCommandOutput } from '@aws-sdk/client-s3';
import { FileStore } from '../../src/store/file-store.js';
import { rawClient } from './s3.js';
import type { TestWorkspace } from './workspace.js';

/**
 * Puts a version straight into a workspace's store, as another tool with write access to the
 * bucket could (for the embedded store, as a process writing its directory could): nothing
 * nbstore checks on the way in. Returns the new version id.
 */
export async function putBehindNbstore(
  ws: Pick<TestWorkspace, 'dir' | 'bucket'>,
  key: string,
  body: Uint8Array,
  metadata: Record<string, string> = {},
): Promise<string> {
  if (!ws.bucket) return (await new FileStore(join(ws.dir, '.nbstore', 'store')).put(key, body, metadata)).versionId;
  const { sdk, client } = await rawClient();
  const put = await client.send(new sdk.PutObjectCommand({ Bucket: ws.bucket, Key: key, Body: body, Metadata: metadata }));
  if (!put.VersionId) throw new Error(`no version id for ${key}`);
  return put.VersionId;
}

/** Every version and delete marker in a bucket, as `key@versionId` lines; `(no bucket)` if it
 * does not exist. */
export async function bucketContents(bucket: string): Promise<string[]> {
  const { sdk, client } = await rawClient();
  const out: string[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    let page: ListObjectVersionsCommandOutput;
    try {
      page = await client.send(
        new sdk.ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
      );
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchBucket') return ['(no bucket)'];
      throw err;
    }
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) out.push(`${v.Key}@${v.VersionId}`);
    if (!page.IsTruncated) return out.sort();
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

/**
 * What is on disk under `root`: each file with its size, mode, inode and modification time (so a
 * rewrite with the same bytes still shows), each directory and link. Paths under `skip`
 * (relative to `root`) are left out.
 */
export async function treeState(root: string, skip: readonly string[] = []): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const rel = relative(root, path);
      if (skip.includes(rel)) continue;
      const info = await lstat(path);
      if (info.isDirectory()) {
        out.set(rel, `dir ${(info.mode & 0o7777).toString(8)}`);
        await walk(path);
      } else {
        out.set(rel, `${info.isFile() ? 'file' : 'other'} ${info.size} ${(info.mode & 0o7777).toString(8)} ${info.ino} ${info.mtimeMs}`);
      }
    }
  };
  await walk(root);
  return out;
}
