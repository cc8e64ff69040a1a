import { defineCommand, writeLine } from '../cli/command.js';
import { NbstoreError } from '../lib/errors.js';
import { keysUnder } from '../store/keys.js';
import type { PartialSettings } from '../workspace/config.js';
import { parseStoreUrl } from '../workspace/config.js';
import { Workspace } from '../workspace/workspace.js';

/** `s3://bucket[/prefix]` → bucket and workspace prefix. */
export default defineCommand({
  command: 'init [store]',
  describe: 'Make the current directory an nbstore workspace',
  examples: [
    ['$0 init', 'Keep versions in the embedded store inside .nbstore/ (no cloud account needed)'],
    ['$0 init s3://team-notebooks/workspace/kylek/notebooks', 'Keep versions in a versioned S3 bucket under that prefix'],
    ['$0 init s3://my-bucket --endpoint-url http://127.0.0.1:9000 --create-bucket', 'Use MinIO or Ceph, creating a versioned bucket'],
  ],
  builder: (yargs) =>
    yargs
      .positional('store', { type: 'string', describe: 's3://bucket[/workspace prefix]; omit for the embedded store' })
      .option('create-bucket', { type: 'boolean', default: false, describe: 'Create the bucket (with versioning) if it does not exist' })
      .option('enable-versioning', { type: 'boolean', default: false, describe: 'Turn on versioning if the bucket does not have it' }),
  async run(args, { io, flags }) {
    const root = io.cwd;
    if (await Workspace.exists(root)) {
      // The hint `status` and `push` print for a bucket without versioning, in a workspace.
      if (!args.enableVersioning || args.store !== undefined || args.createBucket)
        throw new NbstoreError(
          'already-a-workspace',
          `${root} is already an nbstore workspace${args.enableVersioning ? ' (nbstore init --enable-versioning alone turns on versioning for its bucket)' : ''}`,
        );
      const workspace = await Workspace.load(root, io, flags);
      const store = await workspace.openStore();
      const done = await store.check({ enableVersioning: true });
      writeLine(
        io.stdout,
        done.enabledVersioning ? `turned on versioning for ${store.location}` : `versioning is already on for ${store.location}`,
      );
      return;
    }
    // Only what was asked for here goes into the workspace's config; credentials never do.
    const config: PartialSettings = { store: args.store ? 's3' : 'embedded' };
    if (args.store) {
      const { bucket, prefix } = parseStoreUrl(args.store);
      config.s3_bucket = bucket;
      if (prefix !== undefined) config.workspace_prefix = prefix;
    }
    for (const name of ['s3_endpoint_url', 's3_region_name', 'workspace_prefix', 'published_prefix', 'max_threads'] as const) {
      if (flags[name] !== undefined) Object.assign(config, { [name]: flags[name] });
    }
    const workspace = await Workspace.withConfig(root, io, flags, config);
    const store = await workspace.openStore();
    const done = await store.check({ createBucket: args.createBucket, enableVersioning: args.enableVersioning });
    await Workspace.create(root, config);
    if (done.createdBucket) writeLine(io.stdout, `created bucket ${store.location} with versioning on`);
    else if (done.enabledVersioning) writeLine(io.stdout, `turned on versioning for ${store.location}`);
    const where = workspace.settings.store === 's3' ? `s3://${workspace.settings.s3_bucket}` : 'the embedded store (.nbstore/store)';
    writeLine(io.stdout, `Initialised nbstore workspace in ${root}`);
    writeLine(
      io.stdout,
      `notebooks are versioned in ${where}${workspace.settings.workspace_prefix ? ` under ${keysUnder(workspace.settings.workspace_prefix)}` : ' at its root (no prefix)'}`,
    );
  },
});
