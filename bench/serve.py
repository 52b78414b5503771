"""The writing loop, measured as a writer lives it: `build-site serve`, an edit, the rebuild.

`serve_rebuilds` starts ``build-site serve --port 0`` in a built diary's
folder, waits until it serves, then makes each edit in turn (`bench.diary`'s
`edit_entry`, the entry in the middle of the diary) and reads serve's own
report of the rebuild that followed (``rebuilt in X s``: the build alone,
from the change seen to the site written, without the file watcher's
debounce). It stops serve with Ctrl-C, as a writer does.
"""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import diary as synthetic

REBUILT = re.compile(r"rebuilt in (\d+\.\d+) s: (\d+) snippets run")


class ServeFailed(Exception):
    """serve did not start, or an edit was not followed by a rebuild."""


@dataclass(frozen=True)
class Rebuild:
    kind: str  # "text" or "code"
    seconds: float  # as serve reports it
    ran: int  # snippets run by the rebuild


def serve_rebuilds(build: Sequence[str], folder: Path, env: dict[str, str], layout: str, index: int,
                   edits: Sequence[tuple[str, int]], timeout_s: float = 120.0) -> list[Rebuild]:
    """Start serve in ``folder``, make ``edits`` ((kind, mark) for `edit_entry`) one by one, return each rebuild."""
    proc = subprocess.Popen([*build, "serve", "--port", "0"], cwd=folder, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()

    def wait_for(pattern: re.Pattern[str] | str) -> re.Match[str] | str:
        deadline = time.monotonic() + timeout_s
        seen: list[str] = []
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if not line:
                raise ServeFailed("serve exited:\n" + "".join(seen[-20:]))
            seen.append(line)
            if isinstance(pattern, str):
                if pattern in line:
                    return line
            elif (found := pattern.search(line)) is not None:
                return found
        raise ServeFailed(f"no {pattern!r} within {timeout_s:.0f} s:\n" + "".join(seen[-20:]))

    try:
        wait_for("Serving ")
        time.sleep(1.0)  # the watcher is running once serve says so; let it settle
        out: list[Rebuild] = []
        for kind, mark in edits:
            synthetic.edit_entry(folder / "diary", layout, index, kind, mark)
            found = wait_for(REBUILT)
            assert isinstance(found, re.Match)
            out.append(Rebuild(kind, float(found.group(1)), int(found.group(2))))
        return out
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
