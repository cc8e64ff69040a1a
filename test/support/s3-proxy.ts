import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { s3Endpoint } from './s3.js';

/** What the proxy does with the requests it receives. */
export type ProxyMode =
  /** Forward every request unchanged. */
  | { kind: 'pass' }
  /** Hold each request this long, then forward it. */
  | { kind: 'delay'; ms: number }
  /** Never answer: the client waits until it gives up. */
  | { kind: 'stall' }
  /** Answer the next `times` requests (of `method`, if given) with this S3 error; forward the rest. */
  | { kind: 'fail'; status: number; code: string; times: number; method?: string; message?: string }
  /** Answer every request with this status, content type and body, as a captive portal does. */
  | { kind: 'answer'; status: number; contentType: string; body: string }
  /** Forward each request, and pass its answer back two bytes a second. */
  | { kind: 'trickle' }
  /**
   * Stop at an upload (PUT): `before-store` reads the body and never forwards it; `after-store`
   * forwards it, so the store keeps the version, and never passes the answer back. Other
   * requests are forwarded.
   */
  | { kind: 'hold-upload'; when: 'before-store' | 'after-store' }
  /** Pass each GET's answer headers and its first `bytes` bytes of body, then drop the connection. */
  | { kind: 'cut-body'; bytes: number };

export interface SeenRequest {
  method: string;
  /** Path and query, e.g. `/bucket/key?versions`. */
  url: string;
  headers: IncomingMessage['headers'];
}

/**
 * An HTTP proxy on 127.0.0.1 in front of the test S3: it counts the requests it sees, and can
 * delay, stall, fail or hold them, or stop listening altogether (an endpoint that refuses
 * connections). It forwards headers unchanged, so request signatures stay valid.
 */
export class S3Proxy {
  readonly seen: SeenRequest[] = [];
  mode: ProxyMode = { kind: 'pass' };
  private server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly target: URL;
  private port = 0;
  private waiters: Array<{ matches: (r: SeenRequest) => boolean; resolve: (r: SeenRequest) => void }> = [];

  private constructor(target: string) {
    this.target = new URL(target);
    this.server = this.makeServer();
  }

  static async start(target = s3Endpoint()): Promise<S3Proxy> {
    const proxy = new S3Proxy(target);
    await proxy.listen();
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests seen whose method is `method` (and whose path and query match `url`). */
  count(method: string, url?: RegExp): number {
    return this.seen.filter((r) => r.method === method && (!url || url.test(r.url))).length;
  }

  /** Resolves when a request that matches arrives (or has arrived). */
  waitFor(matches: (r: SeenRequest) => boolean): Promise<SeenRequest> {
    const already = this.seen.find(matches);
    if (already) return Promise.resolve(already);
    return new Promise((resolve) => this.waiters.push({ matches, resolve }));
  }

  /** Stops listening and drops every connection: the endpoint now refuses connections. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Listens again on the same port after `stop`. */
  async resume(): Promise<void> {
    this.server = this.makeServer();
    await this.listen();
  }

  close(): Promise<void> {
    return this.stop();
  }

  /**
   * Listens on the proxy's port, chosen at first below the range the system hands out for
   * outgoing connections (32768 and up on Linux), so that while the proxy is stopped no
   * connection can take the port it must listen on again.
   */
  private async listen(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const port = this.port || 20_000 + Math.floor(Math.random() * 10_000);
      try {
        await new Promise<void>((resolve, reject) => {
          this.server.once('error', reject);
          this.server.listen(port, '127.0.0.1', () => resolve());
        });
        this.port = (this.server.address() as AddressInfo).port;
        return;
      } catch (err) {
        if (this.port || attempt >= 20 || (err as { code?: string }).code !== 'EADDRINUSE') throw err;
        this.server = this.makeServer();
      }
    }
  }

  private makeServer(): Server {
    const server = createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 60_000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const seen = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    this.seen.push(seen);
    const mode = this.mode;
    const notify = () => {
      const ready = this.waiters.filter((w) => w.matches(seen));
      this.waiters = this.waiters.filter((w) => !ready.includes(w));
      for (const waiter of ready) waiter.resolve(seen);
    };
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    switch (mode.kind) {
      case 'pass':
        this.forward(req, res);
        break;
      case 'delay':
        setTimeout(() => this.forward(req, res), mode.ms);
        break;
      case 'stall':
        req.resume();
        break;
      case 'fail':
        if (mode.times > 0 && (mode.method === undefined || mode.method === seen.method)) {
          mode.times--;
          req.resume();
          req.on('end', () => {
            res.writeHead(mode.status, { 'content-type': 'application/xml' });
            res.end(
              `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${mode.code}</Code><Message>${mode.message ?? 'injected by the test proxy'}</Message></Error>`,
            );
          });
        } else {
          this.forward(req, res);
        }
        break;
      case 'answer':
        req.resume();
        req.on('end', () => {
          res.writeHead(mode.status, { 'content-type': mode.contentType });
          res.end(mode.body);
        });
        break;
      case 'trickle':
        this.forward(req, res, undefined, undefined, true);
        break;
      case 'cut-body':
        this.forward(req, res, undefined, seen.method === 'GET' ? mode.bytes : undefined);
        break;
      case 'hold-upload':
        if (seen.method !== 'PUT') {
          this.forward(req, res);
        } else if (mode.when === 'before-store') {
          // Notified once body bytes arrive: the upload is under way.
          req.once('data', notify);
          req.resume();
          return;
        } else {
          this.forward(req, res, { holdAnswer: true, onStored: notify });
          return;
        }
        break;
    }
    notify();
  }

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    hold?: { holdAnswer: boolean; onStored: () => void },
    cutAfter?: number,
    trickle = false,
  ): void {
    const upstream = httpRequest(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        if (hold?.holdAnswer) {
          answer.resume();
          answer.on('end', hold.onStored);
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (trickle) {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            const rest = Buffer.concat(chunks);
            let at = 0;
            const timer = setInterval(() => {
              res.write(rest.subarray(at, at + 2));
              at += 2;
              if (at >= rest.length) {
                clearInterval(timer);
                res.end();
              }
            }, 1000);
            res.on('close', () => clearInterval(timer));
          });
          return;
        }
        if (cutAfter === undefined || Number(answer.headers['content-length'] ?? 0) <= cutAfter) {
          answer.pipe(res);
          return;
        }
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          if (sent >= cutAfter) return;
          res.write(chunk.subarray(0, cutAfter - sent));
          sent += chunk.length;
          if (sent >= cutAfter) {
            answer.destroy();
            res.socket?.destroy();
          }
        });
      },
    );
    upstream.on('error', () => res.destroy());
    // A client killed mid-request: drop the request upstream too, or its half-read answer would
    // hold a connection to S3 (and so the test process) open until S3 times it out.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }
}
