"""Dates in headings, file names and front matter (generator/dates.py).

Most cases live in fixture files under fixtures/dates/, one per line, so the
accepted forms read as a list: add a line there to pin a new form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from babel.dates import get_month_names
from hypothesis import given
from hypothesis import strategies as st

from generator.dates import DateMatch, date_from_path, find_date, parse_date_value, title_beside_date

FIXTURES = Path(__file__).parent / "fixtures" / "dates"


def read_rows(name: str, width: int) -> list[Any]:
    """Tab-separated rows padded with None to `width` columns; '#' lines and blank lines are comments."""
    rows = []
    for number, line in enumerate((FIXTURES / name).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip("\t") or line.startswith("#"):
            continue
        columns = line.split("\t")
        rows.append(pytest.param(*columns, *[None] * (width - len(columns)), id=f"{name}:{number}"))
    return rows


@pytest.mark.parametrize(("text", "expected", "title"), read_rows("headings.tsv", 3))
def test_heading(text: str, expected: str, title: str | None) -> None:
    match = find_date(text)
    if expected == "NONE":
        assert match is None
        return
    assert match is not None
    if expected == "INVALID":
        assert match.date is None
        assert match.problem is not None
        assert match.problem.startswith(f"{text[match.start : match.end]} is not a calendar date (")
    else:
        assert match.date == dt.date.fromisoformat(expected)
        assert match.problem is None
    if title is not None:
        assert title_beside_date(text, match) == ("" if title == "EMPTY" else title)


@pytest.mark.parametrize(("path", "expected"), read_rows("paths.tsv", 2))
def test_date_from_path(path: str, expected: str) -> None:
    wanted = None if expected == "NONE" else dt.date.fromisoformat(expected)
    assert date_from_path(path) == wanted


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # Whatever follows a leading date, the name is dated by it.
        ("2024-01-01-00_pytorch_fundamentals.ipynb", dt.date(2024, 1, 1)),
        ("2024-01-01-00_intro.md", dt.date(2024, 1, 1)),
        ("2024-01-01_intro.ipynb", dt.date(2024, 1, 1)),
        ("2024-01-01-lesson-3.md", dt.date(2024, 1, 1)),
        ("2024-01-01T10-30_notes.md", dt.date(2024, 1, 1)),
        ("2024-01-01.2.md", dt.date(2024, 1, 1)),
        ("2024-01-01-2024-01-03.md", dt.date(2024, 1, 1)),
        ("03.01.2022-00_notes.md", dt.date(2022, 1, 3)),
        ("2021-1-6-lenet.md", dt.date(2021, 1, 6)),
        ("2022/01/05-00_intro.md", dt.date(2022, 1, 5)),
        # Compact dates are not read, and an impossible leading date dates nothing.
        ("20240101_intro.md", None),
        ("2022-13-01-00_intro.md", None),
        ("2022-02-30_intro.md", None),
    ],
)
def test_date_from_path_ignores_what_follows_the_date(path: str, expected: dt.date | None) -> None:
    assert date_from_path(path) == expected


@pytest.mark.parametrize(
    ("text", "expected", "unread"),
    [
        # A range whose end does not read is dated by its start; the end is kept as unread.
        ("2019.4.19-2019.22", dt.date(2019, 4, 19), "-2019.22"),
        ("2022-01-05 - 2022.22", dt.date(2022, 1, 5), "- 2022.22"),
        ("03.01.2022 – 30.02.2022 поездка", dt.date(2022, 1, 3), "– 30.02.2022"),
        ("5 января 2022 – 2019.22", dt.date(2022, 1, 5), "– 2019.22"),
        ("2022-01-05 – 2022-01-07-2019.22", dt.date(2022, 1, 5), "-2019.22"),
        # Ranges that read, and text that is not a range's end, leave nothing unread.
        ("5–7 января 2022", dt.date(2022, 1, 5), None),
        ("2022-01-05 — свёртки", dt.date(2022, 1, 5), None),
        ("2022-01-05-2022-01-07", dt.date(2022, 1, 5), None),
        ("05.01.2022-06.01.2022", dt.date(2022, 1, 5), None),
        ("2022-01-05 — 1.5 lr", dt.date(2022, 1, 5), None),
        # Still no date: a year or a month alone, an entry key, a version.
        ("2022", None, None),
        ("Январь", None, None),
        ("2022-01-05-2", None, None),
        ("1.2.2022-5", None, None),
    ],
)
def test_range_end_that_does_not_read(text: str, expected: dt.date | None, unread: str | None) -> None:
    match = find_date(text)
    if expected is None:
        assert match is None
        return
    assert match is not None
    assert (match.date, match.problem, match.unread) == (expected, None, unread)
    if unread is not None:
        assert text[match.start : match.end].endswith(unread)


def test_impossible_date_with_a_range_end_stays_undated() -> None:
    match = find_date("30.02.2022-2019.22")
    assert match is not None
    assert (match.date, match.unread) == (None, None)
    assert match.problem is not None


def test_span_covers_exactly_the_date() -> None:
    text = "Day 12: Jan 5, 2022 — convs"
    match = find_date(text)
    assert match is not None
    assert text[match.start : match.end] == "Jan 5, 2022"


def test_span_takes_russian_year_word() -> None:
    text = "5 января 2022 г. — итоги"
    match = find_date(text)
    assert match is not None
    assert text[match.start : match.end] == "5 января 2022 г."


def test_first_date_wins() -> None:
    match = find_date("2022-01-05, moved from 2022-01-03")
    assert match is not None
    assert match.date == dt.date(2022, 1, 5)
    assert match.start == 0


def test_problem_names_the_text_and_the_reason() -> None:
    match = find_date("## 30.02.2022")
    assert match == DateMatch(
        None, 3, 13, problem="30.02.2022 is not a calendar date (day is out of range for month)"
    )


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("01/02/2022", True, dt.date(2022, 2, 1)),
        ("01/02/2022", False, dt.date(2022, 1, 2)),
        ("01.02.2022", False, dt.date(2022, 1, 2)),
        ("3/1/2022", False, dt.date(2022, 3, 1)),
        # A number over 12 can only be the day, whatever the setting.
        ("13/01/2022", False, dt.date(2022, 1, 13)),
        ("01/13/2022", True, dt.date(2022, 1, 13)),
        # Year-first and worded dates do not depend on the setting.
        ("2022-01-02", False, dt.date(2022, 1, 2)),
        ("1 February 2022", False, dt.date(2022, 2, 1)),
        # A day range in front pins the order: the days come first.
        ("5-7.01.2022", False, dt.date(2022, 1, 5)),
        ("12/30-01/02/2023", False, dt.date(2022, 12, 30)),
    ],
)
def test_day_first_setting(text: str, day_first: bool, expected: dt.date) -> None:
    match = find_date(text, day_first=day_first)
    assert match is not None
    assert match.date == expected


@pytest.mark.parametrize(
    ("text", "time"),
    [
        ("03.01.2022, 14:30 — лекция", dt.time(14, 30)),
        ("2022-01-05 09:05:07", dt.time(9, 5, 7)),
        ("2022-01-05T14:30:00+03:00", dt.time(14, 30)),
        ("Jan 5, 2022 8:00", dt.time(8, 0)),
        ("2022-01-05 — 14:30 is not glued to the date", None),
        ("2022-01-05 25:00", None),
    ],
)
def test_time_after_the_date(text: str, time: dt.time | None) -> None:
    match = find_date(text)
    assert match is not None
    assert match.date is not None
    assert match.time == time


@pytest.mark.parametrize("locale", ["ru", "uk", "en", "de", "fr", "es", "it", "pt", "pl", "nl"])
def test_every_cldr_month_name_reads(locale: str) -> None:
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for month, name in get_month_names(width, context, locale).items():
                for text in (f"5 {name} 2022", f"5 {name.upper()} 2022"):
                    match = find_date(text)
                    assert match is not None, text
                    assert match.date == dt.date(2022, month, 5), text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2022, 1, 5), (dt.date(2022, 1, 5), None)),
        (dt.datetime(2022, 1, 5, 14, 30), (dt.date(2022, 1, 5), dt.time(14, 30))),
        (
            dt.datetime(2022, 1, 5, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=3))),
            (dt.date(2022, 1, 5), dt.time(14, 30)),
        ),
        ("2022-01-05", (dt.date(2022, 1, 5), None)),
        ("  2022-01-05\n", (dt.date(2022, 1, 5), None)),
        ("2022-01-05 14:30", (dt.date(2022, 1, 5), dt.time(14, 30))),
        ("2022-01-05T14:30:00+03:00", (dt.date(2022, 1, 5), dt.time(14, 30))),
        ("03.01.2022", (dt.date(2022, 1, 3), None)),
        ("5 января 2022", (dt.date(2022, 1, 5), None)),
        ("Jan 5, 2022", (dt.date(2022, 1, 5), None)),
        ("30.02.2022", None),
        ("yesterday", None),
        ("", None),
        (2022, None),
        (None, None),
        (["2022-01-05"], None),
    ],
)
def test_parse_date_value(value: object, expected: tuple[dt.date, dt.time | None] | None) -> None:
    assert parse_date_value(value) == expected


def test_parse_date_value_month_first() -> None:
    assert parse_date_value("01/02/2022", day_first=False) == (dt.date(2022, 1, 2), None)


def test_title_beside_date_keeps_text_when_date_is_inside_a_sentence() -> None:
    text = "Recap of 2022-01-05 and more"
    match = find_date(text)
    assert match is not None
    assert title_beside_date(text, match) == "Recap of and more"


def test_date_match_is_frozen() -> None:
    match = DateMatch(dt.date(2022, 1, 5), 0, 10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.start = 1  # type: ignore[misc]


@given(st.text())
def test_find_date_never_raises_and_spans_stay_inside(text: str) -> None:
    match = find_date(text)
    if match is not None:
        assert 0 <= match.start < match.end <= len(text)
        assert (match.date is None) == (match.problem is not None)
        assert match.unread is None or match.date is not None
        title_beside_date(text, match)


@given(
    st.dates(min_value=dt.date(1000, 1, 1)),
    st.sampled_from(["%d.%m.%Y", "%Y-%m-%d", "%d %B %Y", "%B %d, %Y"]),
)
def test_any_written_date_reads_back(date: dt.date, form: str) -> None:
    text = f"Notes {date.strftime(form)} — recap"
    match = find_date(text)
    assert match is not None
    assert match.date == date
    assert title_beside_date(text, match) == "Notes — recap"
