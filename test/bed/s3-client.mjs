// The SDK client of the test bed's scripts and the benchmark's: the S3 at S3_ENDPOINT, with the
// checksum settings RGW accepts, and a pool to run many requests at once.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
export const sdk = await import('@aws-sdk/client-s3');
export const client = new sdk.S3Client({
  region: process.env.AWS_REGION || 'us-east-1',
  endpoint: process.env.S3_ENDPOINT,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});

/** Runs `task` on each of `items`, `width` at a time. */
export async function inParallel(items, width, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}
