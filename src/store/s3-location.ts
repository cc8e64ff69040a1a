import type { Settings } from '../config.js';

/**
 * An S3 store's identity (`id`, which keys the version cache) and its name in messages. Apart
 * from the S3 store itself so that naming a store does not load the AWS SDK.
 */
export function s3Location(settings: Settings): { id: string; location: string } {
  const endpoint = settings.s3_endpoint_url || undefined;
  return { id: `s3://${endpoint ?? 'aws'}/${settings.s3_bucket}`, location: `s3://${settings.s3_bucket}` };
}
