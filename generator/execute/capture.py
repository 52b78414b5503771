"""Capturing a block's output, bounded: Python's streams and the raw file descriptors.

``print`` goes to a `Capture` (sys.stdout/sys.stderr are replaced); what C
code and child processes write to descriptors 1 and 2 lands in files that are
read after each block. Either way at most ``limit`` bytes per stream are
kept, and a cut stream ends with a visible note, so a snippet printing
gigabytes costs its time, never the build's memory.
"""

from __future__ import annotations

import io
import os

from ..terminal import RESET, collapse


def human_size(n: int) -> str:
    """``10.0 MB``, ``100 kB``, ``512 B`` (decimal units, as file managers show)."""
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) and unit == "kB" else f"{value:.1f} {unit}"
    return f"{n} B"


def cut_note(total: int, limit: int) -> str:
    """The line that says a stream was cut."""
    return f"… output cut: {human_size(total)}, showing the first {human_size(limit)}"


class Sink(io.RawIOBase):
    """A byte sink that keeps the first ``limit`` bytes and counts the rest."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.kept = bytearray()
        self.total = 0

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        view = memoryview(data)  # type: ignore[arg-type]
        size = view.nbytes
        room = self.limit - len(self.kept)
        if room > 0:
            self.kept += view.cast("B")[:room]
        self.total += size
        return size

    def add_uncounted_tail(self, skipped: int) -> None:
        """Count bytes that were written but never read (a huge native stream)."""
        self.total += skipped

    def text(self) -> tuple[str, str | None]:
        """The kept text as a terminal shows it (`collapse`: a progress bar's final state, not its
        every redraw) and, when some was cut, the note that says so."""
        text = collapse(bytes(self.kept).decode("utf-8", "replace"))
        if self.total <= self.limit:
            return text, None
        note = cut_note(self.total, self.limit)
        reset = RESET if "\x1b" in text else ""  # a colour left open by the cut must not run into the note
        return f"{text}{reset}\n{note}\n", note


class Capture:
    """One block's stdout or stderr: a text stream over a `Sink`."""

    def __init__(self, limit: int) -> None:
        self.sink = Sink(limit)
        self.stream = io.TextIOWrapper(
            io.BufferedWriter(self.sink), encoding="utf-8", errors="backslashreplace", write_through=True
        )

    def add_native(self, native: NativeFile) -> None:
        """Append what was written to the descriptor since the last block."""
        self.stream.flush()
        data, skipped = native.read_new(max(0, self.sink.limit - len(self.sink.kept)))
        self.sink.write(data)
        self.sink.add_uncounted_tail(skipped)

    def text(self) -> tuple[str, str | None]:
        self.stream.flush()
        return self.sink.text()


class NativeFile:
    """A file that replaces file descriptor ``fd`` (1 or 2) for the entry's process."""

    def __init__(self, path: str, fd: int) -> None:
        self.path = path
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        os.dup2(handle, fd)
        self.handle = handle
        self.offset = 0

    def read_new(self, limit: int) -> tuple[bytes, int]:
        """Up to ``limit`` new bytes, and how many more were written past them."""
        size = os.fstat(self.handle).st_size
        new = max(0, size - self.offset)
        data = os.pread(self.handle, min(new, limit), self.offset) if new and limit else b""
        self.offset = size
        return data, new - len(data)
