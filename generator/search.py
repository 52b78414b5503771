"""The client-side search index: a script, so search works from `file://` where fetch() does not."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

MAX_TEXT = 20_000  # characters of an entry's text kept for search; the rest rarely adds recall


@dataclass(frozen=True)
class Document:
    url: str  # relative to the site root
    title: str
    date: str  # as the diary's language writes it
    text: str  # as `searchable` gives it


def searchable(text: str) -> str:
    """Readable text as the index keeps it: whitespace runs made one space, at most ``MAX_TEXT`` characters."""
    return " ".join(text.split())[:MAX_TEXT]


def search_script(documents: Iterable[Document]) -> str:
    """`window.TETRAD_SEARCH = [...]`: one record per entry and page, JSON-escaped for a <script>."""
    records = [{"u": d.url, "t": d.title, "d": d.date, "x": d.text} for d in documents]
    data = json.dumps(records, ensure_ascii=False, separators=(",", ":"))
    # "</" could end a script element early if the file were ever inlined; keep it inert either way.
    return "window.TETRAD_SEARCH = " + data.replace("</", "<\\/") + ";\n"
