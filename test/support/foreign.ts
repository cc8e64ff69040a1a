import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FileStore } from '../../src/store/file-store.js';
import { tempDir } from './cli.js';
import { rawClient, s3Endpoint } from './s3.js';
import type { TestWorkspace } from './workspace.js';

/**
 * Reads and writes a workspace's store as other tools do (bookstore, the AWS CLI, scripts):
 * plain objects with no nbstore metadata, on the embedded store or on S3.
 */
export interface ForeignTool {
  /** Writes an object; `metadata` as `x-amz-meta-*`, sent as given (nbstore's own are read back percent-decoded). */
  put(key: string, body: Uint8Array | string, metadata?: Record<string, string>): Promise<void>;
  remove(key: string): Promise<void>;
  /** The latest bytes at `key`, read with a plain GET, as bookstore's clone reads them. */
  get(key: string): Promise<Buffer>;
}

export async function foreignTool(ws: TestWorkspace): Promise<ForeignTool> {
  const bucket = ws.bucket;
  if (bucket === undefined) {
    const store = new FileStore(join(ws.dir, '.nbstore', 'store'));
    return {
      put: async (key, body, metadata = {}) => void (await store.put(key, typeof body === 'string' ? Buffer.from(body) : body, metadata)),
      remove: async (key) => void (await store.remove(key)),
      get: async (key) => Buffer.from((await store.get(key)).body),
    };
  }
  return bucketTool(bucket);
}

export async function bucketTool(bucket: string): Promise<ForeignTool> {
  const { sdk, client } = await rawClient();
  return {
    put: async (key, body, metadata) =>
      void (await client.send(
        new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...(metadata ? { Metadata: metadata } : {}) }),
      )),
    remove: async (key) => void (await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }))),
    get: async (key) =>
      Buffer.from(await (await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray()),
  };
}

/** Uploads bytes with the AWS CLI (`aws s3 cp`), which adds no nbstore metadata. */
export async function awsCliCopy(body: Uint8Array | string, bucket: string, key: string): Promise<void> {
  const file = join(await tempDir(), 'upload.ipynb');
  await writeFile(file, body);
  const endpoint = s3Endpoint();
  await promisify(execFile)('aws', ['s3', 'cp', file, `s3://${bucket}/${key}`, ...(endpoint ? ['--endpoint-url', endpoint] : [])], {
    env: process.env,
  });
}
