"""The diary reader: layouts, date forms, entry boundaries, warnings. Pure: no torch, no build."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from generator.diary import read_diary
from generator.diary import assign_keys, decode, parse_document
from generator.i18n import Strings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "diaries"
SEED = Path(__file__).resolve().parents[2] / "diary" / "2022-01.md"


def read_fixture(name: str):
    texts, assets = read_diary(FIXTURES / name)
    docs = [parse_document(path, decode(path, data)[0], rel=rel) for path, rel, data in texts]
    return docs, assets


def test_mixed_layouts_give_every_entry_in_date_order() -> None:
    docs, assets = read_fixture("mixed")
    expected = json.loads((FIXTURES / "mixed" / "expected.json").read_text(encoding="utf-8"))
    ru = Strings("ru")
    entries = assign_keys([e for d in docs for e in d.entries])
    got = [[e.date.isoformat(), e.title or ru.date(e.date), e.source.path.split("/mixed/", 1)[1], e.source.line] for e in entries]
    assert got == expected["entries"]
    assert [d.rel for d in docs if not d.entries] == expected["pages"]
    assert "img/scheme.png" in assets


def test_same_date_sections_get_distinct_stable_keys() -> None:
    docs, _ = read_fixture("mixed")
    keys = [e.key for e in assign_keys([e for d in docs for e in d.entries])]
    assert len(keys) == len(set(keys))
    assert "2022-02-10" in keys and "2022-02-10-2" in keys


def test_front_matter_date_time_title_and_tags() -> None:
    docs, _ = read_fixture("mixed")
    (entry,) = next(d for d in docs if d.rel == "front-matter.md").entries
    assert (entry.date.isoformat(), str(entry.time), entry.title) == ("2022-03-01", "14:30:00", "Front matter wins")
    assert entry.tags == ("autograd", "cuda")
    (listed,) = next(d for d in docs if d.rel == "list-tags.md").entries
    assert listed.tags == ("one", "two")


def test_text_under_no_entry_stays_on_the_file_page() -> None:
    docs, _ = read_fixture("mixed")
    doc = next(d for d in docs if d.rel == "2022-02.md")
    assert "Текст до первой даты" in doc.preface
    assert "Text under an undated heading of a higher level" in doc.preface
    assert doc.title == "Февраль"
    for e in doc.entries:
        assert "Текст до первой даты" not in e.body


def test_entry_runs_to_next_dated_heading_of_same_or_higher_level() -> None:
    docs, _ = read_fixture("mixed")
    by_title = {e.title: e for d in docs for e in d.entries}
    assert "Still the same entry." in by_title["Day 12"].body  # a lower undated heading stays inside
    assert "#### Подзаголовок" in by_title["Day 12"].body
    assert "## 2022\n" in by_title["2022"].body + "\n"  # a year alone is no date


def test_seed_has_five_entries_and_keeps_its_preface() -> None:
    doc = parse_document("diary/2022-01.md", SEED.read_text(encoding="utf-8"))
    assert [e.date.isoformat() for e in doc.entries] == ["2022-01-03", "2022-01-05", "2022-01-06", "2022-01-07", "2022-01-08"]
    assert "Решил сегодня _(03.01.2021)_ начать писать дневник" in doc.preface
    assert doc.diagnostics == ()
    assert [e.source.line for e in doc.entries] == [9, 17, 41, 50, 59]


def test_every_line_of_a_file_is_kept_somewhere() -> None:
    for path in [SEED, *sorted((FIXTURES / "mixed").rglob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        doc = parse_document(f"diary/{path.name}", text, rel=path.name)
        kept = "\n".join([doc.preface, *(e.body for e in doc.entries)])
        headings = {e.source.line for e in doc.entries}
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip() and number not in headings:
                assert line in kept or line.startswith(("---", "date:", "title:", "tags:")), f"{path.name}:{number} lost"


def warn(text: str, rel: str = "x.md") -> list[str]:
    return [f"{d.source.line}: {d.message}" for d in parse_document(f"diary/{rel}", text, rel=rel).diagnostics]


def test_impossible_date_is_a_warning_and_the_text_is_kept() -> None:
    text = "## 03.01.2022\n\nfirst\n\n## 30.02.2022\n\nsecond\n"
    doc = parse_document("diary/x.md", text, rel="x.md")
    assert [str(d) for d in doc.diagnostics] == [
        "diary/x.md:5: 30.02.2022 is not a calendar date (day is out of range for month): the heading does not start an entry"
    ]
    assert "second" in doc.entries[0].body and "## 30.02.2022" in doc.entries[0].body


@pytest.mark.parametrize(
    ("text", "dates", "warnings"),
    [
        (
            "## 2019.4.19-2019.22\n\nfirst\n",
            ["2019-04-19"],
            ["1: `-2019.22` is not read as a date: the heading starts an entry dated 2019-04-19"],
        ),
        (
            "## 03.01.2022\n\nx\n\n## 05.01.2022 – 30.02.2022 поездка\n\ny\n",
            ["2022-01-03", "2022-01-05"],
            ["5: `– 30.02.2022` is not read as a date: the heading starts an entry dated 2022-01-05"],
        ),
        ("## 5–7 января 2022\n\nx\n", ["2022-01-05"], []),
        ("## 2022-01-05 — свёртки\n\nx\n", ["2022-01-05"], []),
        ("## 2022\n\nx\n", [], ["1: no dated heading"]),
        ("## Январь\n\nx\n", [], ["1: no dated heading"]),
        ("## 30.02.2022\n\nx\n", [], ["1: 30.02.2022 is not a calendar date", "1: no dated heading"]),
    ],
)
def test_heading_dates_and_their_warnings(text: str, dates: list[str], warnings: list[str]) -> None:
    doc = parse_document("diary/x.md", text, rel="x.md")
    assert [e.date.isoformat() for e in doc.entries] == dates
    messages = warn(text)
    assert len(messages) == len(warnings) and all(m.startswith(w) for m, w in zip(messages, warnings)), messages


def test_file_name_date_wins_over_what_follows_it() -> None:
    doc = parse_document("diary/2024-01-01-00_pytorch_fundamentals.md", "# Fundamentals\n\ntext\n", rel="2024-01-01-00_pytorch_fundamentals.md")
    assert [(e.date.isoformat(), e.title) for e in doc.entries] == [("2024-01-01", "Fundamentals")]
    assert doc.diagnostics == ()


def test_non_utf8_file_is_a_warning_with_its_line() -> None:
    text, problems = decode("diary/old.md", "## 03.01.2022\n\nпривет".encode("cp1251"))
    assert [str(p) for p in problems] == ["diary/old.md:3: file is not valid UTF-8; undecodable bytes are shown as \ufffd"]
    assert text.startswith("## 03.01.2022")


def test_bom_and_crlf_are_read_as_plain_text() -> None:
    text, problems = decode("diary/x.md", "\ufeff## 03.01.2022\r\n\r\nтекст\r\n".encode("utf-8"))
    doc = parse_document("diary/x.md", text, rel="x.md")
    assert problems == () and doc.diagnostics == ()
    assert doc.entries[0].date.isoformat() == "2022-01-03" and doc.entries[0].body.strip() == "текст"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\ndate: [unclosed\n---\n## 03.01.2022\n", "2: broken front matter"),
        ("---\ntitle: x\n## 03.01.2022\n", "1: front matter is not closed"),
        ("---\n- a list\n---\n## 03.01.2022\n", "2: front matter is not a mapping"),
        ("---\ndate: someday\n---\ntext\n", "2: front matter `date: someday` is not a date"),
        ("## 03.01.2022\n\n```python\nprint(1)\n", "3: code fence ``` is never closed"),
        ("# Notes\n\nno date here\n", "1: no dated heading"),
    ],
)
def test_problems_are_warnings_naming_the_line(text: str, expected: str) -> None:
    messages = warn(text)
    assert any(m.startswith(expected) for m in messages), messages


def test_broken_front_matter_keeps_its_text() -> None:
    doc = parse_document("diary/x.md", "---\ndate: [unclosed\n---\n## 03.01.2022\nbody\n", rel="x.md")
    assert "date: [unclosed" in doc.preface and doc.entries[0].body.strip() == "body"


def test_closed_fence_and_dated_text_in_code_are_not_headings() -> None:
    text = "## 03.01.2022\n\n```python\n## 04.01.2022\nprint(1)\n```\n"
    doc = parse_document("diary/x.md", text, rel="x.md")
    assert doc.diagnostics == () and len(doc.entries) == 1


def test_ambiguous_numeric_date_follows_the_setting() -> None:
    text = "## 01/02/2022\n\nx\n"
    assert parse_document("d/x.md", text, rel="x.md").entries[0].date.isoformat() == "2022-02-01"
    assert parse_document("d/x.md", text, rel="x.md", day_first=False).entries[0].date.isoformat() == "2022-01-02"


def test_snippets_found_while_reading_equal_those_found_in_the_body_alone() -> None:
    from generator.build import Settings, read_journal
    from generator.snippets import extract_snippets

    checked = 0
    for diary in (SEED.parent, FIXTURES / "mixed", FIXTURES / "faults"):
        journal = read_journal(Settings(diary=diary, execute=False), today=dt.date(2030, 1, 1))
        for e in journal.entries:
            if e.source.path.endswith(".ipynb"):
                continue
            alone, problems = extract_snippets(e.key, e.source.path, e.body, e.body_line)
            assert e.snippets == alone, e.key
            assert set(problems) <= set(journal.diagnostics)
            checked += len(alone)
    assert checked >= 15


def test_snippets_found_while_reading_a_tricky_file_equal_those_of_each_body_alone() -> None:
    from generator.diary import assign_keys
    from generator.snippets import extract_snippets

    text = (
        "---\ntags: [x]\n---\n# Month\n\n## 03.01.2022\n```python\nprint(1)\n```\n```output\n1\n```\n"
        "- a list\n\n  ```python skip\n  x = 1\n  ```\n> ~~~python\n> y = 2\n> ~~~\n\n"
        "## 04.01.2022\n\nText.\n\n```python timeout=0 bogus=1\nz = 3\n```\n\n```bash\nls\n```\n"
        "## 05.01.2022\n```python\nnever closed\n"
    )
    doc = parse_document("diary/2022-01.md", text, rel="2022-01.md")
    entries = assign_keys(list(doc.entries))
    assert len(entries) == 3
    found = 0
    for e in entries:
        alone, problems = extract_snippets(e.key, e.source.path, e.body, e.body_line)
        keyed = tuple(dataclasses.replace(x, id=f"{e.key}-{x.index}") for x in e.snippets)
        assert keyed == alone, e.key
        assert set(problems) <= set(doc.diagnostics)
        found += len(alone)
    assert found == 5
