import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { type PartialSettings, type Settings, resolveSettings, userConfigPath, validateConfigFile } from './config.js';
import { NbstoreError, errnoCode } from './errors.js';
import { exists, withLock, writeFileAtomic } from './files.js';
import type { Io } from './io.js';
import type { Store } from './store/store.js';

export const WORKSPACE_DIR = '.nbstore';
const CONFIG_FILE = 'config.json';
const STATE_FILE = 'state.json';

/** What nbstore remembers of a tracked notebook: the version the local file was last pushed as
 * or checked out from, and the hashes of those bytes. */
export interface TrackedNotebook {
  key: string;
  base: string;
  sha256: string;
  canonical: string;
}

export interface State {
  notebooks: Record<string, TrackedNotebook>;
}

/**
 * A directory with a `.nbstore/` in it, found from the current directory by walking up, as git
 * finds `.git`. Notebook paths are workspace-relative with '/' separators; a notebook at path p
 * lives in the store at `<workspace_prefix>/p`.
 */
export class Workspace {
  private store?: Promise<Store>;

  constructor(
    readonly root: string,
    readonly settings: Settings,
    readonly env: NodeJS.ProcessEnv = {},
  ) {}

  get dir(): string {
    return join(this.root, WORKSPACE_DIR);
  }
  get locksDir(): string {
    return join(this.dir, 'locks');
  }
  get spoolDir(): string {
    return join(this.dir, 'spool');
  }
  get cacheDir(): string {
    return join(this.dir, 'cache');
  }
  get statePath(): string {
    return join(this.dir, STATE_FILE);
  }

  /** Finds the workspace that holds `io.cwd`; fails with a line that says to run `nbstore init`. */
  static async find(io: Io, flags: PartialSettings = {}): Promise<Workspace> {
    const root = await findRoot(io.cwd);
    if (!root) throw new NbstoreError('not-a-workspace', 'not an nbstore workspace (or any parent directory); run `nbstore init` first');
    return Workspace.load(root, io, flags);
  }

  static async load(root: string, io: Io, flags: PartialSettings = {}): Promise<Workspace> {
    const config = await readConfig(join(root, WORKSPACE_DIR, CONFIG_FILE), `${WORKSPACE_DIR}/${CONFIG_FILE}`);
    return Workspace.withConfig(root, io, flags, config ?? {});
  }

  /** A workspace at `root` with the given workspace config (before `nbstore init` writes it). */
  static async withConfig(root: string, io: Io, flags: PartialSettings, config: PartialSettings): Promise<Workspace> {
    const user = await readConfig(userConfigPath(io.env), userConfigPath(io.env));
    return new Workspace(root, resolveSettings({ flags, env: io.env, workspace: config, user: user ?? {} }), io.env);
  }

  /** Creates `.nbstore/` in `root` with the given workspace settings. */
  static async create(root: string, config: PartialSettings): Promise<void> {
    const dir = join(root, WORKSPACE_DIR);
    await mkdir(dir, { recursive: true });
    // Keeps the workspace's machinery out of any git repository the notebooks live in.
    await writeFileAtomic(join(dir, '.gitignore'), '*\n');
    // 0600: a user may add credentials to this file by hand.
    await writeFileAtomic(join(dir, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`, 0o600);
  }

  static async exists(root: string): Promise<boolean> {
    return exists(join(root, WORKSPACE_DIR, CONFIG_FILE));
  }

  /** The workspace-relative path of a file named relative to `cwd`. */
  relativePath(cwd: string, file: string): string {
    const abs = resolve(cwd, file);
    const rel = relative(this.root, abs);
    if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
      throw new NbstoreError('outside-workspace', `${file}: outside the workspace ${this.root}`);
    }
    if (rel.split(sep)[0] === WORKSPACE_DIR) throw new NbstoreError('outside-workspace', `${file}: inside ${WORKSPACE_DIR}/, not a notebook of the workspace`);
    return rel.split(sep).join('/');
  }

  /** The workspace-relative path of a notebook named relative to `cwd`; a directory is refused. */
  async notebookPath(cwd: string, file: string): Promise<string> {
    const rel = this.relativePath(cwd, file);
    if ((await stat(this.absolutePath(rel)).catch(() => undefined))?.isDirectory()) {
      throw new NbstoreError('not-a-file', `${file}: is a directory, not a notebook`);
    }
    return rel;
  }

  absolutePath(rel: string): string {
    return join(this.root, ...rel.split('/'));
  }

  keyFor(rel: string): string {
    return joinKey(this.settings.workspace_prefix, rel);
  }

  /**
   * The workspace-relative path of a key under the workspace prefix, if it is under it. Keys come
   * from the bucket, which anyone with write access to it controls: one that would name a file
   * outside the workspace, or inside nbstore's or git's own folders, is refused.
   */
  pathOfKey(key: string): string | undefined {
    const prefix = this.settings.workspace_prefix;
    const rel = prefix === '' ? key : key.startsWith(`${prefix}/`) ? key.slice(prefix.length + 1) : undefined;
    return rel === undefined ? undefined : safeLocalPath(rel, key);
  }

  /** The store, opened once; the S3 SDK is loaded only here, only for S3 workspaces. */
  openStore(): Promise<Store> {
    this.store ??= import('./store/open.js').then(({ openStore }) => openStore(this));
    return this.store;
  }

  async readState(): Promise<State> {
    let text: string;
    try {
      text = await readFile(this.statePath, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return { notebooks: {} };
      throw err;
    }
    try {
      const state = JSON.parse(text) as State;
      if (typeof state !== 'object' || state === null || typeof state.notebooks !== 'object' || state.notebooks === null) throw new Error('no notebooks');
      return state;
    } catch {
      throw new NbstoreError(
        'bad-state',
        `${WORKSPACE_DIR}/${STATE_FILE} is corrupt; move it aside (mv ${WORKSPACE_DIR}/${STATE_FILE} ${WORKSPACE_DIR}/${STATE_FILE}.bad) and nbstore starts afresh: versions in the store are kept, only which version each local file came from is forgotten`,
      );
    }
  }

  /** Changes the state under its lock and writes it atomically. */
  async updateState(change: (state: State) => void): Promise<void> {
    await withLock(this.locksDir, this.statePath, async () => {
      const state = await this.readState();
      change(state);
      await writeFileAtomic(this.statePath, `${JSON.stringify(state, null, 1)}\n`);
    });
  }

  /** Runs `fn` holding the lock on one notebook path (waits for another nbstore holding it). */
  withNotebookLock<T>(rel: string, fn: () => Promise<T>): Promise<T> {
    return withLock(this.locksDir, this.absolutePath(rel), fn);
  }
}

/** Folders a path from the bucket may never write into, at any depth (compared ignoring case). */
const FORBIDDEN_SEGMENTS = new Set([WORKSPACE_DIR, '.git']);

/**
 * `rel` (a '/'-separated path taken from `key`) if it names a file strictly inside the directory it
 * is joined to; otherwise fails with `unsafe-key`. Nothing in it may climb out (`..`), be empty
 * or `.`, hold a NUL or a backslash, or enter `.nbstore` or `.git`.
 */
export function safeLocalPath(rel: string, key: string): string {
  const bad = rel.split('/').find((part) => part === '' || part === '.' || part === '..' || /[\\\0]/.test(part) || FORBIDDEN_SEGMENTS.has(part.toLowerCase()));
  if (bad !== undefined) {
    const what = bad === '' ? 'an empty segment' : JSON.stringify(bad);
    throw new NbstoreError('unsafe-key', `${JSON.stringify(key)}: refusing a key with ${what} in its path (nbstore writes only inside the workspace, never in .nbstore or .git)`);
  }
  return rel;
}

/** Joins key parts as bookstore does: no empty parts, no leading slashes. */
export function joinKey(...parts: string[]): string {
  return parts.flatMap((part) => part.split('/')).filter((part) => part !== '').join('/');
}

async function findRoot(start: string): Promise<string | undefined> {
  let dir = resolve(start);
  for (;;) {
    if (await Workspace.exists(dir)) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function readConfig(path: string, shownAs: string): Promise<PartialSettings | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw new NbstoreError('bad-config', `${shownAs}: cannot read (${errnoCode(err) ?? 'error'})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new NbstoreError('bad-config', `${shownAs}: not valid JSON; fix it, or remove it and run nbstore init again`);
  }
  return validateConfigFile(data, shownAs);
}
