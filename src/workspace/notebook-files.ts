import { type Dirent, readdirSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NbstoreError } from '../lib/errors.js';
import { readUserFile } from '../lib/fs.js';
import { MAX_NOTEBOOK_BYTES } from '../notebook/notebook.js';
import { WORKSPACE_DIR } from './paths.js';
import type { Workspace } from './workspace.js';

/** Folders never searched for notebooks: Jupyter's checkpoints, hidden and tool folders. */
const SKIPPED_DIRS = new Set(['.ipynb_checkpoints', WORKSPACE_DIR, 'node_modules', '.git', '__pycache__']);

/**
 * The notebooks a command names, as workspace-relative paths: files as given (they must exist),
 * folders searched for `*.ipynb`.
 */
export async function notebooksUnder(workspace: Workspace, cwd: string, paths: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const path of paths) {
    const abs = resolve(cwd, path);
    // The workspace root itself is a folder to search, not a path to store.
    const rel = abs === workspace.root ? '' : workspace.relativePath(cwd, path);
    const info = await stat(abs).catch(() => undefined);
    if (!info) throw new NbstoreError('file-missing', `${path}: no such file`);
    if (info.isDirectory()) {
      const before = found.size;
      for (const file of await findNotebooks(abs)) found.add(workspace.relativePath(cwd, file));
      if (found.size === before) throw new NbstoreError('file-missing', `${path}: no notebooks in this folder`);
    } else {
      found.add(rel);
    }
  }
  return [...found];
}

/** Every notebook in the workspace, as workspace-relative paths, sorted. */
export async function workspaceNotebooks(workspace: Workspace): Promise<string[]> {
  return (await findNotebooks(workspace.root)).map((file) => workspace.relativePath(workspace.root, file));
}

async function findNotebooks(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) out.push(...(await findNotebooks(join(dir, entry.name))));
    } else if (entry.isFile() && entry.name.endsWith('.ipynb')) {
      out.push(join(dir, entry.name));
    }
  }
  return out.sort();
}

/**
 * Shell completion of a notebook path: the `*.ipynb` files and the folders (with a trailing `/`)
 * in the folder `word` names so far, whose names start with its last part. A lone folder is
 * opened, so that completing goes on inside it rather than stopping after the folder's name.
 * Synchronous, as yargs needs its completions before it goes on to run the command line.
 */
export function completeNotebookPath(cwd: string, word: string): string[] {
  // Bounded: a folder whose only entry links back to it would be opened forever.
  for (let depth = 0; depth < 16; depth++) {
    const dir = word.slice(0, word.lastIndexOf('/') + 1);
    const start = word.slice(dir.length);
    let entries: Dirent[];
    try {
      entries = readdirSync(resolve(cwd, dir || '.'), { withFileTypes: true });
    } catch {
      return [];
    }
    const matches = entries
      .filter((entry) => entry.name.startsWith(start) && (start.startsWith('.') || !entry.name.startsWith('.')))
      .flatMap((entry) => {
        if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : [`${dir}${entry.name}/`];
        return entry.isFile() && entry.name.endsWith('.ipynb') ? [`${dir}${entry.name}`] : [];
      })
      .sort();
    const [only] = matches;
    if (matches.length !== 1 || !only?.endsWith('/')) return matches;
    word = only;
  }
  return [];
}

/** Reads a local notebook's bytes: it exists, is a file, and is within the size limit. */
export async function readNotebookBytes(abs: string, shownAs: string): Promise<Buffer> {
  const info = await stat(abs).catch(() => undefined);
  if (info?.isDirectory()) throw new NbstoreError('not-a-file', `${shownAs}: is a directory, not a notebook`);
  if (info && info.size > MAX_NOTEBOOK_BYTES) {
    throw new NbstoreError('too-large', `${shownAs}: ${info.size} bytes is over nbstore's limit of ${MAX_NOTEBOOK_BYTES} bytes (256 MiB)`);
  }
  return readUserFile(abs, shownAs);
}
