import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { NbstoreError } from '../../src/lib/errors.js';
import type { WebSource } from '../../src/ops/web.js';
import { PAGE_HEADERS, type PageContext, respond, type WebResponse } from './routes.js';

/**
 * `nbstore serve`: the web view on 127.0.0.1, for whoever holds the token in the printed URL (a
 * cookie keeps it for the session, so links carry no secret). A POST must come from a page of
 * this server (Origin, else Referer) and carry the CSRF token its forms hold; otherwise nothing
 * is done. The Host header must name this server, so another site's name pointed at 127.0.0.1
 * (DNS rebinding) gets nothing either.
 */
export interface WebServer {
  /** The address to open, with the token. */
  url: string;
  server: Server;
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
/** Forms are a few fields; anything bigger is not one of this server's. */
const MAX_FORM_BYTES = 64 * 1024;

export async function startWebServer(
  source: WebSource,
  options: { port?: number; onError?: (err: unknown) => void } = {},
): Promise<WebServer> {
  const token = randomBytes(24).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const context: PageContext = { base: '/', csrf: { field: 'csrf', value: csrf } };
  let origin = '';
  const cookie = () => `nbstore-token-${origin.slice(origin.lastIndexOf(':') + 1)}`;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.onError?.(err);
      if (!res.headersSent)
        send(res, { status: 500, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'nbstore: internal error\n' });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? '';
    const port = origin.slice(origin.lastIndexOf(':') + 1);
    if (host !== `${LOOPBACK}:${port}` && host !== `localhost:${port}`)
      return refuse(res, 421, 'This server answers only to its own address.');
    const url = new URL(req.url ?? '/', `http://${host}`);
    const given = url.searchParams.get('token');
    if (given !== null) {
      if (!sameSecret(given, token)) return refuse(res, 403, 'Wrong token: open the address nbstore serve printed.');
      // Keep the token in a cookie and show the address without it.
      url.searchParams.delete('token');
      res.setHeader('Set-Cookie', `${cookie()}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      return send(res, { status: 303, headers: { Location: url.pathname + url.search, 'Cache-Control': 'no-store' }, body: '' });
    }
    if (!sameSecret(cookieValue(req.headers.cookie, cookie()) ?? '', token))
      return refuse(res, 403, 'No token: open the address nbstore serve printed (it ends in ?token=…).');

    const page = url.pathname.replace(/^\//, '');
    if (req.method === 'POST') {
      if (!fromThisServer(req, origin)) return refuse(res, 403, 'Refused: the form was not sent from a page of this server.');
      const body = await readBody(req);
      if (body === undefined) return refuse(res, 413, 'Refused: that is not a form of this server.');
      const form = new URLSearchParams(body);
      if (!sameSecret(form.get('csrf') ?? '', csrf))
        return refuse(res, 403, 'Refused: the form has no valid CSRF token; reload the page and try again.');
      return send(res, await respond(source, { method: 'POST', page, query: url.searchParams, form }, context));
    }
    send(res, await respond(source, { method: req.method ?? 'GET', page, query: url.searchParams }, context));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new NbstoreError('usage', `port ${options.port} is taken; choose another with --port, or leave it out for a free one`)
          : err,
      ),
    );
    server.listen(options.port ?? 0, LOOPBACK, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no port');
  origin = `http://${LOOPBACK}:${address.port}`;
  return {
    url: `${origin}/?token=${token}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, response: WebResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

function refuse(res: ServerResponse, status: number, message: string): void {
  const body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>nbstore</title></head><body><p>${message}</p></body></html>`;
  send(res, { status, headers: { ...PAGE_HEADERS }, body });
}

function sameSecret(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** Browsers send Origin with every form POST; an old one sends Referer instead. Neither: refused. */
function fromThisServer(req: IncomingMessage, origin: string): boolean {
  const sent = req.headers.origin;
  if (sent !== undefined) return sent === origin || sent === origin.replace(LOOPBACK, 'localhost');
  const referer = req.headers.referer;
  return referer !== undefined && (referer.startsWith(`${origin}/`) || referer.startsWith(`${origin.replace(LOOPBACK, 'localhost')}/`));
}

/** The request's body, or undefined when it is larger than any form of these pages. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
