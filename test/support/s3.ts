import { randomBytes } from 'node:crypto';
import { DEFAULTS, type Settings } from '../../src/workspace/config.js';

/**
 * The S3 the tests run against: the local Ceph RGW that test/bed/run-tests.sh starts, or any S3
 * named by S3_ENDPOINT (`aws` for AWS itself) with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
 * There is no fallback: without an S3 the S3 tests fail, they are never skipped.
 */
export function s3Endpoint(): string {
  const endpoint = process.env.S3_ENDPOINT;
  if (!endpoint) throw new Error('S3_ENDPOINT is not set: run the suite with `npm test`, which starts a local Ceph RGW');
  return endpoint === 'aws' ? '' : endpoint;
}

export function uniqueBucket(label: string): string {
  return `nbt-${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`.toLowerCase().slice(0, 63);
}

export function s3Settings(bucket: string, overrides: Partial<Settings> = {}): Settings {
  return {
    ...DEFAULTS,
    store: 's3',
    s3_bucket: bucket,
    s3_endpoint_url: s3Endpoint(),
    s3_region_name: process.env.AWS_REGION || 'us-east-1',
    ...overrides,
  };
}

/** A raw SDK client for setting up buckets the way other tools would (not a mock). */
export async function rawClient() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const sdk = await import('@aws-sdk/client-s3');
  const endpoint = s3Endpoint();
  const client = new sdk.S3Client({
    region: process.env.AWS_REGION || 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return { sdk, client };
}

/** Creates a bucket; versioning on unless asked otherwise. */
export async function createBucket(label: string, versioning: 'Enabled' | 'Suspended' | 'none' = 'Enabled'): Promise<string> {
  const bucket = uniqueBucket(label);
  const { sdk, client } = await rawClient();
  await client.send(new sdk.CreateBucketCommand({ Bucket: bucket }));
  if (versioning !== 'none') {
    await client.send(new sdk.PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: versioning } }));
  }
  return bucket;
}
