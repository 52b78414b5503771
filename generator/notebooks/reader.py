"""Reading a Jupyter notebook of the diary: its bytes in, a `Document` with at most one entry out.

`read_notebook` is pure and never raises on user input, like
`generator.diary.parse_document`. The entry's body is Markdown made from the
cells (Markdown verbatim, code as fenced blocks, raw cells dropped), so that
the site renders it like any entry. Snippets carry their cell number
(1-based, counting every cell) as their line: ``diary/conv.ipynb:4`` is cell
4. Diagnostics about a cell carry its number too and say ``cell N`` in their
message; a file that is no notebook names the JSON line at fault.

The date comes, in order, from the notebook's metadata (``tetrad.date``,
``date``), front matter at the top of the first Markdown cell (or of a first
raw cell, as Quarto writes it), a dated heading in the first Markdown cell
(which then leaves the body, as a dated heading does in a Markdown file), or
the file name. A notebook with no date is a page, like an undated Markdown file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import warnings
from collections.abc import Callable, Mapping
from pathlib import PurePosixPath
from typing import Any

from generator.dates import DateMatch, date_from_path, find_date, parse_date_value, title_beside_date
from generator.diary import decode, parse_tags, split_front_matter
from generator.model import Diagnostic, Document, Entry, Source
from generator.notebooks.cells import BLOCKS, cell_text, code_lines, fence, is_generated, markdown_lines
from generator.snippets import extract_snippets

NOTEBOOK_SUFFIX = ".ipynb"
RAW_SHOWN_LIMIT = 200_000  # characters of a broken notebook's text shown on its page


def is_notebook(path: str) -> bool:
    """Whether a diary file (or an entry's source path) is a Jupyter notebook."""
    return path.lower().endswith(NOTEBOOK_SUFFIX)


def load_notebook(path: str, text: str) -> tuple[dict[str, Any] | None, Diagnostic | None]:
    """The notebook as nbformat v4, or None and why it cannot be read."""
    import nbformat  # late: a diary without notebooks never pays for it

    def refuse(line: int, why: str) -> tuple[None, Diagnostic]:
        return None, Diagnostic(Source(path, line), f"not read as a notebook: {why}; its text is shown on a page of its own")

    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return refuse(exc.lineno, f"invalid JSON ({exc.msg}, column {exc.colno})")
    except (ValueError, RecursionError) as exc:
        return refuse(1, f"invalid JSON ({type(exc).__name__})")
    if not isinstance(raw, dict) or "nbformat" not in raw:
        return refuse(1, "no `nbformat` field, this is not a Jupyter notebook")
    captured: dict[str, Any] = {}
    try:
        with warnings.catch_warnings():  # missing cell ids and the like: nbformat's own nagging
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4, capture_validation_error=captured)  # type: ignore[no-untyped-call]
    except Exception as exc:  # noqa: BLE001 (NBFormatError, an unknown version, and what odd input makes escape)
        return refuse(1, _one_line(str(exc)) or type(exc).__name__)
    error = captured.get("ValidationError")
    if error is not None:
        where = list(getattr(error, "absolute_path", ()))
        cell = f"cell {where[1] + 1}: " if len(where) > 1 and where[0] == "cells" and isinstance(where[1], int) else ""
        return refuse(1, f"nbformat finds it invalid ({cell}{_one_line(getattr(error, 'message', str(error)))})")
    return dict(nb), None


def _one_line(text: str, limit: int = 160) -> str:
    line = next((s.strip() for s in text.splitlines() if s.strip()), "")
    return line if len(line) <= limit else line[:limit] + "…"


@dataclasses.dataclass(frozen=True)
class _Heading:
    text: str
    lines: tuple[int, int]  # [start, end) within the cell
    date: DateMatch | None


def _headings(lines: list[str]) -> list[_Heading]:
    """The top-level headings of a cell's Markdown, with the date each holds."""
    tokens = BLOCKS.parse("\n".join(lines))
    return [
        _Heading(tokens[i + 1].content.strip(), (tok.map[0], tok.map[1]), find_date(tokens[i + 1].content))
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open" and tok.map is not None and tok.level == 0
    ]


def _text(value: object) -> str:
    return str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def _language(meta: Mapping[str, Any]) -> str:
    for holder, key in (("kernelspec", "language"), ("language_info", "name")):
        found = meta.get(holder)
        if isinstance(found, dict) and isinstance(found.get(key), str):
            return str(found[key])
    return "python"


def read_notebook(path: str, rel: str, data: bytes, *, day_first: bool = True) -> Document:
    """One ``.ipynb`` file of the diary as a `Document` with one entry (or none: a page).

    ``path`` names the file in messages (``diary/2022/conv.ipynb``), ``rel``
    is its path inside the diary folder. The entry's key is left empty for
    `generator.diary.assign_keys`; its snippets carry provisional ids, which
    `entry_snippets` re-keys.
    """
    stem = PurePosixPath(rel).stem
    text, problems = decode(path, data)
    nb, refused = load_notebook(path, text)
    if nb is None:
        assert refused is not None
        shown = text if len(text) <= RAW_SHOWN_LIMIT else text[:RAW_SHOWN_LIMIT] + "\n…"
        return Document(path, rel, stem, "\n".join(fence(shown, "json")), 1, (), (*problems, refused))
    cells: list[dict[str, Any]] = list(nb.get("cells", []))
    meta: dict[str, Any] = nb.get("metadata", {})
    own: dict[str, Any] = meta["tetrad"] if isinstance(meta.get("tetrad"), dict) else {}
    found: list[Diagnostic] = list(problems)

    def warn(cell: int | None, message: str, line: int | None = None) -> None:  # cell: 0-based index, None: the file
        where = "" if cell is None else f"cell {cell + 1}, line {line}: " if line is not None else f"cell {cell + 1}: "
        found.append(Diagnostic(Source(path, 1 if cell is None else cell + 1), f"{where}{message}"))

    authored = [i for i, c in enumerate(cells) if not is_generated(c)]
    first_md = next((i for i in authored if cells[i].get("cell_type") == "markdown"), None)
    first_raw = authored[0] if authored and cells[authored[0]].get("cell_type") == "raw" else None
    front_cell = first_raw if first_raw is not None and cell_text(cells[first_raw]).startswith("---") else first_md
    lines_of = {i: cell_text(cells[i]).split("\n") for i in authored}
    front: dict[str, Any] = {}
    if front_cell is not None:
        front, used, fm_problems = split_front_matter(path, lines_of[front_cell])
        for d in fm_problems:
            warn(front_cell, d.message, d.source.line)
        lines_of[front_cell] = lines_of[front_cell][used:]

    headings = _headings(lines_of[first_md]) if first_md is not None else []
    for h in headings:
        if h.date is not None and h.date.date is None:
            warn(first_md or 0, f"{h.date.problem or 'not a calendar date'}: the heading does not date the notebook")
    dated = next((h for h in headings if h.date is not None and h.date.date is not None), None)

    when = _metadata_date(((own.get("date"), "metadata `tetrad.date`", None), (meta.get("date"), "metadata `date`", None),
                           (front.get("date"), "front matter `date:`", front_cell)), day_first, warn)
    if when is None and dated is not None and dated.date is not None and dated.date.date is not None and first_md is not None:
        when = (dated.date.date, dated.date.time)
        start, end = dated.lines  # the dated heading leaves the body, as in a Markdown file
        lines_of[first_md] = lines_of[first_md][:start] + lines_of[first_md][end:]
    if when is None and (named := date_from_path(rel)) is not None:
        when = (named, None)

    title = _text(own.get("title")) or _text(meta.get("title")) or _text(front.get("title"))
    if not title and dated is not None and dated.date is not None:
        title = title_beside_date(dated.text, dated.date).strip()
    if not title:  # the first heading that is not a date
        markdown = (lines_of[i] for i in authored if cells[i].get("cell_type") == "markdown")
        title = next((h.text for lines in markdown for h in _headings(lines) if h.date is None and h.text), "")
    tags = parse_tags(own.get("tags") if own.get("tags") is not None else meta.get("tags", front.get("tags")))

    body, cell_of, cell_problems = _generate(cells, authored, lines_of, _language(meta))
    for cell, message in cell_problems:
        warn(cell, message)
    snippets, option_problems = extract_snippets("", path, body, 1)
    # Only code cells run, as in Jupyter: a python fence written in a Markdown cell stays code to read.
    ran = [s for s in snippets if cells[cell_of[s.source.line - 1] - 1].get("cell_type") == "code"]
    snippets = tuple(dataclasses.replace(s, source=Source(path, cell_of[s.source.line - 1]), id=f"-{n}", index=n)
                     for n, s in enumerate(ran, start=1))
    for d in option_problems:
        if cells[cell_of[d.source.line - 1] - 1].get("cell_type") == "code":
            warn(cell_of[d.source.line - 1] - 1, d.message)
    if when is None:
        found.append(Diagnostic(Source(path, 1), "no date in the notebook's metadata, its first Markdown cell "
                                                 "or its file name: it becomes a page of its own"))
        return Document(path, rel, title or stem, body, 1, (), tuple(found), snippets)

    entry = Entry(key="", date=when[0], time=when[1], title=title, source=Source(path, 1), body=body,
                  body_line=1, heading_level=0, tags=tags, snippets=snippets)
    return Document(path, rel, title or stem, "", 1, (entry,), tuple(found))


def _metadata_date(
    values: tuple[tuple[object, str, int | None], ...], day_first: bool, warn: Callable[[int | None, str], None]
) -> tuple[dt.date, dt.time | None] | None:
    """The first readable date of (value, where it is written, its cell); a warning for each unreadable one before it."""
    for value, where, cell in values:
        if value is None:
            continue
        when = parse_date_value(value, day_first=day_first) if isinstance(value, (str, dt.date)) else None
        if when is not None:
            return when
        warn(cell, f"{where} {_one_line(str(value), 60)!r} is not a date I can read")
    return None


def _generate(
    cells: list[dict[str, Any]], authored: list[int], lines_of: Mapping[int, list[str]], language: str
) -> tuple[str, list[int], list[tuple[int, str]]]:
    """The body's Markdown, the cell number of each of its lines, and (cell index, problem) pairs."""
    body: list[str] = []
    cell_of: list[int] = []
    problems: list[tuple[int, str]] = []
    for i in authored:
        kind = cells[i].get("cell_type")
        if kind == "markdown":
            lines, found = markdown_lines("\n".join(lines_of[i]))
        elif kind == "code":
            lines, found = code_lines(cells[i], language)
        else:  # raw cells are for other tools (nbconvert, Quarto): not part of the entry
            continue
        problems.extend((i, message) for message in found)
        if not lines:
            continue
        if body:
            body.append("")
            cell_of.append(i + 1)
        body.extend(lines)
        cell_of.extend([i + 1] * len(lines))
    return "\n".join(body), cell_of, problems
