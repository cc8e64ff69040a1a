import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../src/lib/fs.js';
import { assertOneLine, leftovers, logOf, range, stateOf } from './support/inspect.js';
import { notebookWith } from './support/saves.js';
import { makeWorkspace, pushedId, STORE_KINDS, type TestWorkspace } from './support/workspace.js';

const SAVE_WORKER = fileURLToPath(new URL('./support/save-worker.js', import.meta.url));

function runWorker(
  ws: TestWorkspace,
  rel: string,
  worker: number,
  saves: number,
  flushEvery: number,
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SAVE_WORKER, ws.dir, rel, String(worker), String(saves), String(flushEvery)], {
      env: ws.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('concurrency', () => {
  const WORKERS = 8;
  const SAVES = 25;
  // Each worker runs the real `nbstore push --flush` after this many of its saves and after its
  // last: 16 pushes in all, up to 8 at once, each delivering whatever is waiting by then.
  const FLUSH_EVERY = 13;

  for (const kind of STORE_KINDS) {
    it(`8 processes each push 25 different contents of one notebook at once (${kind}): 200 versions in one line of history, base is the latest, no lock left`, async (t) => {
      const ws = await makeWorkspace(kind);
      await ws.addFixture('analysis.ipynb', 'nb.ipynb');
      const first = pushedId(await ws.ok('push', 'nb.ipynb'));

      const workers = await Promise.all(range(WORKERS).map((w) => runWorker(ws, 'nb.ipynb', w, SAVES, FLUSH_EVERY)));
      for (const [w, result] of workers.entries()) assert.equal(result.status, 0, `worker ${w}: ${result.stderr}`);

      const log = await logOf(ws, 'nb.ipynb');
      assert.equal(log.length, WORKERS * SAVES + 1, 'one version per save, plus the first push');
      assert.equal(log.at(-1)?.versionId, first);
      assertOneLine(log);
      for (const w of range(WORKERS)) {
        // Newest first in the log; each worker's saves arrive in the order it made them.
        const mine = log.filter((v) => v.author === `worker-${w}`).reverse();
        assert.deepEqual(
          mine.map((v) => v.message),
          range(SAVES).map((i) => `w${w} save ${i}`),
          `worker ${w}'s saves, in order`,
        );
        assert.deepEqual(
          mine.map((v) => v.sha256),
          range(SAVES).map((i) => sha256(notebookWith(`${w}.${i}`))),
          `worker ${w}'s bytes`,
        );
      }
      assert.equal((await stateOf(ws)).notebooks['nb.ipynb']?.base, log[0]?.versionId, 'the state names the latest version as base');
      assert.deepEqual(await leftovers(ws), { locks: [], spooled: [] });
      t.diagnostic(`${kind}: ${log.length - 1} versions from ${WORKERS} processes x ${SAVES} saves`);
    });
  }
});
