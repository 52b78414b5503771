"""The domain model: where things came from, entries, snippets and their results.

Everything here is a frozen dataclass so that stages pass values, never share
mutable state. Paths in a `Source` are POSIX paths relative to the folder the
build runs in (``diary/2022-01.md``), so every message reads the same on every
machine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any


@dataclass(frozen=True, order=True)
class Source:
    """A place in a file: ``diary/2022-01.md:42``."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Diagnostic:
    """A problem with the input. The build goes on; ``--strict`` makes it fatal."""

    source: Source
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


class Status(str, Enum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    NEEDS_GPU = "needs-gpu"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    # Why a block could prove nothing, though its code may be right (none of them fails `check`):
    INCOMPLETE = "incomplete"  # a fragment: it uses names nothing in its namespace defines
    NEEDS_PACKAGE = "needs-package"  # a module that is not installed here
    BLOCKED = "blocked"  # a failed block above would have defined what it uses


@dataclass(frozen=True)
class Options:
    """Options from a fence's info string: ```` ```python setup=lenet timeout=5 ````."""

    skip: bool = False
    raises: str | None = None
    timeout: float | None = None
    gpu: bool = False
    setup: str | None = None
    file: str | None = None
    session: str | None = None


@dataclass(frozen=True)
class Snippet:
    """One runnable fenced block of an entry.

    ``id`` is stable across builds (``2022-01-05-1``: the entry key and the
    block's 1-based position in the entry). ``code`` is the block's text (or,
    with ``file=``, empty until the runner reads the file). ``expected_output``
    is the text of an ``output`` fence that directly follows the block.
    ``span`` is where the block sits in its entry's body: its first line and
    the line after it, or after its ``output`` fence (0-based, as
    markdown-it counts); None for a notebook's block.
    """

    id: str
    source: Source
    lang: str  # "python" or "pycon"
    code: str
    options: Options = Options()
    expected_output: str | None = None
    index: int = 1
    span: tuple[int, int] | None = None


@dataclass(frozen=True)
class Result:
    """What running a snippet produced. A failure is a value, never an exception."""

    status: Status
    stdout: str = ""
    stderr: str = ""
    shown: str | None = None
    outputs: tuple[dict[str, Any], ...] = ()  # nbformat output dicts (rich outputs)
    error: str | None = None  # one line: "NameError: name 'x' is not defined"
    traceback: str | None = None
    device: str | None = None
    torch_version: str | None = None
    duration_s: float = 0.0
    ran_at: str | None = None  # ISO date the snippet ran
    note: str | None = None  # e.g. why it was skipped, or that output was cut
    names: tuple[str, ...] = ()  # incomplete: the names nothing defines, in the order first used
    package: str | None = None  # needs-package: the top-level module that is missing ("cv2")
    blocked_by: str | None = None  # blocked: the id of the first failed block it depends on
    # A REPL transcript: one record per statement, {"line", "code", "pasted", "actual", "differs"}
    transcript: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Entry:
    """A dated section of the diary (or a whole dated file).

    ``key`` is unique in the diary and stable: the ISO date, with ``-2``,
    ``-3``… for further sections of the same date, in source order.
    ``body`` is the Markdown below the dated heading (the heading itself is
    not part of it); ``body_line`` is the 1-based line of the body's first
    line in the source file, so rendered content can point back to it.
    """

    key: str
    date: dt.date
    title: str
    source: Source
    body: str
    body_line: int
    heading_level: int = 0  # 0: the entry is a whole file
    time: dt.time | None = None
    tags: tuple[str, ...] = ()
    snippets: tuple[Snippet, ...] = ()


@dataclass(frozen=True)
class Document:
    """One Markdown file of the diary as read: its entries and the text under no entry.

    ``preface`` is the text before the first dated heading (and any text under
    an undated heading of a higher level than the entries), kept for the
    file's page. A file with no date at all has no entries: it is a page.
    ``snippets`` are the runnable blocks of that text, which run in order in
    the file's own namespace: their sources are file lines (a notebook's, cell
    numbers), their spans lines of ``preface``, their ids wait for a key
    (`generator.loose`).
    """

    path: str  # as shown in messages: "diary/2022-01.md"
    rel: str  # relative to the diary folder: "2022-01.md"
    title: str
    preface: str
    preface_line: int
    entries: tuple[Entry, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    snippets: tuple[Snippet, ...] = ()
