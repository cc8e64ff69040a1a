#!/usr/bin/env node
// nbstore's benchmark: the same jobs done by nbstore and by the AWS CLI / rclone against the
// same local Ceph RGW, run alternately, medians and ratios printed. It asserts nothing. Every
// nbstore case runs on the machine's Node and on Node 24 (from the npm registry, installed once
// into ~/.cache/nbstore-bench), alternating with the peer; one table per Node. Cases marked
// "20 ms RTT" go through a proxy of the bench's own that holds each request 20 ms, as a round
// trip to an S3 region does (both nbstore and the peer go through it).
//
//   npm run bench                 # everything (a few minutes)
//   npm run bench -- --runs 3     # fewer runs per case
//   npm run bench -- --only log   # cases whose name contains "log"
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCountingProxy } from './counting-proxy.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nbstoreBin = join(root, 'bin', 'nbstore.js');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const RUNS = Number(option('runs', '7'));
const ONLY = option('only', '');
/** Whether a group of cases (and its data set-up) runs: `--only` names one group. */
const want = (group) => !ONLY || group.includes(ONLY);

// ---------------------------------------------------------------- test bed and peers
function sh(command, env = process.env) {
  return execFileSync('bash', ['-c', command], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] });
}

function ensureTools() {
  const missing = ['aws', 'rclone'].filter((tool) => spawnSync('bash', ['-c', `command -v ${tool}`]).status !== 0);
  if (missing.length === 0) return;
  const packages = missing.map((tool) => (tool === 'aws' ? 'awscli' : tool)).join(' ');
  console.error(`installing ${packages} from Debian's packages…`);
  sh(`(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages}) > /tmp/nbstore-bench-install.log 2>&1`);
}

/** A Node 24 binary: the `node` package of the npm registry ships one at node_modules/node/bin/node
 * (its install script fetches the platform's build; checked by asking it its version). */
function node24() {
  const prefix = join(homedir(), '.cache', 'nbstore-bench', 'node24');
  const bin = join(prefix, 'node_modules', 'node', 'bin', 'node');
  const version = () => spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  if (!existsSync(bin) || !version().startsWith('v24.')) {
    console.error('installing Node 24 from the npm registry…');
    sh(`npm install --prefix ${JSON.stringify(prefix)} --no-audit --no-fund --no-save node@24 > /tmp/nbstore-bench-node24.log 2>&1`);
  }
  if (!version().startsWith('v24.')) throw new Error(`${bin} is not Node 24 (it says "${version()}")`);
  return { bin, version: version() };
}

function s3Environment() {
  const exports = sh(`bash ${join(root, 'test', 'bed', 'ceph-rgw-up')}`);
  const env = {};
  for (const [, name, value] of exports.matchAll(/(\w+)=(\S+)/g)) env[name] = value;
  return env;
}

// ---------------------------------------------------------------- measuring
function run(argv, { env, cwd, input } = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv.slice(1), { cwd, env, input, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${argv.join(' ')} failed (${result.status}): ${(result.stderr || result.stdout).slice(0, 500)}`);
  }
  return { ms, stdout: result.stdout };
}

/** Peak resident memory of a command, in bytes (GNU time). */
function peakMemory(argv, options) {
  const result = spawnSync('/usr/bin/time', ['-f', '%M', ...argv], { ...options, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr.slice(-500)}`);
  return Number(result.stderr.trim().split('\n').pop()) * 1024;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Writes a generated notebook (bench/make-notebook.mjs) of about `mb` megabytes. */
function makeNotebook(path, { cells, mb, edit = false }) {
  run([
    process.execPath,
    join(root, 'bench', 'make-notebook.mjs'),
    path,
    '--cells',
    String(cells),
    '--mb',
    String(mb),
    ...(edit ? ['--edit'] : []),
  ]);
}

/** Changes a notebook in place, so that pushing it stores a new version: the source of `count`
 * cells, marked with `edit`. */
function editNotebook(path, edit, count = 1) {
  const notebook = JSON.parse(readFileSync(path, 'utf8'));
  for (let i = 0; i < count && i < notebook.cells.length; i++) {
    const cell = notebook.cells[(i * 7 + edit) % notebook.cells.length];
    cell.source = [`# edit ${edit}\n`, ...[].concat(cell.source).slice(1)];
  }
  writeFileSync(path, JSON.stringify(notebook, null, 1));
}

const rows = [];
const notes = [];
/** The Node builds nbstore runs on, the machine's first; `nodeBin` is the one running now. */
let nodes = [{ version: process.version, bin: process.execPath }];
let nodeBin = process.execPath;

/** Runs nbstore (on each Node) and its peer alternately, `RUNS` times each, after one warm-up of each. */
function compare(name, goal, nbstoreRun, peerName, peerRun, requests) {
  process.stderr.write(`${name}: `);
  const ours = nodes.map(() => []);
  for (const [n, node] of nodes.entries()) {
    nodeBin = node.bin;
    nbstoreRun(true);
    if (n === 0) peerRun?.(true);
  }
  const theirs = [];
  for (let i = 0; i < RUNS; i++) {
    for (const [n, node] of nodes.entries()) {
      nodeBin = node.bin;
      ours[n].push(nbstoreRun(false));
    }
    if (peerRun) theirs.push(peerRun(false));
    process.stderr.write('.');
  }
  nodeBin = process.execPath;
  process.stderr.write('\n');
  const b = peerRun ? median(theirs) : undefined;
  const counted = requests?.();
  for (const [n, node] of nodes.entries()) {
    const a = median(ours[n]);
    rows.push({ node: node.version, name, nbstore: a, peerName, peer: b, ratio: b ? a / b : undefined, goal, requests: counted });
  }
}

// ---------------------------------------------------------------- the cases
function main() {
  ensureTools();
  const s3 = s3Environment();
  const endpoint = s3.S3_ENDPOINT;
  const env = { ...process.env, ...s3, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  // rclone 1.60 refuses to start while AWS_CA_BUNDLE is set.
  const rcloneEnv = {
    ...env,
    RCLONE_CONFIG_RGW_TYPE: 's3',
    RCLONE_CONFIG_RGW_PROVIDER: 'Ceph',
    RCLONE_CONFIG_RGW_ENDPOINT: endpoint,
    RCLONE_CONFIG_RGW_ACCESS_KEY_ID: s3.AWS_ACCESS_KEY_ID,
    RCLONE_CONFIG_RGW_SECRET_ACCESS_KEY: s3.AWS_SECRET_ACCESS_KEY,
  };
  delete rcloneEnv.AWS_CA_BUNDLE;

  const bucket = `nbbench-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const work = mkdtempSync(join(tmpdir(), 'nbstore-bench-'));
  const ws = join(work, 'ws');
  mkdirSync(ws);
  nodes = [{ version: process.version, bin: process.execPath }];
  if (!process.version.startsWith('v24.')) {
    const { bin, version } = node24();
    nodes.push({ version, bin });
  }
  const proxy = startCountingProxy(endpoint);
  // A region's round trip: nbstore and rclone both reach the RGW through it.
  const far = startCountingProxy(endpoint, { delayMs: 20 });
  const farEnv = { ...env, NBSTORE_S3_ENDPOINT_URL: far.url };
  const farRcloneEnv = { ...rcloneEnv, RCLONE_CONFIG_RGW_ENDPOINT: far.url };
  const bed = {
    bucket,
    work,
    ws,
    env,
    rcloneEnv,
    farRcloneEnv,
    aws: (...argv) => ['aws', '--endpoint-url', endpoint, ...argv],
    nbstore: (...argv) => [nodeBin, nbstoreBin, ...argv],
    /** Runs nbstore in the workspace. */
    inWs: (...argv) => run([nodeBin, nbstoreBin, ...argv], { env, cwd: ws }),
    /** Runs nbstore in the workspace, 20 ms from its S3. */
    farWs: (...argv) => run([nodeBin, nbstoreBin, ...argv], { env: farEnv, cwd: ws }),
    clearCache: () => rmSync(join(ws, '.nbstore', 'cache'), { recursive: true, force: true }),
    seed: (key, count) => run([process.execPath, join(root, 'bench', 's3.mjs'), 'seed', bucket, key, String(count)], { env }),
    /** The S3 requests a command makes, counted by a proxy in front of the endpoint. */
    requests: (argv) => {
      proxy.reset();
      run(argv, { env: { ...env, NBSTORE_S3_ENDPOINT_URL: proxy.url }, cwd: ws });
      return proxy.count();
    },
  };
  bed.inWs('init', `s3://${bucket}`, '--endpoint-url', endpoint, '--create-bucket');
  try {
    for (const [group, cases] of Object.entries(CASES)) if (want(group)) cases(bed);
  } finally {
    proxy.close();
    far.close();
    run([process.execPath, join(root, 'test', 'bed', 'remove-buckets.mjs'), bucket], { env });
    rmSync(work, { recursive: true, force: true });
  }
  print();
}

/** A folder of 200 small notebooks, and a function that edits every one of them again. */
function folderOf200(folder) {
  mkdirSync(folder);
  const names = Array.from({ length: 200 }, (_, i) => `nb-${String(i).padStart(3, '0')}.ipynb`);
  makeNotebook(join(folder, names[0]), { cells: 20, mb: 0.02 });
  for (const name of names.slice(1)) copyFileSync(join(folder, names[0]), join(folder, name));
  let edit = 0;
  const editAll = () => {
    edit++;
    for (const name of names) editNotebook(join(folder, name), edit);
  };
  return { folder, editAll };
}

const CASES = {
  version({ nbstore, env }) {
    compare(
      '`nbstore --version`',
      '≤ 1.6×',
      () => run(nbstore('--version'), { env }).ms,
      "`node -e 0` (the machine's Node)",
      () => run([process.execPath, '-e', '0']).ms,
    );
  },

  log200({ aws, bucket, env, ws, inWs, clearCache, seed, requests, nbstore }) {
    seed('workspace/log200.ipynb', 200);
    const peer = () => run(aws('s3api', 'list-object-versions', '--bucket', bucket, '--prefix', 'workspace/log200.ipynb'), { env }).ms;
    const log = nbstore('log', 'log200.ipynb');
    compare(
      '`nbstore log` (200 versions, metadata cached)',
      '≤ 0.3×',
      () => inWs('log', 'log200.ipynb').ms,
      '`aws s3api list-object-versions`',
      peer,
      () => requests(log),
    );
    compare(
      '`nbstore log` (200 versions, cold cache)',
      '≤ 0.35×',
      () => {
        clearCache();
        return inWs('log', 'log200.ipynb').ms;
      },
      '`aws s3api list-object-versions`',
      peer,
      () => {
        clearCache();
        return requests(log);
      },
    );
    notes.push(`peak memory of \`nbstore log\` of 200 versions: ${mb(peakMemory(log, { env, cwd: ws }))}`);
  },

  push5mb({ aws, bucket, env, ws, inWs, requests, nbstore }) {
    const big = join(ws, 'big.ipynb');
    makeNotebook(big, { cells: 300, mb: 5 });
    let edit = 0;
    // A changed notebook each time, so that each push stores a version.
    compare(
      '`nbstore push` (5 MB notebook)',
      '≤ 0.5×',
      () => {
        editNotebook(big, ++edit);
        return inWs('push', 'big.ipynb').ms;
      },
      '`aws s3 cp`',
      () => run(aws('s3', 'cp', big, `s3://${bucket}/peer/big.ipynb`), { env }).ms,
      () => {
        editNotebook(big, ++edit);
        return requests(nbstore('push', 'big.ipynb'));
      },
    );
  },

  'push200 clone200'({ bucket, work, ws, rcloneEnv, inWs, clearCache, requests, nbstore }) {
    const { folder, editAll } = folderOf200(join(ws, 'many'));
    if (want('push200')) {
      compare(
        '`nbstore push` (folder of 200 notebooks, loopback)',
        '—',
        () => {
          editAll();
          return inWs('push', 'many').ms;
        },
        '`rclone copy --transfers 16`',
        () => {
          editAll();
          return run(['rclone', 'copy', '--transfers', '16', folder, `rgw:${bucket}/peer/many`], { env: rcloneEnv }).ms;
        },
        () => {
          editAll();
          return requests(nbstore('push', 'many'));
        },
      );
    } else {
      inWs('push', 'many');
    }
    if (want('clone200')) {
      let clones = 0;
      const target = () => join(work, `clone-${++clones}`);
      // With the version cache emptied each time: every notebook is downloaded, as rclone does.
      compare(
        '`nbstore clone --prefix` (200 notebooks, loopback)',
        '—',
        () => {
          clearCache();
          return inWs('clone', '--prefix', 'workspace/many', target()).ms;
        },
        '`rclone copy --transfers 16`',
        () => run(['rclone', 'copy', '--transfers', '16', `rgw:${bucket}/workspace/many`, target()], { env: rcloneEnv }).ms,
        () => {
          clearCache();
          return requests(nbstore('clone', '--prefix', 'workspace/many', target()));
        },
      );
    }
  },

  diff({ ws, inWs, clearCache, requests, nbstore }) {
    const huge = join(ws, 'huge.ipynb');
    makeNotebook(huge, { cells: 1000, mb: 10 });
    inWs('push', 'huge.ipynb');
    // The next version as a working session leaves it: edits, re-run outputs, cells added, removed and moved.
    makeNotebook(huge, { cells: 1000, mb: 10, edit: true });
    inWs('push', 'huge.ipynb');
    const [newer, older] = JSON.parse(inWs('log', 'huge.ipynb', '--json').stdout).map((v) => v.versionId);
    const diff = ['diff', 'huge.ipynb', older, newer];
    compare(
      '`nbstore diff` (1,000 cells, 10 MB; cold cache)',
      '< 1 s',
      () => {
        clearCache();
        return inWs(...diff).ms;
      },
      undefined,
      undefined,
      () => {
        clearCache();
        return requests(nbstore(...diff));
      },
    );
    compare(
      '`nbstore diff` (1,000 cells, 10 MB; cached)',
      '< 1 s, no request',
      () => inWs(...diff).ms,
      undefined,
      undefined,
      () => requests(nbstore(...diff)),
    );
  },

  log5000({ aws, bucket, env, ws, inWs, clearCache, seed, requests, nbstore }) {
    seed('workspace/log5000.ipynb', 5000);
    const log = nbstore('log', 'log5000.ipynb');
    const peer = () => run(aws('s3api', 'list-object-versions', '--bucket', bucket, '--prefix', 'workspace/log5000.ipynb'), { env }).ms;
    compare(
      '`nbstore log` (5,000 versions, cold cache)',
      '≤ 0.5×, memory flat',
      () => {
        clearCache();
        return inWs('log', 'log5000.ipynb').ms;
      },
      '`aws s3api list-object-versions`',
      peer,
      () => {
        clearCache();
        return requests(log);
      },
    );
    clearCache();
    notes.push(`peak memory of a cold \`nbstore log\` of 5,000 versions: ${mb(peakMemory(log, { env, cwd: ws }))}`);
    compare(
      '`nbstore log` (5,000 versions, metadata cached)',
      '—',
      () => inWs('log', 'log5000.ipynb').ms,
      '`aws s3api list-object-versions`',
      peer,
      () => requests(log),
    );
    notes.push(`peak memory of a cached \`nbstore log\` of 5,000 versions: ${mb(peakMemory(log, { env, cwd: ws }))}`);
  },

  far200({ bucket, work, ws, farRcloneEnv, farWs, clearCache, requests, nbstore }) {
    const { folder, editAll } = folderOf200(join(ws, 'far'));
    const rclone = (from, to) => run(['rclone', 'copy', '--transfers', '16', from, to], { env: farRcloneEnv }).ms;
    compare(
      '`nbstore push` (folder of 200 notebooks, 20 ms RTT)',
      '≤ 1.0×',
      () => {
        editAll();
        return farWs('push', 'far').ms;
      },
      '`rclone copy --transfers 16`',
      () => {
        editAll();
        return rclone(folder, `rgw:${bucket}/peer/far`);
      },
      () => {
        editAll();
        return requests(nbstore('push', 'far'));
      },
    );
    // Nothing changed since the last push (and since rclone's last copy of the same folder).
    compare(
      '`nbstore push` (200 unchanged notebooks, 20 ms RTT)',
      '≤ 0.3×, 0 requests',
      () => farWs('push', 'far').ms,
      '`rclone copy --transfers 16` (same folder again)',
      () => rclone(folder, `rgw:${bucket}/peer/far`),
      () => requests(nbstore('push', 'far')),
    );
    let clones = 0;
    const target = () => join(work, `far-clone-${++clones}`);
    compare(
      '`nbstore clone --prefix` (200 notebooks, 20 ms RTT)',
      '≤ 1.0×',
      () => {
        clearCache();
        return farWs('clone', '--prefix', 'workspace/far', target()).ms;
      },
      '`rclone copy --transfers 16`',
      () => rclone(`rgw:${bucket}/workspace/far`, target()),
      () => {
        clearCache();
        return requests(nbstore('clone', '--prefix', 'workspace/far', target()));
      },
    );
  },

  memory({ env, ws, inWs, nbstore }) {
    const giant = join(ws, 'giant.ipynb');
    makeNotebook(giant, { cells: 2000, mb: 100 });
    const size = readFileSync(giant).length;
    const push = peakMemory(nbstore('push', 'giant.ipynb'), { env, cwd: ws });
    editNotebook(giant, 1, 20);
    inWs('push', 'giant.ipynb');
    const diff = peakMemory(nbstore('diff', 'giant.ipynb', '~1', 'latest', '--stat'), { env, cwd: ws });
    notes.push(
      `100 MB notebook (${mb(size)}): peak memory ${mb(push)} for push (${(push / size).toFixed(2)}× the file), ${mb(diff)} for diff (${(diff / size).toFixed(2)}×); goal under 3×`,
    );
  },
};

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const ms = (value) => (value === undefined ? '—' : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`);

function print() {
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim();
  const lines = [];
  for (const node of nodes) {
    lines.push(
      `nbstore benchmark, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${node.version}, local Ceph RGW; median of ${RUNS} alternating runs`,
      '',
      '| case | nbstore | peer | peer time | nbstore / peer | goal | S3 requests (nbstore) |',
      '|---|---|---|---|---|---|---|',
      ...rows
        .filter((r) => r.node === node.version)
        .map(
          (r) =>
            `| ${r.name} | ${ms(r.nbstore)} | ${r.peerName ?? '—'} | ${ms(r.peer)} | ${r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}×`} | ${r.goal} | ${r.requests ?? '—'} |`,
        ),
      '',
    );
  }
  lines.push(...notes.map((n) => `- ${n}`));
  const text = lines.join('\n');
  console.log(text);
  mkdirSync(join(root, 'bench', 'out'), { recursive: true });
  writeFileSync(join(root, 'bench', 'out', 'latest.md'), `${text}\n`);
}

main();
