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
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.execute.child import EntrySpec

_ROOT = str(Path(__file__).resolve().parents[2])
_BOOT = f"import sys; sys.path.insert(0, {_ROOT!r}); from generator.execute.server import main; main()"


class WorkerDied(Exception):
    """The worker process ended unexpectedly; the message is the tail of its stderr."""


class Worker:
    """A running worker process."""

    def __init__(self) -> None:
        self.log: IO[bytes] = tempfile.TemporaryFile()
        self.cache = tempfile.mkdtemp(prefix="tetrad-worker-")  # torch's compile cache, removed with the worker
        env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg")
        # glibc's malloc asks for transparent huge pages (where the kernel offers them on request): the
        # worker's heap then takes fewer page-table entries to copy at each fork, and an entry's tensors
        # fewer page faults to fill (about 8 ms less per entry here). Unknown to an older glibc, which
        # ignores it; a GLIBC_TUNABLES the user set is left as it is.
        env.setdefault("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1")
        env.setdefault("TORCHINDUCTOR_CACHE_DIR", os.path.join(self.cache, "inductor"))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
        )
        self._info: dict[str, Any] | None = None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise WorkerDied(self._log_tail())
        message: dict[str, Any] = json.loads(line)
        return message

    def info(self) -> dict[str, Any]:
        """What the worker said once torch was imported (waits for it)."""
        if self._info is None:
            self._info = self._read()
        return self._info

    def run(self, specs: Sequence[EntrySpec], jobs: int, on_message: Callable[[dict[str, Any]], None]) -> None:
        """Run a batch; ``on_message`` gets every ``result`` and ``entry_done`` message."""
        self.info()
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps({"jobs": jobs, "entries": list(specs)}) + "\n").encode("ascii"))
            self.proc.stdin.flush()
        except BrokenPipeError:
            self.proc.wait()
            raise WorkerDied(self._log_tail()) from None
        while (message := self._read())["t"] != "batch_done":
            on_message(message)

    def close(self) -> None:
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


_lock = threading.RLock()
_worker: Worker | None = None


def prewarm() -> None:
    """Start the worker now (if not running), so torch is imported while the build reads."""
    with _lock:
        _get()


def ready() -> bool:
    """Whether a worker runs and has imported torch (`build-site serve` keeps one between rebuilds)."""
    with _lock:
        return _worker is not None and _worker._info is not None and _worker.alive()


def release_unused() -> None:
    """Stop the worker if it was started early and no batch needed it (its import would only take a core)."""
    with _lock:
        if _worker is not None and _worker._info is None:
            shutdown()


def _get() -> Worker:
    global _worker
    if _worker is None or not _worker.alive():
        if _worker is not None:
            _worker.close()
        _worker = Worker()
    return _worker


def run_batch(specs: Sequence[EntrySpec], jobs: int, on_message: Callable[[dict[str, Any]], None]) -> None:
    """Run entries on the worker; raise `WorkerDied` if it dies (it is restarted next time)."""
    with _lock:
        worker = _get()
        try:
            worker.run(specs, jobs, on_message)
        except BaseException:  # a half-read batch leaves the protocol out of step
            shutdown()
            raise


def shutdown() -> None:
    """Stop the worker, if one runs."""
    global _worker
    with _lock:
        if _worker is not None:
            _worker.close()
            _worker = None


atexit.register(shutdown)
