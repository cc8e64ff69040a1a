import { spawn } from 'node:child_process';
import { defineCommand, writeLine } from '../cli/command.js';
import type { Io } from '../cli/io.js';
import { NbstoreError } from '../lib/errors.js';
import { WebSource } from '../ops/web.js';

/** What a Jupyter server hands `serve --request` on stdin: one request its handler authenticated and checked for XSRF. */
interface JupyterRequest {
  method: string;
  page: string;
  query: string;
  form?: string;
  /** Where the pages are under that server (`<base_url>nbstore/`). */
  base: string;
  /** Jupyter's XSRF form field (`_xsrf`) and its value for this session. */
  csrfField: string;
  csrfValue: string;
}

export default defineCommand({
  command: 'serve',
  describe: 'Open the notebooks, their versions and diffs in a web browser (on this machine only)',
  examples: [
    ['$0 serve --open', 'Start the web view and open it in the default browser'],
    ['$0 serve --port 8890', 'On a fixed port; the address it prints carries the access token'],
  ],
  builder: (yargs) =>
    yargs
      .option('port', { type: 'number', describe: 'Port on 127.0.0.1 (default: a free one)' })
      .option('open', { type: 'boolean', default: false, describe: 'Open the address in the default browser' })
      // The Jupyter extension's way in: one request on stdin, the response as JSON on stdout.
      .option('request', { type: 'boolean', default: false, hidden: true }),
  async run(args, context) {
    const { io } = context;
    const workspace = await context.workspace();
    const source = new WebSource(workspace, await workspace.openStore(), io.cwd);
    // React and the HTML renderers load only here, so other commands start without them.
    if (args.request) {
      const request = JSON.parse(await readAll(io.stdin)) as JupyterRequest;
      const { respond } = await import('../../ui/web/routes.js');
      const response = await respond(
        source,
        {
          method: request.method,
          page: request.page,
          query: new URLSearchParams(request.query),
          ...(request.form !== undefined ? { form: new URLSearchParams(request.form) } : {}),
        },
        { base: request.base, csrf: { field: request.csrfField, value: request.csrfValue } },
      );
      io.stdout.write(JSON.stringify(response));
      return;
    }
    if (args.port !== undefined && (!Number.isInteger(args.port) || args.port < 1 || args.port > 65535))
      throw new NbstoreError('usage', '--port must be a whole number from 1 to 65535');
    const { startWebServer } = await import('../../ui/web/server.js');
    const web = await startWebServer(source, {
      ...(args.port !== undefined ? { port: args.port } : {}),
      onError: (err) => writeLine(io.stderr, `nbstore: internal error: ${err instanceof Error ? err.message : String(err)}`),
    });
    writeLine(io.stdout, `nbstore: serving ${source.describe('workspace')} at`);
    writeLine(io.stdout, `    ${web.url}`);
    writeLine(io.stdout, 'nbstore: Ctrl+C stops it');
    if (args.open) openInBrowser(web.url, io);
    await untilStopped();
    await web.close();
  },
});

function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function openInBrowser(url: string, io: Io): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => writeLine(io.stderr, `nbstore: could not start ${opener}; open the address above by hand`));
  child.unref();
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
