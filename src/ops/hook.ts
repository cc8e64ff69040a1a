import { execFile } from 'node:child_process';
import { lstat, mkdir, readFile, realpath, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { errnoCode, NbstoreError } from '../lib/errors.js';
import { exists, writeFileAtomic } from '../lib/fs.js';
import { PACKAGE_ROOT } from '../lib/package-root.js';

/** The Jupyter config files the hook goes in: Jupyter Server (JupyterLab, Notebook 7) and classic Notebook. */
export const JUPYTER_CONFIG_FILES = ['jupyter_server_config.py', 'jupyter_notebook_config.py'] as const;

export const HOOK_MODULE = 'nbstore_jupyter_hook';
const BEGIN = '# >>> nbstore hook >>>';
const END = '# <<< nbstore hook <<<';

/** What the hook runs: recorded as absolute paths, since Jupyter's PATH often differs from the shell's. */
export interface HookTarget {
  /** The directory holding the hook module. */
  hooks: string;
  node: string;
  nbstore: string;
}

/** This nbstore: the node running it, its bin/nbstore.js and its hooks/ directory. */
export function currentTarget(): HookTarget {
  return {
    hooks: join(PACKAGE_ROOT, 'hooks'),
    node: process.execPath,
    nbstore: join(PACKAGE_ROOT, 'bin', 'nbstore.js'),
  };
}

/** `--config-dir`, else JUPYTER_CONFIG_DIR, else ~/.jupyter (where Jupyter reads user config). */
export function jupyterConfigDir(env: NodeJS.ProcessEnv, cwd: string, flag?: string): string {
  if (flag) return resolve(cwd, flag);
  if (env.JUPYTER_CONFIG_DIR) return resolve(cwd, env.JUPYTER_CONFIG_DIR);
  return join(env.HOME || homedir(), '.jupyter');
}

// JSON string literals are valid Python string literals.
const py = (value: string) => JSON.stringify(value);

/** The block the config files get. Everything it needs is in it, so removing it removes the hook. */
export function hookBlock(target: HookTarget): string {
  return [
    BEGIN,
    '# Added by `nbstore hook install`: notebooks saved in an nbstore workspace become versions.',
    '# `nbstore hook uninstall` removes this block; `nbstore hook status` checks it.',
    'try:',
    '    import sys as _nbstore_sys',
    `    if ${py(target.hooks)} not in _nbstore_sys.path:`,
    `        _nbstore_sys.path.append(${py(target.hooks)})`,
    `    import ${HOOK_MODULE} as _nbstore_hook`,
    `    _nbstore_hook.configure(c, node=${py(target.node)}, nbstore=${py(target.nbstore)})`,
    'except Exception as _nbstore_error:  # nbstore must never keep Jupyter from starting',
    '    import logging as _nbstore_logging',
    '    _nbstore_logging.getLogger("nbstore").warning("nbstore hook not loaded: %s", _nbstore_error)',
    END,
    '',
  ].join('\n');
}

interface BlockSpan {
  /** Offset of the block's first character, and of the first character after its last line. */
  start: number;
  end: number;
  text: string;
}

/** Where the block is in a config file's text; fails when only one of its markers is there. */
export function findHookBlock(text: string, shownAs: string): BlockSpan | undefined {
  const begin = lineStarting(text, BEGIN, 0);
  const end = begin === undefined ? lineStarting(text, END, 0) : lineStarting(text, END, begin);
  if (begin === undefined && end === undefined) return undefined;
  if (begin === undefined || end === undefined) {
    throw new NbstoreError(
      'bad-config',
      `${shownAs}: the nbstore hook block is missing its ${begin === undefined ? 'first' : 'last'} line ("${begin === undefined ? BEGIN : END}"); fix the file by hand`,
    );
  }
  const newline = text.indexOf('\n', end);
  const after = newline === -1 ? text.length : newline + 1;
  return { start: begin, end: after, text: text.slice(begin, after) };
}

function lineStarting(text: string, marker: string, from: number): number | undefined {
  for (let at = text.indexOf(marker, from); at !== -1; at = text.indexOf(marker, at + 1)) {
    if (at === 0 || text[at - 1] === '\n') return at;
  }
  return undefined;
}

export type BlockChange = 'added' | 'updated' | 'unchanged';

/** The text with the block in it: replaced where it is, else appended after a blank line. */
export function withHookBlock(text: string, block: string, shownAs: string): { text: string; change: BlockChange } {
  const found = findHookBlock(text, shownAs);
  if (found) {
    if (found.text === block) return { text, change: 'unchanged' };
    return { text: text.slice(0, found.start) + block + text.slice(found.end), change: 'updated' };
  }
  if (text === '') return { text: block, change: 'added' };
  if (text.trim() === '') return { text: block, change: 'added' };
  return { text: `${text}${text.endsWith('\n') ? '' : '\n'}\n${block}`, change: 'added' };
}

/** The text without the block (and the blank line `withHookBlock` put before it). */
export function withoutHookBlock(text: string, shownAs: string): { text: string; removed: boolean } {
  const found = findHookBlock(text, shownAs);
  if (!found) return { text, removed: false };
  const start = text.slice(0, found.start).endsWith('\n\n') ? found.start - 1 : found.start;
  return { text: text.slice(0, start) + text.slice(found.end), removed: true };
}

/** The paths a block records, read back from it. */
export function targetOfBlock(block: string): Partial<HookTarget> {
  const literal = (pattern: RegExp) => {
    const match = pattern.exec(block);
    try {
      return match ? (JSON.parse(match[1] as string) as string) : undefined;
    } catch {
      return undefined;
    }
  };
  const target: Partial<HookTarget> = {};
  const hooks = literal(/_nbstore_sys\.path\.append\(("(?:[^"\\]|\\.)*")\)/);
  const node = literal(/node=("(?:[^"\\]|\\.)*")/);
  const nbstore = literal(/nbstore=("(?:[^"\\]|\\.)*")/);
  if (hooks !== undefined) target.hooks = hooks;
  if (node !== undefined) target.node = node;
  if (nbstore !== undefined) target.nbstore = nbstore;
  return target;
}

/** Whether the file sets a post-save hook of its own outside nbstore's block. */
export function setsPostSaveHook(text: string, shownAs: string): boolean {
  const found = findHookBlock(text, shownAs);
  const outside = found ? text.slice(0, found.start) + text.slice(found.end) : text;
  return /^[^#\n]*\bpost_save_hook\s*=/m.test(outside);
}

export interface InstalledFile {
  file: string;
  change: BlockChange;
  /** The file sets its own post_save_hook, which keeps running before nbstore's. */
  chains: boolean;
}

/** Puts the block in both config files; changes neither when either cannot take it. */
export async function installHook(configDir: string, target: HookTarget): Promise<InstalledFile[]> {
  const block = hookBlock(target);
  const changes = await changeConfigFiles(configDir, (text, file) => withHookBlock(text, block, file));
  await mkdir(configDir, { recursive: true });
  for (const { file, after } of changes) if (after.change !== 'unchanged') await writeThroughLink(file, after.text);
  return changes.map(({ file, after }) => ({ file, change: after.change, chains: setsPostSaveHook(after.text, file) }));
}

/**
 * Takes the block out of both config files; changes neither when either has a broken block. A
 * file left with nothing but blank lines (as `install` creates one) is removed.
 */
export async function uninstallHook(configDir: string): Promise<Array<{ file: string; removed: boolean; deleted: boolean }>> {
  const changes = await changeConfigFiles(configDir, (text, file) => withoutHookBlock(text, file));
  const out: Array<{ file: string; removed: boolean; deleted: boolean }> = [];
  for (const { file, after } of changes) {
    // A file left empty goes, unless it is a link (a dotfile manager's): that is written through.
    const deleted = after.removed && after.text.trim() === '' && !(await lstat(file)).isSymbolicLink();
    if (deleted) await unlink(file);
    else if (after.removed) await writeThroughLink(file, after.text);
    out.push({ file, removed: after.removed, deleted });
  }
  return out;
}

async function changeConfigFiles<T>(
  configDir: string,
  change: (text: string, file: string) => T,
): Promise<Array<{ file: string; after: T }>> {
  const changes: Array<{ file: string; after: T }> = [];
  for (const name of JUPYTER_CONFIG_FILES) {
    const file = join(configDir, name);
    changes.push({ file, after: change((await readConfigFile(file)) ?? '', file) });
  }
  return changes;
}

export interface HookStatus {
  configDir: string;
  files: Array<{ file: string; installed: boolean; target?: Partial<HookTarget> }>;
  /** What the installed hooks run, and whether it runs; one per distinct target. */
  targets: Array<{ target: Partial<HookTarget>; hookModule: boolean; runs: boolean; version?: string; problem?: string }>;
}

export async function hookStatus(configDir: string): Promise<HookStatus> {
  const files: HookStatus['files'] = [];
  for (const name of JUPYTER_CONFIG_FILES) {
    const file = join(configDir, name);
    const block = findHookBlock((await readConfigFile(file)) ?? '', file);
    files.push(block ? { file, installed: true, target: targetOfBlock(block.text) } : { file, installed: false });
  }
  const distinct = new Map<string, Partial<HookTarget>>();
  for (const { target } of files) if (target) distinct.set(JSON.stringify(target), target);
  const targets: HookStatus['targets'] = [];
  for (const target of distinct.values()) {
    const hookModule = target.hooks !== undefined && (await exists(join(target.hooks, `${HOOK_MODULE}.py`)));
    targets.push({ target, hookModule, ...(await probe(target)) });
  }
  return { configDir, files, targets };
}

/** Runs `<node> <nbstore> --version` as the hook would run nbstore. */
async function probe(target: Partial<HookTarget>): Promise<{ runs: boolean; version?: string; problem?: string }> {
  if (!target.node || !target.nbstore) return { runs: false, problem: 'the block does not name node and nbstore' };
  return new Promise((done) => {
    execFile(target.node as string, [target.nbstore as string, '--version'], { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err) {
        const reason =
          errnoCode(err) === 'ENOENT'
            ? `${target.node}: no such file`
            : stderr.trim().split('\n')[0] || err.message.split('\n')[0] || 'failed';
        done({ runs: false, problem: reason });
      } else {
        done({ runs: true, version: stdout.trim() });
      }
    });
  });
}

async function readConfigFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw new NbstoreError('bad-config', `${file}: cannot read (${errnoCode(err) ?? String(err)})`, { cause: err });
  }
}

/**
 * Writes a config file in place of the old, keeping its mode; a config that is a symbolic link
 * (a dotfile manager's) is written where it points, so the link stays.
 */
async function writeThroughLink(file: string, text: string): Promise<void> {
  const target = await realpath(file).catch(() => file);
  await writeFileAtomic(target, text, { mode: await modeOf(target) });
}

async function modeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).mode & 0o7777;
  } catch {
    return 0o644;
  }
}
