import assert from 'node:assert/strict';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { VERSION } from '../src/main.js';
import { ok, tempDir, testEnv } from './support/cli.js';
import { type JupyterServer, startJupyter } from './support/jupyter.js';
import { launchChromium, screenshot, showcaseNotebook, textOf, watchedPage } from './support/web.js';
import { makeWorkspace, pushedId, STORE_KINDS, type StoreKind, type TestWorkspace } from './support/workspace.js';

/** The contents manager Jupyter Server 2 uses by default, whose methods are coroutines. */
const ASYNC_CONTENTS_MANAGER = 'jupyter_server.services.contents.largefilemanager.AsyncLargeFileManager';

const SERVERS: Array<{ app: 'server' | 'notebook'; kind: StoreKind; contentsManager?: string }> = [
  ...STORE_KINDS.map((kind) => ({ app: 'server' as const, kind })),
  ...STORE_KINDS.map((kind) => ({ app: 'notebook' as const, kind })),
  { app: 'server', kind: 's3', contentsManager: ASYNC_CONTENTS_MANAGER },
];

for (const { app, kind, contentsManager } of SERVERS) {
  const named = `Jupyter ${app === 'server' ? 'Server' : 'Notebook 6'}${contentsManager ? ' with an async contents manager' : ''}`;
  describe(`bookstore's API and nbstore's pages in ${named} (${kind} store)`, () => {
    let ws: TestWorkspace;
    let jupyter: JupyterServer;
    let browser: Browser;
    let first: string;
    const file = 'report.ipynb';
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${jupyter.url}${path}`, {
        ...init,
        headers: { Authorization: `token ${jupyter.token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
      });

    before(async () => {
      ws = await makeWorkspace(kind);
      await writeFile(join(ws.dir, file), JSON.stringify(showcaseNotebook({ title: 'Sales', colour: [200, 30, 30] })));
      first = pushedId(await ws.ok('push', file, '-m', 'First look'));
      await writeFile(
        join(ws.dir, file),
        JSON.stringify(showcaseNotebook({ title: 'Sales by month', colour: [30, 30, 200], extraCell: true })),
      );
      await ws.ok('push', file, '-m', 'By month');
      const home = await tempDir(`nbstore-jupyter-web-${app}-`);
      const configDir = join(home, 'jupyter-config');
      await mkdir(configDir);
      if (contentsManager)
        await writeFile(
          join(configDir, 'jupyter_server_config.py'),
          `c.ServerApp.contents_manager_class = ${JSON.stringify(contentsManager)}\n`,
        );
      await ok(['hook', 'install', '--config-dir', configDir], { cwd: home, env: testEnv(home) });
      jupyter = await startJupyter({ root: ws.dir, configDir, env: { ...ws.env }, home, app });
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
      await jupyter?.stop();
    });

    it('GET /api/bookstore answers with the release and the validation', async () => {
      const response = await api('/api/bookstore');
      assert.equal(response.status, 200);
      const body = (await response.json()) as { release: string; features: Record<string, boolean> };
      assert.equal(body.release, VERSION);
      assert.equal(body.features.bookstore_valid, true);
      assert.equal(body.features.archive_valid, true);
      assert.equal(body.features.publish_valid, true);
      const anonymous = await fetch(`${jupyter.url}/api/bookstore`);
      await anonymous.text();
      assert.equal(anonymous.status, 403, "the server's own authentication applies");
    });

    it('PUT /api/bookstore/publish/<path> publishes the notebook at that path', async () => {
      const content = JSON.parse(await readFile(join(ws.dir, file), 'utf8'));
      const response = await api(`/api/bookstore/publish/${file}`, {
        method: 'PUT',
        body: JSON.stringify({ type: 'notebook', content }),
      });
      const body = (await response.json()) as { s3_path: string; versionID: string };
      assert.equal(response.status, 200, JSON.stringify(body));
      assert.match(body.s3_path, /\/published\/report\.ipynb$/);
      if (kind === 's3') assert.equal(body.s3_path, `s3://${ws.bucket}/published/report.ipynb`);
      assert.ok(body.versionID.length > 0);
      assert.match(await ws.ok('log', file), /By month.*published/);
      for (const [payload, status] of [
        [{}, 400],
        [{ type: 'file', content: 'text' }, 415],
        [{ type: 'notebook', content: {} }, 422],
      ] as const) {
        const refused = await api(`/api/bookstore/publish/${file}`, { method: 'PUT', body: JSON.stringify(payload) });
        await refused.text();
        assert.equal(refused.status, status, JSON.stringify(payload));
      }
    });

    if (kind === 's3') {
      it('POST /api/bookstore/clone clones as bookstore does, numbering taken names, a version id too', async () => {
        const clone = async (payload: Record<string, string>) => {
          const response = await api('/api/bookstore/clone', { method: 'POST', body: JSON.stringify(payload) });
          const body = (await response.json()) as {
            path: string;
            type: string;
            content: { cells: Array<{ source: string | string[] }> };
            s3_path: string;
            versionID: string;
          };
          assert.equal(response.status, 200, JSON.stringify(body));
          return body;
        };
        const latest = await clone({ s3_bucket: ws.bucket as string, s3_key: `workspace/${file}` });
        assert.equal(latest.path, 'report-1.ipynb', 'report.ipynb is taken');
        assert.equal(latest.type, 'notebook');
        assert.match([latest.content.cells[0]?.source ?? ''].flat().join(''), /Sales by month/, 'a contents model holds the notebook');
        assert.equal(latest.s3_path, `s3://${ws.bucket}/workspace/${file}`);
        const old = await clone({
          s3_bucket: ws.bucket as string,
          s3_key: `workspace/${file}`,
          s3_version_id: first,
          target_path: 'old.ipynb',
        });
        assert.equal(old.path, 'old.ipynb');
        assert.equal(old.versionID, first);
        assert.match(await readFile(join(ws.dir, 'old.ipynb'), 'utf8'), /"# Sales\\n"/);
        assert.equal((await clone({ s3_bucket: ws.bucket as string, s3_key: `workspace/${file}` })).path, 'report-2.ipynb');
        const refused = await api('/api/bookstore/clone', { method: 'POST', body: JSON.stringify({ s3_key: 'x' }) });
        await refused.text();
        assert.equal(refused.status, 400);
      });

      it('GET /bookstore/clone shows a page that asks before it clones', async () => {
        const { page } = await watchedPage(browser);
        const query = new URLSearchParams({
          s3_bucket: ws.bucket as string,
          s3_key: `workspace/${file}`,
          s3_version_id: first,
          token: jupyter.token,
        });
        await page.goto(`${jupyter.url}/bookstore/clone?${query}`);
        assert.match(await textOf(page.locator('.confirm-what')), new RegExp(`workspace/report\\.ipynb.*version ${first}`));
        await screenshot(page, `jupyter-${app}${contentsManager ? '-async' : ''}-clone-landing`);
        await access(join(ws.dir, 'report-3.ipynb')).then(
          () => assert.fail('nothing is cloned before the confirmation'),
          () => undefined,
        );
        await page.click('button.confirm');
        assert.match(await readFile(join(ws.dir, 'report-3.ipynb'), 'utf8'), /"# Sales\\n"/);
        await page.context().close();
      });
    }

    it("serves nbstore's pages under /nbstore/, under the server's login and XSRF rules", async () => {
      const anonymous = await fetch(`${jupyter.url}/nbstore/`, { redirect: 'manual' });
      await anonymous.text();
      assert.ok([302, 403].includes(anonymous.status), `no page without the login (${anonymous.status})`);
      const { page, ran } = await watchedPage(browser);
      await page.goto(`${jupyter.url}/nbstore/?token=${jupyter.token}`);
      await page.click(`a:text("${file}")`);
      await page.click('table.versions tbody tr:nth-child(2) .version-id a');
      assert.equal(await textOf(page.locator('.markdown h1')), 'Sales');
      assert.deepEqual(
        await page.$$eval('.output.image img', (images) => images.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth)),
        [120],
      );
      assert.equal(await page.locator('main script, main iframe, main [onerror]').count(), 0);
      await screenshot(page, `jupyter-${app}${contentsManager ? '-async' : ''}-${kind}-version`);
      // A form posted without Jupyter's _xsrf field is refused by Jupyter and changes nothing.
      const cookies = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
      const before = await readFile(join(ws.dir, file), 'utf8');
      const forged = await fetch(`${jupyter.url}/nbstore/action`, {
        method: 'POST',
        headers: { Cookie: cookies, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ action: 'checkout', scope: 'workspace', path: file, v: first, force: '1' }).toString(),
      });
      await forged.text();
      assert.equal(forged.status, 403);
      assert.equal(await readFile(join(ws.dir, file), 'utf8'), before);
      // The page's own form carries it, and the checkout happens.
      await page.click('a:text("check out…")');
      await page.check('input[name=force]');
      await page.click('button.confirm');
      assert.match(await textOf(page.locator('.message')), /checked out/);
      assert.match(await readFile(join(ws.dir, file), 'utf8'), /"# Sales\\n"/);
      await page.goto(`${jupyter.url}/nbstore/diff?scope=workspace&path=${file}&old=${encodeURIComponent(first)}&new=local`);
      assert.match(await textOf(page.locator('.diff-stat')), /No differences/);
      assert.deepEqual(ran, []);
      await page.context().close();
    });
  });
}
