// `npm run demo`: init, two pushes and a log on the embedded store, in a temporary folder that
// is removed at the end. Each command is echoed as it would be typed in a shell.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'nbstore-demo-'));
const notebook = join(dir, 'analysis.ipynb');
const shellWord = (word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/["\\$`]/g, '\\$&')}"`);

/** Runs nbstore in the demo folder; false when it failed (it has said why on stderr). */
function nbstore(...args) {
  console.log(`$ nbstore ${args.map(shellWord).join(' ')}`);
  return spawnSync(process.execPath, [join(root, 'bin', 'nbstore.js'), ...args], { cwd: dir, stdio: 'inherit' }).status === 0;
}

function editNotebook() {
  console.log('$ # edit analysis.ipynb: "by region." becomes "by region and month."');
  writeFileSync(notebook, readFileSync(notebook, 'utf8').replace('Quarterly revenue by region.', 'Quarterly revenue by region and month.'));
  return true;
}

console.log(`# demo workspace: ${dir}`);
try {
  copyFileSync(join(root, 'fixtures', 'analysis.ipynb'), notebook);
  const ok =
    nbstore('init') &&
    nbstore('push', 'analysis.ipynb', '-m', 'First look at sales') &&
    editNotebook() &&
    nbstore('push', 'analysis.ipynb', '-m', 'Break revenue down by month') &&
    nbstore('log', 'analysis.ipynb');
  if (!ok) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
  console.log(`# removed ${dir}`);
}
