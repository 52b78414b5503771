"""`site/journal.json`, the machine-readable journal, exactly as PRODUCT.md describes it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from . import __version__
from .model import Diagnostic, Document, Entry, Result, Status
from .urls import entry_url, page_url


def status_counts(entries: Sequence[Entry], results: Mapping[str, Result]) -> dict[str, int]:
    counts = {s.value: 0 for s in Status}
    for e in entries:
        for s in e.snippets:
            r = results.get(s.id)
            counts[(r.status if r else Status.SKIPPED).value] += 1
    return counts


def journal_json(
    entries: Sequence[Entry], documents: Sequence[Document], results: Mapping[str, Result],
    concepts: Mapping[str, Sequence[str]], words: Mapping[str, int], streaks: tuple[int, int],
    warnings: Sequence[Diagnostic],
) -> bytes:
    items: list[dict[str, Any]] = []
    met: dict[str, list[Entry]] = {}
    for e in entries:
        for c in concepts.get(e.key, ()):
            met.setdefault(c, []).append(e)
        snippets = []
        for s in e.snippets:
            r = results.get(s.id) or Result(Status.SKIPPED)
            snippets.append({
                "id": s.id, "line": s.source.line, "status": r.status.value, "device": r.device,
                "duration_s": round(r.duration_s, 4), "stdout": r.stdout, "shown": r.shown, "error": r.error,
                "ran_at": r.ran_at, "torch": r.torch_version,
            })
        items.append({
            "date": e.date.isoformat(), "title": e.title, "url": entry_url(e), "source": e.source.path,
            "line": e.source.line, "tags": list(e.tags), "concepts": list(concepts.get(e.key, ())),
            "words": words.get(e.key, 0), "snippets": snippets,
        })
    data = {
        "generator": {"name": "tetrad", "version": __version__},
        "entries": items,
        "concepts": [
            {"name": name, "first": es[0].date.isoformat(), "entries": [x.date.isoformat() for x in es]}
            for name, es in met.items()
        ],
        "stats": {
            "entries": len(entries), "words": sum(words.get(e.key, 0) for e in entries),
            "longest_streak": streaks[0], "current_streak": streaks[1],
            "snippets": status_counts(entries, results),
        },
        "pages": [{"title": d.title, "url": page_url(d), "source": d.path} for d in documents if not d.entries],
        "warnings": [
            {"file": w.source.path, "line": w.source.line, "message": w.message}
            for w in sorted(set(warnings), key=lambda d: (d.source, d.message))
        ],
    }
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
