// A pass-through HTTP proxy in front of the S3 endpoint that counts the requests it forwards,
// so the benchmark reports how many S3 requests each command really makes; with a delay, it
// holds each request that long before forwarding it: a round trip to an S3 region, on loopback.
// As a library: startCountingProxy(target) runs it in a child process (the benchmark's own
// event loop is blocked while it waits for commands) and reads the count from a file.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export function startCountingProxy(target, { delayMs = 0 } = {}) {
  const counter = join(tmpdir(), `nbstore-bench-requests-${process.pid}-${delayMs}`);
  const portFile = `${counter}.port`;
  writeFileSync(counter, '');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), target, counter, portFile, String(delayMs)], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(portFile); i++) sleep(50);
  const port = readFileSync(portFile, 'utf8').trim();
  return {
    url: `http://127.0.0.1:${port}`,
    reset: () => truncateSync(counter, 0),
    count: () => statSync(counter).size,
    close: () => child.kill(),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [target, counter, portFile, delay] = process.argv.slice(2);
  const upstream = new URL(target);
  const delayMs = Number(delay) || 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server = createServer((req, res) => {
    appendFileSync(counter, '.');
    const forward = () => {
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    };
    // The request is held, not its body: the body waits in the socket meanwhile, as on a real link.
    if (delayMs > 0) {
      req.pause();
      setTimeout(() => {
        forward();
        req.resume();
      }, delayMs);
    } else forward();
  });
  server.listen(0, '127.0.0.1', () => writeFileSync(portFile, String(server.address().port)));
}
