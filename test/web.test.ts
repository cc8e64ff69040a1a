import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT, runBin, runCli } from './support/cli.js';
import { launchChromium, type ServeProcess, screenshot, showcaseNotebook, startServe, textOf, watchedPage } from './support/web.js';
import { makeWorkspace, pushedId, STORE_KINDS, type TestWorkspace } from './support/workspace.js';

/** Every image on the page that the browser decoded, by its natural width. */
async function imageWidths(page: Page, selector: string): Promise<number[]> {
  return page.$$eval(selector, (images) => images.map((image) => (image as unknown as { naturalWidth: number }).naturalWidth));
}

/** What would show that something a notebook carried got to run or load. */
async function nothingActive(page: Page): Promise<void> {
  assert.equal(await page.locator('main script').count(), 0, 'no script element reaches the page');
  assert.equal(await page.locator('main iframe').count(), 0, 'no frame reaches the page');
  assert.equal(await page.locator('main [onerror], main [onclick], main [onload]').count(), 0, 'no event handler attribute');
  assert.equal(await page.locator('main a[href^="javascript:"]').count(), 0, 'no javascript: link');
}

/** The token cookie, got as a browser gets it: by opening the printed address. */
async function tokenCookie(serve: ServeProcess): Promise<string> {
  const response = await fetch(serve.url, { redirect: 'manual' });
  assert.equal(response.status, 303);
  return (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
}

for (const kind of STORE_KINDS) {
  describe(`nbstore serve in a real browser (${kind} store)`, () => {
    let ws: TestWorkspace;
    let serve: ServeProcess;
    let browser: Browser;
    let first: string;
    let second: string;
    const file = 'report.ipynb';
    const ran: string[] = [];

    before(async () => {
      ws = await makeWorkspace(kind);
      await writeFile(join(ws.dir, file), JSON.stringify(showcaseNotebook({ title: 'Sales', colour: [200, 30, 30] })));
      first = pushedId(await ws.ok('push', file, '-m', 'First look'));
      await writeFile(
        join(ws.dir, file),
        JSON.stringify(showcaseNotebook({ title: 'Sales by month', colour: [30, 30, 200], extraCell: true, dropCell: true })),
      );
      second = pushedId(await ws.ok('push', file, '-m', 'By month'));
      await ws.ok('publish', file, '--version', first);
      serve = await startServe(ws.dir, ws.env);
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
      await serve?.stop();
    });

    it('answers nothing without the token', async () => {
      for (const path of ['/', `/notebook?path=${file}`, `/version?path=${file}&v=${first}`, '/?token=wrong']) {
        const response = await fetch(serve.origin + path);
        const body = await response.text();
        assert.equal(response.status, 403, path);
        assert.doesNotMatch(body, /report|Sales/, path);
      }
      const { page } = await watchedPage(browser);
      await page.goto(serve.origin);
      assert.match(await textOf(page.locator('body')), /No token/);
      assert.equal(await page.locator('a', { hasText: file }).count(), 0);
      await screenshot(page, `${kind}-no-token`);
      await page.context().close();
    });

    it('lists the notebooks, filters them by path, and shows the versions with their marks', async () => {
      const { page, ran: pageRan } = await watchedPage(browser);
      await page.goto(serve.url);
      assert.doesNotMatch(page.url(), /token=/, 'the token leaves the address once it is a cookie');
      await page.locator('a', { hasText: file }).waitFor();
      await screenshot(page, `${kind}-notebooks`);
      await page.fill('input[name=filter]', 'nothing-like-it');
      await page.click('form.filter button');
      assert.equal(await page.locator('a', { hasText: file }).count(), 0);
      await page.fill('input[name=filter]', 'report');
      await page.click('form.filter button');
      await page.click(`a:text("${file}")`);
      const rows = page.locator('table.versions tbody tr');
      assert.equal(await rows.count(), 3, 'two versions and the local file');
      const firstRow = await textOf(rows.nth(1));
      const secondRow = await textOf(rows.nth(0));
      assert.match(secondRow, /By month/);
      assert.match(secondRow, /latest/);
      assert.match(secondRow, /base/);
      assert.match(secondRow, /tester/);
      assert.match(firstRow, /First look/);
      assert.match(firstRow, /published/);
      await screenshot(page, `${kind}-versions`);
      await page.goto(`${serve.origin}/?scope=published`);
      await page.locator('a', { hasText: file }).waitFor();
      ran.push(...pageRan);
      await page.context().close();
    });

    it('renders a version: markdown, ANSI colour, images, long outputs folded, and nothing from the notebook runs', async () => {
      const { page, ran: pageRan } = await watchedPage(browser);
      await tokenIn(page, serve);
      await page.goto(`${serve.origin}/version?scope=workspace&path=${file}&v=${encodeURIComponent(first)}`);
      assert.equal(await textOf(page.locator('.markdown h1')), 'Sales');
      assert.equal(await page.locator('.markdown li').count(), 2);
      assert.equal(await textOf(page.locator('.markdown strong')), 'bold');
      assert.equal(await textOf(page.locator('pre.stream .ansi-red-fg')), 'red');
      const widths = await imageWidths(page, '.output.image img');
      assert.deepEqual(widths, [120], 'the plot is decoded and shown');
      assert.equal(await textOf(page.locator('.output.html table.dataframe td')), '1', 'the HTML table survives sanitising');
      const long = page.locator('details.long-output');
      assert.equal(await long.count(), 1);
      assert.equal(await long.getAttribute('open'), null, 'a long output starts folded');
      assert.equal(await page.locator('details.long-output pre').isVisible(), false);
      await nothingActive(page);
      await screenshot(page, `${kind}-version`);
      assert.deepEqual([...ran, ...pageRan], [], 'nothing the notebook carried ran');
      await page.context().close();
    });

    it('shows a diff of two versions cell by cell, with changed images before and after', async () => {
      const { page, ran: pageRan } = await watchedPage(browser);
      await tokenIn(page, serve);
      await page.goto(`${serve.origin}/notebook?scope=workspace&path=${file}`);
      await page.click('form.compare button');
      assert.match(page.url(), /\/diff\?/);
      assert.equal(await page.locator('.cell-added').count(), 1);
      assert.match(await textOf(page.locator('.cell-added')), /A new conclusion/);
      assert.equal(await page.locator('.cell-removed').count(), 1);
      assert.match(await textOf(page.locator('.cell-removed')), /line 99/);
      assert.ok((await page.locator('.cell-modified').count()) >= 2, 'the heading and the plot changed');
      assert.match(await textOf(page.locator('.cell-modified .line-removed').first()), /^-# Sales\s*$/);
      assert.match(await textOf(page.locator('.cell-modified .line-added').first()), /# Sales by month/);
      assert.deepEqual(await imageWidths(page, '.output-sides .side-old .output.image img'), [120]);
      assert.deepEqual(await imageWidths(page, '.output-sides .side-new .output.image img'), [120]);
      await nothingActive(page);
      await screenshot(page, `${kind}-diff`);
      assert.deepEqual(pageRan, []);
      await page.context().close();
    });

    it('diffs a version against the local file', async () => {
      const nb = JSON.parse(await readFile(join(ws.dir, file), 'utf8'));
      nb.cells[0].source = ['# Edited here, not pushed'];
      await writeFile(join(ws.dir, file), JSON.stringify(nb));
      const { page } = await watchedPage(browser);
      await tokenIn(page, serve);
      await page.goto(`${serve.origin}/diff?scope=workspace&path=${file}&old=${encodeURIComponent(second)}&new=local`);
      assert.match(await textOf(page.locator('.diff-sides')), /local file/);
      assert.match(await textOf(page.locator('.cell-modified .line-added').first()), /Edited here/);
      await page.context().close();
      await ws.ok('checkout', second, file, '--force');
    });

    it('changes nothing for a POST without the CSRF token or from another origin', async () => {
      const cookie = await tokenCookie(serve);
      const before = await readFile(join(ws.dir, file), 'utf8');
      const form = { action: 'checkout', scope: 'workspace', path: file, v: first, force: '1' };
      const attempts: Array<[string, Record<string, string>, Record<string, string>]> = [
        ['no CSRF token', form, { Origin: serve.origin }],
        ['a wrong CSRF token', { ...form, csrf: 'guessed' }, { Origin: serve.origin }],
        ['another origin', { ...form, csrf: 'guessed' }, { Origin: 'http://evil.example' }],
        ['no origin at all', form, {}],
      ];
      for (const [what, fields, headers] of attempts) {
        const response = await fetch(`${serve.origin}/action`, {
          method: 'POST',
          headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams(fields).toString(),
        });
        await response.text();
        assert.equal(response.status, 403, what);
      }
      assert.equal(await readFile(join(ws.dir, file), 'utf8'), before, 'the local file is untouched');
    });

    it('checks out, clones and publishes after a confirmation, with the CLI refusals', async () => {
      const { page } = await watchedPage(browser);
      await tokenIn(page, serve);
      const versionPage = `${serve.origin}/version?scope=workspace&path=${file}&v=${encodeURIComponent(first)}`;

      // Local changes that are not pushed: checkout refuses, as the CLI does, until forced.
      const nb = JSON.parse(await readFile(join(ws.dir, file), 'utf8'));
      nb.cells[0].source = ['# Unpushed work'];
      await writeFile(join(ws.dir, file), JSON.stringify(nb));
      await page.goto(versionPage);
      await page.click('a:text("check out…")');
      assert.match(await textOf(page.locator('.confirm-what')), /over the local file/);
      await screenshot(page, `${kind}-confirm`);
      await page.click('button.confirm');
      assert.match(await textOf(page.locator('.message.failed')), /changes|pushed/);
      assert.match(await readFile(join(ws.dir, file), 'utf8'), /Unpushed work/);
      await screenshot(page, `${kind}-refused`);
      await page.goto(versionPage);
      await page.click('a:text("check out…")');
      await page.check('input[name=force]');
      await page.click('button.confirm');
      assert.match(await textOf(page.locator('.message')), /checked out/);
      assert.match(await readFile(join(ws.dir, file), 'utf8'), /"# Sales\\n"/);

      await page.goto(versionPage);
      await page.click('a:text("clone…")');
      assert.match(await textOf(page.locator('.confirm-what')), /report-1\.ipynb/);
      await page.click('button.confirm');
      assert.match(await textOf(page.locator('.message')), /cloned .* to report-1\.ipynb/);
      assert.match(await readFile(join(ws.dir, 'report-1.ipynb'), 'utf8'), /Sales/);

      await page.goto(`${serve.origin}/version?scope=workspace&path=${file}&v=${encodeURIComponent(second)}`);
      await page.click('a:text("publish…")');
      await page.click('button.confirm');
      assert.match(await textOf(page.locator('.message')), /published/);
      assert.match(await ws.ok('log', file), /published/);
      await page.context().close();
    });

    it('diff --html writes the same diff as one self-contained page', async () => {
      const out = join(ws.dir, 'review.html');
      assert.match(await ws.ok('diff', file, first, second, '--html', out), /wrote review\.html/);
      const text = await readFile(out, 'utf8');
      assert.doesNotMatch(text, /(src|srcset)="(https?:)?\/\/|url\(/, 'nothing to fetch');
      assert.doesNotMatch(text, /<script/i);
      const { page, ran: pageRan } = await watchedPage(browser);
      await page.goto(pathToFileURL(out).href);
      assert.equal(await page.locator('.cell-added').count(), 1);
      assert.equal(await page.locator('.cell-removed').count(), 1);
      assert.deepEqual(await imageWidths(page, '.output-sides img'), [120, 120]);
      await nothingActive(page);
      await screenshot(page, `${kind}-diff-html`);
      assert.deepEqual(pageRan, []);
      await page.context().close();
    });
  });
}

/** Opens the printed address in the page, as a user does, so the page holds the token cookie. */
async function tokenIn(page: Page, serve: ServeProcess): Promise<void> {
  await page.goto(serve.url);
}

describe('loading the web view', () => {
  it('loads React, the renderers and the server only for serve and diff --html', async () => {
    const ws = await makeWorkspace('embedded');
    await ws.addFixture('analysis.ipynb');
    await ws.ok('push', 'analysis.ipynb');
    const recorder = join(REPO_ROOT, 'test', 'support', 'record-imports.mjs');
    const env = { ...ws.env, NODE_OPTIONS: `--import ${recorder}` };
    for (const argv of [
      ['log', 'analysis.ipynb'],
      ['diff', 'analysis.ipynb', 'latest'],
      ['show', 'latest', 'analysis.ipynb'],
      ['--help'],
    ]) {
      const result = await runBin(argv, { cwd: ws.dir, env });
      assert.equal(result.status, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /imported \S*(\/routes|\/server|react|marked|sanitize)/, `nbstore ${argv.join(' ')}`);
    }
    const html = await runBin(['diff', 'analysis.ipynb', 'latest', '--html', 'out.html'], { cwd: ws.dir, env });
    assert.equal(html.status, 0, html.stderr);
    assert.match(html.stderr, /imported \S*\/routes(-\w+)?\.js/);
  });
});

describe('nbstore serve --port', () => {
  it('listens on the port asked for, on 127.0.0.1 only, and refuses a port that is no port', async () => {
    const ws = await makeWorkspace('embedded');
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const serve = await startServe(ws.dir, ws.env, ['--port', String(port)]);
    try {
      assert.equal(serve.origin, `http://127.0.0.1:${port}`);
      const taken = await runBin(['serve', '--port', String(port)], { cwd: ws.dir, env: ws.env });
      assert.equal(taken.status, 2);
      assert.match(taken.stderr, /^nbstore: port \d+ is taken/);
      // A name other than its own (another site's, pointed at 127.0.0.1) gets nothing.
      const status = await new Promise<number | undefined>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/', headers: { Host: `evil.example:${port}` } }, (response) => {
          response.resume();
          resolve(response.statusCode);
        }).on('error', reject);
      });
      assert.equal(status, 421);
    } finally {
      await serve.stop();
    }
    const bad = await runCli(['serve', '--port', '70000'], { cwd: ws.dir, env: ws.env });
    assert.equal(bad.error?.code, 'usage');
  });
});

describe('the versions page', () => {
  it('marks a version pushed from an older one than the version before it as a fork', async () => {
    const ws = await makeWorkspace('embedded');
    await ws.addFixture('analysis.ipynb');
    const first = pushedId(await ws.ok('push', 'analysis.ipynb', '-m', 'first'));
    await ws.edit('analysis.ipynb', 'second');
    await ws.ok('push', 'analysis.ipynb', '-m', 'second');
    await ws.ok('checkout', first, 'analysis.ipynb', '--force');
    await ws.edit('analysis.ipynb', 'from the first');
    // Edits on an older version are a diverged notebook: pushing them needs --force.
    const fork = pushedId(await ws.ok('push', 'analysis.ipynb', '-m', 'from the first', '--force'));
    const { Workspace } = await import('../src/workspace/workspace.js');
    const { WebSource } = await import('../src/ops/web.js');
    const { respond } = await import('../ui/web/routes.js');
    const io = { cwd: ws.dir, env: ws.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
    const workspace = await Workspace.find(io, {});
    const source = new WebSource(workspace, await workspace.openStore(), ws.dir);
    const versions = await source.versions('workspace', await source.notebook('workspace', 'analysis.ipynb'));
    assert.deepEqual(
      versions.map((v) => [v.message, v.forkOf]),
      [
        ['from the first', first],
        ['second', undefined],
        ['first', undefined],
      ],
    );
    const page = await respond(
      source,
      { method: 'GET', page: 'notebook', query: new URLSearchParams({ path: 'analysis.ipynb' }) },
      { base: '/', csrf: { field: 'csrf', value: 'x' } },
    );
    assert.equal(page.status, 200);
    assert.match(page.body, new RegExp(`title="${fork}"[^]*?mark-fork`));
    assert.equal(page.body.match(/class="mark mark-fork"/g)?.length, 1);
  });
});
