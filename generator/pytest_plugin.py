"""The pytest plugin: `pytest --tetrad diary/` checks the diary's snippets as tests.

Registered through the ``pytest11`` entry point; without ``--tetrad`` it adds
its two options and does nothing else. With it, every Markdown file of the
diary that pytest's collection reaches becomes a file node, each of its
entries a container, and each runnable block an item named ``block-N``:
``diary/2022-01.md::2022-01-05::block-1``. ``--tetrad-args`` takes the
options of ``build-site check`` (``--diary``, ``--snippets``, ``--device``,
``--timeout``, ``--require STATUS,…``, ``--require-gpu``, ``--shard``…); the diary folder is ``diary``
unless it names another.

The snippets run with the build's engine and store, once per session: the
first item to run runs every selected entry (in parallel, reusing stored
results), and each item then reports its own block's result. A failure names
the diary's file and line; a skipped block, and one that could prove nothing
(``needs-gpu``, ``incomplete``, ``needs-package``, ``blocked``), is skipped unless required.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .errors import TetradError
from .model import Entry, Result, Snippet, Status

if TYPE_CHECKING:  # the build's modules load when --tetrad is given, not in every pytest run
    from .build import Journal, Settings
    from .check import Case
    from .execute import ExecReport


class DiaryRun:
    """The session's diary: read once, run once, asked per item."""

    def __init__(self, args: argparse.Namespace, settings: Settings) -> None:
        from .check import failing_statuses, parse_required

        self.args = args
        self.settings = settings
        self.failing = failing_statuses(parse_required(args.require, args.require_gpu))
        self.journal: Journal | None = None
        self.files: dict[Path, list[Entry]] = {}
        self.report: ExecReport | None = None
        self.today = dt.date.today()

    def read(self) -> None:
        """Read the diary and keep the entries this session checks (those of ``--shard``, if given)."""
        from .build import read_journal
        from .shard import parse_shard, select

        self.journal = read_journal(self.settings, today=self.today)
        entries: Sequence[Entry] = (*self.journal.entries, *self.journal.loose)
        if self.args.shard is not None:
            entries = select(entries, parse_shard(self.args.shard), self.settings.snippets / "results")
        for entry in entries:
            if entry.snippets:
                self.files.setdefault(Path(entry.source.path).resolve(), []).append(entry)

    def result(self, snippet: Snippet, items: Sequence[pytest.Item]) -> Result:
        """The block's result; the first call runs the entries of every selected item."""
        if self.report is None:
            from .build import run_snippets
            from .fragments import explain_fragments

            assert self.journal is not None
            wanted = {item.entry.key for item in items if isinstance(item, SnippetItem)}
            entries = tuple(e for e in (*self.journal.entries, *self.journal.loose) if e.key in wanted)
            self.report = run_snippets(replace(self.journal, entries=entries, loose=()), self.settings, today=self.today)
            explained = explain_fragments((*self.journal.entries, *self.journal.loose), self.report.results)
            self.report = replace(self.report, results={**self.report.results, **explained})
        return self.report.results.get(snippet.id) or Result(Status.SKIPPED, note="no result")


_RUN = pytest.StashKey[DiaryRun]()
SECTION_LIMIT = 10_000  # characters of a block's captured output shown in a report


def _cut(text: str) -> str:
    if len(text) <= SECTION_LIMIT:
        return text
    return f"{text[:SECTION_LIMIT]}\n… {len(text) - SECTION_LIMIT} more characters (the site shows them)"


class SnippetFailed(Exception):
    """A block's result fails the check; `SnippetItem.repr_failure` shows it."""

    def __init__(self, case: Case) -> None:
        from .check import failure_line

        super().__init__(failure_line(case))
        self.case = case


class DiaryFile(pytest.File):
    """A Markdown file of the diary: its entries with blocks."""

    def collect(self) -> Iterator[EntryNode]:
        for entry in self.config.stash[_RUN].files.get(self.path.resolve(), []):
            yield EntryNode.from_parent(self, name=entry.key, entry=entry)


class EntryNode(pytest.Collector):
    """A dated entry: its blocks share one namespace, so they run together."""

    def __init__(self, *, entry: Entry, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entry = entry

    def collect(self) -> Iterator[SnippetItem]:
        for snippet in self.entry.snippets:
            yield SnippetItem.from_parent(self, name=f"block-{snippet.index}", entry=self.entry, snippet=snippet)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.entry.source.line - 1, self.entry.key


class SnippetItem(pytest.Item):
    """One runnable block; passes, fails or is skipped as `build-site check` judges it."""

    def __init__(self, *, entry: Entry, snippet: Snippet, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entry = entry
        self.snippet = snippet

    def runtest(self) -> None:
        from .check import UNPROVEN, Case

        run = self.config.stash[_RUN]
        result = run.result(self.snippet, self.session.items)
        for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            if text:
                self.add_report_section("call", stream, _cut(text))
        case = Case(self.entry, self.snippet, result)
        if result.status in run.failing:
            raise SnippetFailed(case)
        if result.status is Status.SKIPPED or result.status in UNPROVEN:
            # reported at the block's line, as pytest reports its own skip marks
            raise pytest.skip.Exception(f"{result.status.value}: {case.error}", _use_item_location=True)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if not isinstance(excinfo.value, SnippetFailed):
            return str(super().repr_failure(excinfo, style=style))
        from .check import failure_line, trim_traceback

        case = excinfo.value.case
        parts = [failure_line(case)]
        if case.snippet.code:
            first = case.snippet.source.line + 1  # the code starts below the fence
            parts.append("\n".join(f"{first + n:>5} | {line}" for n, line in enumerate(case.snippet.code.splitlines())))
        if case.result.traceback:
            parts.append(trim_traceback(case.result.traceback))
        return "\n\n".join(parts)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.snippet.source.line - 1, f"{self.entry.key} block {self.snippet.index}"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tetrad", "tetrad: the diary's snippets as tests")
    group.addoption("--tetrad", action="store_true", default=False,
                    help="collect the diary's Markdown files: each entry a container, each snippet a test")
    group.addoption("--tetrad-args", default="", metavar="OPTIONS",
                    help="options of `build-site check` for these tests, e.g. '--diary notes --device cpu --require-gpu'")


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("tetrad"):
        return
    # the command line's own options and their meaning
    from .check import parse_required
    from .cli import _settings, make_parser
    from .shard import parse_shard

    try:
        args = make_parser("check").parse_args(shlex.split(config.getoption("tetrad_args")))
        if args.shard is not None:
            parse_shard(args.shard)
        parse_required(args.require, args.require_gpu)
    except TetradError as exc:
        raise pytest.UsageError(f"--tetrad-args: {exc}") from None
    config.stash[_RUN] = DiaryRun(args, _settings(args))


def pytest_sessionstart(session: pytest.Session) -> None:
    run = session.config.stash.get(_RUN, None)
    if run is not None:
        try:
            run.read()
        except TetradError as exc:
            raise pytest.UsageError(f"--tetrad: {exc}") from None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> DiaryFile | None:
    run = parent.config.stash.get(_RUN, None)
    if run is None or file_path.suffix != ".md" or file_path.resolve() not in run.files:
        return None
    file: DiaryFile = DiaryFile.from_parent(parent, path=file_path)
    return file


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    run = config.stash.get(_RUN, None)
    if run is None or run.report is None:
        return
    from .fragments import summary_notes

    report, journal = run.report, run.journal
    terminalreporter.write_sep("-", "tetrad")
    terminalreporter.write_line(f"{len(report.results)} snippets: {report.ran} run now and {report.reused} from stored results")
    for line in summary_notes(report.results.values()):  # missing packages, a prelude to write
        terminalreporter.write_line(line)
    for d in sorted({*(journal.diagnostics if journal else ()), *report.diagnostics}, key=lambda d: (d.source, d.message)):
        terminalreporter.write_line(f"{d.source}: warning: {d.message}")


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(_RUN, None)
    if run is not None and run.report is not None:
        from .execute import shutdown

        shutdown()  # the worker process; at exit it would go anyway, but pytest may run in-process
