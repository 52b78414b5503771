"""Helpers for the notebook tier: a diary mixing Markdown and a notebook, read as the build reads it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_notebook

from generator.diary import assign_keys, parse_document
from generator.model import Document, Entry
from generator.notebooks import entry_snippets, is_notebook, read_notebook

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = dt.date(2024, 3, 1)


def read_diary(diary: Path) -> tuple[list[Document], list[Entry]]:
    """The diary's documents and keyed entries with their snippets, as `build.read_journal` reads them."""
    documents: list[Document] = []
    for path in sorted(p for p in diary.rglob("*") if p.is_file()):
        rel = path.relative_to(diary).as_posix()
        if is_notebook(rel):
            documents.append(read_notebook(f"diary/{rel}", rel, path.read_bytes()))
        elif path.suffix == ".md":
            documents.append(parse_document(f"diary/{rel}", path.read_text("utf-8"), rel=rel))
    entries = assign_keys([e for d in documents for e in d.entries])
    return documents, [dataclasses.replace(e, snippets=entry_snippets(e)[0]) for e in entries]


def notebook_bytes(cells: Sequence[Any], metadata: dict[str, Any] | None = None) -> bytes:
    """A valid notebook's file bytes (cells from ``nbformat.v4.new_*_cell``)."""
    nb = new_notebook(cells=list(cells), metadata=metadata or {})
    for n, cell in enumerate(nb.cells):
        cell["id"] = f"c{n}"
    return nbformat.writes(nb).encode("utf-8")


def load(data: bytes) -> Any:
    """Downloaded notebook bytes as a NotebookNode, checked valid."""
    nb = nbformat.reads(data.decode("utf-8"), as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    assert json.loads(data)["nbformat_minor"] == 5
    return nb


@pytest.fixture(scope="session")
def diary() -> tuple[list[Document], list[Entry]]:
    return read_diary(FIXTURES / "diary")
