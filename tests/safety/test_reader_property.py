"""The diary reader loses nothing and never raises, for any text (hypothesis).

The invariant, for every file text: no exception escapes `parse_document`,
and each non-blank line of the input is in exactly one place:

- the front matter `split_front_matter` parsed (its lines are metadata),
- an entry's heading line (``entry.source.line``, for a dated heading),
- an entry's body (``entry.body`` is exactly the file's lines from
  ``entry.body_line`` on, so its place is checked, not only its text),
- the document's preface (the text under no entry): the lines no entry and
  no front matter claimed, as a multiset.

Lines are what the reader splits on: ``\\r\\n``, ``\\r`` and ``\\n``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.diary import assign_keys, decode, entry_warnings, parse_document, split_front_matter, text_of

INTERESTING = [
    "## 03.01.2022", "# 5 января 2022", "### 2022-01-05 — свёртки", "## Day 12: Jan 5, 2022", "## 30.02.2022",
    "## 45.13.2022", "## 2022", "## Январь", "## 2022年1月5日", "#### 5–7 января 2022", "# Notes", "## 03.01.2022",
    "---", "...", "title: x", "title: [a, b]", "date: 2022-02-30", "date: 2022-01-05 10:30", "date: [", "tags: a, b",
    "tags: [[x]]", "```python", "```", "````", "~~~", "~~~pycon", "```output", "    indented code", "> ## 04.01.2022",
    "- ## 05.01.2022", "1. ### 06.01.2022", "===", "---", "Text 07.01.2022 in a paragraph", "", " ", "\t",
    "<div>", "</div>", "<!--", "-->", "| a | b |", "|---|---|", "[[2022-01-05]]", "$x$", "\ufeff## 08.01.2022",
    "\x00", "## 09.01.2022 <img src=x onerror=alert(1)>", "a: &a [x, x]", "b: [*a, *a]",
]
LINE = st.one_of(st.sampled_from(INTERESTING), st.text(max_size=40), st.text(alphabet="#-=`~>* 0123456789.\t", max_size=12))
SEPARATOR = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"])


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = draw(st.lists(LINE, max_size=30))
    seps = draw(st.lists(SEPARATOR, min_size=len(lines), max_size=len(lines)))
    return "".join(line + sep for line, sep in zip(lines, seps, strict=True)) + draw(st.sampled_from(["", "tail"]))


def reader_lines(text: str) -> list[str]:
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=documents(), rel=st.sampled_from(["x.md", "2022-01-05.md", "2022/01/05.md", "notes/a.md"]),
       day_first=st.booleans())
def test_every_non_blank_line_is_in_exactly_one_place(text: str, rel: str, day_first: bool) -> None:
    path = f"diary/{rel}"
    doc = parse_document(path, text, rel=rel, day_first=day_first)
    lines = reader_lines(text)
    _, fm_end, _ = split_front_matter(path, lines)
    owner: dict[int, str] = {}

    def claim(index: int, who: str) -> None:
        assert 0 <= index < len(lines), f"{who} claims line {index + 1} of {len(lines)}"
        if lines[index].strip():
            assert index not in owner, f"line {index + 1} {lines[index]!r} is in {owner[index]} and in {who}"
            owner[index] = who

    for i in range(fm_end):
        claim(i, "front matter")
    for n, entry in enumerate(doc.entries):
        if entry.heading_level:
            claim(entry.source.line - 1, f"entry {n} heading")
        if entry.body:
            body = entry.body.split("\n")
            start = entry.body_line - 1
            assert lines[start : start + len(body)] == body, f"entry {n}'s body is not the file's lines from {entry.body_line}"
            for i in range(start, start + len(body)):
                claim(i, f"entry {n} body")
    unclaimed = Counter(line for i, line in enumerate(lines) if line.strip() and i not in owner)
    in_preface = Counter(line for line in doc.preface.split("\n") if line.strip())
    assert unclaimed == in_preface
    for d in doc.diagnostics:
        assert d.source.path == path and d.source.line >= 1


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300) | st.text(max_size=100).map(lambda t: t.encode("utf-16")))
def test_any_bytes_are_text_or_a_warning(data: bytes) -> None:
    text, problems = text_of("diary/x.md", data)
    assert text is not None or problems
    decoded, _ = decode("diary/x.md", data)
    assert isinstance(decoded, str)
    if text is not None:
        parse_document("diary/x.md", text)


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(documents(), max_size=4))
def test_warnings_across_entries_never_raise(texts: list[str]) -> None:
    entries = [e for i, t in enumerate(texts) for e in parse_document(f"diary/{i}.md", t, rel=f"{i}.md").entries]
    keyed = assign_keys(entries)
    assert len({e.key for e in keyed}) == len(keyed)
    entry_warnings(keyed, dt.date(2024, 1, 1))
