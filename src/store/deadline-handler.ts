import type { Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { excerpt } from '../lib/text.js';

type HandleArgs = Parameters<NodeHttpHandler['handle']>;
type Handled = Awaited<ReturnType<NodeHttpHandler['handle']>>;

/**
 * The slowest transfer that still counts as progress: a request may take its deadline plus its
 * body's size at this rate, so a large notebook on a slow link goes through while an endpoint
 * that trickles a few bytes a second is given up on.
 */
const SLOWEST_BYTES_PER_SECOND = 64 * 1024;

/** A request that did not finish (headers and body) within its deadline. Not retried. */
export class DeadlineError extends Error {
  override readonly name = 'NbstoreDeadline';
  constructor(readonly ms: number) {
    super(`the S3 endpoint did not finish answering within ${ms} ms`);
  }
}

/** A success that is not from S3 (a captive portal's or a proxy's HTML page). Not retried. */
export class NotS3Error extends Error {
  override readonly name = 'NbstoreNotS3';
}

/** Requests answered with S3 XML, or nothing: not an object's own body, whose type its writer chose. */
function expectsXml(request: HandleArgs[0]): boolean {
  const query = request.query ?? {};
  return request.method !== 'GET' && request.method !== 'HEAD'
    ? true
    : 'versions' in query || 'list-type' in query || 'versioning' in query || 'location' in query;
}

function bodyLength(body: unknown): number {
  return body instanceof Uint8Array ? body.byteLength : typeof body === 'string' ? Buffer.byteLength(body) : 0;
}

/**
 * NodeHttpHandler with an overall deadline on each request, headers and body: its socket timeout
 * limits only silence, which a server sending two bytes a second never lets happen. Also refuses
 * an answer that cannot be S3's, which the SDK would read as an empty listing.
 */
export class DeadlineHttpHandler extends NodeHttpHandler {
  constructor(
    options: ConstructorParameters<typeof NodeHttpHandler>[0],
    private readonly deadlineMs: number,
  ) {
    super(options);
  }

  override async handle(request: HandleArgs[0], options: HandleArgs[1] = {}): Promise<Handled> {
    const started = Date.now();
    const controller = new AbortController();
    const outer = options.abortSignal as AbortSignal | undefined;
    const abortWithOuter = () => controller.abort();
    outer?.addEventListener?.('abort', abortWithOuter, { once: true });
    const allowed = this.deadlineMs + (bodyLength(request.body) / SLOWEST_BYTES_PER_SECOND) * 1000;
    const deadline = new DeadlineError(this.deadlineMs);
    const timer = setTimeout(() => controller.abort(deadline), allowed);
    timer.unref();
    let handled: Handled;
    try {
      handled = await super.handle(request, { ...options, abortSignal: controller.signal as never });
    } catch (err) {
      if (controller.signal.reason === deadline) throw deadline;
      throw err;
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener?.('abort', abortWithOuter);
    }
    const { response } = handled;
    const type = String(response.headers['content-type'] ?? '');
    if (response.statusCode >= 200 && response.statusCode < 300 && expectsXml(request) && type !== '' && !/xml/i.test(type)) {
      const body = response.body as Readable | undefined;
      const start = await firstBytes(body, 512);
      body?.destroy?.();
      const title = /<title[^>]*>([^<]*)/i.exec(start)?.[1]?.trim();
      throw new NotS3Error(
        `the endpoint answered HTTP ${response.statusCode} with ${excerpt(type, 60)}, not S3 XML${title ? ` ("${excerpt(title, 60)}")` : ''}: a captive portal or a proxy's page? Check the endpoint URL and the network`,
      );
    }
    const body = response.body as Readable | undefined;
    if (body && typeof body.destroy === 'function') {
      const length = Number(response.headers['content-length'] ?? 0) || 0;
      const remaining = allowed - (Date.now() - started) + (length / SLOWEST_BYTES_PER_SECOND) * 1000;
      const bodyTimer = setTimeout(() => body.destroy(deadline), Math.max(0, remaining));
      bodyTimer.unref();
      body.once('close', () => clearTimeout(bodyTimer));
      body.once('end', () => clearTimeout(bodyTimer));
    }
    return handled;
  }
}

/** Up to `max` bytes of a body, as text, without waiting for the rest. */
async function firstBytes(body: Readable | undefined, max: number): Promise<string> {
  if (!body || typeof body.once !== 'function') return '';
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(''), 1000);
    timer.unref();
    body.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(Buffer.from(chunk).subarray(0, max).toString('utf8'));
    });
    body.once('error', () => resolve(''));
    body.once('end', () => resolve(''));
  });
}
