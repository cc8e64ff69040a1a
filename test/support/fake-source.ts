import { NbstoreError } from '../../src/lib/errors.js';
import type { BrowseSource, ClonePlan, NotebookItem, Scope, VersionItem } from '../../src/ops/browse-model.js';

/** A call the browser made, with what it named. */
export interface SourceCall {
  method: string;
  args: string[];
}

/**
 * A BrowseSource over notebooks held in memory, for component tests: it records each call, and
 * `hold(method)` keeps that method's answers back until `release(method)`, so a test sees the
 * loading state first.
 */
export class MemorySource implements BrowseSource {
  readonly calls: SourceCall[] = [];
  readonly files = new Map<string, string>();
  /** Paths with changes that are not pushed: checkout refuses them unless forced. */
  readonly unpushed = new Set<string>();
  private held = new Map<string, Array<() => void>>();
  private holding = new Set<string>();
  failures = new Map<string, string>();

  constructor(
    readonly notebooksByScope: Record<Scope, NotebookItem[]>,
    readonly versionsByKey: Record<string, VersionItem[]>,
  ) {}

  hold(method: string): void {
    this.holding.add(method);
  }

  release(method: string): void {
    this.holding.delete(method);
    for (const go of this.held.get(method) ?? []) go();
    this.held.delete(method);
  }

  private async answer<T>(method: string, args: string[], value: () => T): Promise<T> {
    this.calls.push({ method, args });
    if (this.holding.has(method)) await new Promise<void>((resolve) => this.held.set(method, [...(this.held.get(method) ?? []), resolve]));
    const failure = this.failures.get(method);
    if (failure !== undefined) throw new NbstoreError('s3-error', failure);
    return value();
  }

  describe(scope: Scope): string {
    return `${scope}/ in memory`;
  }

  notebooks(scope: Scope): Promise<NotebookItem[]> {
    return this.answer('notebooks', [scope], () => this.notebooksByScope[scope]);
  }

  versions(_scope: Scope, notebook: NotebookItem): Promise<VersionItem[]> {
    return this.answer('versions', [notebook.key], () => this.versionsByKey[notebook.key] ?? []);
  }

  preview(version: VersionItem): Promise<string[]> {
    return this.answer('preview', [version.versionId], () => Array.from({ length: 60 }, (_, i) => `${version.versionId} line ${i + 1}`));
  }

  diff(_scope: Scope, _notebook: NotebookItem, older: VersionItem, newer: VersionItem): Promise<string[]> {
    return this.answer('diff', [older.versionId, newer.versionId], () => [
      `--- ${older.versionId}`,
      `+++ ${newer.versionId}`,
      '@@ cell 1 (markdown) @@',
      '-old',
      '+new',
    ]);
  }

  diffLocal(_scope: Scope, notebook: NotebookItem, version: VersionItem): Promise<string[]> {
    return this.answer('diffLocal', [notebook.path, version.versionId], () => [`--- ${version.versionId}`, `+++ ${notebook.path} (local)`]);
  }

  planClone(_scope: Scope, notebook: NotebookItem): Promise<ClonePlan> {
    return this.answer('planClone', [notebook.path], () => ({
      target: notebook.path,
      exists: this.files.has(notebook.path),
      alternative: notebook.path.replace(/\.ipynb$/, '-1.ipynb'),
    }));
  }

  clone(_scope: Scope, notebook: NotebookItem, version: VersionItem, overwrite: boolean): Promise<string> {
    return this.answer('clone', [notebook.path, version.versionId, String(overwrite)], () => {
      const target = !this.files.has(notebook.path) || overwrite ? notebook.path : notebook.path.replace(/\.ipynb$/, '-1.ipynb');
      this.files.set(target, version.versionId);
      return `cloned ${notebook.path} @ ${version.shortId} to ${target}`;
    });
  }

  checkout(_scope: Scope, notebook: NotebookItem, version: VersionItem, force: boolean): Promise<string> {
    return this.answer('checkout', [notebook.path, version.versionId, String(force)], () => {
      if (this.unpushed.has(notebook.path) && !force)
        throw new NbstoreError('local-changes', `${notebook.path}: has local changes that are not pushed`);
      this.files.set(notebook.path, version.versionId);
      return `checked out ${notebook.path} at version ${version.versionId}`;
    });
  }

  publish(_scope: Scope, notebook: NotebookItem, version: VersionItem): Promise<string> {
    return this.answer('publish', [notebook.path, version.versionId], () => `published ${notebook.path} @ ${version.shortId}`);
  }
}

/** `count` notebooks `nb01.ipynb`…, each with `versions` versions, newest first. */
export function sampleSource(count: number, versions: number): MemorySource {
  const notebooks: NotebookItem[] = Array.from({ length: count }, (_, i) => {
    const path = `nb${String(i + 1).padStart(2, '0')}.ipynb`;
    return { key: `workspace/${path}`, path, lastModified: new Date(2026, 10, 20, 12, 0), size: 1000 + i };
  });
  const byKey: Record<string, VersionItem[]> = {};
  for (const nb of notebooks) {
    byKey[nb.key] = Array.from({ length: versions }, (_, i) => {
      const n = versions - i;
      const id = `${nb.path.slice(2, 4)}v${n}`;
      return {
        key: nb.key,
        versionId: `${id}-full-id`,
        shortId: id,
        lastModified: new Date(2026, 10, 20, 12, n),
        size: 1000 + n,
        isLatest: i === 0,
        isDeleteMarker: false,
        author: 'kylek',
        message: `message ${n}`,
        published: n === 1,
        base: i === 0,
      };
    });
  }
  const published = notebooks.slice(0, 1).map((nb) => ({ ...nb, key: `published/${nb.path}` }));
  for (const nb of published)
    byKey[nb.key] = (byKey[`workspace/${nb.path}`] ?? [])
      .slice(-1)
      .map((v) => ({ ...v, key: nb.key, versionId: `pub-${v.versionId}`, shortId: `pub-${v.shortId}` }));
  return new MemorySource({ workspace: notebooks, published }, byKey);
}
