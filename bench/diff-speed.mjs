#!/usr/bin/env node
// Measures `nbstore diff` of two versions of a large notebook (bench/make-notebook.mjs) on S3:
// the whole command with an empty version cache, the fetching alone, and the command again with
// the cache full. Needs a build (npm run build) and the S3 the tests use:
//
//   eval "$(bash test/bed/ceph-rgw-up)"; export S3_ENDPOINT
//   node bench/diff-speed.mjs [--cells 1000] [--mb 10] [--runs 5] [--no-ids]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    cells: { type: 'string', default: '1000' },
    mb: { type: 'string', default: '10' },
    runs: { type: 'string', default: '5' },
    'no-ids': { type: 'boolean', default: false },
  },
});
const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'bin', 'nbstore.js');
const endpoint = process.env.S3_ENDPOINT;
if (!endpoint) throw new Error('S3_ENDPOINT is not set (eval "$(bash test/bed/ceph-rgw-up)"; export S3_ENDPOINT)');
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const dir = mkdtempSync(join(tmpdir(), 'nbstore-bench-'));
const env = { ...process.env, HOME: dir, NO_COLOR: '1' };
// Each nbstore reports its CPU time on exit: on a busy machine wall time also counts waiting for a core.
const cpuReporter =
  'process.on("exit", () => { const u = process.cpuUsage(); process.stderr.write("cpu " + (u.user + u.system) / 1000 + "\\n"); });';
const reportCpu = `data:text/javascript,${encodeURIComponent(cpuReporter)}`;
const nbstore = (...args) => {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', reportCpu, bin, ...args], {
    cwd: dir,
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (result.status !== 0) throw new Error(`nbstore ${args.join(' ')}: ${result.stderr}`);
  return { ms: performance.now() - started, cpu: Number(/^cpu (\S+)$/m.exec(result.stderr)?.[1]), stdout: result.stdout };
};
const make = (...args) =>
  execFileSync(
    process.execPath,
    [
      join(repo, 'bench', 'make-notebook.mjs'),
      join(dir, 'big.ipynb'),
      '--cells',
      values.cells,
      '--mb',
      values.mb,
      ...(values['no-ids'] ? ['--no-ids'] : []),
      ...args,
    ],
    { stdio: 'inherit' },
  );

const bucket = `nbstore-bench-${Date.now().toString(36)}`;
nbstore('init', `s3://${bucket}`, '--endpoint-url', endpoint, '--create-bucket');
make();
const v1 = /pushed\s+\S+\s+(\S+)/.exec(nbstore('push', 'big.ipynb').stdout)[1];
make('--edit');
const v2 = /pushed\s+\S+\s+(\S+)/.exec(nbstore('push', 'big.ipynb').stdout)[1];

// The parts of a cold run, each measured alone: loading the S3 SDK (a fresh process each time),
// the requests (both versions resolved by id and read in parallel, as the command does, with no
// cache), and the work on the bytes (verify, parse, diff, render).
const { S3Store } = await import(join(repo, 'dist/src/store/s3-store.js'));
const { Workspace } = await import(join(repo, 'dist/src/workspace/workspace.js'));
const { findVersions, readVerified } = await import(join(repo, 'dist/src/history/versions.js'));
const { parseNotebook } = await import(join(repo, 'dist/src/notebook/notebook.js'));
const { diffNotebooks } = await import(join(repo, 'dist/src/notebook/notebook-diff.js'));
const { renderNotebookDiff } = await import(join(repo, 'dist/src/notebook/render-diff.js'));
const { noColours } = await import(join(repo, 'dist/src/lib/paint.js'));
const workspace = await Workspace.find({ cwd: dir, env });
const sdkLoad = () => {
  const probe = `const t = performance.now(); await import(${JSON.stringify(join(repo, 'dist/src/store/s3-store.js'))}); process.stdout.write(String(performance.now() - t));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { env, encoding: 'utf8' }));
};
async function fetchBoth() {
  const store = new S3Store(workspace.settings);
  const started = performance.now();
  const versions = await findVersions(store, workspace.keyFor('big.ipynb'), [v1, v2], 'big.ipynb');
  const bodies = await Promise.all(versions.map(async (v) => (await readVerified(store, v.key, v.versionId)).body));
  return { ms: performance.now() - started, bodies };
}
async function work(bodies) {
  let last = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = now - last;
    last = now;
    return ms;
  };
  const [a, b] = bodies.map((body, i) => parseNotebook(body, `v${i + 1}`));
  const parse = lap();
  const diff = await diffNotebooks(a, b);
  const match = lap();
  renderNotebookDiff(diff, { old: 'a', new: 'b' }, { paint: noColours, maxOutputLines: 20 });
  return { parse, diff: match, render: lap() };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = { cold: [], coldCpu: [], sdk: [], requests: [], rest: [], parse: [], diff: [], render: [], warm: [], warmCpu: [] };
let output = '';
for (let run = 0; run < Number(values.runs); run++) {
  rmSync(join(dir, '.nbstore', 'cache'), { recursive: true, force: true });
  const first = nbstore('diff', 'big.ipynb', v1, v2);
  m.cold.push(first.ms);
  m.coldCpu.push(first.cpu);
  output = first.stdout;
  const again = nbstore('diff', 'big.ipynb', v1, v2);
  m.warm.push(again.ms);
  m.warmCpu.push(again.cpu);
  m.sdk.push(sdkLoad());
  const fetched = await fetchBoth();
  m.requests.push(fetched.ms);
  m.rest.push(first.ms - m.sdk.at(-1) - fetched.ms);
  const phases = await work(fetched.bodies);
  for (const phase of ['parse', 'diff', 'render']) m[phase].push(phases[phase]);
}
const row = (name, xs) => `${name.padEnd(44)} median ${median(xs).toFixed(0).padStart(5)} ms   (${xs.map((x) => x.toFixed(0)).join(', ')})`;
process.stdout.write(
  `${[
    `diff of two versions of a ${values.cells}-cell notebook (${values['no-ids'] ? 'no ids' : 'ids'}) on ${endpoint}, ${values.runs} runs`,
    row('nbstore diff, empty cache (total)', m.cold),
    row('  CPU time of that process', m.coldCpu),
    row('  loading the S3 SDK', m.sdk),
    row('  S3 requests: resolve and read both', m.requests),
    row('  beyond fetching (total - SDK - requests)', m.rest),
    row('    of which: parse both', m.parse),
    row('    of which: match and diff', m.diff),
    row('    of which: render', m.render),
    row('nbstore diff again, cached (no network)', m.warm),
    row('  CPU time of that process', m.warmCpu),
    `${output.split('\n').length - 1} lines of diff`,
  ].join('\n')}\n`,
);
rmSync(dir, { recursive: true, force: true });
