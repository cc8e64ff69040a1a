import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { TrackedNotebook } from '../history/local-state.js';
import { errnoCode, NbstoreError } from '../lib/errors.js';
import { exists, listDir, readTextIfExists, sha256, withLock, writeFileAtomic } from '../lib/fs.js';
import type { IndexedStore } from '../store/commit-index.js';
import { joinKey, keysUnder } from '../store/keys.js';
import type { S3Hints } from '../store/open.js';
import type { Store } from '../store/store.js';
import {
  checkS3Settings,
  howToSet,
  type PartialSettings,
  resolveSettings,
  type Settings,
  userConfigPath,
  validateConfigFile,
} from './config.js';
import { safeLocalPath, WORKSPACE_DIR } from './paths.js';

const S3_HINTS: S3Hints = { setEndpoint: howToSet('s3_endpoint_url') };

const CONFIG_FILE = 'config.json';

export interface State {
  notebooks: Record<string, TrackedNotebook>;
}

/** A state file: one tracked notebook and its workspace-relative path. */
interface StateFile extends TrackedNotebook {
  path: string;
}

function parseStateFile(text: string, shownAs: string): { path: string; notebook: TrackedNotebook } {
  try {
    const { path, key, base, sha256: digest, canonical, mergeParent, forkedFrom } = JSON.parse(text) as StateFile;
    if (
      [path, key, base, digest, canonical].every((field) => typeof field === 'string') &&
      ['string', 'undefined'].includes(typeof mergeParent) &&
      ['string', 'undefined'].includes(typeof forkedFrom)
    ) {
      const optional = { ...(mergeParent ? { mergeParent } : {}), ...(forkedFrom === undefined ? {} : { forkedFrom }) };
      return { path, notebook: { key, base, sha256: digest, canonical, ...optional } };
    }
  } catch {
    // Reported below.
  }
  throw new NbstoreError(
    'bad-state',
    `${shownAs} is corrupt; remove it (rm ${shownAs}) and nbstore starts afresh for that notebook: its versions in the store are kept, only which version the local file came from is forgotten`,
  );
}

/**
 * A directory with a `.nbstore/` in it, found from the current directory by walking up, as git
 * finds `.git`. Notebook paths are workspace-relative with '/' separators; a notebook at path p
 * lives in the store at `<workspace_prefix>/p`.
 */
/** What finding a workspace reads of its surroundings (the CLI's Io has both). */
export interface Surroundings {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export class Workspace {
  private store?: Promise<IndexedStore>;
  private stateDirMade?: Promise<string | undefined>;
  private authorName?: string;

  constructor(
    readonly root: string,
    readonly settings: Settings,
    readonly env: NodeJS.ProcessEnv = {},
  ) {}

  /** Who pushes from here. Asked of the system once: that costs more than the rest of a bulk
   * push's local work on a notebook. */
  author(): string {
    if (this.authorName === undefined) {
      try {
        this.authorName = this.settings.author || this.env.USER || userInfo().username;
      } catch {
        this.authorName = 'unknown';
      }
    }
    return this.authorName;
  }

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

  /** Finds the workspace that holds `io.cwd`; fails with a line that says to run `nbstore init`. */
  static async find(io: Surroundings, flags: PartialSettings = {}): Promise<Workspace> {
    const root = await findRoot(io.cwd);
    if (!root) throw new NbstoreError('not-a-workspace', 'not an nbstore workspace (or any parent directory); run `nbstore init` first');
    return Workspace.load(root, io, flags);
  }

  static async load(root: string, io: Surroundings, flags: PartialSettings = {}): Promise<Workspace> {
    const config = await readConfig(join(root, WORKSPACE_DIR, CONFIG_FILE), `${WORKSPACE_DIR}/${CONFIG_FILE}`);
    return Workspace.withConfig(root, io, flags, config ?? {});
  }

  /** A workspace at `root` with the given workspace config (before `nbstore init` writes it). */
  static async withConfig(root: string, io: Surroundings, flags: PartialSettings, config: PartialSettings): Promise<Workspace> {
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
    await writeFileAtomic(join(dir, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
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
    if (rel.split(sep)[0] === WORKSPACE_DIR)
      throw new NbstoreError('outside-workspace', `${file}: inside ${WORKSPACE_DIR}/, not a notebook of the workspace`);
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
    const rel = key.startsWith(keysUnder(prefix)) ? key.slice(keysUnder(prefix).length) : undefined;
    return rel === undefined ? undefined : safeLocalPath(rel, key);
  }

  /** The store, opened once; the S3 SDK is loaded only here, only for S3 workspaces. */
  openStore(): Promise<IndexedStore> {
    this.store ??= (async () => {
      if (this.settings.store === 's3') checkS3Settings(this.settings, this.settings.s3_bucket);
      const { openStore, embeddedStoreDir } = await import('../store/open.js');
      return openStore(this.settings, { embedded: embeddedStoreDir(this.dir), cache: this.cacheDir }, this.env, S3_HINTS);
    })();
    return this.store;
  }

  /** Another bucket, reached with this workspace's S3 settings (clone from s3://…). */
  async openBucket(bucket: string): Promise<Store> {
    checkS3Settings(this.settings, bucket);
    const { openBucket } = await import('../store/open.js');
    return openBucket(this.settings, bucket, this.cacheDir, this.env, S3_HINTS);
  }

  /**
   * What nbstore remembers of one notebook, if it is tracked. Each notebook has its own state
   * file, changed only under that notebook's lock, so pushes of different notebooks never wait
   * for one another.
   */
  async tracked(rel: string): Promise<TrackedNotebook | undefined> {
    const path = this.stateFile(rel);
    const text = await readTextIfExists(path);
    return text === undefined ? undefined : parseStateFile(text, relative(this.root, path)).notebook;
  }

  /** Records the version the local file now matches. Callers hold the notebook's lock. */
  async track(rel: string, notebook: TrackedNotebook): Promise<void> {
    // Once per run, not once per notebook of a bulk push or clone.
    this.stateDirMade ??= mkdir(this.stateDir, { recursive: true });
    await this.stateDirMade;
    const file: StateFile = { path: rel, ...notebook };
    await writeFileAtomic(this.stateFile(rel), `${JSON.stringify(file, null, 1)}\n`);
  }

  /** Forgets a notebook (`rm`, `mv`): its file is no longer from the store. Callers hold the notebook's lock. */
  async untrack(rel: string): Promise<void> {
    await rm(this.stateFile(rel), { force: true });
  }

  /** Every tracked notebook. */
  async readState(): Promise<State> {
    const names = (await listDir(this.stateDir)).filter((name) => name.endsWith('.json'));
    const files = await Promise.all(
      names.map(async (name) => parseStateFile(await readFile(join(this.stateDir, name), 'utf8'), `${WORKSPACE_DIR}/state/${name}`)),
    );
    return { notebooks: Object.fromEntries(files.map(({ path, notebook }) => [path, notebook])) };
  }

  private get stateDir(): string {
    return join(this.dir, 'state');
  }

  private stateFile(rel: string): string {
    return join(this.stateDir, `${sha256(rel).slice(0, 32)}.json`);
  }

  /** Runs `fn` holding the lock on one notebook path (waits for another nbstore holding it). */
  withNotebookLock<T>(rel: string, fn: () => Promise<T>): Promise<T> {
    return withLock(this.locksDir, this.absolutePath(rel), fn);
  }
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
  let text: string | undefined;
  try {
    text = await readTextIfExists(path);
  } catch (err) {
    throw new NbstoreError('bad-config', `${shownAs}: cannot read (${errnoCode(err) ?? 'error'})`);
  }
  if (text === undefined) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new NbstoreError('bad-config', `${shownAs}: not valid JSON; fix it, or remove it and run nbstore init again`);
  }
  return validateConfigFile(data, shownAs);
}
