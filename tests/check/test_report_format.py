"""The pure parts of `check` and `shard`: escaping annotations, parsing and dealing shards."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.check import Case, annotation, count_line, failure_line
from generator.errors import UsageError
from generator.model import Entry, Result, Snippet, Source, Status
from generator.shard import Shard, assign, parse_shard


def case(error: str, traceback: str | None = None) -> Case:
    snippet = Snippet(id="2022-01-05-2", source=Source("diary/a,b:c.md", 42), lang="python", code="x\n", index=2)
    entry = Entry(key="2022-01-05", date=dt.date(2022, 1, 5), title="t", source=Source("diary/a,b:c.md", 40),
                  body="", body_line=41, snippets=(snippet,))
    return Case(entry, snippet, Result(Status.FAILED, error=error, traceback=traceback))


def test_annotation_escapes_what_github_requires() -> None:
    line = annotation(case("100% wrong\r\nsecond", "Traceback\n  line"), "error")
    assert line == (
        "::error file=diary/a%2Cb%3Ac.md,line=42,title=2022-01-05 block 2%3A failed::"
        "100% wrong%0A%0ATraceback%0A  line".replace("100%", "100%25")
    )


def test_failure_line_is_one_line() -> None:
    assert failure_line(case("\nValueError: bad\nmore")) == "diary/a,b:c.md:42: failed: ValueError: bad"


def test_count_line_follows_the_status_order() -> None:
    assert count_line([Status.CRASHED, Status.PASSED, Status.PASSED]) == "2 passed, 1 crashed"
    assert count_line([]) == "no snippets"


@pytest.mark.parametrize("text, shard", [("1/1", Shard(1, 1)), (" 2 / 3 ", Shard(2, 3))])
def test_parse_shard(text: str, shard: Shard) -> None:
    assert parse_shard(text) == shard


@pytest.mark.parametrize("text", ["0/1", "2/1", "1/0", "a/b", "1", ""])
def test_parse_shard_refuses(text: str) -> None:
    with pytest.raises(UsageError, match="--shard"):
        parse_shard(text)


def test_assign_is_balanced_complete_and_deterministic() -> None:
    costs = {"2022-01-01": 5.0, "2022-01-02": 4.0, "2022-01-03": 3.0, "2022-01-04": 3.0, "2022-01-05": 3.0}
    shards = assign(costs, 2)
    assert shards == [["2022-01-01", "2022-01-04"], ["2022-01-02", "2022-01-03", "2022-01-05"]]
    assert assign(dict(reversed(costs.items())), 2) == shards  # input order does not matter
    assert sorted(k for s in assign(costs, 4) for k in s) == sorted(costs)
    assert assign({}, 3) == [[], [], []]
