import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Notebook } from '../../src/notebook/notebook.js';
import { jupyterPython } from './jupyter.js';

const VALIDATE = 'import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))';

/** Validates a notebook file with nbformat itself (Debian's python3-nbformat, beside Debian's Jupyter); throws with its complaint. */
export function assertValidNotebookFile(path: string): void {
  try {
    execFileSync(jupyterPython(), ['-c', VALIDATE, path], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    throw new Error(`${path} is not a valid notebook by nbformat: ${stderr.trim().split('\n').slice(-3).join(' ')}`);
  }
}

export function assertValidNotebook(nb: Notebook, name: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'nbstore-nbformat-'));
  try {
    const path = join(dir, `${name.replace(/[^\w.-]+/g, '_')}.ipynb`);
    writeFileSync(path, JSON.stringify(nb, null, 1));
    assertValidNotebookFile(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
