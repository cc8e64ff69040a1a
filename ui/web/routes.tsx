import type { ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { isNbstoreError, NbstoreError } from '../../src/lib/errors.js';
import type { NotebookDiff } from '../../src/notebook/notebook-diff.js';
import type { Scope, WebSource } from '../../src/ops/web.js';
import {
  type Action,
  ConfirmPage,
  DiffDocument,
  DiffPage,
  href,
  MessagePage,
  NotebookListPage,
  type PageContext,
  VersionPage,
  VersionsPage,
} from './pages.js';
import { CONTENT_SECURITY_POLICY } from './style.js';

export type { PageContext };

/** A request as the pages see it: the server in front checked who sent it. */
export interface WebRequest {
  method: string;
  /** The page: the path below the context's base, without a leading '/'. */
  page: string;
  query: URLSearchParams;
  /** The decoded form of a POST. */
  form?: URLSearchParams;
}

export interface WebResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers every page is sent with: no script runs, no other site frames it, nothing is cached. */
export const PAGE_HEADERS: Record<string, string> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export function html(element: ReactElement, status = 200): WebResponse {
  return { status, headers: { ...PAGE_HEADERS }, body: `<!DOCTYPE html>${renderToStaticMarkup(element)}` };
}

/** Answers one request of the web view; failures nbstore reports become pages saying why. */
export async function respond(source: WebSource, request: WebRequest, context: PageContext): Promise<WebResponse> {
  try {
    return await route(source, request, context);
  } catch (err) {
    if (!isNbstoreError(err)) throw err;
    const status = err.code === 'not-found' ? 404 : err.code === 'usage' ? 400 : 409;
    return html(<MessagePage context={context} title="Refused" message={err.message} failed back={href(context, '')} />, status);
  }
}

async function route(source: WebSource, request: WebRequest, context: PageContext): Promise<WebResponse> {
  const { query } = request;
  if (request.method === 'POST') {
    if (request.page !== 'action') return notFound(context);
    return act(source, request.form ?? new URLSearchParams(), context);
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') return { status: 405, headers: { Allow: 'GET, POST' }, body: '' };
  const scope = scopeOf(query.get('scope'));
  const path = query.get('path') ?? '';
  switch (request.page) {
    case '': {
      const filter = query.get('filter') ?? '';
      const notebooks = await source.notebooks(scope, filter);
      return html(
        <NotebookListPage context={context} scope={scope} filter={filter} where={source.describe(scope)} notebooks={notebooks} />,
      );
    }
    case 'notebook': {
      const notebook = await source.notebook(scope, required(path, 'path'));
      return html(<VersionsPage context={context} scope={scope} notebook={notebook} versions={await source.versions(scope, notebook)} />);
    }
    case 'version':
      return html(
        <VersionPage
          context={context}
          scope={scope}
          rendered={await source.version(scope, required(path, 'path'), required(query.get('v'), 'v'))}
        />,
      );
    case 'diff': {
      const diff = await source.diff(scope, required(path, 'path'), required(query.get('old'), 'old'), required(query.get('new'), 'new'));
      return html(<DiffPage context={context} scope={scope} diff={diff} />);
    }
    case 'confirm': {
      const action = actionOf(query.get('action'));
      const versionId = required(query.get('v'), 'v');
      const description = await describeAction(source, action, scope, required(path, 'path'), versionId);
      return html(
        <ConfirmPage context={context} action={action} scope={scope} path={path} versionId={versionId} description={description} />,
      );
    }
    default:
      return notFound(context);
  }
}

async function act(source: WebSource, form: URLSearchParams, context: PageContext): Promise<WebResponse> {
  const action = actionOf(form.get('action'));
  const scope = scopeOf(form.get('scope'));
  const path = required(form.get('path'), 'path');
  const versionId = required(form.get('v'), 'v');
  const message =
    action === 'checkout'
      ? await source.checkout(scope, path, versionId, form.get('force') === '1')
      : action === 'clone'
        ? await source.clone(scope, path, versionId)
        : await source.publish(scope, path, versionId);
  return html(<MessagePage context={context} title="Done" message={message} back={href(context, 'notebook', { scope, path })} />);
}

async function describeAction(source: WebSource, action: Action, scope: Scope, path: string, versionId: string): Promise<string> {
  if (action === 'checkout') {
    if (scope !== 'workspace') throw new NbstoreError('usage', `${path}: a published copy is not checked out over a local file; clone it`);
    return `Write version ${versionId} over the local file ${path}. Refused when the file has changes that are not pushed, unless you tick the box.`;
  }
  if (action === 'clone') {
    const plan = await source.planClone(scope, path);
    return `Write version ${versionId} to ${plan.exists ? `${plan.alternative} (${plan.target} exists and is kept)` : plan.target}.`;
  }
  if (scope !== 'workspace') throw new NbstoreError('usage', `${path}: already a published copy; publish from the workspace`);
  return `Make version ${versionId} the published copy of ${path}.`;
}

function scopeOf(text: string | null): Scope {
  if (text === null || text === '' || text === 'workspace') return 'workspace';
  if (text === 'published') return 'published';
  throw new NbstoreError('usage', `scope must be workspace or published, not ${JSON.stringify(text.slice(0, 40))}`);
}

function actionOf(text: string | null): Action {
  if (text === 'checkout' || text === 'clone' || text === 'publish') return text;
  throw new NbstoreError('usage', `no such action: ${JSON.stringify((text ?? '').slice(0, 40))}`);
}

function required(value: string | null, name: string): string {
  if (value === null || value === '') throw new NbstoreError('usage', `the page needs ${name}`);
  return value;
}

function notFound(context: PageContext): WebResponse {
  return html(<MessagePage context={context} title="Not found" message="No such page." back={href(context, '')} />, 404);
}

/** `nbstore diff --html`: the diff as one document, images inline. */
export function diffDocument(diff: NotebookDiff, labels: { old: string; new: string }): string {
  return `<!DOCTYPE html>${renderToStaticMarkup(<DiffDocument title={`${labels.old} → ${labels.new}`} diff={diff} oldLabel={labels.old} newLabel={labels.new} />)}`;
}
