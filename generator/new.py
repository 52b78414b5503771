"""`build-site new`: today's entry, in the layout the diary already uses.

A diary of month files (several dated headings in a file) gets a heading
appended to the current month's file, written the way the diary writes its
headings (level and date form). A diary of day files gets today's file, named
like the others. Nothing is ever overwritten; the path is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from .build import Settings
from .diary import decode, parse_document, read_diary
from .errors import TetradError, UsageError
from .model import Document


@dataclass(frozen=True)
class Layout:
    month_files: bool
    heading: str  # "##": the level of the diary's dated headings
    style: str  # "dots" (03.01.2022) or "iso" (2022-01-03), for headings
    day_pattern: str  # for day files: a strftime pattern relative to diary/
    month_pattern: str  # for month files: a strftime pattern relative to diary/


_DAY_PATTERNS = [
    (re.compile(r"^\d{4}/\d{2}/\d{4}-\d{2}-\d{2}\.md$"), "%Y/%m/%Y-%m-%d.md"),
    (re.compile(r"^\d{4}/\d{2}/\d{2}\.md$"), "%Y/%m/%d.md"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}\.md$"), "%Y-%m-%d.md"),
]


_MONTH_PATTERNS = [
    (re.compile(r"^\d{4}-\d{2}\.md$"), "%Y-%m.md"),
    (re.compile(r"^\d{4}/\d{2}\.md$"), "%Y/%m.md"),
]


def detect_layout(documents: list[Document], lines_of: dict[str, list[str]]) -> Layout:
    """How the diary is laid out, from its newest file."""
    dated = [d for d in documents if d.entries]
    multi = [d for d in dated if len(d.entries) > 1 or d.entries[0].heading_level > 0]
    singles = [d for d in dated if len(d.entries) == 1 and d.entries[0].heading_level == 0]
    if singles and len(singles) >= len(multi):
        newest = max(singles, key=lambda d: d.entries[0].date)
        pattern = next((p for rx, p in _DAY_PATTERNS if rx.match(newest.rel)), "%Y-%m-%d.md")
        return Layout(False, "##", "iso", pattern, "%Y-%m.md")
    if not multi:
        return Layout(True, "##", "dots", "%Y-%m-%d.md", "%Y-%m.md")
    newest = max(multi, key=lambda d: max(e.date for e in d.entries))
    last = max(newest.entries, key=lambda e: e.date)
    heading = lines_of[newest.path][last.source.line - 1] if last.source.line else ""
    style = "iso" if re.search(r"\d{4}-\d{1,2}-\d{1,2}", heading) else "dots"
    month_pattern = next((p for rx, p in _MONTH_PATTERNS if rx.match(newest.rel)), "")
    return Layout(True, "#" * max(1, last.heading_level), style, "%Y-%m-%d.md", month_pattern or newest.rel)


def heading_for(day: dt.date, layout: Layout) -> str:
    text = day.strftime("%d.%m.%Y") if layout.style == "dots" else day.isoformat()
    return f"{layout.heading} {text}"


def create_entry(diary: Path, today: dt.date) -> Path:
    """Add today's entry to ``diary`` and return the file it is in."""
    sources, _ = read_diary(diary)
    documents, lines_of = [], {}
    for path, rel, data in sources:
        if rel.endswith(".ipynb"):  # notebooks do not say how the Markdown is laid out
            continue
        text, _problems = decode(path, data)
        documents.append(parse_document(path, text, rel=rel))
        lines_of[path] = text.splitlines()
    layout = detect_layout(documents, lines_of)
    if not layout.month_files:
        target = diary / today.strftime(layout.day_pattern)
        if target.exists():
            raise TetradError(f"{target} already exists; not overwritten")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"{heading_for(today, layout)}\n\n", encoding="utf-8")
        return target
    # A month file named by its month gets this month's name; a diary with one
    # free-named month file keeps writing into that file.
    name = today.strftime(layout.month_pattern) if "%" in layout.month_pattern else layout.month_pattern
    target = diary / name
    for doc in documents:
        if doc.rel == name and any(e.date == today for e in doc.entries):
            raise TetradError(f"{target} already has an entry for {today.isoformat()}; nothing added")
    existing = target.read_text(encoding="utf-8") if target.exists() else ""
    separator = "" if not existing or existing.endswith("\n\n") else ("\n" if existing.endswith("\n") else "\n\n")
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as out:
        out.write(f"{separator}{heading_for(today, layout)}\n\n---\n")
    return target


def run(args: argparse.Namespace, settings: Settings, today: dt.date | None = None) -> int:
    if not settings.diary.is_dir():
        raise UsageError(f"no diary folder at {settings.diary}")
    print(create_entry(settings.diary, today or dt.date.today()).as_posix())
    return 0
