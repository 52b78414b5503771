"""Limits beyond time that the worker holds entry processes to: processes, output on disk, strays.

Each entry's process leads a session of its own (`child` calls ``setsid``),
so whatever a snippet starts is found by session id in ``/proc``:

- a fork bomb: more than ``MAX_PROCESSES`` processes in one session stops
  the entry (its whole session is killed; the block is ``crashed``). This is
  a count, not ``RLIMIT_NPROC``, which Linux ignores for root (CI containers
  often run as root) and which counts every thread of the user, other
  programs included. Scanning ``/proc`` costs milliseconds, so it happens
  only when the system's task count (``/proc/loadavg``) has grown by the
  limit since the batch began.
- output written straight to descriptors 1 and 2 (a C library, a child
  process) lands in capture files; past ``MAX_CAPTURE_BYTES`` the entry is
  stopped rather than left to fill the disk (what is kept is cut at 100 kB).
- the worker is a child subreaper, so a process that left its session
  (``setsid``, a double fork) is re-parented to the worker when its parent
  dies, never to init: `reap_strays` collects the dead ones as entries end,
  and `sweep_strays` kills the living ones when a batch ends, so no process a
  snippet started outlives the build.

Linux only; elsewhere each check finds nothing and the time limits remain.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
from collections.abc import Collection

MAX_PROCESSES = 256  # processes in one entry's session (DataLoader workers, a Pool: well under)
MAX_CAPTURE_BYTES = 256 * 2**20  # bytes of native stdout or stderr kept on disk per entry
TICK_S = 0.05  # how often the worker looks

_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make orphaned descendants of this process its children (Linux ``prctl``); whether it worked."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def total_tasks() -> int | None:
    """Threads and processes on the whole system, from ``/proc/loadavg`` (cheap), or None."""
    try:
        with open("/proc/loadavg", "rb") as stream:
            return int(stream.read().split()[3].split(b"/")[1])
    except (OSError, IndexError, ValueError):
        return None


def _stat(pid: int | str) -> tuple[str, int, int] | None:
    """(state, parent pid, session id) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stream:
            data = stream.read()
    except OSError:
        return None
    fields = data[data.rfind(b")") + 2 :].split()  # the command name may hold spaces and ")"
    try:
        return fields[0].decode("ascii", "replace"), int(fields[1]), int(fields[3])
    except (IndexError, ValueError):
        return None


def sessions() -> dict[int, list[int]]:
    """Living (not zombie) process ids by session id."""
    found: dict[int, list[int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if name.isdigit() and (info := _stat(name)) is not None and info[0] != "Z":
            found.setdefault(info[2], []).append(int(name))
    return found


def kill_session(sid: int) -> None:
    """SIGKILL every process of session ``sid``: its group at once (atomic against forks), then stragglers."""
    try:
        os.killpg(sid, signal.SIGKILL)
    except OSError:
        pass
    for _ in range(20):  # processes that moved to a group of their own inside the session
        left = sessions().get(sid, [])
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.005)


class Guard:
    """The checks for one batch: which running entries broke a limit, and why."""

    def __init__(self, max_processes: int = MAX_PROCESSES, max_capture_bytes: int = MAX_CAPTURE_BYTES) -> None:
        self.max_processes = max_processes
        self.max_capture_bytes = max_capture_bytes
        self.baseline = total_tasks()

    def broken(self, entries: dict[int, list[str]]) -> dict[int, str]:
        """For entries given as {session id: capture files}, the ones over a limit, with the reason."""
        found: dict[int, str] = {}
        for sid, files in entries.items():
            for path in files:
                try:
                    size = os.stat(path).st_size
                except OSError:
                    continue
                if size > self.max_capture_bytes:
                    stream = "stdout" if path.endswith("1") else "stderr"
                    found[sid] = (f"the process wrote more than {self.max_capture_bytes // 2**20} MB to its {stream} "
                                  "(an output flood); it was stopped")
        tasks = total_tasks()
        if tasks is not None and self.baseline is not None and tasks - self.baseline < self.max_processes:
            return found
        counts = sessions()
        for sid in entries:
            if len(counts.get(sid, ())) > self.max_processes:
                found[sid] = (f"the snippet started more than {self.max_processes} processes (a fork bomb?); "
                              "all of them were killed")
        return found


def _children() -> list[int]:
    """This process's children, from ``/proc/self/task/*/children`` or, lacking it, a scan of ``/proc``."""
    me = os.getpid()
    try:
        found: list[int] = []
        for task in os.listdir(f"/proc/{me}/task"):
            with open(f"/proc/{me}/task/{task}/children", "rb") as stream:
                found.extend(int(p) for p in stream.read().split())
        return found
    except (OSError, ValueError):
        pass
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    return [int(n) for n in names if n.isdigit() and (info := _stat(n)) is not None and info[1] == me]


def reap_strays(entries: Collection[int]) -> None:
    """Collect dead re-parented descendants (zombies) that are not entry processes."""
    for pid in _children():
        if pid in entries:
            continue
        info = _stat(pid)
        if info is not None and info[0] in ("Z", "X"):
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def sweep_strays(entries: Collection[int] = ()) -> int:
    """Kill and collect every child that is not an entry process (and what they leave); how many there were."""
    seen: set[int] = set()
    for _ in range(50):
        strays = [pid for pid in _children() if pid not in entries]
        if not strays:
            break
        for pid in strays:
            seen.add(pid)
            info = _stat(pid)
            if info is not None and info[2] == pid:  # a session leader: what it started goes too
                kill_session(pid)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in strays:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    return len(seen)
