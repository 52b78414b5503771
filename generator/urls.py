"""Where every page lives in the site, and links between them as relative paths."""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re

from .model import Document, Entry


def entry_url(entry: Entry) -> str:
    return f"entries/{entry.key}.html"


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_url(key: str) -> str:
    return f"months/{key}.html"


def page_url(doc: Document) -> str:
    return f"pages/{doc.rel.rsplit('.', 1)[0]}.html"


def preface_url(doc: Document) -> str:
    """Where a file's text under no entry is shown: its own page (an undated file), or its first entry's month."""
    return month_url(month_key(min(e.date for e in doc.entries))) if doc.entries else page_url(doc)


def slug(name: str) -> str:
    """A file name for a tag or concept: lower case, letters and digits kept (any script), the rest dashes."""
    text = re.sub(r"[^\w]+", "-", name.lower().replace("ё", "е")).strip("-_")
    return text or "x"


def tag_url(tag_slug: str) -> str:
    return f"tags/{tag_slug}.html"


def concept_url(concept_slug: str) -> str:
    return f"concepts/{concept_slug}.html"


def timeline_url(year: int, latest: int) -> str:
    return "timeline.html" if year == latest else f"timeline/{year}.html"


def report_url(year: int, latest: int) -> str:
    return "snippets.html" if year == latest else f"snippets/{year}.html"


@functools.lru_cache(maxsize=65536)
def relative(url: str, page: str) -> str:
    """``url`` (relative to the site root) as seen from the page at ``page`` (site paths, normalised)."""
    return posixpath.relpath(url, posixpath.dirname(page) or ".")


def unique_slugs(names: list[str]) -> dict[str, str]:
    """A distinct slug per name, in the given order (``cnn``, ``cnn-2``…)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = slug(name)
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        out[name] = candidate
    return out
