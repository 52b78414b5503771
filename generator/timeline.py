"""Progress over time: streaks, the calendar heatmap, cumulative series, concepts in order met.

Pure functions over entries and their counts; `render` turns them into SVG.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .model import Entry


def streaks(days: Iterable[dt.date]) -> tuple[int, int]:
    """(longest, current) runs of consecutive calendar days with an entry.

    The current streak is the run that ends at the last entry, so a diary
    read years later still shows how it ended.
    """
    ordered = sorted(set(days))
    if not ordered:
        return 0, 0
    longest = run = 1
    for before, after in zip(ordered, ordered[1:]):
        run = run + 1 if (after - before).days == 1 else 1
        longest = max(longest, run)
    return longest, run


@dataclass(frozen=True)
class Cell:
    """One day of the heatmap: its place in the grid, how much was written, the entry it opens."""

    day: dt.date
    week: int  # column, 0-based from the week holding January 1
    weekday: int  # row, Monday = 0
    level: int  # 0 (nothing) .. 4 (the most words)
    entry: Entry | None
    words: int


def heatmap(year: int, entries: Sequence[Entry], words: Mapping[str, int]) -> tuple[Cell, ...]:
    """Every day of ``year`` with its writing level (by words, in quartiles of the year's writing days)."""
    by_day: dict[dt.date, list[Entry]] = {}
    for e in entries:
        if e.date.year == year:
            by_day.setdefault(e.date, []).append(e)
    totals = {day: sum(words.get(e.key, 0) for e in es) for day, es in by_day.items()}
    ranked = sorted(totals.values())

    def level(n: int) -> int:
        if not ranked:
            return 0
        below = bisect.bisect_left(ranked, n)  # days with fewer words
        return 1 + min(3, 4 * below // len(ranked))

    first = dt.date(year, 1, 1)
    offset = first.weekday()
    cells = []
    day = first
    while day.year == year:
        index = (day - first).days + offset
        found = by_day.get(day)
        cells.append(Cell(day, index // 7, day.weekday(), level(totals[day]) if found else 0,
                          found[0] if found else None, totals.get(day, 0)))
        day += dt.timedelta(days=1)
    return tuple(cells)


@dataclass(frozen=True)
class Series:
    """A cumulative count over time, thinned to at most ``limit`` points so a chart's size stays bounded."""

    points: tuple[tuple[dt.date, int], ...]

    @property
    def total(self) -> int:
        return self.points[-1][1] if self.points else 0


def cumulative(values: Sequence[tuple[dt.date, int]], limit: int = 120) -> Series:
    """Running totals of (date, amount) pairs in date order, one point per date, at most ``limit`` points."""
    per_day: dict[dt.date, int] = {}
    for day, amount in values:
        per_day[day] = per_day.get(day, 0) + amount
    running = 0
    points = []
    for day in sorted(per_day):
        running += per_day[day]
        points.append((day, running))
    if len(points) > limit:
        step = len(points) / (limit - 1)
        points = [points[min(len(points) - 1, round(i * step))] for i in range(limit - 1)] + [points[-1]]
        points = list(dict.fromkeys(points))
    return Series(tuple(points))


def first_met(entries: Sequence[Entry], concepts: Mapping[str, Sequence[str]]) -> tuple[tuple[str, Entry], ...]:
    """Each concept with the entry it was first met in, in the order they were met."""
    seen: dict[str, Entry] = {}
    for e in entries:
        for name in concepts.get(e.key, ()):
            seen.setdefault(name, e)
    return tuple(seen.items())
