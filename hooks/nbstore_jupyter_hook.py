"""nbstore's Jupyter post-save hook: every notebook saved inside an nbstore workspace becomes a version.

`nbstore hook install` adds a block to jupyter_server_config.py and jupyter_notebook_config.py
that puts this directory on sys.path and calls `configure(c, node=..., nbstore=...)`. That loads
this module as a server extension, which registers `post_save` on the server's contents manager
(`register_post_save_hook` where the server has it, otherwise chained after any existing
`post_save_hook`), so a hook the user already has keeps running.

On each save the hook copies the saved bytes into the workspace's spool (`.nbstore/spool/`, the
layout src/workspace/spool.ts reads) and returns; a thread then starts `nbstore hook flush` at low
priority unless one is running. That flusher, one per workspace, delivers the spool to the store
in save order and keeps going while saves arrive. Jupyter runs post-save hooks on its event loop
and turns an exception into a failed save, so the hook only touches local files, never waits
for the store and never raises: failures go to the Jupyter log and to `.nbstore/hook.log`.

Where saves are coroutines (Jupyter Server 2's default contents manager), saves of one file can
overlap, each writing the file in place from a thread; the extension makes them take turns, so
that each save's hook copies the bytes that save wrote.

The extension also serves nbstore's pages and bookstore's REST API (nbstore_jupyter_web).

Standard library only: this runs inside whatever Python runs Jupyter.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import inspect
import json
import logging
import os
import secrets
import shutil
import subprocess
import threading
import time

WORKSPACE_DIR = ".nbstore"
# proper-lockfile, as nbstore uses it, refreshes a held lock's mtime every 5 s and treats a
# lock untouched for 10 s as stale (src/lib/fs.ts).
FLUSHER_LOCK_STALE_SECONDS = 10
HOOK_LOG_LIMIT_BYTES = 1 << 20

_fallback_log = logging.getLogger("nbstore")
_command: list[str] = []
_state_lock = threading.Lock()
_last_nanos = 0
_warned_outside = False
# Workspace root -> whether saves arrived since its delivery thread last started a flusher.
_delivering: dict[str, bool] = {}
# Uploads in the background give way to Jupyter and the kernels.
_NICE = [_nice, "-n", "10"] if (_nice := shutil.which("nice")) else []


def configure(c, node: str, nbstore: str) -> None:
    """Called from the Jupyter config file: remembers which nbstore to run and enables the extension."""
    _command[:] = [node, nbstore]
    c.ServerApp.jpserver_extensions.update({__name__: True})
    # Classic Notebook (6.x) loads extensions from its own setting.
    c.NotebookApp.nbserver_extensions.update({__name__: True})


def _jupyter_server_extension_points():
    return [{"module": __name__}]


def _load_jupyter_server_extension(app) -> None:
    attach(app.contents_manager)
    try:
        import nbstore_jupyter_web

        nbstore_jupyter_web.add_handlers(app, _command)
        _log_of(app).info("nbstore: history pages at %snbstore/, bookstore's API at %sapi/bookstore", *[app.web_app.settings.get("base_url", "/")] * 2)
    except Exception as error:  # the pages are an extra: saves are versioned without them
        _log_of(app).warning("nbstore: pages and bookstore API not served: %s", _describe(error))


# The name classic Notebook calls.
load_jupyter_server_extension = _load_jupyter_server_extension


def attach(contents_manager) -> None:
    """Adds `post_save` to a contents manager's post-save hooks, once, keeping any existing hook."""
    if getattr(contents_manager, "_nbstore_hook_attached", False):
        return
    if hasattr(contents_manager, "register_post_save_hook"):
        contents_manager.register_post_save_hook(post_save)
    else:
        previous = contents_manager.post_save_hook

        def post_save_chained(os_path=None, model=None, contents_manager=None, **kwargs):
            try:
                if previous is not None:
                    previous(os_path=os_path, model=model, contents_manager=contents_manager, **kwargs)
            finally:
                post_save(os_path=os_path, model=model, contents_manager=contents_manager, **kwargs)

        contents_manager.post_save_hook = post_save_chained
    _save_in_turn(contents_manager)
    contents_manager._nbstore_hook_attached = True
    _log_of(contents_manager).info("nbstore: notebooks saved in nbstore workspaces become versions")


def _save_in_turn(contents_manager) -> None:
    """Makes saves of one path wait for one another when saves are coroutines. Otherwise a save
    that truncates the file and writes it from a thread overlaps another save's post-save hook,
    which then copies half-written bytes, or the next save's, and the save it follows is lost to
    the history (reads and writes of one file are not kept apart: jupyter_server issue 1416)."""
    save = contents_manager.save
    if not inspect.iscoroutinefunction(save):
        # A synchronous save runs whole, its hooks included, before the server starts another.
        return
    turns = {}  # path -> [its lock, saves holding or waiting for it]

    @functools.wraps(save)
    async def save_in_turn(model, path=""):
        key = path.strip("/")
        turn = turns.setdefault(key, [asyncio.Lock(), 0])
        turn[1] += 1
        try:
            async with turn[0]:
                return await save(model, path)
        finally:
            turn[1] -= 1
            if turn[1] == 0:
                del turns[key]

    contents_manager.save = save_in_turn


def post_save(os_path=None, model=None, contents_manager=None, **kwargs) -> None:
    """The post-save hook. Returns in milliseconds and never raises."""
    log = _log_of(contents_manager)
    root = None
    try:
        if not _is_notebook(os_path, model):
            return
        os_path = os.path.abspath(os_path)
        root = find_workspace(os.path.dirname(os_path))
        if root is None:
            _warn_outside(log, os_path)
            return
        rel = os.path.relpath(os_path, root).replace(os.sep, "/")
        if rel.split("/")[0] == WORKSPACE_DIR:
            return
        snapshot(root, rel, os_path)
        _ask_for_delivery(root, log)
    except Exception as error:  # a failing hook would turn the save into an HTTP 500
        _report(log, root, "could not keep the save of %s: %s" % (os_path, _describe(error)))


def find_workspace(directory: str):
    """The nearest directory at or above `directory` that holds `.nbstore/config.json`, as nbstore finds it."""
    while True:
        if os.path.isfile(os.path.join(directory, WORKSPACE_DIR, "config.json")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def snapshot(root: str, rel: str, os_path: str) -> str:
    """Copies the saved file into the spool as entry `<id>.ipynb` + `<id>.json` (JSON last); returns the id."""
    with open(os_path, "rb") as saved:
        body = saved.read()
    saved_at = datetime.datetime.now(datetime.timezone.utc)
    spool = os.path.join(root, WORKSPACE_DIR, "spool")
    os.makedirs(spool, mode=0o700, exist_ok=True)
    entry_id = _entry_id(os.listdir(spool))
    _write_atomic(os.path.join(spool, entry_id + ".ipynb"), body)
    entry = {"id": entry_id, "path": rel, "savedAt": saved_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
    try:
        _write_atomic(os.path.join(spool, entry_id + ".json"), json.dumps(entry).encode("utf-8"))
    except BaseException:
        # Without its JSON the body is no entry (a full disk): it must not stay behind.
        try:
            os.unlink(os.path.join(spool, entry_id + ".ipynb"))
        except OSError:
            pass
        raise
    return entry_id


def flusher_running(root: str) -> bool:
    """Whether a flusher (of this Jupyter or any other process) holds the workspace's flusher lock."""
    try:
        held = os.stat(os.path.join(root, WORKSPACE_DIR, "locks", "flusher.lock"))
    except FileNotFoundError:
        return False
    return time.time() - held.st_mtime < FLUSHER_LOCK_STALE_SECONDS


def _entry_id(names) -> str:
    # Save time in nanoseconds, zero-padded so names sort in save order; strictly increasing
    # past every entry already spooled, so that two saves in one clock tick, or either side of
    # a clock stepped back, keep their order (and the later is delivered later).
    global _last_nanos
    taken = [int(name[:20]) for name in names if len(name) > 21 and name[:20].isdigit() and name[20] == "-"]
    with _state_lock:
        nanos = max(time.time_ns(), _last_nanos + 1, max(taken, default=0) + 1)
        _last_nanos = nanos
    return "%020d-%s" % (nanos, secrets.token_hex(4))


def _write_atomic(path: str, data: bytes) -> None:
    # A dot-name temporary file renamed over the target: readers see all or nothing. Not
    # fsync'd: on a busy disk that costs tens of milliseconds on Jupyter's event loop, Jupyter
    # has just fsync'd the notebook itself, and an entry a power cut tears does not parse, so
    # the uploader drops it (losing only that save, if it was not the last).
    tmp = os.path.join(os.path.dirname(path), ".%s.%s.tmp" % (os.path.basename(path), secrets.token_hex(6)))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _ask_for_delivery(root: str, log) -> None:
    # One delivery thread per workspace: a save while it runs only asks it to go round once more,
    # so a burst of saves starts one flusher, not one each (starting one takes a few hundred
    # milliseconds of CPU, which Jupyter and the kernels need).
    with _state_lock:
        if root in _delivering:
            _delivering[root] = True
            return
        _delivering[root] = True
    threading.Thread(target=_deliver, args=(root, log), name="nbstore-delivery", daemon=True).start()


def _deliver(root: str, log) -> None:
    while True:
        with _state_lock:
            _delivering[root] = False
        try:
            # A running flusher looks at the spool again after it lets go of its lock, so a save
            # spooled before this check is always seen.
            if not flusher_running(root):
                _run_flusher(root, log)
        except Exception as error:
            _report(log, root, "could not start delivering saves: %s" % _describe(error))
        with _state_lock:
            if not _delivering[root]:
                del _delivering[root]
                return


def _run_flusher(root: str, log) -> None:
    """Runs `nbstore hook flush` in the workspace at low priority and waits for it; a failure goes
    to the Jupyter log, with the details in hook.log."""
    if not _command:
        raise RuntimeError("the hook was not configured with the nbstore to run; run `nbstore hook install` again")
    with open(_hook_log_path(root), "ab") as out:
        flusher = subprocess.Popen(
            _NICE + _command + ["hook", "flush"],
            cwd=root,
            env=dict(os.environ, NO_COLOR="1"),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            close_fds=True,
            # Its own session: the flusher finishes its uploads even when Jupyter stops.
            start_new_session=True,
        )
    status = flusher.wait()
    if status != 0:
        line = _last_error_line(root) or "nbstore exited with status %d" % status
        log.warning("nbstore: saves in %s wait in .nbstore/spool: %s (more in %s)", root, line, _hook_log_path(root))


def _last_error_line(root: str):
    try:
        with open(_hook_log_path(root), "rb") as hook_log:
            hook_log.seek(0, os.SEEK_END)
            hook_log.seek(max(0, hook_log.tell() - 4096))
            lines = hook_log.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        if line.startswith("nbstore: "):
            return line[len("nbstore: "):]
    return None


def _hook_log_path(root: str) -> str:
    path = os.path.join(root, WORKSPACE_DIR, "hook.log")
    try:
        if os.path.getsize(path) > HOOK_LOG_LIMIT_BYTES:
            os.replace(path, path + ".1")
    except OSError:
        pass
    return path


def _report(log, root, message: str) -> None:
    try:
        log.error("nbstore: %s", message)
        if root is not None:
            stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            with open(_hook_log_path(root), "a", encoding="utf-8") as hook_log:
                hook_log.write("%s hook: %s\n" % (stamp, message))
    except Exception:
        pass


def _warn_outside(log, os_path: str) -> None:
    global _warned_outside
    with _state_lock:
        if _warned_outside:
            return
        _warned_outside = True
    log.warning(
        "nbstore: %s is not in an nbstore workspace, so its saves are not versioned "
        "(run `nbstore init` in its folder to version them); this is said once",
        os_path,
    )


def _is_notebook(os_path, model) -> bool:
    if not os_path:
        return False
    if isinstance(model, dict) and model.get("type"):
        return model.get("type") == "notebook"
    return os_path.endswith(".ipynb")


def _log_of(contents_manager):
    return getattr(contents_manager, "log", None) or _fallback_log


def _describe(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return "%s (%s)" % (error.strerror, error.filename) if error.filename else error.strerror
    return "%s: %s" % (type(error).__name__, error)
