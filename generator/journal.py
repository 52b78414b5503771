"""`site/journal.json`, the machine-readable journal, exactly as PRODUCT.md describes it."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import __version__
from .model import Diagnostic, Document, Entry, Result, Status
from .urls import entry_url, preface_url


def status_counts(entries: Sequence[Entry], results: Mapping[str, Result]) -> dict[str, int]:
    counts = {s.value: 0 for s in Status}
    for e in entries:
        for s in e.snippets:
            r = results.get(s.id)
            counts[(r.status if r else Status.SKIPPED).value] += 1
    return counts


def snippet_items(e: Entry | None, results: Mapping[str, Result]) -> list[dict[str, Any]]:
    """The ``snippets`` of an entry (or of a file's blocks under no entry) in the file."""
    snippets = []
    for s in e.snippets if e is not None else ():
        r = results.get(s.id) or Result(Status.SKIPPED)
        snippets.append({
            "id": s.id, "line": s.source.line, "status": r.status.value, "device": r.device,
            "duration_s": round(r.duration_s, 4), "stdout": r.stdout, "shown": r.shown, "error": r.error,
            "ran_at": r.ran_at, "torch": r.torch_version, "note": r.note,
            **_cause(r),
        })
    return snippets


def _cause(r: Result) -> dict[str, Any]:
    """What a result says of its cause, where it says anything: the missing names or package, the
    block it waited for, a transcript's statements."""
    found: dict[str, Any] = {}
    if r.names:
        found["names"] = list(r.names)
    if r.package:
        found["package"] = r.package
    if r.blocked_by:
        found["blocked_by"] = r.blocked_by
    if r.transcript:
        found["transcript"] = [dict(step) for step in r.transcript]
    return found


def entry_item(e: Entry, results: Mapping[str, Result], concepts: Sequence[str], words: int) -> str:
    """One entry of ``entries`` as its line of the file (JSON)."""
    return json.dumps({
        "date": e.date.isoformat(), "title": e.title, "url": entry_url(e), "source": e.source.path,
        "line": e.source.line, "tags": list(e.tags), "concepts": list(concepts),
        "words": words, "snippets": snippet_items(e, results),
    }, ensure_ascii=False)


def page_items(documents: Sequence[Document], loose: Sequence[Entry], results: Mapping[str, Result]) -> list[dict[str, Any]]:
    """``pages``: every undated file, and every dated one whose text under no entry holds blocks (its
    url is then its month page's, where that text is shown), with the blocks' results."""
    by_path = {e.source.path: e for e in loose}
    return [
        {"title": d.title, "url": preface_url(d), "source": d.path, "snippets": snippet_items(by_path.get(d.path), results)}
        for d in documents if not d.entries or d.path in by_path
    ]


def journal_json(
    entries: Sequence[Entry], documents: Sequence[Document], results: Mapping[str, Result],
    concepts: Mapping[str, Sequence[str]], words: Mapping[str, int], streaks: tuple[int, int],
    warnings: Sequence[Diagnostic], items: Callable[[Entry], str] | None = None, loose: Sequence[Entry] = (),
) -> bytes:
    """The file; ``items`` gives an entry's line when the caller has it already (else `entry_item`);
    ``loose`` are the blocks under no entry (`generator.loose`), listed with their files in ``pages``."""
    met: dict[str, list[Entry]] = {}
    lines: list[str] = []
    for e in entries:
        for c in concepts.get(e.key, ()):
            met.setdefault(c, []).append(e)
        lines.append(items(e) if items is not None else entry_item(e, results, concepts.get(e.key, ()), words.get(e.key, 0)))
    data = {
        "generator": {"name": "tetrad", "version": __version__},
        "entries": _Lines(lines),
        "concepts": [
            {"name": name, "first": es[0].date.isoformat(), "entries": [x.date.isoformat() for x in es]}
            for name, es in met.items()
        ],
        "stats": {
            "entries": len(entries), "words": sum(words.get(e.key, 0) for e in entries),
            "longest_streak": streaks[0], "current_streak": streaks[1],
            "snippets": status_counts([*entries, *loose], results),
        },
        "pages": page_items(documents, loose, results),
        "warnings": [
            {"file": w.source.path, "line": w.source.line, "message": w.message}
            for w in sorted(set(warnings), key=lambda d: (d.source, d.message))
        ],
    }
    return _dumps(data).encode("utf-8")


class _Lines(list):  # type: ignore[type-arg]
    """Items already written as JSON."""


def _dumps(data: Mapping[str, Any]) -> str:
    """JSON with each top-level field on a line and each item of a list field on a line of its own:
    readable and diff-friendly like an indented file, and written by json's fast C encoder (which
    cannot indent)."""
    fields: list[str] = []
    for name, value in data.items():
        key = json.dumps(name)
        if isinstance(value, list) and value:
            written = value if isinstance(value, _Lines) else [json.dumps(item, ensure_ascii=False) for item in value]
            items = ",\n".join(f"  {line}" for line in written)
            fields.append(f" {key}: [\n{items}\n ]")
        else:
            fields.append(f" {key}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(fields) + "\n}\n"
