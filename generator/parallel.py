"""Pure work spread over the machine's cores: `fork_map` (per item) and `Background` (one call).

Rendering a large diary is mostly independent work per entry (parse,
highlight, fill a template). `fork_map` splits a list of items into one
contiguous share per job, forks a child for every share but the first, and
works the first share itself; each child sends its values back pickled
through a pipe and exits. The children inherit everything by ``fork``, so
the function may be a closure over the whole site model; it must be pure
(whatever it changes in a child is lost) and its values picklable.

Nothing here is needed for correctness: a share whose child fails in any
way (an exception, a signal, an unreadable reply) is worked again in this
process, so the values and any exception are exactly those of a plain loop.
Small lists, ``jobs=1``, and processes with other threads (forking those is
unsafe: `build-site serve`) take the plain loop from the start.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_SHARE = 32  # fewer items per job than this are not worth a fork


def shares(n: int, jobs: int) -> list[range]:
    """``range(n)`` cut into ``jobs`` contiguous parts whose sizes differ by at most one (none empty)."""
    jobs = max(1, min(jobs, n))
    size, extra = divmod(n, jobs)
    out: list[range] = []
    start = 0
    for k in range(jobs):
        end = start + size + (1 if k < extra else 0)
        out.append(range(start, end))
        start = end
    return [r for r in out if len(r)]


def can_fork() -> bool:
    """Whether forking is safe here: a system that has it, and no other thread in this process."""
    return hasattr(os, "fork") and threading.active_count() == 1


class _Child:
    """A forked process working out ``work()``; its value comes back pickled through a pipe."""

    _FAILED = object()

    def __init__(self, work: Callable[[], object]) -> None:
        sys.stdout.flush()  # what is buffered would be written twice, once by each process
        sys.stderr.flush()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: work, send, exit without running the parent's exit handlers
            os.close(read)
            code = 1
            try:
                data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as stream:
                    stream.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self.pid, self.read = pid, read

    def collect(self) -> object:
        """The child's value, or `_FAILED` when it ended any other way."""
        with os.fdopen(self.read, "rb") as stream:
            data = stream.read()
        _, status = os.waitpid(self.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            return self._FAILED
        try:
            return pickle.loads(data)  # noqa: S301  (our own child's reply)
        except Exception:
            return self._FAILED

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.close(self.read)
        os.waitpid(self.pid, 0)


def fork_map(fn: Callable[[T], R], items: Sequence[T], jobs: int, *, min_share: int = MIN_SHARE) -> list[R]:
    """``[fn(x) for x in items]``, worked on by up to ``jobs`` processes at once, each with at
    least ``min_share`` items (fewer for costly items, such as whole diary files)."""
    jobs = min(jobs, len(items) // max(1, min_share))
    if jobs <= 1 or not can_fork():
        return [fn(x) for x in items]
    parts = shares(len(items), jobs)
    children = [(share, _Child(lambda share=share: [fn(items[i]) for i in share])) for share in parts[1:]]
    try:
        values: list[R] = [fn(items[i]) for i in parts[0]]
    except BaseException:
        for _, child in children:
            child.kill()
        raise
    for share, child in children:
        got = child.collect()
        if not isinstance(got, list) or len(got) != len(share):
            got = [fn(items[i]) for i in share]  # the child failed: this share again, here
        values.extend(got)
    return values


class Background(Generic[R]):
    """``fn()`` worked out in a forked child while this process goes on; `result` collects it.

    It fills the moments this process spends on work of one core with work
    that does not depend on it. With ``fork=False``, where `fork_map` would
    not fork, or where the child fails in any way, `result` calls ``fn`` here
    instead. Call `result` or `cancel` exactly once.
    """

    def __init__(self, fn: Callable[[], R], *, fork: bool = True) -> None:
        self._fn = fn
        self._child = _Child(fn) if fork and can_fork() else None

    def result(self) -> R:
        child, self._child = self._child, None
        got = child.collect() if child is not None else _Child._FAILED
        if got is _Child._FAILED:
            return self._fn()  # not forked, or the child failed: the work here
        return got  # type: ignore[return-value]

    def cancel(self) -> None:
        """Stop the child, if there is one: the value is not wanted (the build failed)."""
        child, self._child = self._child, None
        if child is not None:
            child.kill()
