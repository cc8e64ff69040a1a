import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { BIN, REPO_ROOT } from './cli.js';

/**
 * Debian's chromium, headless, driven through playwright-core: test/bed/chromium-up installs it;
 * Playwright's own browser builds are never downloaded.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.NBSTORE_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Playwright gives each launch a new temporary profile (--user-data-dir) of its own.
    ],
  });
}

/** Where the tests keep a screenshot of each kind of page, to look at after a run. */
export const SCREENSHOTS = process.env.NBSTORE_SCREENSHOTS || join(REPO_ROOT, 'test-output', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  process.stderr.write(`screenshot: ${file}\n`);
  return file;
}

/** A page that records whether anything ran that a notebook smuggled in (alerts, console). */
export async function watchedPage(browser: Browser): Promise<{ page: Page; ran: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  const ran: string[] = [];
  page.on('dialog', (dialog) => {
    ran.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.text().includes('PWNED')) ran.push(`console: ${message.text()}`);
  });
  return { page, ran };
}

export interface ServeProcess {
  url: string;
  origin: string;
  stop(): Promise<void>;
}

/** Runs `nbstore serve` (with `args`) in `dir` and reads the address it prints. */
export async function startServe(dir: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<ServeProcess> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nbstore serve printed no address within 30 s:\n${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nbstore serve exited (${code}):\n${output}`));
    });
  });
  return {
    url,
    origin: new URL(url).origin,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A PNG of one colour: real image data a browser decodes (naturalWidth > 0). */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = (crcTable[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(typed));
    return Buffer.concat([length, typed, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A notebook with what the web view must show (markdown, ANSI colour, an image, a long output)
 * and what it must not run: a <script> in markdown, an onerror in an HTML output, a javascript:
 * link. `colour` picks the plot's colour and `title` the heading, so two versions differ.
 */
export function showcaseNotebook(options: { title: string; colour: [number, number, number]; extraCell?: boolean; dropCell?: boolean }) {
  const png = solidPng(120, 80, options.colour).toString('base64');
  const cells: unknown[] = [
    {
      cell_type: 'markdown',
      id: 'intro',
      metadata: {},
      source: [
        `# ${options.title}\n`,
        '\n',
        'Some **bold** text, a [link](https://example.org) and a list:\n',
        '\n',
        '- one\n',
        '- two\n',
        '\n',
        '<script>console.log("PWNED by markdown script"); alert("PWNED")</script>\n',
        '<a href="javascript:alert(\'PWNED\')">click</a>',
      ],
    },
    {
      cell_type: 'code',
      id: 'colours',
      metadata: {},
      execution_count: 1,
      source: ['print("\\x1b[31mred\\x1b[0m and plain")'],
      outputs: [{ output_type: 'stream', name: 'stdout', text: ['\u001b[31mred\u001b[0m and plain\n'] }],
    },
    {
      cell_type: 'code',
      id: 'plot',
      metadata: {},
      execution_count: 2,
      source: ['plot()'],
      outputs: [{ output_type: 'display_data', metadata: {}, data: { 'image/png': png, 'text/plain': ['<Figure size 120x80>'] } }],
    },
    {
      cell_type: 'code',
      id: 'table',
      metadata: {},
      execution_count: 3,
      source: ['df'],
      outputs: [
        {
          output_type: 'execute_result',
          execution_count: 3,
          metadata: {},
          data: {
            'text/html': [
              '<table class="dataframe"><tr><th>a</th></tr><tr><td>1</td></tr></table>',
              '<img src="x" onerror="console.log(\'PWNED by onerror\'); alert(\'PWNED\')">',
              '<iframe src="javascript:alert(\'PWNED\')"></iframe>',
            ],
            'text/plain': ['   a\n0  1'],
          },
        },
      ],
    },
    {
      cell_type: 'code',
      id: 'long',
      metadata: {},
      execution_count: 4,
      source: ['for i in range(100): print(i)'],
      outputs: [{ output_type: 'stream', name: 'stdout', text: Array.from({ length: 100 }, (_, i) => `line ${i}\n`) }],
    },
  ];
  if (options.extraCell) cells.push({ cell_type: 'markdown', id: 'added', metadata: {}, source: ['## A new conclusion'] });
  if (options.dropCell) cells.splice(4, 1);
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells,
  };
}

/** The text in an element, hidden parts (a folded output) included. */
export async function textOf(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? '';
}
