"""Progress over time: streaks of writing days. Pure functions over dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


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
