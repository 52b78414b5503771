"""Entries as downloadable Jupyter notebooks, with the outputs tetrad captured.

Pure functions: entries and results in, the bytes of an nbformat v4.5
notebook out, valid by ``nbformat.validate`` and byte-for-byte the same for
the same input (keys sorted, stable cell ids, no timestamps).

A notebook runs in one kernel, so it starts with a cell that makes it run
as tetrad ran the entry: seeds set to 0, a ``device`` name, and the value of
a final expression or assignment shown (IPython's ``last_expr_or_assign``
mode; a notebook's own cells keep Jupyter's ``last_expr``). A block with
``setup=NAME`` gets the setup file's code in a cell before it, since tetrad
runs the setup before every such block. The month notebook holds several
entries, each of which ran in a fresh namespace: each entry's start cell
begins with ``%reset -f``. What cannot be reproduced in one kernel:
``session=NAME`` blocks share the entry's namespace there.

Cells a download adds are tagged ``tetrad-generated``; `read_notebook` drops
them, so a downloaded notebook put back in the diary reads as the entry.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from generator.model import Entry, Result, Snippet
from generator.notebooks.cells import GENERATED
from generator.notebooks.fences import Part, body_parts, runnable_code
from generator.notebooks.outputs import cell_id, code_cell, ran
from generator.notebooks.reader import is_notebook
from generator.urls import entry_url, month_key, month_url

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
START_PYTHON = '''\
def _tetrad_start():
    import random
    random.seed(0)
    try:
        import numpy
        numpy.random.seed(0)
    except ImportError:
        pass
    try:
        import torch
    except ImportError:
        return "cpu"
    torch.manual_seed(0)
    return "cuda" if torch.cuda.is_available() else "cpu"


device = _tetrad_start()
del _tetrad_start'''
START = f'''\
# Run as tetrad ran this entry: a fresh namespace, seeds 0, a `device` name,
# and the value of a final expression or assignment shown, as in a Markdown diary.
%config InteractiveShell.ast_node_interactivity = "last_expr_or_assign"

{START_PYTHON}'''
NOTEBOOK_START = f'''\
# Run as tetrad ran this entry: a fresh namespace, seeds 0, a `device` name.
%config InteractiveShell.ast_node_interactivity = "last_expr"

{START_PYTHON}'''
_EMPTY: Mapping[str, str] = MappingProxyType({})


def referenced_files(entries: Sequence[Entry]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ``setup=`` names and ``file=`` paths the entries' snippets use, sorted: what to read for a download."""
    setups = {s.options.setup for e in entries for s in e.snippets if s.options.setup}
    files = {s.options.file for e in entries for s in e.snippets if s.options.file}
    return tuple(sorted(setups)), tuple(sorted(files))


def _markdown(ident: str, text: str, *, generated: bool = False) -> dict[str, Any]:
    metadata = {"tags": [GENERATED]} if generated else {}
    return {"cell_type": "markdown", "id": cell_id(ident), "metadata": metadata, "source": text}


def _generated_code(ident: str, code: str, own: Mapping[str, str]) -> dict[str, Any]:
    return {"cell_type": "code", "id": cell_id(ident), "metadata": {"tags": [GENERATED], "tetrad": dict(own)},
            "source": code, "outputs": [], "execution_count": None}


def _setup_cell(snippet: Snippet, setup_code: Mapping[str, str]) -> dict[str, Any]:
    name = snippet.options.setup or ""
    code = setup_code.get(name)
    text = code.rstrip("\n") if code is not None else f"# setup={name}: snippets/{name}.py could not be read"
    return _generated_code(f"{snippet.id}-setup", f"# setup={name} (snippets/{name}.py)\n{text}", {"setup": name})


def entry_cells(
    entry: Entry, results: Mapping[str, Result], counter: Iterator[int], *,
    setup_code: Mapping[str, str], included: Mapping[str, str], reset: bool = False,
    parts: Sequence[Part] | None = None,
) -> list[dict[str, Any]]:
    """The entry's prose and snippets as cells; ``counter`` numbers the blocks that ran.

    ``parts`` is the entry's `body_parts`, when the caller has them already.
    """
    cells: list[dict[str, Any]] = []
    if entry.snippets:
        own = NOTEBOOK_START if is_notebook(entry.source.path) else START  # Jupyter's rule for a notebook's cells
        start = f"%reset -f\n{own}" if reset else own
        cells.append(_generated_code(f"{entry.key}-start", start, {"start": entry.key}))
    for n, part in enumerate(body_parts(entry) if parts is None else parts, start=1):
        if part.snippet is None:
            cells.append(_markdown(f"{entry.key}-text-{n}", part.prose))
            continue
        snippet = part.snippet
        if snippet.options.setup:
            cells.append(_setup_cell(snippet, setup_code))
        result = results.get(snippet.id)
        count = next(counter) if ran(result) else None
        cells.append(code_cell(snippet, runnable_code(snippet, included), result, count))
    return cells


def _heading(entry: Entry, level: str) -> dict[str, Any]:
    text = f"{level} {entry.title or entry.date.isoformat()}\n\n{entry.date.isoformat()} · `{entry.source.path}`"
    return _markdown(f"{entry.key}-heading", text, generated=True)


_SPLIT_MIMES = ("application/javascript", "image/svg+xml")


def _split_bundle(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.splitlines(True) if isinstance(v, str) and (k.startswith("text/") or k in _SPLIT_MIMES) else v
            for k, v in data.items()}


def _split_lines(cell: Mapping[str, Any]) -> dict[str, Any]:
    """A cell as nbformat writes it: multi-line text as lists of lines, so diffs stay line-based."""
    out = dict(cell)
    if isinstance(out.get("source"), str):
        out["source"] = out["source"].splitlines(True)
    if out.get("cell_type") == "code":
        outputs = []
        for o in out.get("outputs", ()):
            o = dict(o)
            if o.get("output_type") in ("execute_result", "display_data"):
                o["data"] = _split_bundle(o.get("data", {}))
            elif o.get("output_type") == "stream" and isinstance(o.get("text"), str):
                o["text"] = o["text"].splitlines(True)
            outputs.append(o)
        out["outputs"] = outputs
    return out


def _write(cells: list[dict[str, Any]], tetrad: Mapping[str, Any], title: str) -> bytes:
    """The notebook's bytes, exactly as ``nbformat.writes`` gives them (sorted keys, indent 1, lines
    split), written with `json` directly: nbformat copies and converts the whole notebook first,
    which costs more than making it."""
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}, "title": title, "tetrad": dict(tetrad)},
        "cells": [_split_lines(c) for c in cells],
    }
    text = json.dumps(nb, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def entry_notebook(
    entry: Entry, results: Mapping[str, Result], *,
    setup_code: Mapping[str, str] = _EMPTY, included: Mapping[str, str] = _EMPTY, parts: Sequence[Part] | None = None,
) -> bytes:
    """The entry as a notebook: its prose, its snippets with their captured outputs.

    ``setup_code`` maps a ``setup=`` name to the code of ``snippets/NAME.py``;
    ``included`` maps a ``file=`` path to the file's text. The metadata keeps
    the date, title and tags under ``tetrad``, as `read_notebook` reads them.
    """
    cells = [_heading(entry, "#"), *entry_cells(entry, results, itertools.count(1), setup_code=setup_code,
                                                 included=included, parts=parts)]
    own = {"date": entry.date.isoformat(), "title": entry.title, "tags": list(entry.tags), "entry": entry.key,
           "source": str(entry.source)}
    if entry.time is not None:
        own["date"] = f"{entry.date.isoformat()}T{entry.time.isoformat()}"
    return _write(cells, own, entry.title)


def month_notebook(
    entries: Sequence[Entry], results: Mapping[str, Result], *,
    setup_code: Mapping[str, str] = _EMPTY, included: Mapping[str, str] = _EMPTY, title: str | None = None,
    parts: Mapping[str, Sequence[Part]] | None = None,
) -> bytes:
    """The entries (a month's) in one notebook: a heading cell per entry, then its prose and snippets.

    Each entry's snippets start with ``%reset -f`` after the first entry's, so
    that they run in a fresh namespace, as tetrad ran them.
    """
    months = sorted({month_key(e.date) for e in entries})
    name = title or ", ".join(months) or "tetrad"
    cells: list[dict[str, Any]] = [_markdown(f"month-{name}", f"# {name}", generated=True)]
    counter = itertools.count(1)
    started = False
    for entry in entries:
        cells.append(_heading(entry, "##"))
        cells += entry_cells(entry, results, counter, setup_code=setup_code, included=included, reset=started,
                             parts=parts.get(entry.key) if parts else None)
        started = started or bool(entry.snippets)
    return _write(cells, {"months": months, "entries": [e.key for e in entries]}, name)


def download_files(
    entries: Sequence[Entry], results: Mapping[str, Result], *,
    setup_code: Mapping[str, str] = _EMPTY, included: Mapping[str, str] = _EMPTY,
) -> dict[str, bytes]:
    """Every download of the site by its path: ``entries/KEY.ipynb`` and ``entries/KEY.py`` for
    each entry with snippets, ``months/YYYY-MM.ipynb`` for each month with snippets."""
    from generator.notebooks.script import entry_script

    files: dict[str, bytes] = {}
    by_month: dict[str, list[Entry]] = {}
    parts: dict[str, tuple[Part, ...]] = {}
    for entry in entries:
        if not entry.snippets:
            continue
        stem = entry_url(entry).removesuffix(".html")
        parts[entry.key] = body_parts(entry)
        files[f"{stem}.ipynb"] = entry_notebook(entry, results, setup_code=setup_code, included=included,
                                                parts=parts[entry.key])
        files[f"{stem}.py"] = entry_script(entry, setup_code=setup_code, included=included,
                                           parts=parts[entry.key]).encode("utf-8")
        by_month.setdefault(month_key(entry.date), []).append(entry)
    for key, items in by_month.items():
        files[f"{month_url(key).removesuffix('.html')}.ipynb"] = month_notebook(
            items, results, setup_code=setup_code, included=included, title=key, parts=parts)
    return files
