"""Reading the diary: text in, documents with dated entries out.

`parse_document` is pure: it gets a file's path and text and returns a
`Document` (entries, the text under no entry, warnings). It never raises on
user input and never drops text: every line of the file ends up in an entry,
in the text kept for the file's page, or (front matter) in the metadata.
`decode` turns raw bytes into text with a warning instead of an exception,
and `text_of` also refuses what is not text at all (binary, empty).

`scan_diary` is the only place that lists the diary folder: it never leaves
it, so a symlink pointing outside is refused with a warning, never read or
copied, and files that are not regular files (a FIFO, a socket) are skipped.
`entry_warnings` looks across all entries: future dates, dates used twice,
entries with no text.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .dates import DateMatch, date_from_path, find_date, parse_date_value, title_beside_date
from .errors import UsageError
from .model import Diagnostic, Document, Entry, Snippet, Source
from .snippets import snippets_in

MARKDOWN_SUFFIXES = (".md", ".markdown")
GLOSSARY_NAMES = ("glossary.yml", "glossary.yaml")
MAX_MARKDOWN_BYTES = 50 * 2**20  # a bigger "Markdown" file is a mistake (a log, a dump): skipped with a warning

# Block structure only: headings and fences are all the reader needs, and the
# inline pass is most of markdown-it's time on a large file.
_BLOCKS = MarkdownIt("commonmark").disable("inline")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*$")


@dataclass(frozen=True)
class _Heading:
    line: int  # 0-based
    level: int
    text: str
    date: DateMatch | None
    top: bool = True  # not nested in a list or a block quote: only these split the file


@dataclass(frozen=True)
class DiaryFiles:
    """What `scan_diary` found: Markdown files (display path, diary-relative path, bytes), files to copy, warnings."""

    texts: list[tuple[str, str, bytes]]
    assets: dict[str, Path]
    diagnostics: tuple[Diagnostic, ...] = field(default=())


def display_path(path: Path) -> str:
    """How a path is named in messages: relative to the working folder when it is inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_diary(diary: Path) -> tuple[list[tuple[str, str, bytes]], dict[str, Path]]:
    """Markdown files as (display path, diary-relative path, bytes), and the other files to copy."""
    found = scan_diary(diary)
    return found.texts, found.assets


def scan_diary(diary: Path) -> DiaryFiles:
    """Every file of the diary folder, without ever leaving it.

    Hidden files and folders are skipped. A symlink is followed only when it
    points inside the diary (a symlinked folder is never walked into: its
    files are read at their real place); one pointing outside is refused with
    a warning and neither read nor copied. Unreadable, special and oversized
    files are warnings too.
    """
    if not diary.is_dir():
        raise UsageError(f"no diary folder at {diary} (run in a folder holding diary/, or pass --diary DIR)")
    prefix = display_path(diary)
    root = diary.resolve()
    found: list[tuple[str, Path]] = []
    warnings: list[Diagnostic] = []

    def refuse(rel: str, why: str) -> None:
        warnings.append(Diagnostic(Source(f"{prefix}/{rel}"), why))

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename).relative_to(diary).as_posix() if exc.filename else "."
        refuse(where, f"cannot be read: {exc.strerror or exc}")

    for folder, dirnames, filenames in os.walk(diary, followlinks=False, onerror=unreadable):
        here = Path(folder)
        for name in sorted(dirnames):
            path = here / name
            rel = path.relative_to(diary).as_posix()
            if name.startswith("."):
                dirnames.remove(name)
            elif path.is_symlink():
                dirnames.remove(name)  # os.walk would not walk into it either; say why when it leads out
                if not is_inside(path, root):
                    refuse(rel, "symlink to a folder outside the diary: refused, nothing in it is read")
        for name in filenames:
            if not name.startswith("."):
                found.append(((here / name).relative_to(diary).as_posix(), here / name))

    texts: list[tuple[str, str, bytes]] = []
    assets: dict[str, Path] = {}
    for rel, path in sorted(found, key=lambda item: item[0].split("/")):
        if path.is_symlink() and not is_inside(path, root):
            refuse(rel, "symlink to a file outside the diary: refused, not read or copied")
            continue
        try:
            info = path.stat()
        except OSError:
            refuse(rel, "broken symlink: skipped")
            continue
        if not stat.S_ISREG(info.st_mode):
            refuse(rel, "not a regular file (a FIFO, socket or device): skipped")
            continue
        if path.suffix.lower() in (*MARKDOWN_SUFFIXES, ".ipynb"):
            if info.st_size > MAX_MARKDOWN_BYTES:
                refuse(rel, f"{info.st_size / 2**20:.0f} MB is too large for a diary file (over {MAX_MARKDOWN_BYTES // 2**20} MB): skipped")
                continue
            try:
                data = path.read_bytes()
            except OSError as exc:
                refuse(rel, f"cannot be read: {exc.strerror or exc}")
                continue
            texts.append((f"{prefix}/{rel}", rel, data))
        elif rel not in GLOSSARY_NAMES:
            assets[rel] = path
    return DiaryFiles(texts, assets, tuple(warnings))


def is_inside(path: Path, root: Path) -> bool:
    """Whether ``path``, symlinks resolved, is ``root`` or inside it."""
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a symlink loop
        return False


def decode(path: str, data: bytes) -> tuple[str, tuple[Diagnostic, ...]]:
    """Bytes to text: UTF-8 (a BOM is dropped), UTF-16 with a BOM, else a warning and a lossless-enough fallback."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):  # "Unicode" as Windows Notepad saves it
        try:
            return data.decode("utf-16"), ()
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        text = data.decode("utf-8", errors="replace")
        return text, (Diagnostic(Source(path, line), "file is not valid UTF-8; undecodable bytes are shown as \ufffd"),)


def text_of(path: str, data: bytes) -> tuple[str | None, tuple[Diagnostic, ...]]:
    """A diary file's text, or None (with a warning) when it has none to read: empty, or binary.

    Binary means a NUL byte, which no text encoding a diary uses (but UTF-16,
    read by `decode`) puts in a file.
    """
    if not data.strip():
        return None, (Diagnostic(Source(path, 1), "empty file: skipped"),)
    if b"\0" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        line = data[: data.index(b"\0")].count(b"\n") + 1
        return None, (Diagnostic(Source(path, line), "binary file (a NUL byte on this line), not Markdown text: skipped"),)
    text, problems = decode(path, data)
    if "\0" in text:  # a UTF-16 file holding NULs is binary too
        return None, (Diagnostic(Source(path, 1), "binary file, not Markdown text: skipped"),)
    return text, problems


class _FrontMatterLoader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML's safe loader, except that a timestamp which is no calendar date
    (``date: 2022-02-30``) stays text, to be reported, instead of raising."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_SCALARS = (str, int, float, bool, dt.date)


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
        meta = yaml.load("\n".join(lines[1:end]), Loader=_FrontMatterLoader)  # noqa: S506 (a safe loader)
    except Exception as exc:  # YAMLError, and what PyYAML lets escape on odd input (RecursionError…)
        mark = getattr(exc, "problem_mark", None)
        line = 2 + mark.line if mark is not None else 2
        problem = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
        return {}, 0, (Diagnostic(Source(path, line), f"broken front matter ({problem}); it is kept as text"),)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return {}, 0, (Diagnostic(Source(path, 2), "front matter is not a mapping of `key: value` lines; it is kept as text"),)
    return meta, end + 1, ()


def parse_tags(value: object) -> tuple[str, ...]:
    """`tags:` as a YAML list or a comma-separated string (anything but plain words in a list is left out)."""
    if value is None:
        return ()
    items: list[object]
    if isinstance(value, list):
        items = [i for i in value if isinstance(i, _SCALARS)]
    elif isinstance(value, _SCALARS):
        items = list(str(value).split(","))
    else:
        return ()
    return tuple(dict.fromkeys(t for t in (str(i).strip().strip("\"'").lstrip("#") for i in items) if t))


def _meta_problems(path: str, lines: list[str], first: int, meta: dict[str, Any]) -> list[Diagnostic]:
    """Front-matter values of the wrong kind (a list for a title…): they are ignored, with a warning.

    Checked before anything turns a value into text, since a YAML value built
    from aliases can be exponentially large once written out.
    """
    problems = []
    for key, wanted in (("title", "text"), ("date", "a date")):
        if key in meta and meta[key] is not None and not isinstance(meta[key], _SCALARS):
            problems.append(Diagnostic(Source(path, _meta_line(lines, first, key)), f"front matter `{key}:` is not {wanted}; ignored"))
    tags = meta.get("tags")
    if tags is not None and not (isinstance(tags, _SCALARS) or (isinstance(tags, list) and all(isinstance(t, _SCALARS) for t in tags))):
        problems.append(Diagnostic(Source(path, _meta_line(lines, first, "tags")), "front matter `tags:` should be words, in a list or separated by commas; the rest is ignored"))
    return problems


def _meta_line(lines: list[str], first: int, key: str) -> int:
    """The 1-based line of ``key:`` in the front matter (its first line if not found)."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*:")
    return next((n + 1 for n in range(1, max(1, first - 1)) if pattern.match(lines[n])), 2)


def _scan(lines: list[str], first: int, path: str, day_first: bool) -> tuple[list[_Heading], list[Diagnostic], list[Token]]:
    """Headings (with any date they hold) and unclosed fences, lines 0-based in the file, and the
    block tokens of the text after the front matter (lines counted from ``first``).

    Only headings that are not nested (``top``) can start or end entries; the
    nested ones are kept for titles.
    """
    text = "\n".join(lines[first:])
    headings: list[_Heading] = []
    warnings: list[Diagnostic] = []
    tokens = _BLOCKS.parse(text)
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map:
            content = tokens[i + 1].content
            line = first + tok.map[0]
            if tok.level != 0:
                headings.append(_Heading(line, int(tok.tag[1]), content, None, top=False))
                continue
            match = find_date(content, day_first=day_first)
            if match is not None and match.date is None:
                warnings.append(Diagnostic(Source(path, line + 1), f"{match.problem or 'not a calendar date'}: the heading does not start an entry"))
                match = None
            elif match is not None and match.date is not None and match.unread:
                warnings.append(Diagnostic(Source(path, line + 1), f"`{match.unread}` is not read as a date: the heading starts an entry dated {match.date.isoformat()}"))
            headings.append(_Heading(line, int(tok.tag[1]), content, match))
        elif tok.type == "fence" and tok.map:
            last = first + tok.map[1] - 1
            closer = _FENCE_CLOSE.match(lines[last]) if last > first + tok.map[0] and last < len(lines) else None
            if closer is None or closer.group(1)[0] != tok.markup[0] or len(closer.group(1)) < len(tok.markup):
                warnings.append(Diagnostic(Source(path, first + tok.map[0] + 1), f"code fence {tok.markup} is never closed; it runs to the end of its block"))
    return headings, warnings, tokens


class _Blocks:
    """A file's block tokens, with the file line each one starts on (tokens come in line order)."""

    def __init__(self, tokens: list[Token], first: int) -> None:
        self.tokens = tokens
        self.first = first
        self.starts = [first + tok.map[0] if tok.map is not None else -1 for tok in tokens]
        # A closing token has no line: it takes the line of the token before it, so the list stays sorted.
        for i in range(1, len(self.starts)):
            if self.starts[i] < 0:
                self.starts[i] = self.starts[i - 1]

    def snippets(self, lines: list[str], start: int, end: int, path: str) -> tuple[tuple[Snippet, ...], tuple[Diagnostic, ...]]:
        """The runnable blocks of the entry whose body is file lines ``start``…``end - 1``, found in these
        tokens as `extract_snippets` finds them in the body alone; their ids wait for the entry's key."""
        low = bisect.bisect_left(self.starts, start)
        high = bisect.bisect_left(self.starts, end, low)
        while low < high and self.tokens[low].map is None:  # a closing token of the block before the body
            low += 1
        inside = self.tokens[low:high]
        if not any(tok.type == "fence" for tok in inside):
            return (), ()
        return snippets_in(inside, lines[start:end], "", path, start + 1, offset=start - self.first)


def _first_subheading(headings: list[_Heading], start: int, end: int) -> str:
    """The text of the first heading on lines ``start``…``end - 1`` (0-based), or ''."""
    return next((h.text.strip() for h in headings if start <= h.line < end and h.text.strip()), "")


def _title_of(file_title: str, lines: list[str], headings: list[_Heading]) -> str:
    for h in headings:
        if h.level == 1 and h.top:
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
    headings, warnings, tokens = _scan(lines, first, path, day_first)
    warnings = [*fm_warnings, *_meta_problems(path, lines, first, meta), *warnings]
    tags = parse_tags(meta.get("tags"))
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    meta_title = _meta_text(meta, "title")
    top = [h for h in headings if h.top]
    doc_title = meta_title or _title_of(stem, lines, top)

    file_date: tuple[dt.date, dt.time | None] | None = None
    if isinstance(meta.get("date"), _SCALARS):
        file_date = parse_date_value(meta["date"])
        if file_date is None:
            shown = str(meta["date"])
            shown = shown if len(shown) <= 60 else shown[:60] + "…"
            warnings.append(Diagnostic(Source(path, _meta_line(lines, first, "date")), f"front matter `date: {shown}` is not a date I can read"))
    if file_date is None:
        named = date_from_path(rel)
        if named is not None:
            file_date = (named, None)

    if file_date is not None:
        body = lines[first:]
        title = meta_title
        if not title:
            own = [h for h in top if h.level == min((x.level for x in top), default=1)]
            title = (title_beside_date(own[0].text, own[0].date) if own and own[0].date else (own[0].text if own else "")).strip()
        snippets, problems = _Blocks(tokens, first).snippets(lines, first, len(lines), path)
        entry = Entry(
            key="", date=file_date[0], time=file_date[1], title=title, source=Source(path, first + 1),
            body="\n".join(body), body_line=first + 1, heading_level=0, tags=tags, snippets=snippets,
        )
        return Document(path, rel, doc_title, "", 1, (entry,), tuple([*warnings, *problems]))

    dated = [h for h in top if h.date is not None]
    if not dated:
        warnings.append(Diagnostic(Source(path, 1), "no dated heading or date in the file name or front matter: it becomes a page of its own"))
        snippets, problems = _Blocks(tokens, first).snippets(lines, first, len(lines), path)
        return Document(path, rel, doc_title, "\n".join(lines[first:]), first + 1, (), tuple([*warnings, *problems]), snippets)

    entries: list[Entry] = []
    blocks = _Blocks(tokens, first)
    loose: list[tuple[int, list[str]]] = []
    cursor = first
    for i, h in enumerate(top):
        if h.date is None or h.line < cursor:
            continue
        end = len(lines)
        for later in top[i + 1:]:
            if (later.date is not None and later.level <= h.level) or (later.date is None and later.level < h.level):
                end = later.line
                break
        if h.line > cursor:
            loose.append((cursor, lines[cursor:h.line]))
        body = lines[h.line + 1:end]
        title = title_beside_date(h.text, h.date).strip() or _first_subheading(headings, h.line + 1, end)
        assert h.date.date is not None
        snippets, problems = blocks.snippets(lines, h.line + 1, end, path)
        warnings.extend(problems)
        entries.append(Entry(
            key="", date=h.date.date, time=h.date.time, title=title, source=Source(path, h.line + 1),
            body="\n".join(body), body_line=h.line + 2, heading_level=h.level, tags=tags, snippets=snippets,
        ))
        cursor = end
    if cursor < len(lines):
        loose.append((cursor, lines[cursor:]))
    preface_line = loose[0][0] + 1 if loose else first + 1
    kept = [(start, chunk) for start, chunk in loose if any(s.strip() for s in chunk)]
    preface = "\n\n".join("\n".join(chunk) for _, chunk in kept)
    snippets = _loose_snippets(blocks, lines, kept, path, warnings)
    return Document(path, rel, doc_title, preface, preface_line, tuple(entries), tuple(warnings), snippets)


def _loose_snippets(blocks: _Blocks, lines: list[str], kept: list[tuple[int, list[str]]], path: str,
                    warnings: list[Diagnostic]) -> tuple[Snippet, ...]:
    """The runnable blocks of the text under no entry (file lines ``start``… of each chunk, the chunks
    joined by a blank line into the preface), numbered across the chunks, spans in the preface; one
    warning names the first, since they run in the file's own namespace, not in an entry's."""
    found: list[Snippet] = []
    offset = 0  # the chunk's first line in the preface
    for start, chunk in kept:
        snippets, problems = blocks.snippets(lines, start, start + len(chunk), path)
        warnings.extend(problems)
        for s in snippets:
            n = len(found) + 1
            span = (s.span[0] + offset, s.span[1] + offset) if s.span is not None else None
            found.append(replace(s, id=f"-{n}", index=n, span=span))
        offset += len(chunk) + 1
    if found:
        many = f"{len(found)} python blocks outside any dated entry (the first is here) run" if len(found) > 1 else \
            "a python block outside any dated entry runs"
        warnings.append(Diagnostic(found[0].source, f"{many} in this file's own namespace, not in an entry's"))
    return tuple(found)


def _meta_text(meta: dict[str, Any], key: str) -> str:
    """A front-matter value as text, or '' when it is missing or not a plain value."""
    value = meta.get(key)
    return str(value).strip() if isinstance(value, _SCALARS) and value is not False else ""


def entry_warnings(entries: Sequence[Entry], today: dt.date) -> tuple[Diagnostic, ...]:
    """Problems only seen across entries (keyed by `assign_keys`): dates after ``today``
    (still built), a date used by two sections (both kept), an entry with no text."""
    warnings: list[Diagnostic] = []
    first_of: dict[dt.date, Entry] = {}
    for e in entries:
        if e.date > today:
            warnings.append(Diagnostic(e.source, f"dated {e.date.isoformat()}, after today ({today.isoformat()}); built anyway"))
        if e.date in first_of:
            other = first_of[e.date]
            warnings.append(Diagnostic(e.source, f"a second entry dated {e.date.isoformat()} (the first is at {other.source}); both are kept, this one as {e.key}"))
        else:
            first_of[e.date] = e
        if not e.body.strip():
            warnings.append(Diagnostic(e.source, f"the entry dated {e.date.isoformat()} has no text"))
    return tuple(warnings)


def assign_keys(entries: list[Entry]) -> list[Entry]:
    """Sort entries by date (then source) and give each a unique, stable key."""
    ordered = sorted(entries, key=lambda e: (e.date, e.time or dt.time.min, e.source))
    seen: dict[str, int] = {}
    out = []
    for e in ordered:
        base = e.date.isoformat()
        seen[base] = seen.get(base, 0) + 1
        out.append(replace(e, key=base if seen[base] == 1 else f"{base}-{seen[base]}"))
    return out
