#!/usr/bin/env node
// Measures the web view's pages of a large notebook (bench/make-notebook.mjs: 1,000 cells,
// ~10 MB by default) on the embedded store: the version page (read, parse, render to HTML) and
// the diff page of two versions, each answered as `nbstore serve` answers a request; the first
// run is with an empty version cache. Needs a build (npm run build). It asserts nothing.
//
//   node bench/web-render.mjs [--cells 1000] [--mb 10] [--runs 5]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { cells: { type: 'string', default: '1000' }, mb: { type: 'string', default: '10' }, runs: { type: 'string', default: '5' } },
});
const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'bin', 'nbstore.js');
const dir = mkdtempSync(join(tmpdir(), 'nbstore-bench-web-'));
const env = { ...process.env, HOME: dir, NO_COLOR: '1' };
const nbstore = (...args) => execFileSync(process.execPath, [bin, ...args], { cwd: dir, env, encoding: 'utf8' });
const make = (...args) => execFileSync(process.execPath, [join(repo, 'bench', 'make-notebook.mjs'), ...args], { cwd: dir });

try {
  make('big.ipynb', '--cells', values.cells, '--mb', values.mb);
  nbstore('init');
  const first = /pushed\s+\S+\s+(\S+)/.exec(nbstore('push', 'big.ipynb', '-m', 'first'))[1];
  make('big.ipynb', '--cells', values.cells, '--mb', values.mb, '--edit');
  const second = /pushed\s+\S+\s+(\S+)/.exec(nbstore('push', 'big.ipynb', '-m', 'second'))[1];

  const { Workspace } = await import(join(repo, 'dist', 'src', 'workspace', 'workspace.js'));
  const { WebSource } = await import(join(repo, 'dist', 'src', 'ops', 'web.js'));
  const { respond } = await import(join(repo, 'dist', 'ui', 'web', 'routes.js'));
  const io = { cwd: dir, env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
  const workspace = await Workspace.find(io, {});
  const source = new WebSource(workspace, await workspace.openStore(), dir);
  const context = { base: '/', csrf: { field: 'csrf', value: 'bench' } };
  const page = async (name, query) => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const response = await respond(source, { method: 'GET', page: name, query: new URLSearchParams(query) }, context);
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    if (response.status !== 200) throw new Error(`${name}: ${response.status}`);
    return { ms, cpuMs: (used.user + used.system) / 1000, bytes: response.body.length };
  };
  const measure = async (label, name, query) => {
    const times = [];
    const cpuTimes = [];
    let bytes = 0;
    for (let i = 0; i < Number(values.runs); i++) {
      const result = await page(name, query);
      times.push(result.ms);
      cpuTimes.push(result.cpuMs);
      bytes = result.bytes;
    }
    const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
    const ms = (value) => `${value.toFixed(0).padStart(5)} ms`;
    console.log(
      `${label.padEnd(26)} first ${ms(times[0])} (cpu ${ms(cpuTimes[0])})  median ${ms(median(times))} (cpu ${ms(median(cpuTimes))})  ${(bytes / 1e6).toFixed(1)} MB of HTML`,
    );
  };
  // On a machine shared with other work, wall time also counts waiting for a core; CPU time does not.
  console.log(`${values.cells} cells, ~${values.mb} MB per version; load average ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
  await measure('version page', 'version', { path: 'big.ipynb', v: first });
  await measure('diff page (two versions)', 'diff', { path: 'big.ipynb', old: first, new: second });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
