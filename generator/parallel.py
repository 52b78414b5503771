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


def fork_map(fn: Callable[[T], R], items: Sequence[T], jobs: int, *, min_share: int = MIN_SHARE) -> list[R]:
    """``[fn(x) for x in items]``, worked on by up to ``jobs`` processes at once, each with at
    least ``min_share`` items (fewer for costly items, such as whole diary files)."""
    jobs = min(jobs, len(items) // max(1, min_share))
    if jobs <= 1 or threading.active_count() > 1 or not hasattr(os, "fork"):
        return [fn(x) for x in items]
    parts = shares(len(items), jobs)
    sys.stdout.flush()
    sys.stderr.flush()
    children: list[tuple[range, int, int]] = []  # (share, pid, read end)
    for share in parts[1:]:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: work the share, send it, exit without running the parent's exit handlers
            os.close(read)
            code = 1
            try:
                data = pickle.dumps([fn(items[i]) for i in share], protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as stream:
                    stream.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        children.append((share, pid, read))
    try:
        values: list[R] = [fn(items[i]) for i in parts[0]]
    except BaseException:
        for _, pid, read in children:
            os.kill(pid, signal.SIGKILL)
            os.close(read)
            os.waitpid(pid, 0)
        raise
    for share, pid, read in children:
        with os.fdopen(read, "rb") as stream:
            data = stream.read()
        _, status = os.waitpid(pid, 0)
        got: list[R] | None = None
        if os.waitstatus_to_exitcode(status) == 0:
            try:
                got = pickle.loads(data)  # noqa: S301  (our own child's reply)
            except Exception:
                got = None
        if got is None or len(got) != len(share):
            got = [fn(items[i]) for i in share]  # the child failed: this share again, here
        values.extend(got)
    return values


class Background(Generic[R]):
    """``fn()`` worked out in a forked child while this process goes on; `result` collects it.

    It fills the moments this process spends on work of one core with work
    that does not depend on it. With ``fork=False``, where `fork_map` would
    not fork, or where the child fails in any way, `result` calls ``fn`` here
    instead. Call `result` or
    `cancel` exactly once.
    """

    def __init__(self, fn: Callable[[], R], *, fork: bool = True) -> None:
        self._fn = fn
        self._child: tuple[int, int] | None = None  # (pid, read end)
        if not fork or threading.active_count() > 1 or not hasattr(os, "fork"):
            return
        sys.stdout.flush()
        sys.stderr.flush()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            code = 1
            try:
                data = pickle.dumps(fn(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as stream:
                    stream.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self._child = (pid, read)

    def result(self) -> R:
        if self._child is None:
            return self._fn()
        pid, read = self._child
        self._child = None
        with os.fdopen(read, "rb") as stream:
            data = stream.read()
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) == 0:
            try:
                value: R = pickle.loads(data)  # noqa: S301  (our own child's reply)
                return value
            except Exception:
                pass
        return self._fn()  # the child failed: the work again, here

    def cancel(self) -> None:
        """Stop the child, if there is one: the value is not wanted (the build failed)."""
        if self._child is not None:
            pid, read = self._child
            self._child = None
            os.kill(pid, signal.SIGKILL)
            os.close(read)
            os.waitpid(pid, 0)
