import type { ReactNode } from 'react';
import { formatTime } from '../../src/lib/time.js';
import { formatSize } from '../../src/notebook/render.js';
import type { NotebookItem, RenderedVersion, Scope, WebDiff, WebVersion } from '../../src/ops/web.js';
import { LOCAL } from '../../src/ops/web.js';
import { DiffView } from './diff-view.js';
import { NotebookView } from './notebook-view.js';
import { CONTENT_SECURITY_POLICY, STYLE } from './style.js';

/** Where the pages live and how their forms prove they came from them. */
export interface PageContext {
  /** The path the pages are under, ending in '/': '/' for `nbstore serve`, '<base_url>nbstore/' in Jupyter. */
  base: string;
  /** The hidden form field that carries the CSRF token, and its value. */
  csrf: { field: string; value: string };
}

export type Action = 'checkout' | 'clone' | 'publish';

export function href(context: PageContext, page: string, params: Record<string, string | undefined> = {}): string {
  const query = new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const text = query.toString();
  return `${context.base}${page}${text ? `?${text}` : ''}`;
}

export function Layout({ title, context, children }: { title: string; context: PageContext; children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${title} · nbstore`}</title>
        <style>{STYLE}</style>
      </head>
      <body>
        <header className="top">
          <a href={href(context, '')}>nbstore</a>
          <a href={href(context, '', { scope: 'workspace' })}>workspace</a>
          <a href={href(context, '', { scope: 'published' })}>published</a>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}

export function NotebookListPage(props: {
  context: PageContext;
  scope: Scope;
  filter: string;
  where: string;
  notebooks: readonly NotebookItem[];
}) {
  const { context, scope } = props;
  return (
    <Layout title={scope === 'workspace' ? 'Notebooks' : 'Published notebooks'} context={context}>
      <h1>{scope === 'workspace' ? 'Notebooks' : 'Published notebooks'}</h1>
      <p className="where">{props.where}</p>
      <form method="get" action={href(context, '')} className="filter">
        <input type="hidden" name="scope" value={scope} />
        <input type="search" name="filter" defaultValue={props.filter} placeholder="filter by path" aria-label="filter by path" />
        <button type="submit">Filter</button>
      </form>
      {props.notebooks.length === 0 ? (
        <p>No notebooks{props.filter ? ` whose path holds “${props.filter}”` : ''}.</p>
      ) : (
        <table className="list notebooks">
          <thead>
            <tr>
              <th>path</th>
              <th>last changed</th>
              <th>size</th>
            </tr>
          </thead>
          <tbody>
            {props.notebooks.map((notebook) => (
              <tr key={notebook.key}>
                <td>
                  <a href={href(context, 'notebook', { scope, path: notebook.path })}>{notebook.path}</a>
                </td>
                <td>{formatTime(notebook.lastModified)}</td>
                <td>{formatSize(notebook.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

export function VersionsPage(props: { context: PageContext; scope: Scope; notebook: NotebookItem; versions: readonly WebVersion[] }) {
  const { context, scope, notebook, versions } = props;
  const path = notebook.path;
  const kept = versions.filter((v) => !v.isDeleteMarker);
  return (
    <Layout title={path} context={context}>
      <h1>{path}</h1>
      <p className="where">
        {scope} · {notebook.key}
      </p>
      <form method="get" action={href(context, 'diff')} className="compare">
        <input type="hidden" name="scope" value={scope} />
        <input type="hidden" name="path" value={path} />
        <table className="list versions">
          <thead>
            <tr>
              <th>old</th>
              <th>new</th>
              <th>version</th>
              <th>date</th>
              <th>author</th>
              <th>message</th>
              <th>marks</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {versions.map((version, i) => (
              <tr key={version.versionId} className={version.isDeleteMarker ? 'deleted' : ''}>
                <td>
                  {version.isDeleteMarker ? null : (
                    <input type="radio" name="old" value={version.versionId} defaultChecked={version === kept[1]} aria-label="old" />
                  )}
                </td>
                <td>
                  {version.isDeleteMarker ? null : (
                    <input type="radio" name="new" value={version.versionId} defaultChecked={version === kept[0]} aria-label="new" />
                  )}
                </td>
                <td className="version-id" title={version.versionId}>
                  {version.isDeleteMarker ? (
                    version.shortId
                  ) : (
                    <a href={href(context, 'version', { scope, path, v: version.versionId })}>{version.shortId}</a>
                  )}
                </td>
                <td>{formatTime(version.lastModified)}</td>
                <td>{version.author ?? ''}</td>
                <td>{version.isDeleteMarker ? '(deleted)' : version.message}</td>
                <td className="marks">
                  <Marks version={version} />
                </td>
                <td>
                  {version.isDeleteMarker || i === versions.length - 1 ? null : (
                    <a href={href(context, 'diff', { scope, path, old: previous(versions, i), new: version.versionId })}>changes</a>
                  )}
                </td>
              </tr>
            ))}
            {scope === 'workspace' ? (
              <tr>
                <td />
                <td>
                  <input type="radio" name="new" value={LOCAL} aria-label="new: the local file" />
                </td>
                <td colSpan={6}>the local file</td>
              </tr>
            ) : null}
          </tbody>
        </table>
        <button type="submit">Compare the chosen versions</button>
      </form>
    </Layout>
  );
}

function previous(versions: readonly WebVersion[], index: number): string | undefined {
  return versions.slice(index + 1).find((v) => !v.isDeleteMarker)?.versionId;
}

function Marks({ version }: { version: WebVersion }) {
  const marks: Array<[string, string]> = [];
  if (version.isLatest) marks.push(['latest', 'latest']);
  if (version.base) marks.push(['base', 'base: the local file was pushed as or checked out from it']);
  if (version.published) marks.push(['published', 'the published copy is this version']);
  if (version.isDeleteMarker) marks.push(['deleted', 'a delete marker']);
  if (version.forkOf) marks.push(['fork', `pushed from ${version.forkOf}, not from the version before it`]);
  return (
    <>
      {marks.map(([mark, title]) => (
        <span key={mark} className={`mark mark-${mark}`} title={title}>
          {mark}
        </span>
      ))}
    </>
  );
}

export function VersionPage({ context, scope, rendered }: { context: PageContext; scope: Scope; rendered: RenderedVersion }) {
  const { notebook, version, content } = rendered;
  const params = { scope, path: notebook.path, v: version.versionId };
  return (
    <Layout title={`${notebook.path} @ ${version.shortId}`} context={context}>
      <h1>
        <a href={href(context, 'notebook', { scope, path: notebook.path })}>{notebook.path}</a> @ {version.shortId}
      </h1>
      <p className="where">
        {formatTime(version.lastModified)} · {version.author ?? 'unknown author'} · {version.message} · {content.cells.length} cells
      </p>
      <nav className="actions">
        {scope === 'workspace' ? (
          <a href={href(context, 'diff', { scope, path: notebook.path, old: version.versionId, new: LOCAL })}>diff with the local file</a>
        ) : null}
        {scope === 'workspace' ? <a href={href(context, 'confirm', { ...params, action: 'checkout' })}>check out…</a> : null}
        <a href={href(context, 'confirm', { ...params, action: 'clone' })}>clone…</a>
        {scope === 'workspace' ? <a href={href(context, 'confirm', { ...params, action: 'publish' })}>publish…</a> : null}
      </nav>
      <NotebookView notebook={content} />
    </Layout>
  );
}

export function DiffPage({ context, scope, diff }: { context: PageContext; scope: Scope; diff: WebDiff }) {
  return (
    <Layout title={`diff ${diff.notebook.path}`} context={context}>
      <h1>
        <a href={href(context, 'notebook', { scope, path: diff.notebook.path })}>{diff.notebook.path}</a>: changes
      </h1>
      <DiffView diff={diff.diff} oldLabel={diff.old.label} newLabel={diff.new.label} />
    </Layout>
  );
}

/** What an action does, said before it is done; the button posts it with the CSRF token. */
export function ConfirmPage(props: {
  context: PageContext;
  action: Action;
  scope: Scope;
  path: string;
  versionId: string;
  description: string;
}) {
  const { context } = props;
  return (
    <Layout title={`${props.action} ${props.path}`} context={context}>
      <h1>
        {props.action[0]?.toUpperCase()}
        {props.action.slice(1)} {props.path}?
      </h1>
      <p className="confirm-what">{props.description}</p>
      <form method="post" action={href(context, 'action')}>
        <input type="hidden" name={context.csrf.field} value={context.csrf.value} />
        <input type="hidden" name="action" value={props.action} />
        <input type="hidden" name="scope" value={props.scope} />
        <input type="hidden" name="path" value={props.path} />
        <input type="hidden" name="v" value={props.versionId} />
        {props.action === 'checkout' ? (
          <label className="force">
            <input type="checkbox" name="force" value="1" /> overwrite local changes that are not pushed
          </label>
        ) : null}
        <button type="submit" className="confirm">
          {props.action}
        </button>{' '}
        <a href={href(context, 'version', { scope: props.scope, path: props.path, v: props.versionId })}>cancel</a>
      </form>
    </Layout>
  );
}

export function MessagePage(props: { context: PageContext; title: string; message: string; failed?: boolean; back?: string }) {
  return (
    <Layout title={props.title} context={props.context}>
      <h1>{props.title}</h1>
      <p className={props.failed ? 'message failed' : 'message'}>{props.message}</p>
      {props.back ? <a href={props.back}>back</a> : null}
    </Layout>
  );
}

/** The diff as one file that needs nothing else: for review, and as an artefact of CI. */
export function DiffDocument({
  title,
  diff,
  oldLabel,
  newLabel,
}: {
  title: string;
  diff: WebDiff['diff'];
  oldLabel: string;
  newLabel: string;
}) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta httpEquiv="Content-Security-Policy" content={CONTENT_SECURITY_POLICY.replace(/; form-action.*$/, '')} />
        <title>{title}</title>
        <style>{STYLE}</style>
      </head>
      <body>
        <main>
          <h1>{title}</h1>
          <DiffView diff={diff} oldLabel={oldLabel} newLabel={newLabel} />
        </main>
      </body>
    </html>
  );
}
