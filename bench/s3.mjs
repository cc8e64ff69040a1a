// Writes N versions of one key straight to S3 (in parallel, with nbstore's metadata) so the
// benchmark can log a long history without N sequential pushes.
//   node bench/seed-versions.mjs BUCKET KEY N
import { createHash } from 'node:crypto';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3');

const [bucket, key, count] = process.argv.slice(2);
const client = new S3Client({
  region: process.env.AWS_REGION || 'us-east-1',
  endpoint: process.env.S3_ENDPOINT,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
let next = 0;
async function worker() {
  while (next < Number(count)) {
    const i = next++;
    const body = JSON.stringify({ cells: [{ cell_type: 'code', source: `x = ${i}`, metadata: {}, outputs: [], execution_count: i }], metadata: {}, nbformat: 4, nbformat_minor: 5 });
    await client.send(new PutObjectCommand({
      Bucket: bucket, Key: key, Body: body,
      Metadata: { 'nbstore-author': 'bench', 'nbstore-message': `version ${i}`, 'nbstore-sha256': createHash('sha256').update(body).digest('hex') },
    }));
  }
}
await Promise.all(Array.from({ length: 16 }, worker));
