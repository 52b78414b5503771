"""Dates as diarists write them: in headings, file names and front matter.

Pure functions, no I/O. `find_date` reads the first full calendar date (day,
month and year) in a heading's text, in numeric, worded (month names in many
languages, from Babel's CLDR data) or CJK form, and reports a date-like text
that is not a calendar date (``30.02.2022``) as a match with a `problem`, so
the caller can warn instead of silently treating it as an undated heading. A
date whose range end does not read (``2019.4.19-2019.22``) is still a date: the
match keeps that end as `unread`, for the caller to warn about.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

__all__ = ["DateMatch", "date_from_path", "find_date", "parse_date_value", "title_beside_date"]


@dataclass(frozen=True)
class DateMatch:
    """A date found in a text; `date` is None when the text only looks like one.

    `unread` is the dash and range end after a date that is not itself a date
    (``-2019.22``): the span covers it, the date is the first part's.
    """

    date: dt.date | None
    start: int
    end: int
    time: dt.time | None = None
    problem: str | None = None
    unread: str | None = None


# Month names come from several locales at once: a diary's language is not
# declared, and one diary may mix them. Both CLDR contexts are needed because
# Russian and Polish write "5 января" but head a calendar "Январь".
_LOCALES = ("ru", "uk", "en", "de", "fr", "es", "it", "pt", "pl", "nl")
_CONTEXTS: tuple[Literal["format"], Literal["stand-alone"]] = ("format", "stand-alone")


def _key(word: str) -> str:
    """Fold case and accents so "Января", "ЯНВ." and "août"/"aout" meet in one table."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).rstrip(".")


@functools.cache
def _month_table() -> dict[str, int]:
    from babel.dates import get_month_names  # imported late: only worded dates need it

    names: dict[str, int] = {}
    prefixes: dict[str, set[int]] = {}
    for locale in _LOCALES:
        for width in ("wide", "abbreviated"):
            for context in _CONTEXTS:
                for month, name in get_month_names(width, context, locale).items():
                    names[_key(name)] = month
                    # People abbreviate more freely than CLDR ("сен", "ноя", "Sept"),
                    # so 3- and 4-letter stems count too, unless two months share one
                    # ("jui" is both juin and juillet).
                    if width == "wide":
                        for n in (3, 4):
                            prefixes.setdefault(_key(name)[:n], set()).add(month)
    table = {stem: months.pop() for stem, months in prefixes.items() if len(months) == 1}
    return table | names


@functools.cache
def _weekday_table() -> frozenset[str]:
    from babel.dates import get_day_names

    keys = {
        _key(name)
        for locale in _LOCALES
        for width in ("wide", "abbreviated")
        for context in _CONTEXTS
        for name in get_day_names(width, context, locale).values()
    }
    # Two-letter Latin day names ("do", "so", "ma") are ordinary words too often.
    return frozenset(k for k in keys if len(k) > 2 or not k.isascii())


def _month(word: str | None) -> int | None:
    return _month_table().get(_key(word)) if word else None


# Regexes, compiled once: find_date runs on every heading of large diaries.
_DAY = r"(\d{1,2})(?!\d)(?:st|nd|rd|th|er)?"
_END_DAY = r"\d{1,2}(?!\d)(?:st|nd|rd|th|er)?"
_WORD = r"([^\W\d_]+)"
_DASH = r"\s*[-–—]\s*"
_BETWEEN = r"\.?[\s./-]*(?:(?:of|de)\s+)?"  # "5 янв", "5. Januar", "5th of January", "5 de enero"
_TO_YEAR = r"\.?[\s,./-]*(?:(?:de|del)\s+)?"
_YEAR = r"(\d{4})(?!\d)"
# A numeric date must stand alone: "v1.2.2022" and "1.2.2022.5" are versions. A hyphen
# and a number may follow only as a range's end ("2022-01-05-2022-01-07"): see _scan.
_NUM_START = r"(?<![\w.])"
_NUM_END = r"(?:(?=T\d)|(?![^\W_])(?![./]\d))"

_YEAR_FIRST = re.compile(rf"{_NUM_START}(\d{{4}})([-./])(\d{{1,2}})\2(\d{{1,2}}){_NUM_END}")
# A day range ("5-7.01.2022", "30.01–02.02.2022") is dated by its first day; no
# spaces around its dash, so "Week 2 - 10.01.2022" is not a range starting on the 2nd.
_NUMERIC = re.compile(
    rf"{_NUM_START}(?:(\d{{1,2}})(?:[./](\d{{1,2}}))?[-–—])?(\d{{1,2}})([-./])(\d{{1,2}})\4(\d{{4}}){_NUM_END}"
)
_CJK = re.compile(r"(?<!\d)(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})(?!\d)\s*[日号號일]?")
_DAY_MONTH = re.compile(
    rf"(?<!\w){_DAY}(?:[-–—]{_END_DAY})?{_BETWEEN}{_WORD}{_TO_YEAR}{_YEAR}", re.IGNORECASE
)
_DAY_MONTH_RANGE = re.compile(  # "30 января – 2 февраля 2022"
    rf"(?<!\w){_DAY}{_BETWEEN}{_WORD}{_DASH}{_END_DAY}{_BETWEEN}{_WORD}{_TO_YEAR}{_YEAR}", re.IGNORECASE
)
_MONTH_DAY = re.compile(  # "Jan. 5th, 2022", "Jan 5–7, 2022", "January 30 – February 2, 2022"
    rf"(?<![^\W\d_]){_WORD}\.?[\s./-]*{_DAY}(?:{_DASH}(?:{_WORD}\.?\s*)?{_END_DAY})?,?\s*{_YEAR}",
    re.IGNORECASE,
)
_YEAR_WORD = re.compile(r"\s*(?:г|гг|года?)\.?(?![^\W\d_])", re.IGNORECASE)  # "2022 г."
_TIME = re.compile(
    r"(?:T|[\s,]+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*(?:Z|[+-]\d{2}(?::?\d{2})?))?(?!\d)"
    r"(?:\s*[-–—]\s*\d{1,2}:\d{2}(?!\d))?"  # "12:00–14:00": the entry starts at the first time
)
_RANGE_DASH = re.compile(_DASH)
_NUMBERS = re.compile(r"\d+(?:[./-]\d+)+(?![^\W_])")  # "2019.22", "30.02.2022": a range end, read or not
_GLUED = re.compile(r"-(?=\d)")
_LEADING_DATE = re.compile(r"\d{1,4}([-./])\d{1,2}\1\d{1,4}(?!\d)")  # a file name's: "2024-01-01-00_intro"
_WEEKDAY_BEFORE = re.compile(r"([^\W\d_]+)\.?,?\s*$")
_WEEKDAY_AFTER = re.compile(r"[\s,]*(?:\(([^\W\d_]+)\.?\)|([^\W\d_]+)\.?(?![^\W\d_]))")
_HAS_YEAR = re.compile(r"\d{4}")

Parts = tuple[int, int, int] | None  # (year, month, day) of the first day, or None: not a date


def _ordered(pair: tuple[int, int], day_first: bool) -> tuple[int, int]:
    """An a/b pair as (day, month)."""
    return pair if day_first else (pair[1], pair[0])


def _first_year(year: int, first_month: int, last_month: int) -> int:
    # "30 декабря – 2 января 2023" starts in 2022.
    return year - 1 if first_month > last_month else year


def _year_first(m: re.Match[str], day_first: bool) -> Parts:
    return int(m[1]), int(m[3]), int(m[4])


def _numeric(m: re.Match[str], day_first: bool) -> Parts:
    pairs = [(int(m[3]), int(m[5]))] + ([(int(m[1]), int(m[2]))] if m[2] else [])
    if m[1] is not None and m[2] is None:
        day_first = True  # "5-7.01.2022": the days lead, the month follows
    elif any(a > 12 >= b for a, b in pairs):  # a number over 12 settles the order either way
        day_first = True
    elif any(b > 12 >= a for a, b in pairs):
        day_first = False
    (day, month), year = _ordered(pairs[0], day_first), int(m[6])
    if m[1] is None:
        return year, month, day
    if m[2] is None:
        return year, month, int(m[1])
    first_day, first_month = _ordered(pairs[1], day_first)
    return _first_year(year, first_month, month), first_month, first_day


def _cjk(m: re.Match[str], day_first: bool) -> Parts:
    return int(m[1]), int(m[2]), int(m[3])


def _day_month_words(m: re.Match[str], day_first: bool) -> Parts:
    month = _month(m[2])
    return None if month is None else (int(m[3]), month, int(m[1]))


def _day_month_range(m: re.Match[str], day_first: bool) -> Parts:
    first, last = _month(m[2]), _month(m[3])
    if first is None or last is None:
        return None
    return _first_year(int(m[4]), first, last), first, int(m[1])


def _month_day_words(m: re.Match[str], day_first: bool) -> Parts:
    first = _month(m[1])
    last = _month(m[3]) if m[3] else first
    if first is None or last is None:
        return None
    return _first_year(int(m[4]), first, last), first, int(m[2])


_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], bool], Parts]], ...] = (
    (_YEAR_FIRST, _year_first),
    (_NUMERIC, _numeric),
    (_CJK, _cjk),
    (_DAY_MONTH, _day_month_words),
    (_DAY_MONTH_RANGE, _day_month_range),
    (_MONTH_DAY, _month_day_words),
)


def _date_like(text: str, pos: int) -> re.Match[str] | None:
    """Numbers at `pos` that look like a date, read or not: a year among them, or three of them."""
    m = _NUMBERS.match(text, pos)
    if m is None:
        return None
    numbers = re.split(r"[./-]", m[0])
    return m if len(numbers) >= 3 or any(len(n) == 4 for n in numbers) else None


def _scan(text: str, pos: int, day_first: bool) -> DateMatch | None:
    """The earliest (then longest) date-like text at or after `pos`, before any extension."""
    best: DateMatch | None = None
    for regex, read in _RULES:
        at = pos
        while (m := regex.search(text, at)) is not None:
            parts = read(m, day_first)
            # "2022-01-05-2" (an entry's key) and "1.2.2022-5" are not dates: a number
            # glued on by a hyphen must look like a range's end to be read as one.
            if regex in (_YEAR_FIRST, _NUMERIC) and _GLUED.match(text, m.end()) and not _date_like(text, m.end() + 1):
                parts = None
            if parts is not None:
                found = _dated(text, m.start(), m.end(), parts)
                if best is None or (found.start, -found.end) < (best.start, -best.end):
                    best = found
                break
            at = m.start() + 1  # the word was not a month; a later start may still be a date
    return best


def _dated(text: str, start: int, end: int, parts: tuple[int, int, int]) -> DateMatch:
    try:
        return DateMatch(dt.date(*parts), start, end)
    except ValueError as exc:
        problem = f"{text[start:end]} is not a calendar date ({exc})"
        return DateMatch(None, start, end, problem=problem)


def _time_at(text: str, pos: int) -> tuple[dt.time, int] | None:
    m = _TIME.match(text, pos)
    if m is None:
        return None
    try:  # drop the offset: the diary wants the wall-clock time the author wrote
        return dt.time(int(m[1]), int(m[2]), int(m[3] or 0)), m.end()
    except ValueError:
        return None


def _extend(text: str, found: DateMatch, day_first: bool) -> DateMatch:
    """Widen a match over what belongs to the date: "г.", a time, a range's end, a weekday."""
    start, end, time, unread = found.start, found.end, None, None
    if (m := _YEAR_WORD.match(text, end)) is not None:
        end = m.end()
    if (timed := _time_at(text, end)) is not None:
        time, end = timed
    if (dash := _RANGE_DASH.match(text, end)) is not None:
        last = _scan(text, dash.end(), day_first)
        if last is not None and last.start == dash.end():
            last = _extend(text, last, day_first)
            unread = text[end : last.end].strip() if last.date is None else last.unread
            end = last.end
        elif (numbers := _date_like(text, dash.end())) is not None:  # "2019.4.19-2019.22"
            unread, end = text[end : numbers.end()].strip(), numbers.end()
    weekdays = _weekday_table()
    if (m := _WEEKDAY_AFTER.match(text, end)) is not None and _key(m[1] or m[2]) in weekdays:
        end = m.end()
    if (m := _WEEKDAY_BEFORE.search(text, max(0, start - 40), start)) is not None and _key(m[1]) in weekdays:
        start = m.start()
    return DateMatch(found.date, start, end, time, found.problem, None if found.date is None else unread)


def find_date(text: str, *, day_first: bool = True) -> DateMatch | None:
    """The first full calendar date (day, month and year) in a heading's text, or None."""
    if _HAS_YEAR.search(text) is None:  # every form has a four-digit year: the cheap exit
        return None
    found = _scan(text, 0, day_first)
    return None if found is None else _extend(text, found, day_first)


_SEPARATORS = " \t\u00a0-–—:|,;.·•/"
_BRACKETS = {"(": ")", "[": "]", "{": "}", "«": "»"}


def title_beside_date(text: str, match: DateMatch) -> str:
    """The heading text with the date removed and separators trimmed.

    'Day 12: Jan 5, 2022' -> 'Day 12'; '2022-01-05 — свёртки' -> 'свёртки'.
    """
    left, right = text[: match.start].rstrip(), text[match.end :].lstrip()
    if left and right and _BRACKETS.get(left[-1]) == right[0]:  # "Lecture 3 (2022-01-05)"
        left, right = left[:-1].rstrip(), right[1:].lstrip()
    left_kept, right_kept = left.rstrip(_SEPARATORS), right.lstrip(_SEPARATORS)
    if not left_kept or not right_kept:
        return (left_kept or right_kept).strip()
    # Keep the author's separator between the two halves: "Intro — 2022-01-05 — convs".
    joint = left[len(left_kept) :].strip() or right[: len(right) - len(right_kept)].strip()
    if not joint:
        return f"{left_kept} {right_kept}"
    space = " " if joint[0] in "-–—|·•/" else ""  # "Day 12: notes" but "Intro — convs"
    return f"{left_kept}{space}{joint} {right_kept}"


def date_from_path(relpath: str) -> dt.date | None:
    """Date from a file path relative to diary/: '2022-01-05.md', '2022/01/05.md',
    '2022/01/2022-01-05.md', '2021-1-6-lenet.md', '2024-01-01-00_intro.md' (anything may follow
    a leading date). A month file ('2022-01.md') has none."""
    path = PurePosixPath(relpath.replace("\\", "/"))
    lead = _LEADING_DATE.match(path.stem)  # what follows a leading date does not matter
    found = find_date(lead[0] if lead else path.stem)
    if found is not None and found.start == 0:
        return found.date
    parts = (*path.parent.parts[-2:], path.stem)
    if len(parts) == 3 and re.fullmatch(r"\d{4}", parts[0]) and re.fullmatch(r"\d{1,2}", parts[1]):
        day = re.match(r"\d{1,2}(?!\d)", parts[2])
        if day is not None:
            try:
                return dt.date(int(parts[0]), int(parts[1]), int(day[0]))
            except ValueError:
                return None
    return None


def parse_date_value(value: object, *, day_first: bool = True) -> tuple[dt.date, dt.time | None] | None:
    """A front-matter `date:` value: a date or datetime from YAML, or a string in any form
    find_date accepts, optionally with a time ('2022-01-05T14:30:00+03:00'). None if unreadable."""
    if isinstance(value, dt.datetime):  # before date: a datetime is a date too
        return value.date(), value.time()
    if isinstance(value, dt.date):
        return value, None
    if not isinstance(value, str):
        return None
    found = find_date(value.strip(), day_first=day_first)
    if found is None or found.date is None:
        return None
    return found.date, found.time
