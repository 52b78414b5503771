"""Reading the diary: text in, documents with dated entries out.

`parse_document` is pure: it gets a file's path and text and returns a
`Document` (entries, the text under no entry, warnings). It never raises on
user input and never drops text: every line of the file ends up in an entry,
in the text kept for the file's page, or (front matter) in the metadata.
`decode` turns raw bytes into text with a warning instead of an exception.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

from .dates import DateMatch, date_from_path, find_date, parse_date_value, title_beside_date
from .errors import UsageError
from .model import Diagnostic, Document, Entry, Source

MARKDOWN_SUFFIXES = (".md", ".markdown")
GLOSSARY_NAMES = ("glossary.yml", "glossary.yaml")

_BLOCKS = MarkdownIt("commonmark")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*$")


@dataclass(frozen=True)
class _Heading:
    line: int  # 0-based
    level: int
    text: str
    date: DateMatch | None


def display_path(path: Path) -> str:
    """How a path is named in messages: relative to the working folder when it is inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_diary(diary: Path) -> tuple[list[tuple[str, str, bytes]], dict[str, Path]]:
    """Markdown files as (display path, diary-relative path, bytes), and the other files to copy."""
    if not diary.is_dir():
        raise UsageError(f"no diary folder at {diary} (run in a folder holding diary/, or pass --diary DIR)")
    prefix = display_path(diary)
    texts: list[tuple[str, str, bytes]] = []
    assets: dict[str, Path] = {}
    for path in sorted(diary.rglob("*")):
        rel = path.relative_to(diary).as_posix()
        if any(part.startswith(".") for part in rel.split("/")) or not path.is_file():
            continue
        if path.suffix.lower() in MARKDOWN_SUFFIXES:
            texts.append((f"{prefix}/{rel}", rel, path.read_bytes()))
        elif rel not in GLOSSARY_NAMES:
            assets[rel] = path
    return texts, assets


def decode(path: str, data: bytes) -> tuple[str, tuple[Diagnostic, ...]]:
    """Bytes to text: UTF-8 (a BOM is dropped), else a warning and a lossless-enough fallback."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        text = data.decode("utf-8", errors="replace")
        return text, (Diagnostic(Source(path, line), "file is not valid UTF-8; undecodable bytes are shown as \ufffd"),)


def split_front_matter(path: str, lines: list[str]) -> tuple[dict[str, Any], int, tuple[Diagnostic, ...]]:
    """YAML front matter between `---` lines at the top: (metadata, lines it used, warnings).

    Broken front matter is a warning and is left in the text, so nothing is lost.
    """
    if not lines or lines[0].rstrip() != "---":
        return {}, 0, ()
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        return {}, 0, (Diagnostic(Source(path, 1), "front matter is not closed by a `---` line; it is kept as text"),)
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = 2 + mark.line if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return {}, 0, (Diagnostic(Source(path, line), f"broken front matter ({problem}); it is kept as text"),)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return {}, 0, (Diagnostic(Source(path, 2), "front matter is not a mapping of `key: value` lines; it is kept as text"),)
    return meta, end + 1, ()


def parse_tags(value: object) -> tuple[str, ...]:
    """`tags:` as a YAML list or a comma-separated string."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    return tuple(dict.fromkeys(t for t in (str(i).strip().strip("\"'").lstrip("#") for i in items) if t))


def _scan(lines: list[str], first: int, path: str, day_first: bool) -> tuple[list[_Heading], list[Diagnostic]]:
    """Top-level headings (with any date they hold) and unclosed fences, lines 0-based in the file."""
    text = "\n".join(lines[first:])
    headings: list[_Heading] = []
    warnings: list[Diagnostic] = []
    tokens = _BLOCKS.parse(text)
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.level == 0 and tok.map:
            content = tokens[i + 1].content
            match = find_date(content, day_first=day_first)
            line = first + tok.map[0]
            if match is not None and match.date is None:
                warnings.append(Diagnostic(Source(path, line + 1), f"{match.problem or 'not a calendar date'}: the heading does not start an entry"))
                match = None
            headings.append(_Heading(line, int(tok.tag[1]), content, match))
        elif tok.type == "fence" and tok.map:
            last = first + tok.map[1] - 1
            closer = _FENCE_CLOSE.match(lines[last]) if last > first + tok.map[0] and last < len(lines) else None
            if closer is None or closer.group(1)[0] != tok.markup[0] or len(closer.group(1)) < len(tok.markup):
                warnings.append(Diagnostic(Source(path, first + tok.map[0] + 1), f"code fence {tok.markup} is never closed; it runs to the end of its block"))
    return headings, warnings


def _first_subheading(body: list[str]) -> str:
    for tok in _BLOCKS.parse("\n".join(body)):
        if tok.type == "inline" and tok.map is not None and tok.content and _is_heading_line(body, tok.map[0]):
            return tok.content.strip()
    return ""


def _is_heading_line(body: list[str], index: int) -> bool:
    return body[index].lstrip().startswith("#") or (index + 1 < len(body) and bool(re.match(r"^ {0,3}(=+|-+)\s*$", body[index + 1])))


def _title_of(file_title: str, lines: list[str], headings: list[_Heading]) -> str:
    for h in headings:
        if h.level == 1:
            return h.text.strip()
    return file_title


def parse_document(path: str, text: str, *, rel: str | None = None, day_first: bool = True) -> Document:
    """Split one Markdown file of the diary into entries and the text under no entry.

    ``path`` names the file in messages (``diary/2022-01.md``); ``rel`` is its
    path inside the diary folder, where day-file names carry the date.
    """
    rel = rel if rel is not None else path.split("/", 1)[-1]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    meta, first, fm_warnings = split_front_matter(path, lines)
    headings, warnings = _scan(lines, first, path, day_first)
    warnings = [*fm_warnings, *warnings]
    tags = parse_tags(meta.get("tags"))
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    doc_title = str(meta["title"]) if meta.get("title") else _title_of(stem, lines, headings)

    file_date: tuple[dt.date, dt.time | None] | None = None
    if "date" in meta:
        file_date = parse_date_value(meta["date"])
        if file_date is None:
            warnings.append(Diagnostic(Source(path, 2), f"front matter `date: {meta['date']}` is not a date I can read"))
    if file_date is None:
        named = date_from_path(rel)
        if named is not None:
            file_date = (named, None)

    if file_date is not None:
        body = lines[first:]
        title = str(meta.get("title") or "")
        if not title:
            own = [h for h in headings if h.level == min((x.level for x in headings), default=1)]
            title = (title_beside_date(own[0].text, own[0].date) if own and own[0].date else (own[0].text if own else "")).strip()
        entry = Entry(
            key="", date=file_date[0], time=file_date[1], title=title, source=Source(path, first + 1),
            body="\n".join(body), body_line=first + 1, heading_level=0, tags=tags,
        )
        return Document(path, rel, doc_title, "", 1, (entry,), tuple(warnings))

    dated = [h for h in headings if h.date is not None]
    if not dated:
        warnings.append(Diagnostic(Source(path, 1), "no dated heading or date in the file name or front matter: it becomes a page of its own"))
        return Document(path, rel, doc_title, "\n".join(lines[first:]), first + 1, (), tuple(warnings))

    entries: list[Entry] = []
    loose: list[tuple[int, list[str]]] = []
    cursor = first
    for i, h in enumerate(headings):
        if h.date is None or h.line < cursor:
            continue
        end = len(lines)
        for later in headings[i + 1:]:
            if (later.date is not None and later.level <= h.level) or (later.date is None and later.level < h.level):
                end = later.line
                break
        if h.line > cursor:
            loose.append((cursor, lines[cursor:h.line]))
        body = lines[h.line + 1:end]
        title = title_beside_date(h.text, h.date).strip() or str(_first_subheading(body))
        assert h.date.date is not None
        entries.append(Entry(
            key="", date=h.date.date, time=h.date.time, title=title, source=Source(path, h.line + 1),
            body="\n".join(body), body_line=h.line + 2, heading_level=h.level, tags=tags,
        ))
        cursor = end
    if cursor < len(lines):
        loose.append((cursor, lines[cursor:]))
    preface_line = loose[0][0] + 1 if loose else first + 1
    preface = "\n\n".join("\n".join(chunk) for _, chunk in loose if any(s.strip() for s in chunk))
    return Document(path, rel, doc_title, preface, preface_line, tuple(entries), tuple(warnings))


def assign_keys(entries: list[Entry]) -> list[Entry]:
    """Sort entries by date (then source) and give each a unique, stable key."""
    from dataclasses import replace

    ordered = sorted(entries, key=lambda e: (e.date, e.time or dt.time.min, e.source))
    seen: dict[str, int] = {}
    out = []
    for e in ordered:
        base = e.date.isoformat()
        seen[base] = seen.get(base, 0) + 1
        out.append(replace(e, key=base if seen[base] == 1 else f"{base}-{seen[base]}"))
    return out
