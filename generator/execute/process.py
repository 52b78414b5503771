"""An entry's process as the worker sees it: messages in, a clock, and how it ended.

The worker reads the process's JSON lines (bounded), gives each block the
time its ``timeout`` allows, kills the whole process group when time is up,
and, when the process died before reporting every block, writes the missing
results itself: ``timeout`` or ``crashed`` for the block it was running (with
the Python traceback faulthandler left, for a crash), ``skipped`` for the
blocks after it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sys
import time
from typing import Any

from generator.execute.cells import BlockContext, EntrySpec, base_result
from generator.execute.guard import kill_session
from generator.model import Status

GAP_S = 30.0  # time allowed outside blocks: start-up, between blocks
EXIT_GRACE_S = 1.0  # after its pipe closes, time for the process to be seen exiting
MAX_PENDING = 64 * 2**20  # bytes of one unfinished message line before it counts as a crash


class Running:
    """One forked entry process and what it has reported so far."""

    def __init__(self, spec: EntrySpec, pid: int, fd: int, tmp: str, now: float) -> None:
        self.spec = spec
        self.pid = pid
        self.fd = fd
        self.tmp = tmp
        self.deadline = now + GAP_S
        self.current: int | None = None  # the block running now
        self.block_started = now
        self.results: dict[int, dict[str, Any]] = {}
        self.buffer = bytearray()
        self.done = self.eof = self.timed_out = self.stopped = False
        self.status: int | None = None  # from waitpid
        self.problem: str | None = None  # the engine's own failure, a flood, a broken limit

    def read(self) -> list[dict[str, Any]]:
        """Read what is ready; return the messages to pass on to the build."""
        data = os.read(self.fd, 1 << 16)
        now = time.monotonic()
        if not data:
            self.eof = True
            self.deadline = min(self.deadline, now + EXIT_GRACE_S)
            return []
        self.buffer += data
        replies: list[dict[str, Any]] = []
        while (end := self.buffer.find(b"\n")) >= 0:
            line = bytes(self.buffer[:end])
            del self.buffer[: end + 1]
            try:
                message = json.loads(line)
            except ValueError:
                continue  # a snippet wrote into the pipe; its results still count
            replies.extend(self._handle(message, now))
        if len(self.buffer) > MAX_PENDING:
            self.problem = "the process wrote too much into its result pipe"
            self.eof = True
            self.deadline = now
        return replies

    def _handle(self, message: Any, now: float) -> list[dict[str, Any]]:
        kind = message.get("t") if isinstance(message, dict) else None
        if kind == "start":
            self.current = int(message["i"])
            self.block_started = now
            self.deadline = now + float(message["timeout"])
        elif kind == "result":
            i = int(message["i"])
            self.results[i] = message["result"]
            self.current = None
            self.deadline = now + GAP_S
            return [{"t": "result", "n": self.spec["n"], "i": i, "result": message["result"]}]
        elif kind == "done":
            self.done = True
        elif kind == "error":
            self.problem = f"tetrad's runner failed: {message.get('error')}"
        return []

    def check(self, now: float) -> bool:
        """Whether the process has ended (or been ended now, out of time)."""
        if self.done:
            return True
        if self.eof and self._wait(block=False):
            return True
        if now >= self.deadline:
            self.timed_out = self.current is not None and not self.eof and not self.stopped
            self.kill()
            return True
        return False

    def capture_files(self) -> list[str]:
        """The files descriptors 1 and 2 of the process write to."""
        return [os.path.join(self.tmp, "fd1"), os.path.join(self.tmp, "fd2")]

    def stop(self, problem: str) -> None:
        """End the process and its whole session now for ``problem``; its running block is ``crashed``."""
        self.problem = problem
        self.stopped = True
        kill_session(self.pid)
        self.deadline = time.monotonic()

    def kill(self, wait: bool = True) -> None:
        """Kill the process and everything it started; with ``wait``, reap it."""
        for kill in (os.killpg, os.kill):  # killpg fails if it died before its setsid
            try:
                kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
        if wait:
            self.reap(block=True)

    def reap(self, block: bool) -> bool:
        """Collect the ended process and remove its folders; whether that is done."""
        if not self._wait(block):
            return False
        shutil.rmtree(self.tmp, ignore_errors=True)
        return True

    def _wait(self, block: bool) -> bool:
        if self.status is None:
            try:
                pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
            except ChildProcessError:
                pid, status = self.pid, 0
            if not pid:
                return False
            self.status = status
        return True

    def finish(self) -> list[dict[str, Any]]:
        """Results for the blocks it never reported, then ``entry_done``.

        A process that reported everything is left to die in the background
        (tearing down a process that mapped torch takes milliseconds); the
        worker reaps every process later with `reap`, which removes its folders.
        """
        self.kill(wait=False)
        if not self.done:
            self._wait(block=True)
        crash = None if self.done else self._crash_text()
        replies = []
        blocks = self.spec["blocks"]
        first_missing = self.current if self.current is not None else len(self.results)
        for i in range(len(blocks)):
            if i in self.results:
                continue
            if i == first_missing and self.timed_out:
                error = f"timed out after {blocks[i]['timeout']:g} s"
                result = self._result(Status.TIMEOUT, error=error, note="the entry's process was stopped")
            elif i == first_missing:
                error, dump = crash or ("the process ended without a result", None)
                result = self._result(Status.CRASHED, error=error, traceback=dump)
            else:
                what = "timed out" if self.timed_out else "crashed"
                note = f"not run: {blocks[first_missing]['id']} {what}"
                result = self._result(Status.SKIPPED, note=note, duration_s=0.0)
            replies.append({"t": "result", "n": self.spec["n"], "i": i, "result": result})
        replies.append({"t": "entry_done", "n": self.spec["n"]})
        os.close(self.fd)
        return replies

    def _result(self, status: Status, **values: Any) -> dict[str, Any]:
        torch_version = getattr(sys.modules.get("torch"), "__version__", None)
        ctx = BlockContext(self.spec["device"], torch_version, self.spec["ran_at"], 0, 0, {})
        duration = round(time.monotonic() - self.block_started, 6)
        return base_result(ctx, status, **{"duration_s": duration, **values})

    def _crash_text(self) -> tuple[str, str | None]:
        """(one-line error, faulthandler's traceback or None) for a process that died."""
        status = self.status or 0
        if self.problem:
            error = self.problem
        elif os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            error = f"the process died: {signal.strsignal(number) or name} ({name})"
            if number == signal.SIGKILL:
                error += ", killed from outside (out of memory?)"
        else:
            error = f"the process exited with code {os.WEXITSTATUS(status)}"
        return error, self._fault_dump()

    def _fault_dump(self) -> str | None:
        try:
            with open(os.path.join(self.tmp, "fd2"), "rb") as stream:
                stream.seek(max(0, os.fstat(stream.fileno()).st_size - 16384))
                text = stream.read().decode("utf-8", "replace")
        except OSError:
            return None
        start = text.rfind("Fatal Python error")
        if start < 0:
            return None
        engine = re.compile(
            r'[/\\]generator[/\\]execute[/\\]|File "<string>"|^\s*<no Python frame>|^Extension modules:'
        )
        lines = [re.sub(r"^Current thread 0x\w+ \(most", "(most", line) for line in text[start:].splitlines()]
        return "\n".join([line for line in lines if not engine.search(line)][:60]).strip() or None
