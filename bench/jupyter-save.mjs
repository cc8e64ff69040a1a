#!/usr/bin/env node
// What the Jupyter hook costs a save: the round trip of `PUT /api/contents/<path>` through a real
// Jupyter Server with and without the hook, the notebook inside an S3 workspace on the local Ceph
// RGW (so the hook's background pushes run while saves are measured). Each save goes to both
// servers in turn, so the machine's load falls on both alike. Also times the hook function alone,
// called in Python as Jupyter calls it.
// It asserts nothing; the goal is that the hook adds at most 20 ms.
//
//   npm run bench:jupyter-save                 # about three minutes
//   npm run bench:jupyter-save -- --saves 50   # fewer saves per phase
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { ok, tempDir, testEnv } = await import(join(root, 'dist/test/support/cli.js'));
const { jupyterPython, notebookSaying, startJupyter } = await import(join(root, 'dist/test/support/jupyter.js'));
const { makeWorkspace } = await import(join(root, 'dist/test/support/workspace.js'));

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SAVES = option('saves', 200);
// The first saves create the files and warm both servers up; they are not counted.
const WARM_UP = 10;
const loadAtStart = loadavg()[0];

for (const script of ['ceph-rgw-up', 'jupyter-up']) {
  const exports = execFileSync('bash', [join(root, 'test', 'bed', script)], { encoding: 'utf8' });
  for (const [, name, value] of exports.matchAll(/(\w+)=(\S+)/g)) process.env[name] = value;
}

/** A notebook of about `bytes` bytes: a plot output and text, like a real analysis notebook. */
function notebookOfSize(bytes, marker) {
  const notebook = notebookSaying(marker);
  notebook.cells[1].outputs = [
    {
      output_type: 'display_data',
      metadata: {},
      data: { 'image/png': Buffer.alloc(Math.floor(bytes * 0.7), 7).toString('base64'), 'text/plain': ['<Figure>'] },
    },
  ];
  return notebook;
}

const CASES = [
  { name: '2 KB notebook, a save every 100 ms', notebook: (i) => notebookSaying(`save ${i}`), gapMs: 100 },
  { name: '1 MB notebook, a save every 100 ms', notebook: (i) => notebookOfSize(1 << 20, `save ${i}`), gapMs: 100 },
  { name: '2 KB notebook, saves back to back', notebook: (i) => notebookSaying(`save ${i}`), gapMs: 0 },
];

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const summary = (values) => ({ n: values.length, median: quantile(values, 0.5), p95: quantile(values, 0.95) });
const ms = (value) => `${value.toFixed(1)} ms`;
const notebookName = (testCase) => `case-${CASES.indexOf(testCase) + 1}.ipynb`;

async function server(withHook) {
  const home = await tempDir(withHook ? 'nbstore-bench-hook-' : 'nbstore-bench-plain-');
  const configDir = join(home, 'jupyter-config');
  mkdirSync(configDir);
  if (withHook) await ok(['hook', 'install', '--config-dir', configDir], { cwd: home, env: testEnv(home) });
  const notebooks = join(home, 'notebooks');
  mkdirSync(notebooks);
  const jupyter = await startJupyter({ root: notebooks, configDir, env: testEnv(home), home });
  const ws = await makeWorkspace('s3', { parent: notebooks });
  return { jupyter, ws, path: (name) => `${basename(ws.dir)}/${name}` };
}

async function timeSave(target, name, notebook) {
  const start = process.hrtime.bigint();
  const status = await target.jupyter.saveNotebook(target.path(name), notebook);
  if (status !== 200 && status !== 201) throw new Error(`save failed with HTTP ${status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Saves to the two servers in turn, so that the load of the machine falls on both alike. */
async function timeSavesInTurn(testCase) {
  const name = notebookName(testCase);
  const without = [];
  const withHook = [];
  for (let i = 0; i < SAVES + WARM_UP; i++) {
    const [a, b] = i % 2 === 0 ? [plain, hooked] : [hooked, plain];
    const first = await timeSave(a, name, testCase.notebook(i));
    const second = await timeSave(b, name, testCase.notebook(i));
    if (i >= WARM_UP) {
      without.push(a === plain ? first : second);
      withHook.push(a === plain ? second : first);
    }
    if (testCase.gapMs) await sleep(testCase.gapMs);
  }
  await hooked.jupyter.flushersDone();
  return { without, withHook };
}

/** The hook function alone, called as Jupyter calls it, `count` times on one notebook. */
function timeHookCall(ws, bytes, count) {
  const file = join(ws.dir, `direct-${bytes}.ipynb`);
  const script = `
import json, sys, time
sys.path.append(${JSON.stringify(join(root, 'hooks'))})
import nbstore_jupyter_hook as hook
hook._command[:] = [${JSON.stringify(process.execPath)}, ${JSON.stringify(join(root, 'bin', 'nbstore.js'))}]
path, count = sys.argv[1], int(sys.argv[2])
times = []
for i in range(count):
    with open(path, "w") as out:
        out.write(json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": "x" * ${bytes} + str(i)}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    start = time.perf_counter()
    hook.post_save(os_path=path, model={"type": "notebook"}, contents_manager=None)
    times.append((time.perf_counter() - start) * 1000)
    time.sleep(0.05)
print(json.dumps(times))
`;
  return JSON.parse(
    execFileSync(jupyterPython(), ['-c', script, file, String(count)], { encoding: 'utf8', env: { ...ws.env, PYTHONPATH: '' } }),
  );
}

const plain = await server(false);
const hooked = await server(true);
const results = [];
try {
  for (const testCase of CASES) {
    const { without, withHook } = await timeSavesInTurn(testCase);
    const a = summary(without);
    const b = summary(withHook);
    results.push({ case: testCase.name, without: a, with: b, addedMedian: b.median - a.median, addedP95: b.p95 - a.p95 });
    console.error(`${testCase.name}: done`);
  }
  for (const bytes of [2_000, 1 << 20]) {
    const times = timeHookCall(hooked.ws, bytes, SAVES);
    results.push({ case: `hook function alone, ${bytes < 10_000 ? '2 KB' : '1 MB'} notebook`, with: summary(times) });
    await hooked.jupyter.flushersDone();
  }
} finally {
  await plain.jupyter.stop();
  await hooked.jupyter.stop();
}

// Every save of the hooked server changed the notebook: each must have become a version.
const versions = JSON.parse(await hooked.ws.ok('log', notebookName(CASES[0]), '--json')).length;
const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
console.log(
  `Jupyter save round trip (PUT /api/contents), ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpu}), Node ${process.version}, ${execFileSync(jupyterPython(), ['-c', 'import jupyter_server; print("Jupyter Server", jupyter_server.__version__)'], { encoding: 'utf8' }).trim()}, local Ceph RGW, load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end; ${SAVES} saves per column`,
);
console.log('');
console.log('| case | without hook: median / p95 | with hook: median / p95 | hook adds: median / p95 |');
console.log('|---|---|---|---|');
for (const r of results) {
  if (r.without)
    console.log(
      `| ${r.case} | ${ms(r.without.median)} / ${ms(r.without.p95)} | ${ms(r.with.median)} / ${ms(r.with.p95)} | ${ms(r.addedMedian)} / ${ms(r.addedP95)} |`,
    );
  else console.log(`| ${r.case} | | ${ms(r.with.median)} / ${ms(r.with.p95)} | |`);
}
console.log('');
console.log(`versions the hook made of the first case's notebook: ${versions} of its ${SAVES + WARM_UP} saves`);
mkdirSync(join(root, 'bench', 'out'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'out', 'jupyter-save.json'),
  `${JSON.stringify({ date: new Date().toISOString(), saves: SAVES, results }, null, 2)}\n`,
);
