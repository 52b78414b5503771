"""The worker: imports torch once, then forks one process per entry.

Started by `generator.execute.pool` as ``python -c …``. It reads batches of
entries from stdin (one JSON line each), runs up to ``jobs`` entry processes
at a time (`generator.execute.child`), enforces each block's time limit,
notices a process that died, stops one that breaks a limit of `guard`
(a fork bomb, an output flood), and writes every block's result to stdout
as a JSON line, then ``entry_done`` per entry and ``batch_done`` per batch.
No process a snippet started survives its batch.

Asked to (two more descriptors from the build), it forks an early server
once torch is imported and before torch._dynamo is: the same loop on those
descriptors, for entries that make no optimizer (`Server.fork_early`).

CUDA is never initialised here (it does not survive a fork); an entry's
process initialises it itself when a snippet asks for it.
"""

from __future__ import annotations

import gc
import json
import os
import selectors
import sys
import tempfile
import time
import warnings
from collections import deque
from typing import Any

from generator.execute import child, guard
from generator.execute.process import Running

PRELOAD = ("torch", "numpy", "numpy.random")


class Server:
    """The state of the worker between batches: its protocol descriptors."""

    def __init__(self, requests: int, replies: int) -> None:
        self.requests = os.fdopen(requests, "rb")
        self.replies = replies

    @classmethod
    def on_stdio(cls) -> Server:
        """The worker's server, on the descriptors the build gave it as stdin and stdout."""
        server = cls(os.dup(0), os.dup(1))
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)  # nothing forked from here reads or writes the protocol by accident
        os.dup2(2, 1)
        os.close(null)
        return server

    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message) + "\n").encode("ascii")
        while data:
            data = data[os.write(self.replies, data) :]

    def serve(self, early: tuple[int, int] | None = None) -> None:
        """Import, say so, then run batches until the build closes the requests.

        With ``early`` (two descriptors the build passed: requests, replies), the
        worker forks an early server on them once torch is imported, before it
        imports torch._dynamo (about a second more): the build runs entries there
        that need no optimizer meanwhile (see `pool`).
        """
        started = time.perf_counter()
        problems = preload()
        if early is not None:
            self.fork_early(early, problems, started)
        problems += preload_optimizers()
        self.send({"t": "ready", **_ready(problems, started)})
        self.loop()

    def loop(self) -> None:
        for line in self.requests:
            batch = json.loads(line)
            self.run_batch(batch["entries"], max(1, int(batch["jobs"])))
            self.send({"t": "batch_done"})

    def fork_early(self, fds: tuple[int, int], problems: list[str], started: float) -> None:
        """Fork the early server, which serves batches on ``fds`` with torch as it is now."""
        if os.fork() != 0:
            for fd in fds:
                os.close(fd)
            return
        try:  # the early server; never returns
            self.requests.close()
            os.close(self.replies)
            child.die_with(os.getppid())
            guard.become_subreaper()
            gc.collect()
            gc.freeze()
            early = Server(*fds)
            early.send({"t": "ready", **_ready(problems, started)})
            early.loop()
        except BaseException:
            pass
        os._exit(0)

    def run_batch(self, entries: list[child.EntrySpec], jobs: int) -> None:
        """Run every entry, at most ``jobs`` at a time, reporting as results come."""
        queue = deque(entries)
        running: dict[int, Running] = {}
        dying: list[Running] = []
        selector = selectors.DefaultSelector()
        limits = guard.Guard()
        try:
            while queue or running:
                while queue and len(running) < jobs:
                    proc = self.start(queue.popleft(), [selector.fileno(), *running])
                    running[proc.fd] = proc
                    selector.register(proc.fd, selectors.EVENT_READ)
                wait = min(proc.deadline for proc in running.values()) - time.monotonic()
                for key, _ in selector.select(max(0.0, min(wait, guard.TICK_S))):
                    for message in running[key.fd].read():
                        self.send(message)
                by_session = {proc.pid: proc for proc in running.values() if not proc.stopped}
                for sid, problem in limits.broken({sid: p.capture_files() for sid, p in by_session.items()}).items():
                    by_session[sid].stop(problem)
                for fd, proc in list(running.items()):
                    if proc.check(time.monotonic()):
                        for message in proc.finish():
                            self.send(message)
                        selector.unregister(fd)
                        del running[fd]
                        dying.append(proc)
                        guard.reap_strays({p.pid for p in (*running.values(), *dying)})
                dying = [proc for proc in dying if not proc.reap(block=False)]
        finally:
            for proc in running.values():
                proc.kill()
            for proc in dying:
                proc.reap(block=True)
            selector.close()
            guard.sweep_strays()

    def start(self, spec: child.EntrySpec, other_fds: list[int]) -> Running:
        """Fork the entry's process."""
        tmp = tempfile.mkdtemp(prefix="tetrad-")
        workdir = os.path.join(tmp, "work")
        os.mkdir(workdir)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the entry's process; never returns
            close = [read_end, self.requests.fileno(), self.replies, *other_fds]
            child.run_entry(spec, write_end, workdir, tmp, close)
        os.close(write_end)
        return Running(spec, pid, read_end, tmp, time.monotonic())


def preload() -> list[str]:
    """Import what every entry uses, once; warm torch's first-call paths (not the optimizers', see
    `preload_optimizers`). Returns the problems met."""
    problems = []
    for name in PRELOAD:
        try:
            __import__(name)
        except Exception as exc:  # snippets that import it will say so themselves
            problems.append(f"{name}: {type(exc).__name__}: {exc}")
    # matplotlib's warning when a figure is "shown" without a screen says nothing to a reader; set here once
    # (compiling its pattern takes a millisecond), every entry's process inherits the filter.
    warnings.filterwarnings("ignore", message=".*non-interactive, and thus cannot be shown")
    try:  # every entry runs its cells through this one IPython, inherited at each fork
        from generator.execute import shell

        shell.prepare()
    except Exception as exc:
        problems.append(f"IPython: {type(exc).__name__}: {exc}")
    torch: Any = sys.modules.get("torch")
    if torch is not None:
        # Tiny CPU work only: no thread pool is started, so forking stays safe.
        torch.manual_seed(0)
        repr(torch.ones(2).sum())
        try:
            warm(torch, optimizers=False)
        except Exception as exc:
            problems.append(f"warming torch up: {type(exc).__name__}: {exc}")
    return problems


def preload_optimizers() -> list[str]:
    """Making an optimizer imports torch._dynamo (about a second): imported here once, every forked
    entry starts with it; then the optimizers' first steps. Returns the problems met."""
    problems = []
    torch: Any = sys.modules.get("torch")
    if torch is not None:
        try:
            __import__("torch._dynamo")
        except Exception as exc:
            problems.append(f"torch._dynamo: {type(exc).__name__}: {exc}")
        try:
            warm(torch, optimizers=True)
        except Exception as exc:
            problems.append(f"warming torch up: {type(exc).__name__}: {exc}")
    gc.collect()
    gc.freeze()  # entry processes then leave these objects' pages shared
    return problems


def _ready(problems: list[str], started: float) -> dict[str, Any]:
    """The ready message's contents."""
    return {
        "torch": getattr(sys.modules.get("torch"), "__version__", None),
        "import_s": round(time.perf_counter() - started, 3),
        "problems": problems,
    }


def warm(torch: Any, optimizers: bool) -> None:
    """Take torch's first-call paths once here, so no entry's process pays for them again: layers,
    losses and a backward pass (`preload`), or, with ``optimizers``, two optimizers' steps
    (`preload_optimizers`, once torch._dynamo is imported).

    A fresh process's first matrix product, backward pass and optimizer step
    set things up (the BLAS library's buffers, autograd's engine, the
    optimizers' dispatch) and touch memory an entry's process then has to
    fault in: 2–3 ms an entry on the benchmark's diary. Done on a CPU-only torch
    only, with one thread: there a backward pass starts no thread (autograd
    starts one per GPU, and on a CUDA build it broke autograd and CUDA in the
    forked entries), and a single thread starts no OpenMP team, so forking
    stays safe; the count is set back after. Each entry reseeds every
    generator, so none of this changes what a snippet sees.
    """
    if torch.backends.cuda.is_built() or getattr(torch.version, "hip", None) is not None:
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        (_optimizer_steps if optimizers else _first_steps)(torch)
    finally:
        torch.set_num_threads(threads)  # only a count: threads start at the next parallel region, in an entry


def _model(torch: Any) -> tuple[Any, Any, tuple[Any, ...]]:
    """A small model, its input, and two losses of its output."""
    nn, functional = torch.nn, torch.nn.functional
    x = torch.randn(64, 32)
    target = torch.randint(0, 4, (64,))
    losses = (lambda y: functional.cross_entropy(y, target), lambda y: functional.mse_loss(y, torch.zeros_like(y)))
    return nn.Sequential(nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 4)), x, losses


def _first_steps(torch: Any) -> None:
    """What a learner's first snippets do: layers, losses, backward passes, a matrix product."""
    model, x, losses = _model(torch)
    with torch.no_grad():
        model(x)
    for loss in losses:
        loss(model(x)).backward()
    a = torch.randn(256, 256, requires_grad=True)
    torch.tanh(a @ a).softmax(dim=1).sum().backward()
    repr(a.grad.mean())


def _optimizer_steps(torch: Any) -> None:
    """Two optimizers' first steps (making one imports torch._dynamo)."""
    model, x, losses = _model(torch)
    for optimizer in (torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), torch.optim.Adam(model.parameters())):
        for loss in losses:
            optimizer.zero_grad()
            loss(model(x)).backward()
            optimizer.step()


def main(early: tuple[int, int] | None = None) -> None:
    guard.become_subreaper()  # what snippets start and orphan comes back here, to be ended
    # torch._dynamo makes a compile cache folder in the temporary folder when it is imported; the
    # build gives the worker a folder of its own for it (TORCHINDUCTOR_CACHE_DIR) and removes it.
    server = Server.on_stdio()
    try:
        server.serve(early)
    except (BrokenPipeError, KeyboardInterrupt):  # the build went away
        pass
    os._exit(0)
