#!/usr/bin/env node
// Removes buckets from the S3 at S3_ENDPOINT, every version and delete marker first, 8 buckets
// at a time. The local RGW keeps objects in memory (memstore), so what runs leave behind must go.
//
//   node test/bed/remove-buckets.mjs BUCKET...          these buckets
//   node test/bed/remove-buckets.mjs --prefix nbt-       every bucket whose name starts so and
//                                                        that is over 10 minutes old (so that
//                                                        a run under way keeps its own)
import { client, inParallel, sdk } from './s3-client.mjs';

async function removeBucket(bucket, width) {
  for (;;) {
    const page = await client.send(new sdk.ListObjectVersionsCommand({ Bucket: bucket }));
    const entries = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])];
    if (entries.length === 0) break;
    await inParallel(entries, width, (e) =>
      client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: e.Key, VersionId: e.VersionId })),
    );
  }
  await client.send(new sdk.DeleteBucketCommand({ Bucket: bucket }));
}

const args = process.argv.slice(2);
let buckets = args;
if (args[0] === '--prefix' && args[1]) {
  const listed = await client.send(new sdk.ListBucketsCommand({}));
  const before = Date.now() - 10 * 60 * 1000;
  buckets = (listed.Buckets ?? [])
    .filter((b) => b.Name?.startsWith(args[1]) && (b.CreationDate?.getTime() ?? 0) < before)
    .map((b) => b.Name);
} else if (args.length === 0 || args[0].startsWith('-')) {
  process.stderr.write('usage: node test/bed/remove-buckets.mjs BUCKET... | --prefix PREFIX\n');
  process.exit(2);
}
// About 16 requests at a time in all: RGW on two cores has no more to give.
const width = Math.min(8, buckets.length);
await inParallel(buckets, width, (bucket) => removeBucket(bucket, Math.floor(16 / width)));
if (args[0] === '--prefix' && buckets.length > 0)
  process.stderr.write(`removed ${buckets.length} bucket${buckets.length === 1 ? '' : 's'} named ${args[1]}* that earlier runs left\n`);
