"""nbstore's web view and bookstore's REST surface, served by the Jupyter server the hook runs in.

The hook's server extension (nbstore_jupyter_hook) calls `add_handlers` when Jupyter Server (1.x,
2.x) or classic Notebook 6 loads it. Every handler is that server's own kind (authenticated and
XSRF-checked by the server's rules: token or login, `_xsrf` on forms, X-XSRFToken on API calls
from a browser) and does its work by running the `nbstore` the hook was installed with, as an
asyncio subprocess, so the server's event loop never waits on the store.

- `GET  /api/bookstore`: bookstore's version answer, `{"release", "features": {bookstore_valid, ...}}`.
- `GET  /bookstore/clone?s3_bucket=&s3_key=[&s3_version_id=]`: a page asking to confirm the clone.
- `POST /bookstore/clone` (that page's form) and `POST /api/bookstore/clone` (bookstore's JSON
  payload): clone, never over a file (a taken name gets `-1`, `-2`, ...).
- `PUT  /api/bookstore/publish/<path>`: publish the notebook at that path.
- `/nbstore/[<folder>/]`: nbstore's pages for the workspace holding the server's root (or <folder>).

Standard library and the server's own modules only.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import posixpath
from urllib.parse import quote

# Pages of the web view; a path below /nbstore/ is `<folder>/<page>`.
PAGES = ("", "notebook", "version", "diff", "confirm", "action")


async def run_nbstore(command, args, cwd, stdin=b""):
    """Runs nbstore without blocking the event loop; returns (status, stdout, the error line)."""
    if not command:
        return 1, "", "the hook was not configured with the nbstore to run; run `nbstore hook install` again"
    process = await asyncio.create_subprocess_exec(
        *command,
        *args,
        cwd=cwd,
        env=dict(os.environ, NO_COLOR="1"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(stdin)
    lines = [line[len("nbstore: "):] for line in err.decode("utf-8", "replace").splitlines() if line.startswith("nbstore: ")]
    return process.returncode, out.decode("utf-8", "replace"), lines[-1] if lines else ""


def add_handlers(app, command) -> None:
    if type(app).__module__.split(".")[0] == "notebook":
        from notebook.base.handlers import APIHandler, IPythonHandler as PageHandler, path_regex
    else:
        from jupyter_server.base.handlers import APIHandler, JupyterHandler as PageHandler, path_regex
    from tornado import web

    web_app = app.web_app
    base_url = web_app.settings.get("base_url", "/")
    if not base_url.endswith("/"):
        base_url += "/"
    classic = type(app).__module__.split(".")[0] == "notebook"
    state = {"release": None}

    def root_dir(handler) -> str:
        return os.path.realpath(handler.contents_manager.root_dir)

    def inside(root: str, path: str) -> str:
        """The file or folder at a server path, refused when it would leave the server's root."""
        absolute = os.path.realpath(os.path.join(root, path.strip("/")))
        if absolute != root and not absolute.startswith(root + os.sep):
            raise web.HTTPError(404, "no such file")
        return absolute

    def failure(status: int, error: str) -> web.HTTPError:
        # 2 is nbstore's exit status for a usage error; the rest are refusals of the request.
        return web.HTTPError(400 if status == 2 else 409, reason=(error or "nbstore failed")[:300].replace("\n", " "))

    async def release(cwd: str) -> str:
        if state["release"] is None:
            status, out, _ = await run_nbstore(command, ["--version"], cwd)
            state["release"] = out.strip() if status == 0 else "unknown"
        return state["release"]

    async def clone(handler, bucket, key, version_id, target_path):
        if bucket in ("", "/"):
            raise web.HTTPError(400, reason="Must have a bucket to clone from")
        if key in ("", "/"):
            raise web.HTTPError(400, reason="Must have a key to clone from")
        root = root_dir(handler)
        target = inside(root, target_path or posixpath.basename(key.rstrip("/")))
        if not os.path.isdir(os.path.dirname(target)):
            raise web.HTTPError(404, reason="no such folder: %s" % os.path.relpath(os.path.dirname(target), root))
        source = "s3://%s/%s%s" % (bucket, key.lstrip("/"), "@" + version_id if version_id else "")
        status, out, error = await run_nbstore(command, ["clone", source, target, "--json"], os.path.dirname(target))
        if status != 0:
            raise failure(status, error)
        result = json.loads(out)
        return os.path.relpath(result["file"], root).replace(os.sep, "/"), result

    def open_url(path: str) -> str:
        # Where the server shows a notebook: classic Notebook's page, else JupyterLab's.
        return base_url + ("notebooks/" if classic else "lab/tree/") + quote(path)

    class BookstoreVersionHandler(APIHandler):
        @web.authenticated
        async def get(self):
            root = root_dir(self)
            status, out, _ = await run_nbstore(command, ["status", "--json"], root)
            validation = {"bookstore_valid": False, "archive_valid": False, "publish_valid": False}
            if status == 0:
                validation.update(json.loads(out).get("bookstore", {}))
            features = dict(validation, s3_clone_valid=validation["bookstore_valid"], fs_clone_valid=False)
            self.finish(json.dumps({"release": await release(root), "features": features}))

    class BookstoreCloneAPIHandler(APIHandler):
        @web.authenticated
        async def post(self):
            model = self.get_json_body() or {}
            path, result = await clone(
                self,
                model.get("s3_bucket", ""),
                model.get("s3_key", ""),
                model.get("s3_version_id"),
                model.get("target_path", ""),
            )
            content = self.contents_manager.get(path, content=True)
            if asyncio.iscoroutine(content):
                content = await content
            content = dict(content, s3_path="s3://%s/%s" % (model["s3_bucket"], model["s3_key"].lstrip("/")), versionID=result["versionId"])
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(content, default=str))

    class BookstoreCloneHandler(PageHandler):
        @web.authenticated
        def get(self):
            bucket = self.get_argument("s3_bucket", "")
            key = self.get_argument("s3_key", "")
            if bucket in ("", "/"):
                raise web.HTTPError(400, reason="Requires an S3 bucket in order to clone")
            if key in ("", "/"):
                raise web.HTTPError(400, reason="Requires an S3 object key in order to clone")
            version_id = self.get_argument("s3_version_id", "")
            target_path = self.get_argument("target_path", "")
            fields = {"_xsrf": self.xsrf_token.decode("ascii"), "s3_bucket": bucket, "s3_key": key}
            if version_id:
                fields["s3_version_id"] = version_id
            if target_path:
                fields["target_path"] = target_path
            hidden = "".join('<input type="hidden" name="%s" value="%s">' % (html.escape(k), html.escape(v)) for k, v in fields.items())
            what = "“%s”%s from the S3 bucket “%s”" % (key, " version " + version_id if version_id else "", bucket)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
            self.finish(
                '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Clone a notebook</title>'
                "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:3em auto}button{font-size:1.2em}</style></head>"
                '<body><h1>Clone a notebook</h1><p class="confirm-what">Clone %s to a new file%s?</p>'
                '<form method="post">%s<button type="submit" class="confirm">Clone</button></form></body></html>'
                % (html.escape(what), html.escape(" (" + target_path + ")") if target_path else "", hidden)
            )

        @web.authenticated
        async def post(self):
            path, _ = await clone(
                self,
                self.get_body_argument("s3_bucket", ""),
                self.get_body_argument("s3_key", ""),
                self.get_body_argument("s3_version_id", ""),
                self.get_body_argument("target_path", ""),
            )
            self.redirect(open_url(path))

    class BookstorePublishHandler(APIHandler):
        @web.authenticated
        async def put(self, path):
            path = (path or "").strip("/")
            if path == "":
                raise web.HTTPError(400, reason="Must provide a path for publishing")
            model = self.get_json_body()
            if not model:
                raise web.HTTPError(400, reason="Bookstore cannot publish an empty model")
            if model.get("type", "") != "notebook":
                raise web.HTTPError(415, reason="Bookstore only publishes notebooks")
            if not model.get("content"):
                raise web.HTTPError(422, reason="Bookstore cannot publish empty contents")
            notebook = inside(root_dir(self), path)
            if not os.path.isfile(notebook):
                raise web.HTTPError(404, reason="no such notebook: %s" % path)
            cwd = os.path.dirname(notebook)
            # What the server saved becomes a version first (saves waiting in the spool too), so the
            # notebook at that path is what gets published.
            status, _, error = await run_nbstore(command, ["push", notebook, "-m", "Published from Jupyter"], cwd)
            if status != 0:
                raise failure(status, error)
            status, out, error = await run_nbstore(command, ["publish", notebook, "--json"], cwd)
            if status != 0:
                raise failure(status, error)
            result = json.loads(out)
            self.finish(json.dumps({"s3_path": "%s/%s" % (result["location"].rstrip("/"), result["publishedKey"]), "versionID": result["versionId"]}))

    class PagesHandler(PageHandler):
        """nbstore's pages: `nbstore serve --request` answers each request this server let through."""

        @web.authenticated
        async def get(self, rest):
            await self._answer(rest, "GET", None)

        @web.authenticated
        async def post(self, rest):
            await self._answer(rest, "POST", self.request.body.decode("utf-8", "replace"))

        async def _answer(self, rest, method, form):
            folder, _, page = (rest or "").rpartition("/")
            if page not in PAGES:
                raise web.HTTPError(404)
            cwd = inside(root_dir(self), folder)
            if not os.path.isdir(cwd):
                raise web.HTTPError(404)
            request = {
                "method": method,
                "page": page,
                "query": self.request.query,
                "base": base_url + "nbstore/" + (quote(folder) + "/" if folder else ""),
                "csrfField": "_xsrf",
                "csrfValue": self.xsrf_token.decode("ascii"),
            }
            if form is not None:
                request["form"] = form
            status, out, error = await run_nbstore(command, ["serve", "--request"], cwd, json.dumps(request).encode("utf-8"))
            if status != 0:
                self.set_status(409)
                self.set_header("Content-Type", "text/plain; charset=utf-8")
                self.finish("nbstore: %s\n" % error)
                return
            response = json.loads(out)
            self.set_status(response["status"])
            for name, value in response["headers"].items():
                self.set_header(name, value)
            self.finish(response["body"])

    class PagesRedirect(PageHandler):
        @web.authenticated
        def get(self):
            self.redirect(base_url + "nbstore/")

    web_app.add_handlers(
        ".*$",
        [
            (base_url + "api/bookstore/?", BookstoreVersionHandler),
            (base_url + "api/bookstore/clone/?", BookstoreCloneAPIHandler),
            (base_url + "bookstore/clone/?", BookstoreCloneHandler),
            (base_url + "api/bookstore/publish%s" % path_regex, BookstorePublishHandler),
            (base_url + "nbstore", PagesRedirect),
            (base_url + "nbstore/(.*)", PagesHandler),
        ],
    )
