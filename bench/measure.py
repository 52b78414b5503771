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
    cpu_s: float  # user + system time of the process and its waited-for descendants
    others_cpu_s: float  # CPU time the rest of the machine used meanwhile: the noise of a shared machine
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
    def cpu_s(self) -> float:
        return statistics.median(r.cpu_s for r in self.runs)

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


def busy_cpu_s() -> float:
    """CPU seconds this machine has spent busy since boot, all cores (``/proc/stat``)."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(x) for x in stat.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def wait_until_quiet(max_wait_s: float, log: Callable[[str], None], busy_cores: float = 0.25) -> bool:
    """Wait until the machine's other work uses under ``busy_cores`` cores; whether it did in time."""
    deadline = time.monotonic() + max_wait_s
    while True:
        before, started = busy_cpu_s(), time.monotonic()
        time.sleep(3)
        load = (busy_cpu_s() - before) / (time.monotonic() - started)
        if load < busy_cores:
            return True
        if time.monotonic() >= deadline:
            log(f"the machine is still busy ({load:.1f} cores in use by others); measuring anyway")
            return False
        log(f"waiting for a quiet machine: {load:.1f} cores in use by others")
        time.sleep(7)


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
        busy_before = busy_cpu_s()
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        peak = [0]
        stop = threading.Event()
        watcher = threading.Thread(target=_watch_hwm, args=(proc.pid, peak, stop), daemon=True)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        busy = busy_cpu_s() - busy_before
        stop.set()
        watcher.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(encoding="utf-8", errors="replace")
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    out_path.unlink()
    err_path.unlink()
    cpu = usage.ru_utime + usage.ru_stime
    result = Run(seconds, cpu, max(0.0, busy - cpu), peak[0] / 1024, usage.ru_maxrss / 1024, proc.returncode, stdout, stderr)
    if check and proc.returncode != 0:
        raise CommandFailed(
            f"$ (cd {cwd} && {' '.join(cmd)})\nexit status {proc.returncode}\n"
            f"--- stdout ---\n{stdout[-4000:]}\n--- stderr ---\n{stderr[-4000:]}"
        )
    return result


def interleave(measurements: Sequence[tuple[str, Callable[[int], Run]]], times: int, long_s: float) -> list[Sample]:
    """Run each ``once(i)`` in turn, ``times`` rounds, so a slow spell of a shared machine hits all alike.

    A measurement whose first run took ``long_s`` or more is not repeated.
    """
    runs: dict[str, list[Run]] = {name: [] for name, _ in measurements}
    for i in range(times):
        for name, once in measurements:
            if i and runs[name][0].seconds >= long_s:
                continue
            runs[name].append(once(i))
    return [Sample(name, tuple(found)) for name, found in runs.items()]


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


def cores() -> int:
    """What ``nproc`` says: the cores this process may run on."""
    return len(os.sched_getaffinity(0))


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    mem_kb = _first("/proc/meminfo", r"^MemTotal:\s+(\d+)")
    nproc = subprocess.run(["nproc"], check=False, capture_output=True, text=True).stdout.strip()  # the command, as the docs say
    dirty = " (with uncommitted changes)" if _git("status", "--porcelain", "--", "generator") else ""
    return {
        "cpu": _first("/proc/cpuinfo", r"^model name\s*:\s*(.+)$"),
        "cores (nproc)": nproc or str(cores()),
        "memory": f"{int(mem_kb) / 2**20:.1f} GiB" if mem_kb.isdigit() else "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "torch": _version("torch"),
        "nbclient / ipykernel": f"{_version('nbclient')} / {_version('ipykernel')}",
        "markdown-it-py / Jinja2 / Pygments": f"{_version('markdown-it-py')} / {_version('Jinja2')} / {_version('Pygments')}",
        "tetrad commit": (_git("rev-parse", "--short", "HEAD") or "unknown") + dirty,
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }

