import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { mapLimit } from '../src/lib/concurrency.js';
import { sha256 } from '../src/lib/fs.js';
import { MAX_NOTEBOOK_BYTES } from '../src/notebook/notebook.js';
import { bucketContents, putBehindNbstore, treeState } from './support/behind.js';
import { type CliResult, runBin, tempDir, testEnv } from './support/cli.js';
import { createBucket, uniqueBucket } from './support/s3.js';
import { notebookWith, spoolSave } from './support/saves.js';
import { makeWorkspace, pushedId, STORE_KINDS, type StoreKind, type TestWorkspace } from './support/workspace.js';

/** A workspace prepared once per store, copied afresh for each case. */
interface Prepared {
  ws: TestWorkspace;
  /** A version id prefix that two versions of nb.ipynb share. */
  ambiguous: string;
  /** A version of tampered.ipynb whose body does not match its recorded SHA-256. */
  tampered: string;
  /** Versions under keys that would name files outside the workspace, or in `.nbstore/`. */
  escaping: string;
  intoMachinery: string;
}

/** One case's own copy of the prepared workspace, at `<root>/ws`. */
interface Case {
  root: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  prepared: Prepared;
  /** The bucket whose contents must not change (S3 only; a case may point elsewhere). */
  bucket?: string;
  /** Undone after the case (a read-only directory must become writable again). */
  undo: Array<() => Promise<unknown>>;
}

interface BadInput {
  name: string;
  /** The stores it runs against: both unless it is about one. */
  stores?: readonly StoreKind[];
  /** Prepares the case's copy (and may change its environment or bucket). */
  setup?: (c: Case) => Promise<void>;
  argv: (c: Case) => string[];
  /** Where it runs, relative to the case's root; `ws` (the workspace) unless given. */
  cwd?: string;
  /** What the one line says. */
  says: RegExp;
  /** Exit status: 1 unless given. */
  exit?: number;
}

const run = promisify(execFile);

/**
 * Makes `dir` unwritable. Permission bits do not stop root, so as root it is made immutable with
 * `chattr +i` (ext4, xfs, btrfs); otherwise `chmod 0555` does. Undone after the case.
 */
async function makeReadOnly(c: Case, dir: string): Promise<void> {
  if (process.getuid?.() === 0) {
    await run('chattr', ['+i', dir]);
    c.undo.push(() => run('chattr', ['-i', dir]));
  } else {
    await chmod(dir, 0o555);
    c.undo.push(() => chmod(dir, 0o755));
  }
}

const CASES: BadInput[] = [
  { name: 'a file that is not JSON', argv: () => ['push', 'text.ipynb'], says: /^text\.ipynb: not a notebook \(not JSON\)$/ },
  {
    name: 'JSON that is not a notebook',
    argv: () => ['push', 'list.ipynb'],
    says: /^list\.ipynb: not a notebook \(JSON but not an object\)$/,
  },
  {
    name: 'a notebook over the 256 MiB limit (a sparse file)',
    stores: ['embedded'],
    setup: async (c) => {
      await writeFile(join(c.dir, 'big.ipynb'), '');
      await truncate(join(c.dir, 'big.ipynb'), MAX_NOTEBOOK_BYTES + 1);
    },
    argv: () => ['push', 'big.ipynb'],
    says: /^big\.ipynb: 268435457 bytes is over nbstore's limit of 268435456 bytes \(256 MiB\)$/,
  },
  {
    name: 'an unknown revision',
    stores: ['embedded'],
    argv: () => ['show', 'nosuchversion0123456789', 'nb.ipynb'],
    says: /^nb\.ipynb: no version nosuchversion0123456789$/,
  },
  {
    name: 'an ambiguous prefix',
    stores: ['embedded'],
    argv: (c) => ['show', c.prepared.ambiguous, 'nb.ipynb'],
    says: /is ambiguous: it could be \S+, \S+/,
  },
  {
    name: '~N beyond the first version',
    stores: ['embedded'],
    argv: () => ['show', '~40', 'nb.ipynb'],
    says: /^nb\.ipynb: ~40 is beyond the first version \(\d+ versions\)$/,
  },
  {
    name: 'a malformed @{date}',
    stores: ['embedded'],
    argv: () => ['show', '@{2026-13-45}', 'nb.ipynb'],
    says: /^@\{2026-13-45\}: cannot read "2026-13-45" as a time/,
  },
  {
    name: 'a time before the first version (said in local time, as log says times)',
    stores: ['embedded'],
    argv: () => ['show', '@{2000-01-02T03:04}', 'nb.ipynb'],
    says: /^nb\.ipynb: no version at or before 2000-01-02 03:04$/,
  },
  {
    name: 'a path outside the workspace',
    stores: ['embedded'],
    argv: () => ['push', '../elsewhere.ipynb'],
    says: /^\.\.\/elsewhere\.ipynb: outside the workspace /,
  },
  {
    name: 'a directory given as the notebook',
    stores: ['embedded'],
    argv: () => ['log', 'folder'],
    says: /^folder: is a directory, not a notebook$/,
  },
  {
    name: 'a directory given as the file to write',
    stores: ['embedded'],
    argv: () => ['checkout', 'latest', 'nb.ipynb', '-o', 'folder'],
    says: /folder: is a directory, not a notebook$/,
  },
  {
    name: 'a missing bucket',
    stores: ['s3'],
    setup: async (c) => {
      c.bucket = uniqueBucket('gone');
      c.env.NBSTORE_S3_BUCKET = c.bucket;
    },
    argv: () => ['log', 'nb.ipynb'],
    says: /the bucket does not exist/,
  },
  {
    name: 'versioning suspended since init',
    stores: ['s3'],
    setup: async (c) => {
      c.bucket = await createBucket('suspended', 'Suspended');
      c.env.NBSTORE_S3_BUCKET = c.bucket;
    },
    argv: () => ['push', 'edited.ipynb'],
    says: /^versioning is suspended on bucket nbt-suspended-\S+, so a push would overwrite earlier saves; nothing was pushed/,
  },
  {
    name: 'wrong credentials',
    stores: ['s3'],
    setup: async (c) => {
      Object.assign(c.env, { NBSTORE_S3_ACCESS_KEY_ID: 'NBWRONGKEYID0000', NBSTORE_S3_SECRET_ACCESS_KEY: 'wrong-secret-0000' });
    },
    argv: () => ['push', 'edited.ipynb'],
    says: /^the S3 credentials were rejected \(check the access key id and secret\)$/,
  },
  {
    name: 'an endpoint that refuses connections',
    stores: ['s3'],
    setup: async (c) => {
      c.env.NBSTORE_S3_ENDPOINT_URL = 'http://127.0.0.1:9';
    },
    argv: () => ['show', 'latest', 'nb.ipynb'],
    says: /^cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\); check s3_endpoint_url \(set with --endpoint-url, NBSTORE_S3_ENDPOINT_URL, JPYNB_S3_ENDPOINT_URL or "s3_endpoint_url" in \.nbstore\/config\.json\)$/,
  },
  {
    name: 'a corrupt .nbstore/config.json',
    stores: ['embedded'],
    setup: (c) => writeFile(join(c.dir, '.nbstore', 'config.json'), '{"store": "embedded",'),
    argv: () => ['log', 'nb.ipynb'],
    says: /^\.nbstore\/config\.json: not valid JSON; fix it, or remove it and run nbstore init again$/,
  },
  {
    name: 'an unknown setting in the user config',
    stores: ['embedded'],
    setup: async (c) => {
      await mkdir(join(c.dir, '.config', 'nbstore'), { recursive: true });
      await writeFile(join(c.dir, '.config', 'nbstore', 'config.json'), '{"s3_secret_acess_key": "typo"}');
    },
    argv: () => ['log', 'nb.ipynb'],
    says: /config\.json: unknown setting "s3_secret_acess_key"$/,
  },
  {
    name: 'a setting in the environment that is not a number',
    stores: ['embedded'],
    setup: async (c) => {
      c.env.NBSTORE_MAX_THREADS = 'lots';
    },
    argv: () => ['log', 'nb.ipynb'],
    says: /^environment NBSTORE_MAX_THREADS: max_threads must be a whole number from 1 to 1024$/,
  },
  {
    name: 'a corrupt state file (says how to recover)',
    stores: ['embedded'],
    setup: (c) => writeFile(join(c.dir, '.nbstore', 'state', `${sha256('nb.ipynb').slice(0, 32)}.json`), '{"path": "nb.ipynb", "base": '),
    argv: () => ['checkout', '~1', 'nb.ipynb'],
    says: /^\.nbstore\/state\/[0-9a-f]{32}\.json is corrupt; remove it \(rm \.nbstore\/state\/[0-9a-f]{32}\.json\) and nbstore starts afresh for that notebook/,
  },
  {
    name: 'a version whose body does not match its recorded SHA-256',
    argv: (c) => ['checkout', c.prepared.tampered],
    says: /^workspace\/tampered\.ipynb@\S+: the stored body does not match its recorded SHA-256; refusing to use it$/,
  },
  {
    name: 'show of a version whose body does not match its recorded SHA-256',
    stores: ['s3'],
    argv: (c) => ['show', c.prepared.tampered, '--raw'],
    says: /^workspace\/tampered\.ipynb@\S+: the stored body does not match its recorded SHA-256; refusing to use it$/,
  },
  {
    name: 'a key with .. that would name a file outside the workspace',
    argv: (c) => ['checkout', c.prepared.escaping],
    says: /^"workspace\/\.\.\/escaped\.ipynb": refusing a key with "\.\." in its path/,
  },
  {
    name: 'a clone of a key with ..',
    argv: () => ['clone', 'workspace/../escaped.ipynb', 'clones/'],
    says: /^"workspace\/\.\.\/escaped\.ipynb": refusing a key with "\.\." in its path/,
  },
  {
    name: 'a key that would write into .nbstore/',
    stores: ['embedded'],
    argv: (c) => ['checkout', c.prepared.intoMachinery],
    says: /^"workspace\/\.nbstore\/state\.json": refusing a key with "\.nbstore" in its path/,
  },
  {
    name: 'checkout over unpushed edits',
    stores: ['embedded'],
    argv: () => ['checkout', '~1', 'edited.ipynb'],
    says: /^edited\.ipynb: has local changes that are not pushed; push them first, or checkout --force/,
  },
  {
    name: 'checkout while saves wait in the spool',
    stores: ['embedded'],
    setup: async (c) => {
      await spoolSave(c.dir, 'nb.ipynb', notebookWith('waiting'));
    },
    argv: () => ['checkout', '~1', 'nb.ipynb'],
    says: /^nb\.ipynb: 1 save not yet pushed; run nbstore push first, or checkout --force$/,
  },
  {
    name: 'checkout -o into a read-only directory',
    stores: ['embedded'],
    setup: (c) => makeReadOnly(c, join(c.dir, 'readonly')),
    argv: () => ['checkout', 'latest', 'nb.ipynb', '-o', 'readonly/copy.ipynb'],
    says: /readonly\/copy\.ipynb: permission denied$/,
  },
  {
    name: 'checkout of a notebook whose folder is read-only',
    stores: ['embedded'],
    setup: (c) => makeReadOnly(c, join(c.dir, 'readonly')),
    argv: () => ['checkout', '~1', 'readonly/deep.ipynb'],
    says: /readonly\/deep\.ipynb: permission denied$/,
  },
  {
    name: 'checkout -o to a path under a file',
    stores: ['embedded'],
    argv: () => ['checkout', 'latest', 'nb.ipynb', '-o', 'nb.ipynb/copy.ipynb'],
    says: /nb\.ipynb\/copy\.ipynb: part of its directory path is a file$/,
  },
  {
    name: 'a mistyped option after a push (nothing pushed first)',
    argv: () => ['push', 'edited.ipynb', '--mesage', 'typo'],
    says: /^unknown option --mesage; did you mean --message\? \(nbstore push --help lists the options\)$/,
    exit: 2,
  },
  {
    name: 'a mistyped option after a checkout (nothing checked out first)',
    stores: ['embedded'],
    argv: () => ['checkout', '~1', 'nb.ipynb', '--frce'],
    says: /^unknown option --frce; did you mean --force\? \(nbstore checkout --help lists the options\)$/,
    exit: 2,
  },
  {
    name: 'a message starting with - and an unknown option',
    stores: ['embedded'],
    argv: () => ['push', 'edited.ipynb', '-m', '-fix', '--bogus'],
    says: /^unknown option --bogus \(nbstore push --help lists the options\)$/,
    exit: 2,
  },
  ...['abc', '-1', '0', '2.5'].map((n) => ({
    name: `log -n ${n}`,
    stores: ['embedded'] as const,
    argv: () => ['log', 'nb.ipynb', '-n', n],
    says: new RegExp(`^-n/--max-count takes a whole number of at least 1, not "${n.replace('.', '\\.')}"$`),
    exit: 2,
  })),
  {
    name: 'show without a revision',
    stores: ['embedded'],
    argv: () => ['show'],
    says: /^show: <rev> is missing \(usage: nbstore show <rev> \[path\]; nbstore show --help explains\)$/,
    exit: 2,
  },
  {
    name: 'a mistyped hook action',
    stores: ['embedded'],
    argv: () => ['hook', 'instal'],
    says: /^hook: "instal" is not an action; did you mean nbstore hook install\? \(one of install, uninstall, status, flush\)$/,
    exit: 2,
  },
  {
    name: 'a short version id prefix starting with -',
    stores: ['embedded'],
    argv: () => ['checkout', '-9s', 'nb.ipynb'],
    says: /^-9s: read as options; if it is a version id, write -- before it \(nbstore checkout -- -9s nb\.ipynb\)$/,
    exit: 2,
  },
  {
    name: 'a mistyped command',
    stores: ['embedded'],
    argv: () => ['pusj', 'edited.ipynb'],
    says: /^unknown command "pusj"; did you mean nbstore push\? \(nbstore --help lists the commands\)$/,
    exit: 2,
  },
  {
    name: 'an S3 workspace whose config names no bucket',
    stores: ['s3'],
    setup: (c) => writeFile(join(c.dir, '.nbstore', 'config.json'), '{"store": "s3"}'),
    argv: () => ['push', 'edited.ipynb'],
    says: /^s3_bucket is not set, and this workspace keeps its versions in S3 \(set it with --bucket, NBSTORE_S3_BUCKET, JPYNB_S3_BUCKET or "s3_bucket" in \.nbstore\/config\.json\)$/,
  },
  {
    name: 'an endpoint that is not a URL (its password not printed)',
    stores: ['s3'],
    setup: async (c) => {
      c.env.NBSTORE_S3_ENDPOINT_URL = 'htp//kylek:hunter2@rgw';
    },
    argv: () => ['push', 'edited.ipynb'],
    says: /^s3_endpoint_url "htp\/\/\*\*\*@rgw" is not an http:\/\/ or https:\/\/ URL/,
  },
  {
    name: 'an endpoint URL with a password that refuses connections',
    stores: ['s3'],
    setup: async (c) => {
      c.env.NBSTORE_S3_ENDPOINT_URL = 'http://kylek:hunter2@127.0.0.1:9';
    },
    argv: () => ['log', 'nb.ipynb'],
    says: /^cannot reach the S3 endpoint http:\/\/\*\*\*@127\.0\.0\.1:9 \(ECONNREFUSED\)/,
  },
  {
    name: 'checkout -o into a directory that takes no files',
    stores: ['embedded'],
    argv: () => ['checkout', 'latest', 'nb.ipynb', '-o', '/proc/x.ipynb'],
    says: /^cannot write \/proc\/x\.ipynb: its directory is not writable$/,
  },
  {
    name: 'init with an invalid bucket name',
    stores: ['embedded'],
    cwd: '.',
    argv: () => ['init', 's3://Not_A_Bucket'],
    says: /^Not_A_Bucket: not a valid S3 bucket name$/,
    exit: 2,
  },
];

async function prepare(kind: StoreKind): Promise<Prepared> {
  const ws = await makeWorkspace(kind);
  for (const [name, text] of [
    ['text.ipynb', 'this is not json'],
    ['list.ipynb', '[1, 2, 3]'],
  ] as const) {
    await writeFile(join(ws.dir, name), text);
  }
  await mkdir(join(ws.dir, 'folder'));
  await mkdir(join(ws.dir, 'readonly'));

  // Push nb.ipynb until two of its version ids share a first character (certain within 63
  // pushes) that is not '-', which a command line would read as an option.
  const seen = new Map<string, string>();
  let ambiguous: string | undefined;
  for (let n = 0; !ambiguous; n++) {
    await writeFile(join(ws.dir, 'nb.ipynb'), notebookWith(`nb ${n}`));
    const id = pushedId(await ws.ok('push', 'nb.ipynb'));
    const first = id[0] as string;
    if (seen.has(first) && first !== '-') ambiguous = first;
    seen.set(first, id);
  }
  for (const n of [1, 2]) {
    await writeFile(join(ws.dir, 'edited.ipynb'), notebookWith(`edited ${n}`));
    await ws.ok('push', 'edited.ipynb');
    await writeFile(join(ws.dir, 'readonly', 'deep.ipynb'), notebookWith(`deep ${n}`));
    await ws.ok('push', 'readonly/deep.ipynb');
  }
  await writeFile(join(ws.dir, 'edited.ipynb'), notebookWith('edited, not pushed'));

  const tampered = await putBehindNbstore(ws, 'workspace/tampered.ipynb', notebookWith('tampered'), {
    'nbstore-sha256': sha256(notebookWith('original')),
  });
  const escaping = await putBehindNbstore(ws, 'workspace/../escaped.ipynb', notebookWith('escaped'));
  const intoMachinery = await putBehindNbstore(ws, 'workspace/.nbstore/state.json', notebookWith('machinery'));
  return { ws, ambiguous, tampered, escaping, intoMachinery };
}

async function runCase(prepared: Prepared, bad: BadInput): Promise<CliResult> {
  const root = await tempDir('nbstore-bad-');
  const dir = join(root, 'ws');
  await cp(prepared.ws.dir, dir, { recursive: true });
  const c: Case = { root, dir, env: testEnv(dir), prepared, ...(prepared.ws.bucket ? { bucket: prepared.ws.bucket } : {}), undo: [] };
  try {
    await bad.setup?.(c);
    // The whole case root, so that a file written beside the workspace shows too; the cache holds
    // copies of versions already in the store, which reading may fill.
    const skip = [join('ws', '.nbstore', 'cache')];
    const before = { files: await treeState(root, skip), bucket: c.bucket ? await bucketContents(c.bucket) : [] };
    const result = await runBin(bad.argv(c), { cwd: join(root, bad.cwd ?? 'ws'), env: c.env, timeoutMs: 30_000 });
    const after = { files: await treeState(root, skip), bucket: c.bucket ? await bucketContents(c.bucket) : [] };
    assert.deepEqual(after, before, 'nothing written, nothing sent');
    return result;
  } finally {
    for (const undo of c.undo) await undo();
  }
}

describe('bad input', () => {
  it(`${CASES.length} kinds of bad input each get one line on stderr, a non-zero exit, no stack trace, and nothing written`, async (t) => {
    const prepared = new Map(await Promise.all(STORE_KINDS.map(async (kind) => [kind, await prepare(kind)] as const)));
    const runs = CASES.flatMap((bad) => (bad.stores ?? STORE_KINDS).map((kind) => ({ bad, kind })));
    // Every case runs; the failures are reported together.
    const failures = (
      await mapLimit(runs, 4, async ({ bad, kind }) => {
        try {
          const result = await runCase(prepared.get(kind) as Prepared, bad);
          assert.equal(result.status, bad.exit ?? 1, `exit status; stderr: ${result.stderr}`);
          assert.match(result.stderr, /^nbstore: [^\n]+\n$/, 'one line on stderr');
          assert.match(result.stderr.slice('nbstore: '.length, -1), bad.says);
          assert.doesNotMatch(result.stderr, /internal error|\bat .*:\d+:\d+/, 'no stack trace');
          assert.equal(result.stdout, '', 'nothing on stdout');
          return [];
        } catch (err) {
          return [`${bad.name} (${kind}): ${(err as Error).message.split('\n')[0]}`];
        }
      })
    ).flat();
    assert.deepEqual(failures, []);
    t.diagnostic(
      `${CASES.length} cases, ${runs.length} runs of the real executable (${runs.filter((r) => r.kind === 's3').length} on RGW)`,
    );
  });
});
