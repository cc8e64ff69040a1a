import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Debian's Python with Debian's Jupyter Server and Notebook, which test/bed/jupyter-up installs;
 * never the Python first on PATH, which has no Jupyter.
 */
export function jupyterPython(): string {
  return process.env.NBSTORE_JUPYTER_PYTHON || '/usr/bin/python3';
}

export interface JupyterServer {
  url: string;
  /** The server's access token (`Authorization: token …`, or `?token=…` in a browser). */
  token: string;
  root: string;
  /** Everything the server has logged so far. */
  log(): string;
  /** Waits until the server's log matches (its output arrives through a pipe, after the response). */
  logged(pattern: RegExp): Promise<string>;
  /** Saves a notebook through the contents API (`PUT /api/contents/<path>`); returns the HTTP status. */
  saveNotebook(path: string, notebook: unknown): Promise<number>;
  /** Saves a text file through the contents API. */
  saveText(path: string, text: string): Promise<number>;
  /**
   * Waits until every flusher the hook started has exited (each is a child process of the
   * server, started before the save returned). Fails after a minute rather than hanging.
   */
  flushersDone(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts Jupyter Server (`jupyter server`), or classic Notebook 6 (`jupyter notebook`) when
 * `app` says so, on 127.0.0.1 with token auth, serving `root`, with `configDir` as
 * JUPYTER_CONFIG_DIR and data and runtime directories of its own.
 */
export async function startJupyter(options: {
  root: string;
  configDir: string;
  env: NodeJS.ProcessEnv;
  home: string;
  app?: 'server' | 'notebook';
}): Promise<JupyterServer> {
  const token = randomBytes(16).toString('hex');
  const dataDir = join(options.home, 'jupyter-data');
  const runtimeDir = join(options.home, 'jupyter-runtime');
  await mkdir(dataDir, { recursive: true });
  await mkdir(runtimeDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    JUPYTER_CONFIG_DIR: options.configDir,
    JUPYTER_DATA_DIR: dataDir,
    JUPYTER_RUNTIME_DIR: runtimeDir,
  };
  for (const name of ['PYTHONPATH', 'PYTHONHOME', 'JUPYTER_PATH', 'VIRTUAL_ENV']) delete env[name];

  const port = await freePort();
  const [module, app, rootSetting] =
    options.app === 'notebook' ? ['notebook', 'NotebookApp', 'notebook_dir'] : ['jupyter_server', 'ServerApp', 'root_dir'];
  const server = spawn(
    jupyterPython(),
    [
      '-m',
      module,
      `--${app}.ip=127.0.0.1`,
      `--${app}.port=${port}`,
      `--${app}.port_retries=0`,
      `--${app}.token=${token}`,
      `--${app}.open_browser=False`,
      `--${app}.${rootSetting}=${options.root}`,
      // The test machines run as root.
      '--allow-root',
    ],
    { env, cwd: options.root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const url = `http://127.0.0.1:${port}`;
  const headers = { Authorization: `token ${token}`, 'Content-Type': 'application/json' };
  await waitUntilAnswering(server, `${url}/api/status`, headers, () => output);

  const put = async (path: string, model: unknown) => {
    const response = await fetch(`${url}/api/contents/${path.split('/').map(encodeURIComponent).join('/')}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(model),
    });
    await response.arrayBuffer();
    return response.status;
  };
  return {
    url,
    token,
    root: options.root,
    log: () => output,
    async logged(pattern) {
      const deadline = Date.now() + 30_000;
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`the Jupyter log never matched ${pattern}:\n${output}`);
        await sleep(20);
      }
      return output;
    },
    saveNotebook: (path, notebook) => put(path, { type: 'notebook', format: 'json', content: notebook }),
    saveText: (path, text) => put(path, { type: 'file', format: 'text', content: text }),
    async flushersDone() {
      const deadline = Date.now() + 60_000;
      while ((await childrenOf(server.pid as number)).length > 0) {
        if (Date.now() > deadline) throw new Error('flushers the Jupyter hook started are still running after a minute');
        await sleep(20);
      }
    },
    stop: () => stopProcess(server),
  };
}

async function waitUntilAnswering(
  server: ChildProcess,
  statusUrl: string,
  headers: Record<string, string>,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`jupyter server exited (${server.exitCode}):\n${output()}`);
    try {
      const response = await fetch(statusUrl, { headers });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  await stopProcess(server);
  throw new Error(`jupyter server did not answer within 60 s:\n${output()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A small notebook whose one markdown cell says `text`. */
export function notebookSaying(text: string): unknown {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: [
      { cell_type: 'markdown', id: 'intro', metadata: {}, source: `# ${text}` },
      { cell_type: 'code', id: 'work', metadata: {}, execution_count: null, outputs: [], source: `print(${JSON.stringify(text)})` },
    ],
  };
}

/** The processes whose parent is `pid` (Linux: read from /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(join('/proc', name, 'stat'), 'utf8').catch(() => '');
    // "pid (command) state ppid ...": the command may hold spaces and parentheses.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent === pid) children.push(Number(name));
  }
  return children;
}
