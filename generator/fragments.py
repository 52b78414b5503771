"""Where a fragment's missing names come from: the earlier entry that defines them, or nowhere.

An ``incomplete`` result lists the names its block uses that nothing in its
namespace defines (`Result.names`). Across the diary, the nearest earlier
entry whose blocks bind such a name at top level is usually where the
fragment was cut from; saying so tells the writer which block to share a
``session=`` with or move into a ``setup=`` module. Names that are habitual
imports (``torch``, ``np``…) are what a ``snippets/prelude.py`` is for.
`summary_notes` gives the lines a closing summary adds about such blocks.
Pure: the code is read as syntax, never run.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from .execute import transcripts
from .execute.causes import HABITUAL
from .execute.names import bound_names
from .model import Entry, Result, Snippet, Source, Status
from .packages import needs_package_line

HINT_AT = 3  # incomplete blocks missing habitual imports before the summary suggests a prelude
_MAGIC = re.compile(r"^(\s*)[%!].*$", re.MULTILINE)


def _python(snippet: Snippet) -> str:
    """The block's code as plain Python: a transcript's statements only, IPython magics as ``pass``."""
    code = snippet.code
    if snippet.lang == "pycon" or transcripts.is_transcript(code):
        code = "\n".join(step.code for step in transcripts.parse(code))
    return _MAGIC.sub(r"\1pass", code)


def _order(entry: Entry) -> tuple[object, ...]:
    """Diary order: by date, then the section's number within the date (``2022-01-05-2`` after ``2022-01-05``)."""
    rest = entry.key.removeprefix(entry.date.isoformat())
    number = int(rest[1:]) if re.fullmatch(r"-\d+", rest) else 1
    return (entry.date, number, entry.key)


def _plural(names: Sequence[str]) -> str:
    return "it" if len(names) == 1 else "them"


def explain_fragments(entries: Iterable[Entry], results: Mapping[str, Result]) -> dict[str, Result]:
    """Each ``incomplete`` result of ``results`` whose names can be explained, with a note saying where
    those names are defined: ``model, trainloader: defined in 2020-12-13 (diary/2020-12.md:40); use session= or setup=``."""
    todo = {i: r for i, r in results.items() if r.status is Status.INCOMPLETE and r.names}
    if not todo:
        return {}  # reading every block's syntax is for diaries with fragments only
    ordered = sorted(entries, key=_order)
    position = {snippet.id: i for i, entry in enumerate(ordered) for snippet in entry.snippets}
    where: dict[str, list[tuple[int, Source]]] = {}  # name -> the entries binding it, in order, at their first such block
    for i, entry in enumerate(ordered):
        for snippet in entry.snippets:
            for name in bound_names(_python(snippet)):
                if not where.get(name) or where[name][-1][0] != i:
                    where.setdefault(name, []).append((i, snippet.source))

    def nearest(name: str, here: int) -> str | None:
        found = where.get(name, [])
        k = bisect.bisect_left(found, here, key=lambda f: f[0]) - 1
        return _place(ordered[found[k][0]], found[k][1]) if k >= 0 else None

    explained: dict[str, Result] = {}
    for snippet_id, result in todo.items():
        if snippet_id not in position:
            continue
        places: dict[str | None, list[str]] = {}
        for name in dict.fromkeys(result.names):
            places.setdefault(nearest(name, position[snippet_id]), []).append(name)
        note = _note(places)
        if result.note and note in result.note:
            continue
        explained[snippet_id] = replace(result, note=f"{result.note}; {note}" if result.note else note)
    return explained


def _place(entry: Entry, source: Source) -> str:
    """``2020-12-13 (diary/2020-12.md:40)``; for blocks under no entry (a stand-in entry, keyed ``page-…``), the place alone."""
    return f"{entry.key} ({source})" if entry.key.startswith(entry.date.isoformat()) else str(source)


def _note(places: Mapping[str | None, Sequence[str]]) -> str:
    """A fragment's note: where each group of its names is defined (None: nowhere), then what to do."""
    clauses = [f"{', '.join(group)}: defined in {place}" for place, group in places.items() if place]
    if None in places:
        clauses.append(f"{', '.join(places[None])}: defined nowhere in the diary")
    if any(n not in HABITUAL for place, group in places.items() if place for n in group):
        clauses.append("use session= or setup=")
    names = [n for group in places.values() for n in group]
    habitual = [n for n in names if n in HABITUAL]
    if habitual:
        which = _plural(habitual) if len(habitual) == len(names) else ", ".join(habitual)
        clauses.append(f"a snippets/prelude.py can import {which}")
    return "; ".join(clauses)


def prelude_hint(results: Iterable[Result]) -> str | None:
    """``12 blocks use torch, nn, np without importing them: …`` when at least `HINT_AT` incomplete
    blocks miss habitual imports; None otherwise."""
    counts: Counter[str] = Counter()
    blocks = 0
    for result in results:
        if result.status is Status.INCOMPLETE:
            missing = [n for n in dict.fromkeys(result.names) if n in HABITUAL]
            counts.update(missing)
            blocks += bool(missing)
    if blocks < HINT_AT:
        return None
    names = sorted(counts, key=lambda n: (-counts[n], HABITUAL.index(n)))
    shown = ", ".join(names[:6]) + (", …" if len(names) > 6 else "")
    return (f"{blocks} blocks use {shown} without importing {_plural(names)}: "
            f"a snippets/prelude.py that imports {_plural(names)} runs first in every namespace")


def summary_notes(results: Iterable[Result]) -> tuple[str, ...]:
    """The lines a closing summary adds for blocks that could prove nothing: missing packages, a prelude to write."""
    results = list(results)
    return tuple(line for line in (needs_package_line(results), prelude_hint(results)) if line)
