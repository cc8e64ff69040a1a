// Direct S3 work for the benchmark, with the SDK, in parallel (16 requests at a time):
//   node bench/s3.mjs seed BUCKET KEY N   write N versions of KEY, with nbstore's metadata, so a
//                                         long history exists without N sequential pushes
import { createHash } from 'node:crypto';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const sdk = await import('@aws-sdk/client-s3');
const client = new sdk.S3Client({
  region: process.env.AWS_REGION || 'us-east-1',
  endpoint: process.env.S3_ENDPOINT,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});

async function inParallel(count, task) {
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < count) await task(next++);
  }));
}

const [verb, bucket, key, count] = process.argv.slice(2);
if (verb === 'seed') {
  await inParallel(Number(count), async (i) => {
    const body = JSON.stringify({ cells: [{ cell_type: 'code', source: `x = ${i}`, metadata: {}, outputs: [], execution_count: i }], metadata: {}, nbformat: 4, nbformat_minor: 5 });
    await client.send(new sdk.PutObjectCommand({
      Bucket: bucket, Key: key, Body: body,
      Metadata: { 'nbstore-author': 'bench', 'nbstore-message': `version ${i}`, 'nbstore-sha256': createHash('sha256').update(body).digest('hex') },
    }));
  });
} else {
  process.stderr.write('usage: node bench/s3.mjs seed BUCKET KEY N\n');
  process.exit(2);
}
