/**
 * Run as a process of its own by the concurrency test: makes `count` saves of one notebook, each a
 * different content, the way the Jupyter hook makes them (a snapshot in the spool), and runs the
 * real `nbstore push --flush` after every `flushEvery` saves and after the last. Exits 1 with
 * what nbstore said when a push fails.
 *
 *   node save-worker.js WORKSPACE NOTEBOOK WORKER COUNT FLUSH_EVERY
 */
import { runBin } from './cli.js';
import { notebookWith, spoolSave } from './saves.js';

const [dir = '', rel = '', worker = '', count = '0', flushEvery = '1'] = process.argv.slice(2);
const saves = Number(count);
for (let i = 0; i < saves; i++) {
  await spoolSave(dir, rel, notebookWith(`${worker}.${i}`), { author: `worker-${worker}`, message: `w${worker} save ${i}` });
  if ((i + 1) % Number(flushEvery) === 0 || i === saves - 1) {
    const flush = await runBin(['push', '--flush'], { cwd: dir, env: process.env });
    if (flush.status !== 0) {
      process.stderr.write(`worker ${worker}, save ${i}: nbstore push --flush exited ${flush.status}: ${flush.stderr}`);
      process.exit(1);
    }
  }
}
