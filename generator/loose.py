"""Blocks under no entry: the runnable blocks of undated pages and of a file's preface.

They run like an entry's blocks, in order, in one namespace per file, so each
document that has any gets a stand-in `Entry` for execution only: never an
entry of the site (no entry page, timeline or feed), its results shown where
the document's text is rendered (its page, or its month page's preface). Its
key, ``page-`` + a slug of the file's path + a hash of the path, is a safe
file name for the result store and can never be a date key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Sequence

from .model import Document, Entry, Source

KEY_PREFIX = "page-"
_SLUG_LIMIT = 48  # characters of the path kept in a key: the hash keeps it unique


def loose_key(doc: Document) -> str:
    """``page-notes-til-1a2b3c4d`` for ``notes/til.md``: readable, unique, ASCII only."""
    slug = re.sub(r"[^a-z0-9]+", "-", doc.rel.rsplit(".", 1)[0].lower()).strip("-")[:_SLUG_LIMIT].strip("-")
    digest = hashlib.sha256(doc.rel.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{KEY_PREFIX}{slug or 'x'}-{digest}"


def loose_entries(documents: Sequence[Document]) -> tuple[Entry, ...]:
    """One stand-in entry per document whose text under no entry holds runnable blocks, in document order.

    Its body is the document's preface (where its snippets' spans point) and
    its date that of the file's first entry (a page's: none, ``date.min``),
    so it sorts with the month whose page shows it.
    """
    out = []
    for doc in documents:
        if not doc.snippets:
            continue
        key = loose_key(doc)
        out.append(Entry(
            key=key, date=min((e.date for e in doc.entries), default=dt.date.min), title=doc.title,
            source=Source(doc.path, doc.preface_line), body=doc.preface, body_line=doc.preface_line,
            snippets=tuple(dataclasses.replace(s, id=f"{key}-{s.index}") for s in doc.snippets),
        ))
    return tuple(out)
