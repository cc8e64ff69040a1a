// Direct S3 work for the benchmark, with the SDK, in parallel (16 requests at a time):
//   node bench/s3.mjs seed BUCKET KEY N   write N versions of KEY, with nbstore's metadata and
//                                         commit index entries, as N pushes would (without N
//                                         sequential pushes)
import { createHash } from 'node:crypto';
import { entryKey, entryOf, fitsS3Key } from '../dist/src/store/commit-index.js';
import { client, inParallel, sdk } from '../test/bed/s3-client.mjs';

const [verb, bucket, key, count] = process.argv.slice(2);
if (verb === 'seed') {
  await inParallel(
    Array.from({ length: Number(count) }, (_, i) => i),
    16,
    async (i) => {
      const body = JSON.stringify({
        cells: [{ cell_type: 'code', source: `x = ${i}`, metadata: {}, outputs: [], execution_count: i }],
        metadata: {},
        nbformat: 4,
        nbformat_minor: 5,
      });
      const metadata = {
        'nbstore-author': 'bench',
        'nbstore-message': `version ${i}`,
        'nbstore-sha256': createHash('sha256').update(body).digest('hex'),
      };
      const put = await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: metadata }));
      const version = { key, versionId: put.VersionId, lastModified: new Date(), size: body.length, isDeleteMarker: false };
      await client.send(
        new sdk.PutObjectCommand({ Bucket: bucket, Key: entryKey(entryOf(version, metadata), fitsS3Key), Body: new Uint8Array() }),
      );
    },
  );
} else {
  process.stderr.write('usage: node bench/s3.mjs seed BUCKET KEY N\n');
  process.exit(2);
}
