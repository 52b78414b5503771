"""The build's side of the worker process: start it, send batches, read results.

One worker per build process, started on first need (or early, by
`prewarm`, so torch's import overlaps the build's reading of the diary; an
early start no batch needed is stopped by `release_unused`) and
kept for later calls (``build-site serve`` rebuilds without importing torch
again). It is a plain ``python -c`` child talking JSON lines over its stdin
and stdout; its stderr goes to a temporary file whose tail explains a death.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.execute.cells import EntrySpec

_ROOT = str(Path(__file__).resolve().parents[2])
_BOOT = f"import sys; sys.path.insert(0, {_ROOT!r}); from generator.execute.server import main; main({{early}})"

# Code that makes an optimizer or compiles imports torch._dynamo (a second) in its entry's process
# unless the worker has it: such entries wait for the main worker. A false alarm only waits.
_NEEDS_DYNAMO = re.compile(r"optim|compile|dynamo|inductor|export|jit|torch\.func|vmap|lightning|transformers")


class WorkerDied(Exception):
    """The worker process ended unexpectedly; the message is the tail of its stderr."""


class _Channel:
    """A server's protocol from the build's side: batches out as JSON lines, messages back."""

    def __init__(self, requests: IO[bytes], replies: IO[bytes]) -> None:
        self.requests, self.replies = requests, replies
        self._info: dict[str, Any] | None = None

    def died(self) -> WorkerDied:
        raise NotImplementedError

    def _read(self) -> dict[str, Any]:
        line = self.replies.readline()
        if not line:
            raise self.died()
        message: dict[str, Any] = json.loads(line)
        return message

    def ready_now(self) -> bool:
        """Whether it has imported torch, without waiting (raises `WorkerDied` if it died)."""
        if self._info is None and select.select([self.replies], [], [], 0)[0]:  # nothing read yet: no buffer
            self.info()
        return self._info is not None

    def info(self) -> dict[str, Any]:
        """What the worker said once torch was imported (waits for it)."""
        if self._info is None:
            self._info = self._read()
        return self._info

    def run(self, specs: Sequence[EntrySpec], jobs: int, on_message: Callable[[dict[str, Any]], None]) -> None:
        """Run a batch; ``on_message`` gets every ``result`` and ``entry_done`` message."""
        self.info()
        try:
            self.requests.write((json.dumps({"jobs": jobs, "entries": list(specs)}) + "\n").encode("ascii"))
            self.requests.flush()
        except BrokenPipeError:
            raise self.died() from None
        while (message := self._read())["t"] != "batch_done":
            on_message(message)


class Worker(_Channel):
    """A running worker process."""

    def __init__(self, early: bool = False) -> None:
        self.log: IO[bytes] = tempfile.TemporaryFile()
        self.cache = tempfile.mkdtemp(prefix="tetrad-worker-")  # torch's compile cache, removed with the worker
        # Figures are displayed as Jupyter's inline backend displays them (a dependency of IPython), and
        # IPython keeps its profile folder in the worker's own folder, not in the user's home.
        env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="module://matplotlib_inline.backend_inline",
                   IPYTHONDIR=os.path.join(self.cache, "ipython"))
        # glibc's malloc asks for transparent huge pages (where the kernel offers them on request): the
        # worker's heap then takes fewer page-table entries to copy at each fork, and an entry's tensors
        # fewer page faults to fill (about 8 ms less per entry here). Unknown to an older glibc, which
        # ignores it; a GLIBC_TUNABLES the user set is left as it is.
        env.setdefault("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1")
        env.setdefault("TORCHINDUCTOR_CACHE_DIR", os.path.join(self.cache, "inductor"))
        theirs = (os.pipe(), os.pipe()) if early else None  # the early server's requests and replies
        passed = (theirs[0][0], theirs[1][1]) if theirs else ()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT.format(early=passed or None)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
            pass_fds=passed,
        )
        self.early: Early | None = None
        if theirs:
            for fd in passed:
                os.close(fd)
            self.early = Early(os.fdopen(theirs[0][1], "wb"), os.fdopen(theirs[1][0], "rb"), self)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        super().__init__(self.proc.stdin, self.proc.stdout)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def died(self) -> WorkerDied:
        self.proc.wait()
        return WorkerDied(self._log_tail())

    def close(self) -> None:
        if self.early is not None:
            self.early.close()
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        if self._info is None:  # never waited for: it may still be importing torch, with nothing to finish
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.cache, ignore_errors=True)

    def _log_tail(self) -> str:
        self.log.seek(0, os.SEEK_END)
        self.log.seek(max(0, self.log.tell() - 2000))
        text = self.log.read().decode("utf-8", "replace").strip()
        code = self.proc.returncode
        return f"the worker process ended (exit status {code})" + (f": {text}" if text else "")


class Early(_Channel):
    """The early server: forked by the worker once torch is imported, before torch._dynamo is
    (`server.Server.fork_early`); a child of the worker, it dies with it."""

    def __init__(self, requests: IO[bytes], replies: IO[bytes], worker: Worker) -> None:
        super().__init__(requests, replies)
        self.worker = worker

    def died(self) -> WorkerDied:
        return WorkerDied(self.worker._log_tail().replace("the worker process", "the early worker process", 1))

    def close(self) -> None:
        """Close its requests: it ends once its batch is done (the worker collects it)."""
        for stream in (self.requests, self.replies):
            try:
                stream.close()
            except OSError:
                pass
        self.worker.early = None


_lock = threading.RLock()
_worker: Worker | None = None


def prewarm(early: bool = False) -> None:
    """Start the worker now (if not running), so torch is imported while the build reads; with
    ``early`` (more than one job) it forks an early server once torch is imported (`_run_early`)."""
    with _lock:
        _get(early)


def ready() -> bool:
    """Whether a worker runs and has imported torch (`build-site serve` keeps one between rebuilds)."""
    with _lock:
        return _worker is not None and _worker._info is not None and _worker.alive()


def release_unused() -> None:
    """Stop the workers if they were started early and no batch needed them (their import would only take a core)."""
    with _lock:
        if _worker is not None and _worker._info is None:
            shutdown()  # its early server goes with it


def _get(early: bool = False) -> Worker:
    global _worker
    if _worker is None or not _worker.alive():
        if _worker is not None:
            _worker.close()
        _worker = Worker(early)
    return _worker


def run_batch(specs: Sequence[EntrySpec], jobs: int, on_message: Callable[[dict[str, Any]], None]) -> None:
    """Run entries on the worker; raise `WorkerDied` if it dies (it is restarted next time)."""
    with _lock:
        worker = _get()
        try:
            rest = _run_early(worker, specs, jobs, on_message)
            if rest:
                worker.run(rest, jobs, on_message)
        except BaseException:  # a half-read batch leaves the protocol out of step
            shutdown()
            raise


def _run_early(worker: Worker, specs: Sequence[EntrySpec], jobs: int,
               on_message: Callable[[dict[str, Any]], None]) -> list[EntrySpec]:
    """Run entries on the worker's early server while the worker still imports; return the rest.

    The early server has torch but not torch._dynamo, so it is ready about a
    second sooner, while a core would otherwise wait. It takes the entries
    whose code needs no optimizer or compiler, ``jobs - 1`` at a time (the
    worker's import holds a core), until the worker is ready; then it
    finishes the ones it holds and is closed. Entries are as isolated there as
    in the worker. If it dies, the worker runs what it had not finished.
    """
    early = worker.early
    if early is None:
        return list(specs)
    done: set[int] = set()

    def note(message: dict[str, Any]) -> None:
        if message["t"] == "entry_done":
            done.add(int(message["n"]))
        on_message(message)

    try:
        waiting = [s for s in specs if not any(_NEEDS_DYNAMO.search(b["code"] + str(b["setup"] or "")) for b in s["blocks"])]
        size = max(1, jobs - 1)
        while waiting and not worker.ready_now():
            batch, waiting = waiting[:size], waiting[size:]
            early.run(batch, size, note)
    except WorkerDied:
        if not worker.alive():
            raise
    finally:
        early.close()
    return [s for s in specs if s["n"] not in done]


def shutdown() -> None:
    """Stop the worker, if one runs."""
    global _worker
    with _lock:
        if _worker is not None:
            _worker.close()
            _worker = None


atexit.register(shutdown)
