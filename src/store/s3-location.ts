import type { StoreSettings } from './settings.js';

/**
 * An S3 store's identity (`id`, which keys the version cache) and its name in messages. Apart
 * from the S3 store itself so that naming a store does not load the AWS SDK. Version ids are
 * unique within a bucket, so the bucket alone identifies cached versions, whichever endpoint
 * (or proxy) reaches it.
 */
export function s3Location(settings: StoreSettings): { id: string; location: string } {
  return { id: `s3://${settings.s3_bucket}`, location: `s3://${settings.s3_bucket}` };
}
