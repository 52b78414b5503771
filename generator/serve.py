"""`build-site serve`: build, serve the site on 127.0.0.1, rebuild on save, reload the open page.

The live-reload script is added to pages as they are served, never written
into `site/`. A build that fails shows its error on the page and in the
terminal, and the server keeps running with the last good site. Requests for
anything outside the site folder (``..``, encoded or not) are refused.
"""

from __future__ import annotations

import argparse
import html
import http.server
import posixpath
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .build import BuildReport, Settings, build, memo_path
from .memo import Memo
from .errors import TetradError

EVENTS = "/__tetrad__/events"
_CLIENT = """<script>
(function () {
  var version = %(version)d;
  var source = new EventSource("%(events)s");
  source.onmessage = function (e) { if (Number(e.data) !== version) location.reload(); };
})();
</script>
"""
_PROBLEM = """<div id="tetrad-problem" role="alert" style="position:fixed;inset:auto 1rem 1rem 1rem;z-index:99;
background:#fee4e2;color:#7a1a12;border:1px solid #b42318;border-radius:8px;padding:.75rem 1rem;
font:14px/1.4 ui-monospace,monospace;white-space:pre-wrap;max-height:50vh;overflow:auto">%s</div>
"""


class State:
    """What the server shows: the build version, and the last build's problem if it failed."""

    def __init__(self) -> None:
        self.version = 0
        self.problem: str | None = None
        self.changed = threading.Condition()

    def publish(self, problem: str | None) -> None:
        with self.changed:
            self.version += 1
            self.problem = problem
            self.changed.notify_all()


def safe_path(root: Path, raw_path: str) -> Path | None:
    """The file a request path names inside ``root``, or None if it reaches outside."""
    path = unquote(urlsplit(raw_path).path)
    if "\\" in path or "\x00" in path or any(part == ".." for part in path.split("/")):
        return None
    normal = posixpath.normpath("/" + path).lstrip("/")
    target = (root / normal).resolve() if normal not in ("", ".") else root.resolve()
    if target != root.resolve() and root.resolve() not in target.parents:
        return None
    if target.is_dir():
        target = target / "index.html"
    return target


def make_handler(root: Path, state: State) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "tetrad"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the terminal shows builds
            pass

        def do_GET(self) -> None:
            if self.path == EVENTS:
                self._events()
                return
            target = safe_path(root, self.path)
            if target is None:
                self.send_error(403, "outside the site")
                return
            status = 200
            if not target.is_file():
                target, status = root / "404.html", 404
            try:
                body = target.read_bytes()
            except OSError:  # no site yet (the first build failed): an empty page to carry the problem
                target, body = root / "404.html", b"<!doctype html><meta charset=utf-8><title>tetrad</title><body></body>"
            ctype = _content_type(target)
            if ctype.startswith("text/html"):
                body = _inject(body, state)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = -1
            try:
                while True:
                    with state.changed:
                        if state.version == seen:
                            state.changed.wait(timeout=15)
                        current = state.version
                    if current != seen:
                        seen = current
                        self.wfile.write(f"data: {current}\n\n".encode())
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


def _content_type(path: Path) -> str:
    types = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
             ".json": "application/json", ".xml": "application/xml", ".svg": "image/svg+xml", ".png": "image/png",
             ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
             ".ipynb": "application/x-ipynb+json", ".py": "text/x-python; charset=utf-8"}
    return types.get(path.suffix.lower(), "application/octet-stream")


def _inject(body: bytes, state: State) -> bytes:
    extra = _CLIENT % {"version": state.version, "events": EVENTS}
    if state.problem:
        extra += _PROBLEM % html.escape(state.problem)
    text = body.decode("utf-8", errors="replace")
    at = text.rfind("</body>")
    text = text[:at] + extra + text[at:] if at >= 0 else text + extra
    return text.encode("utf-8")


class Server:
    """The site server and its rebuild loop."""

    def __init__(self, settings: Settings, port: int) -> None:
        self.settings = settings
        self.memo = Memo.load(memo_path(settings.out))  # kept in memory between rebuilds, saved by `save_memo`
        self.state = State()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), make_handler(settings.out, self.state))
        self.httpd.daemon_threads = True

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.httpd.server_address[:2]
        return str(host), int(port)

    def rebuild(self) -> BuildReport | None:
        started = time.perf_counter()
        try:
            report = build(self.settings, memo=self.memo, serving=True)
        except TetradError as exc:
            self._fail(str(exc))
            return None
        except Exception:  # a broken template or a bug: show it, keep serving
            self._fail(traceback.format_exc(limit=8))
            return None
        for d in report.diagnostics:
            print(f"{d.source}: warning: {d.message}", file=sys.stderr)
        print(f"rebuilt in {time.perf_counter() - started:.2f} s: {report.ran} snippets run, {report.reused} reused; "
              f"{report.rendered} files written, {report.kept} unchanged", flush=True)
        self.state.publish(None)
        return report

    def save_memo(self) -> None:
        """Leave the last build's memo beside the site, for the next `build-site` to start from."""
        if self.settings.out.is_dir():
            self.memo.save(memo_path(self.settings.out), last=True)

    def _fail(self, problem: str) -> None:
        print(f"build-site serve: build failed: {problem}", file=sys.stderr, flush=True)
        self.state.publish(f"build failed:\n{problem}")

    def watched(self) -> list[Path]:
        from importlib import resources

        paths = [self.settings.diary, self.settings.snippets, Path(str(resources.files("generator").joinpath("templates")))]
        return [p for p in paths if p.exists()]

    def serve(self, stop: threading.Event) -> None:
        """Serve and rebuild on change until ``stop`` is set."""
        import watchfiles

        thread = threading.Thread(target=self.httpd.serve_forever, name="tetrad-http", daemon=True)
        thread.start()
        store = (self.settings.snippets / "results").resolve()

        def relevant(change: watchfiles.Change, path: str) -> bool:
            resolved = Path(path).resolve()
            return store not in resolved.parents and not Path(path).name.startswith(".")

        try:
            for _changes in watchfiles.watch(*self.watched(), watch_filter=relevant, stop_event=stop,
                                             debounce=200, step=50, rust_timeout=500, yield_on_timeout=False):
                self.rebuild()
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()


def run(args: argparse.Namespace, settings: Settings) -> int:
    server = Server(settings, args.port)
    if server.rebuild() is None and not settings.out.is_dir():
        print("build-site serve: serving the error page until the diary builds", file=sys.stderr)
    host, port = server.address
    print(f"Serving {settings.out.as_posix()} at http://{host}:{port}/ (Ctrl-C stops)", flush=True)
    stop = threading.Event()
    try:
        server.serve(stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        server.save_memo()
    print("build-site serve: stopped", flush=True)
    return 0
