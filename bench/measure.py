"""Running one command and measuring it: wall time, peak memory, output.

Every tool is run as a subprocess with `time.perf_counter()` around it. Two
peak memory figures come back: ``main_mb``, the high-water mark of the
process started (its ``VmHWM`` in ``/proc``, read every 10 ms while it runs,
so a worker or kernel it starts does not count), and ``tree_mb``, what
``wait4`` reports: the largest peak of that process and of every descendant
it waited for (a tetrad worker, a Jupyter kernel).
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


@dataclass(frozen=True)
class Run:
    """One finished command."""

    seconds: float
    main_mb: float
    tree_mb: float
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Sample:
    """Repeated runs of one measurement: medians, and every time for the record."""

    name: str
    runs: tuple[Run, ...]

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def main_mb(self) -> float:
        return max(r.main_mb for r in self.runs)

    @property
    def tree_mb(self) -> float:
        return max(r.tree_mb for r in self.runs)

    @property
    def last(self) -> Run:
        return self.runs[-1]


class CommandFailed(Exception):
    """A measured command exited with an error status; the message holds its output."""


def _watch_hwm(pid: int, peak: list[int], stop: threading.Event) -> None:
    path = f"/proc/{pid}/status"
    while not stop.is_set():
        try:
            with open(path, encoding="ascii", errors="replace") as status:
                found = re.search(r"^VmHWM:\s+(\d+) kB", status.read(), re.MULTILINE)
        except OSError:
            return
        if found:  # absent once the process is a zombie
            peak[0] = max(peak[0], int(found.group(1)))
        stop.wait(0.01)


def run(cmd: Sequence[str], cwd: Path, *, check: bool = True, env: dict[str, str] | None = None) -> Run:
    """Run ``cmd`` in ``cwd`` and measure it; raise `CommandFailed` on a non-zero exit with ``check``."""
    out_path, err_path = cwd / ".bench-stdout", cwd / ".bench-stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        peak = [0]
        stop = threading.Event()
        watcher = threading.Thread(target=_watch_hwm, args=(proc.pid, peak, stop), daemon=True)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        stop.set()
        watcher.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(encoding="utf-8", errors="replace")
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    out_path.unlink()
    err_path.unlink()
    result = Run(seconds, peak[0] / 1024, usage.ru_maxrss / 1024, proc.returncode, stdout, stderr)
    if check and proc.returncode != 0:
        raise CommandFailed(
            f"$ (cd {cwd} && {' '.join(cmd)})\nexit status {proc.returncode}\n"
            f"--- stdout ---\n{stdout[-4000:]}\n--- stderr ---\n{stderr[-4000:]}"
        )
    return result


def repeat(name: str, times: int, once: Callable[[int], Run], *, budget_s: float | None = None) -> Sample:
    """Run ``once(i)`` up to ``times`` times; stop early when the runs so far used ``budget_s``."""
    runs: list[Run] = []
    spent = 0.0
    for i in range(times):
        runs.append(once(i))
        spent += runs[-1].seconds
        if budget_s is not None and spent >= budget_s:
            break
    return Sample(name, tuple(runs))


def _first(path: str, pattern: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "unknown"
    found = re.search(pattern, text, re.MULTILINE)
    return found.group(1).strip() if found else "unknown"


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str:
    root = Path(__file__).resolve().parents[1]
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    mem_kb = _first("/proc/meminfo", r"^MemTotal:\s+(\d+)")
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    dirty = " (with uncommitted changes)" if _git("status", "--porcelain", "--", "generator") else ""
    return {
        "cpu": _first("/proc/cpuinfo", r"^model name\s*:\s*(.+)$"),
        "cores (nproc)": nproc or str(os.cpu_count()),
        "memory": f"{int(mem_kb) / 2**20:.1f} GiB" if mem_kb.isdigit() else "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "torch": _version("torch"),
        "nbclient / ipykernel": f"{_version('nbclient')} / {_version('ipykernel')}",
        "markdown-it-py / Jinja2 / Pygments": f"{_version('markdown-it-py')} / {_version('Jinja2')} / {_version('Pygments')}",
        "tetrad commit": (_git("rev-parse", "--short", "HEAD") or "unknown") + dirty,
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def python() -> str:
    return sys.executable
