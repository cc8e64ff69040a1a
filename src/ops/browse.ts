/**
 * What `nbstore browse` shows and does, over the workspace's store: the browser (ui/) asks this
 * source and never touches the store itself. Listing, rendering, diffing, cloning, checking out
 * and publishing are the modules the commands use.
 */
import { relative } from 'node:path';
import { classifyNotebook } from '../history/local-state.js';
import { shortIds } from '../history/revision.js';
import { describeMessage, listHistory, readHistory, readVerified } from '../history/versions.js';
import { NbstoreError } from '../lib/errors.js';
import { exists, readIfExists, sha256 } from '../lib/fs.js';
import type { Paint } from '../lib/paint.js';
import { escapeControls, quotePath } from '../lib/text.js';
import { canonicalOf, type Notebook, parseNotebook } from '../notebook/notebook.js';
import { diffNotebooks, parseForDiff } from '../notebook/notebook-diff.js';
import { renderNotebook } from '../notebook/render.js';
import { renderNotebookDiff } from '../notebook/render-diff.js';
import { keysUnder } from '../store/keys.js';
import type { Store } from '../store/store.js';
import { localFile } from '../workspace/paths.js';
import { spoolEntries } from '../workspace/spool.js';
import type { Workspace } from '../workspace/workspace.js';
import type { BrowseSource, ClonePlan, NotebookItem, Scope, VersionItem } from './browse-model.js';
import { checkoutVersion, writeVersionTo } from './checkout.js';
import { cloneTarget, cloneVersion, numberedName, openOrigin, workspacePath } from './clone.js';
import { type DiffSide, localSide, versionSide } from './diff.js';
import { notebookObjects } from './ls.js';
import { publishedVersionOf, publishNotebook } from './publish.js';

export interface BrowseOptions {
  /** Only notebooks whose path (below the workspace or published prefix) starts with this, as for `ls`. */
  prefix?: string;
  paint: Paint;
  /** The directory nbstore runs in: clones land here, as `nbstore clone KEY` puts them. */
  cwd: string;
}

/** Lines of a text output shown in a preview or a diff before "… N more lines". */
const MAX_OUTPUT_LINES = 20;

export class WorkspaceBrowseSource implements BrowseSource {
  constructor(
    private readonly workspace: Workspace,
    private readonly store: Store,
    private readonly options: BrowseOptions,
  ) {}

  get prefix(): string | undefined {
    return this.options.prefix;
  }

  describe(scope: Scope): string {
    const base = this.scopePrefix(scope);
    const where = this.workspace.settings.store === 's3' ? this.store.location : 'the embedded store';
    return escapeControls(`${keysUnder(base)}${this.options.prefix ?? ''} in ${where}`);
  }

  notebooks(scope: Scope): Promise<NotebookItem[]> {
    return notebookObjects(this.store, this.scopePrefix(scope), this.options.prefix ?? '');
  }

  async versions(scope: Scope, notebook: NotebookItem): Promise<VersionItem[]> {
    const [history, tracked, published, sources] = await Promise.all([
      readHistory(this.store, notebook.key, this.workspace.settings.max_threads),
      scope === 'workspace' ? this.workspace.tracked(notebook.path) : undefined,
      scope === 'workspace' ? publishedVersionOf(this.workspace, this.store, notebook.path) : undefined,
      // A published copy names its source by the short id `log` shows for it, as log --published does.
      scope === 'published' ? listHistory(this.store, this.workspace.keyFor(notebook.path)).then(shortIds) : undefined,
    ]);
    return history.map((entry) => ({
      ...entry,
      message: describeMessage(entry),
      published: entry.versionId === published,
      base: tracked?.key === entry.key && tracked.base === entry.versionId,
      ...(entry.sourceVersion ? { from: sources?.get(entry.sourceVersion) ?? entry.sourceVersion } : {}),
    }));
  }

  async preview(version: VersionItem): Promise<string[]> {
    const { body } = await readVerified(this.store, version.key, version.versionId);
    const notebook = parseNotebook(body, `${version.key}@${version.versionId}`);
    return screenLines(renderNotebook(notebook, { paint: this.options.paint, maxOutputLines: MAX_OUTPUT_LINES }));
  }

  async diff(_scope: Scope, notebook: NotebookItem, older: VersionItem, newer: VersionItem): Promise<string[]> {
    return this.render(
      await versionSide(this.store, notebook.path, older, parseForDiff),
      await versionSide(this.store, notebook.path, newer, parseForDiff),
    );
  }

  /** The local file of the notebook's path in the workspace (a published copy's too) against the version. */
  async diffLocal(_scope: Scope, notebook: NotebookItem, version: VersionItem): Promise<string[]> {
    // The path comes from a key: it is checked as a checkout checks it before anything is read.
    await localFile(this.workspace.root, notebook.path, notebook.key);
    return this.render(
      await versionSide(this.store, notebook.path, version, parseForDiff),
      await localSide(this.workspace, notebook.path, parseForDiff),
    );
  }

  async planClone(_scope: Scope, notebook: NotebookItem): Promise<ClonePlan> {
    const target = await cloneTarget(this.options.cwd, notebook.key);
    let n = 1;
    while (await exists(numberedName(target, n))) n++;
    const plan = { target: this.shown(target), exists: await exists(target), alternative: this.shown(numberedName(target, n)) };
    const loses = plan.exists ? await this.unpushed(target) : undefined;
    return loses ? { ...plan, loses } : plan;
  }

  /** What the file holds that the store does not, if anything: as checkout asks before it writes over a file. */
  private async unpushed(file: string): Promise<string | undefined> {
    const rel = workspacePath(this.workspace, file);
    if (rel === undefined) return 'a file that is not in the store';
    const bytes = await readIfExists(file);
    if (bytes === undefined) return undefined;
    const local = { sha256: sha256(bytes), canonical: canonicalOf(bytes, rel) };
    const spooled = (await spoolEntries(this.workspace.spoolDir, rel)).length;
    const tracked = await this.workspace.tracked(rel);
    const state = classifyNotebook({ key: this.workspace.keyFor(rel), tracked, local, latest: null, spooled });
    if (state === 'unmodified') return undefined;
    return tracked ? 'its unpushed changes' : 'a file that was never pushed';
  }

  async clone(_scope: Scope, notebook: NotebookItem, version: VersionItem, overwrite: boolean): Promise<string> {
    const target = await cloneTarget(this.options.cwd, notebook.key);
    const from = `${quotePath(notebook.path)} @ ${version.shortId}`;
    if (!overwrite) {
      const result = await cloneVersion(this.workspace, await openOrigin(this.workspace), version, target);
      return `cloned ${from} to ${quotePath(this.shown(result.file))}${result.tracked ? ' (tracked)' : ''}`;
    }
    // The user agreed to overwrite: in the workspace that is a forced checkout of this version
    // into that file (written atomically and tracked, as a clone is); elsewhere a plain write.
    const rel = workspacePath(this.workspace, target);
    if (rel === undefined) await writeVersionTo(this.store, version, target, this.shown(target), { force: true });
    else await checkoutVersion(this.workspace, this.store, rel, version, { force: true });
    return `cloned ${from} over ${quotePath(this.shown(target))}${rel === undefined ? '' : ' (tracked)'}`;
  }

  async checkout(scope: Scope, notebook: NotebookItem, version: VersionItem, force: boolean): Promise<string> {
    if (scope !== 'workspace') {
      throw new NbstoreError(
        'usage',
        `${notebook.path}: a published copy is not checked out over a local file; clone it (c), or press t for the workspace`,
      );
    }
    const result = await checkoutVersion(this.workspace, this.store, notebook.path, version, { force });
    return result.written
      ? `checked out ${quotePath(notebook.path)} at version ${version.versionId}`
      : `${quotePath(notebook.path)} is already at version ${version.versionId}`;
  }

  async publish(scope: Scope, notebook: NotebookItem, version: VersionItem): Promise<string> {
    if (scope !== 'workspace')
      throw new NbstoreError('usage', `${notebook.path}: already a published copy; press t and publish from the workspace`);
    const result = await publishNotebook(this.workspace, this.store, notebook.path, { revision: version.versionId });
    return `${result.status === 'published' ? 'published' : 'already published:'} ${quotePath(notebook.path)} @ ${version.shortId} → ${quotePath(result.publishedKey)} ${result.versionId}`;
  }

  private async render(older: DiffSide<Notebook>, newer: DiffSide<Notebook>): Promise<string[]> {
    const diff = await diffNotebooks(older.content, newer.content);
    const text = renderNotebookDiff(
      diff,
      { old: older.label, new: newer.label },
      { paint: this.options.paint, maxOutputLines: MAX_OUTPUT_LINES },
    );
    return text === '' ? [`no differences between ${older.label} and ${newer.label}`] : screenLines(text);
  }

  private scopePrefix(scope: Scope): string {
    return scope === 'workspace' ? this.workspace.settings.workspace_prefix : this.workspace.settings.published_prefix;
  }

  /** A file as the status line names it: relative to where nbstore runs. */
  private shown(file: string): string {
    return relative(this.options.cwd, file) || file;
  }
}

/** Tab stops every 4 columns, as Jupyter shows code. */
const TAB_WIDTH = 4;

/**
 * Text as lines a terminal pane can show without its layout breaking: tabs expanded, a carriage
 * return keeping what was written after it (as progress bars intend), other control characters
 * dropped. Colour sequences stay.
 */
export function screenLines(text: string): string[] {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((raw) => {
      const line = raw.replace(/\r+$/, '');
      const shown = line.slice(line.lastIndexOf('\r') + 1).replace(/[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]/g, '');
      let out = '';
      let column = 0;
      for (const part of shown.split(/(\t|\x1b\[[0-9;]*m)/)) {
        if (part === '\t') {
          const pad = TAB_WIDTH - (column % TAB_WIDTH);
          out += ' '.repeat(pad);
          column += pad;
        } else {
          out += part;
          if (!part.startsWith('\x1b')) column += [...part].length;
        }
      }
      return out;
    });
}
