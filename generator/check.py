"""`build-site check`: verify every snippet for CI, without writing the site.

Reads the diary and runs its snippets with the build's own stages (stored
results are reused for unchanged entries, and new results are stored, so a
later `build-site` runs nothing), then reports: one line per entry, one line
per failing block at its file and line, and the totals. Exit 1 when a block
failed, timed out or crashed, or has a status ``--require`` names
(``--require-gpu`` is ``--require needs-gpu``). Blocks that could prove nothing
(``needs-gpu``, ``incomplete``, ``needs-package``, ``blocked``) are JUnit skips.
``--junit FILE`` writes JUnit XML; under ``GITHUB_ACTIONS=true`` failures are
also printed as workflow annotations; ``--shard K/N`` checks one shard only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .build import Settings, read_journal, run_snippets
from .errors import UsageError
from .fragments import explain_fragments, summary_notes
from .model import Entry, Result, Snippet, Status
from .packages import distribution
from .shard import parse_shard, select
from .terminal import plain

FAILING = frozenset({Status.FAILED, Status.TIMEOUT, Status.CRASHED})
# Statuses that say why a block proved nothing here: reported, skipped in JUnit, failing only when required.
UNPROVEN = (Status.NEEDS_GPU, Status.INCOMPLETE, Status.NEEDS_PACKAGE, Status.BLOCKED)


@dataclass(frozen=True)
class Case:
    """One block and what it gave."""

    entry: Entry
    snippet: Snippet
    result: Result

    @property
    def name(self) -> str:
        """``2022-01-05 block 1``: the entry key (a date, ``-2`` for a second section) and the block number."""
        return f"{self.entry.key} block {self.snippet.index}"

    @property
    def error(self) -> str:
        """The error on one line (or why the block did not run, or could prove nothing)."""
        text = plain(self._reason() or self.result.error or self.result.note or self.result.status.value)
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return lines[0] if lines else self.result.status.value

    def _reason(self) -> str | None:
        """For a block that could prove nothing, what it lacks rather than the error that showed it."""
        result = self.result
        if result.status is Status.NEEDS_PACKAGE and result.package:
            return f"no module named {result.package!r}; pip install {distribution(result.package)}"
        if result.status not in (Status.INCOMPLETE, Status.BLOCKED):
            return None
        if result.note:  # the engine's, with `explain_fragments`'s where a fragment's names are defined
            return result.note
        if result.status is Status.BLOCKED and result.blocked_by:
            above = next((s for s in self.entry.snippets if s.id == result.blocked_by), None)
            where = f"block {above.index} ({above.source})" if above else result.blocked_by
            return f"uses what the failed {where} would have defined"
        if result.names:
            return f"uses {', '.join(result.names)}, which nothing in its namespace defines"
        return None


def parse_required(values: Iterable[str], gpu: bool = False) -> frozenset[Status]:
    """The statuses ``--require STATUS[,STATUS…]`` (repeatable) names, and ``needs-gpu`` for ``--require-gpu``."""
    known = {s.value: s for s in Status if s is not Status.PASSED}
    required = {Status.NEEDS_GPU} if gpu else set()
    for value in values:
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = [name for name in names if name not in known]
        if unknown or not names:
            what = f"unknown status {unknown[0]!r}" if unknown else "no status named"
            raise UsageError(f"--require {value}: {what}; the statuses are {', '.join(known)}")
        required.update(known[name] for name in names)
    return frozenset(required)


def failing_statuses(required: Iterable[Status] = ()) -> frozenset[Status]:
    """The statuses that fail a check: failed, timeout, crashed, and those ``required``."""
    return FAILING | frozenset(required)


def collect_cases(entries: Iterable[Entry], results: dict[str, Result]) -> list[Case]:
    """Every block of ``entries`` with its result, in diary order."""
    return [
        Case(entry, snippet, results.get(snippet.id) or Result(Status.SKIPPED, note="no result"))
        for entry in entries
        for snippet in entry.snippets
    ]


def count_line(statuses: Iterable[Status]) -> str:
    """``1 passed, 1 failed`` in the order of `Status`."""
    counts = Counter(statuses)
    return ", ".join(f"{counts[s]} {s.value}" for s in Status if counts[s]) or "no snippets"


def entry_lines(entries: Sequence[Entry], cases: Sequence[Case], failing: frozenset[Status]) -> list[str]:
    """One compact line per entry with blocks: a mark, the key, the title, counts by status."""
    by_entry: dict[str, list[Status]] = {}
    for case in cases:
        by_entry.setdefault(case.entry.key, []).append(case.result.status)
    lines = []
    for entry in entries:
        statuses = by_entry.get(entry.key)
        if not statuses:
            continue
        mark = "FAIL" if any(s in failing for s in statuses) else "ok"
        title = entry.title if len(entry.title) <= 48 else entry.title[:47] + "…"
        lines.append(f"{mark:<4} {entry.key} {title}: {count_line(statuses)}")
    return lines


def failure_line(case: Case) -> str:
    """``diary/2022-01.md:42: failed: NameError: name 'x' is not defined``."""
    return f"{case.snippet.source}: {case.result.status.value}: {case.error}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(case: Case, level: str) -> str:
    """A GitHub Actions workflow command that marks the block's line in the diary."""
    source = case.snippet.source
    title = f"{case.name}: {case.result.status.value}"
    message = case.error
    if case.result.traceback:
        message += "\n\n" + trim_traceback(plain(case.result.traceback))
    props = f"file={_escape_property(source.path)},line={source.line},title={_escape_property(title)}"
    return f"::{level} {props}::{_escape_data(message)}"


def trim_traceback(text: str, keep: int = 25) -> str:
    """The last ``keep`` lines of a traceback, where its cause is."""
    lines = text.rstrip().splitlines()
    if len(lines) <= keep:
        return "\n".join(lines)
    return "\n".join(["…", *lines[-keep:]])


def summary(cases: Sequence[Case], entries: int, ran: int, reused: int, warnings: int, seconds: float,
            failures: int, shard: str | None) -> str:
    """The closing paragraph: missing packages and the prelude hint, if any, then what was checked,
    statuses, runs, and the verdict (last, on the last line)."""
    where = f" (shard {shard})" if shard else ""
    verdict = f"FAILED: {failures} failing snippets" if failures else "OK"
    return "\n".join([*summary_notes(c.result for c in cases), (
        f"Checked {len(cases)} snippets in {entries} entries{where} in {seconds:.1f} s: "
        f"{count_line(c.result.status for c in cases)}; {ran} run now and {reused} from stored results; "
        f"{warnings} warnings. {verdict}"
    )])


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    """Text XML 1.0 can hold, without terminal colours: captured output may carry control characters."""
    return _NOT_XML.sub("\ufffd", plain(text))


def junit_xml(cases: Sequence[Case], failing: frozenset[Status]) -> ET.ElementTree:
    """JUnit XML: a suite per diary file, a case per block with its file, line, output and verdict."""
    root = ET.Element("testsuites", name="tetrad")
    suites: dict[str, ET.Element] = {}
    for case in cases:
        path = case.snippet.source.path
        suite = suites.get(path)
        if suite is None:
            suite = suites[path] = ET.SubElement(root, "testsuite", name=path)
        result = case.result
        testcase = ET.SubElement(suite, "testcase", {
            "name": case.name, "classname": path.removesuffix(".md").replace("/", "."), "file": path,
            "line": str(case.snippet.source.line), "time": f"{result.duration_s:.3f}",
        })
        if result.status in failing:
            failure = ET.SubElement(testcase, "failure", message=_xml_text(case.error), type=result.status.value)
            failure.text = _xml_text(result.traceback or case.error)
        elif result.status is Status.SKIPPED or result.status in UNPROVEN:
            ET.SubElement(testcase, "skipped", message=_xml_text(f"{result.status.value}: {case.error}"))
        for tag, text in (("system-out", result.stdout), ("system-err", result.stderr)):
            if text:
                ET.SubElement(testcase, tag).text = _xml_text(text)
    for element in (*suites.values(), root):
        cases_in = list(element.iter("testcase"))
        element.set("tests", str(len(cases_in)))
        element.set("failures", str(sum(1 for c in cases_in if c.find("failure") is not None)))
        element.set("errors", "0")
        element.set("skipped", str(sum(1 for c in cases_in if c.find("skipped") is not None)))
        element.set("time", f"{sum(float(c.get('time', '0')) for c in cases_in):.3f}")
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(path: Path, cases: Sequence[Case], failing: frozenset[Status]) -> None:
    """Write `junit_xml` to ``path`` (its folder is made if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    junit_xml(cases, failing).write(path, encoding="utf-8", xml_declaration=True)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """`build-site check`: run or reuse every snippet, report, write JUnit if asked; the exit code."""
    # the build's own progress display; cli imports this module only when `check` runs
    from .cli import _progress

    started = time.perf_counter()
    today = dt.date.today()
    shard = parse_shard(args.shard) if args.shard is not None else None
    failing = failing_statuses(parse_required(args.require, args.require_gpu))
    journal = read_journal(settings, today=today)
    entries = (*journal.entries, *journal.loose)  # the blocks under no entry are checked too, as a stand-in entry per file
    if shard is not None:
        entries = select(entries, shard, settings.snippets / "results")
    with _progress() as progress:
        report = run_snippets(replace(journal, entries=entries, loose=()), settings, today=today, progress=progress)
    diagnostics = sorted({*journal.diagnostics, *report.diagnostics}, key=lambda d: (d.source, d.message))
    for d in diagnostics:
        print(f"{d.source}: warning: {d.message}", file=sys.stderr)

    # the whole diary, not the shard, is where a fragment's names may be defined
    explained = explain_fragments((*journal.entries, *journal.loose), report.results)
    cases = collect_cases(entries, {**report.results, **explained})
    failed = [c for c in cases if c.result.status in failing]
    for line in entry_lines(entries, cases, failing):
        print(line)
    for case in failed:
        print(failure_line(case))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for case in cases:
            if case.result.status in failing:
                print(annotation(case, "error"))
            elif case.result.status is Status.NEEDS_GPU:
                print(annotation(case, "warning"))
            elif case.result.status in UNPROVEN:
                print(annotation(case, "notice"))
    if args.junit is not None:
        write_junit(args.junit, cases, failing)
    seconds = time.perf_counter() - started
    print(summary(cases, len(entries), report.ran, report.reused, len(diagnostics), seconds, len(failed),
                  str(shard) if shard else None))
    if args.strict and diagnostics:
        print(f"build-site: --strict: {len(diagnostics)} warnings are errors", file=sys.stderr)
    return 1 if failed or (args.strict and diagnostics) else 0
