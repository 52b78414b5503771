"""Messy and broken diary files: each is a warning naming its file and line, and the rest of the site builds.

One diary holds every kind of bad input (module fixture, one real build);
each test reads the warning it is about from stderr and from journal.json,
and checks that the entries around it were built. Inputs that leave nothing
to build are usage errors: exit 2, one line, no traceback.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest

from generator.diary import parse_document
from tests.safety.conftest import build, journal, write_tree

FUTURE = dt.date.today().year + 5

DIARY: dict[str, str | bytes] = {
    "latin1.md": "## 05.01.2022\n\nзаметка в cp1251\n".encode("cp1251"),
    "bom.md": "\ufeff## 06.01.2022\n\nфайл с BOM\n".encode("utf-8"),
    "crlf.md": "## 07.01.2022\r\n\r\nстрока с CRLF\r\n## 08.01.2022\r\nвторая\r\n",
    "empty.md": b"",
    "blank.md": "\n   \n\t\n",
    "binary.md": b"## 09.01.2022\n\x00\x01\x02\xff binary",
    "picture.png": b"\x89PNG\r\n\x1a\n\x00\x00 not text, and not Markdown",
    "dates.md": (
        "## 30.02.2022\n\nневозможная дата\n\n## 45.13.2022\n\nнеправильная дата\n\n"
        "## 10.01.2022\n\nпервая\n\n## 10.01.2022\n\nвторая с той же датой\n\n"
        f"## 01.01.{FUTURE}\n\nиз будущего\n"
    ),
    "front-matter.md": "---\ntitle: [broken\n---\n## 11.01.2022\n\nтекст под сломанным front matter\n",
    "impossible-fm.md": "---\ntitle: Ok\ndate: 2022-02-30\n---\nтекст без даты\n",
    "fence.md": "## 12.01.2022\n\n```python\nprint('never closed')\n\nтекст после\n",
    "only-date.md": "## 13.01.2022\n",
    "date-heading.md": "Предисловие.\n\n## 14.01.2022\n\nобычная запись под голой датой\n",
    "aliases.md": (
        "---\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
        "title: *h\ntags: *h\ndate: *h\n---\n## 15.01.2022\n\nзапись под YAML-бомбой\n"
    ),
}

# (file, line, what the warning says)
WARNINGS = [
    ("latin1.md", 3, "file is not valid UTF-8; undecodable bytes are shown as \ufffd"),
    ("empty.md", 1, "empty file: skipped"),
    ("blank.md", 1, "empty file: skipped"),
    ("binary.md", 2, "binary file (a NUL byte on this line), not Markdown text: skipped"),
    ("dates.md", 1, "30.02.2022 is not a calendar date (day is out of range for month): the heading does not start an entry"),
    ("dates.md", 5, "45.13.2022 is not a calendar date (month must be in 1..12): the heading does not start an entry"),
    ("dates.md", 13, "a second entry dated 2022-01-10 (the first is at diary/dates.md:9); both are kept, this one as 2022-01-10-2"),
    ("dates.md", 17, f"dated {FUTURE}-01-01, after today ({dt.date.today().isoformat()}); built anyway"),
    ("front-matter.md", 2, "broken front matter (expected ',' or ']', but got '<stream end>'); it is kept as text"),
    ("impossible-fm.md", 3, "front matter `date: 2022-02-30` is not a date I can read"),
    ("fence.md", 3, "code fence ``` is never closed; it runs to the end of its block"),
    ("only-date.md", 1, "the entry dated 2022-01-13 has no text"),
    ("aliases.md", 10, "front matter `title:` is not text; ignored"),
    ("aliases.md", 11, "front matter `tags:` should be words, in a list or separated by commas; the rest is ignored"),
    ("aliases.md", 12, "front matter `date:` is not a date; ignored"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("bad")
    write_tree(folder / "diary", DIARY)
    started = time.monotonic()
    done = build(folder, "--no-execute")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < 60  # the YAML alias bomb is never written out
    return folder, done.stderr, journal(folder)


@pytest.mark.parametrize(("name", "line", "message"), WARNINGS, ids=[f"{w[0]}:{w[1]}" for w in WARNINGS])
def test_each_bad_input_is_a_warning_naming_file_and_line(built: tuple[Path, str, dict[str, Any]], name: str,
                                                          line: int, message: str) -> None:
    _, stderr, data = built
    assert f"diary/{name}:{line}: warning: {message}" in stderr
    assert {"file": f"diary/{name}", "line": line, "message": message} in data["warnings"]


def test_the_rest_of_the_site_is_built(built: tuple[Path, str, dict[str, Any]]) -> None:
    folder, _, data = built
    dates = sorted(e["date"] for e in data["entries"])
    assert dates == [
        "2022-01-05", "2022-01-06", "2022-01-07", "2022-01-08", "2022-01-10", "2022-01-10", "2022-01-11",
        "2022-01-12", "2022-01-13", "2022-01-14", "2022-01-15", f"{FUTURE}-01-01",
    ]
    for entry in data["entries"]:
        assert (folder / "site" / entry["url"]).is_file()
    assert (folder / "site" / "files" / "picture.png").read_bytes() == DIARY["picture.png"]
    assert [p["source"] for p in data["pages"]] == ["diary/impossible-fm.md"]  # no date: a page, text kept
    assert not any("binary.md" in e["source"] or "empty.md" in e["source"] for e in data["entries"])


def by_source(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e for e in data["entries"] if e["source"] == f"diary/{name}"]


def page_text(folder: Path, entry: dict[str, Any]) -> str:
    return (folder / "site" / str(entry["url"])).read_text(encoding="utf-8")


def test_non_utf8_text_is_kept_with_replacement_characters(built: tuple[Path, str, dict[str, Any]]) -> None:
    folder, _, data = built
    (entry,) = by_source(data, "latin1.md")
    assert entry["date"] == "2022-01-05" and "\ufffd" in page_text(folder, entry)


def test_bom_and_crlf_are_plain_text_without_warnings(built: tuple[Path, str, dict[str, Any]]) -> None:
    folder, _, data = built
    assert not [w for w in data["warnings"] if w["file"] in ("diary/bom.md", "diary/crlf.md")]
    (bom,) = by_source(data, "bom.md")
    assert (bom["date"], bom["line"]) == ("2022-01-06", 1) and "\ufeff" not in bom["title"]
    first, second = by_source(data, "crlf.md")
    assert (first["line"], second["line"]) == (1, 4)
    assert "строка с CRLF" in page_text(folder, first) and "\r" not in page_text(folder, first)


def test_impossible_dates_keep_their_text_in_the_files_page_or_entry(built: tuple[Path, str, dict[str, Any]]) -> None:
    folder, _, _ = built
    month = (folder / "site" / "months" / "2022-01.html").read_text(encoding="utf-8")
    assert "невозможная дата" in month and "неправильная дата" in month  # before the first date: the preface


def test_duplicated_dates_are_both_kept(built: tuple[Path, str, dict[str, Any]]) -> None:
    folder, _, data = built
    urls = sorted(e["url"] for e in by_source(data, "dates.md") if e["date"] == "2022-01-10")
    assert urls == ["entries/2022-01-10-2.html", "entries/2022-01-10.html"]
    assert "вторая с той же датой" in (folder / "site" / urls[0]).read_text(encoding="utf-8")


def test_a_future_entry_is_built(built: tuple[Path, str, dict[str, Any]]) -> None:
    folder, _, data = built
    (future,) = [e for e in data["entries"] if e["date"] == f"{FUTURE}-01-01"]
    assert "из будущего" in page_text(folder, future)


def test_broken_front_matter_and_an_unclosed_fence_keep_their_text(built: tuple[Path, str, dict[str, Any]]) -> None:
    folder, _, data = built
    month = (folder / "site" / "months" / "2022-01.html").read_text(encoding="utf-8")
    assert "title: [broken" in month  # kept as the file's preface
    (fenced,) = by_source(data, "fence.md")
    assert "never closed" in page_text(folder, fenced)
    assert [s["status"] for s in fenced["snippets"]] == ["skipped"]  # --no-execute: nothing stored


def test_a_heading_that_is_only_a_date_titles_the_entry_with_the_date(built: tuple[Path, str, dict[str, Any]]) -> None:
    folder, _, data = built
    (entry,) = by_source(data, "date-heading.md")
    assert entry["title"] == "14 января 2022" and entry["line"] == 3
    assert "обычная запись под голой датой" in page_text(folder, entry)
    assert not [w for w in data["warnings"] if w["file"] == "diary/date-heading.md"]


def test_a_yaml_alias_bomb_is_ignored_not_expanded(built: tuple[Path, str, dict[str, Any]]) -> None:
    _, _, data = built
    (entry,) = by_source(data, "aliases.md")
    assert entry["tags"] == [] and entry["title"] == "15 января 2022"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (None, "build-site: no diary folder at diary (run in a folder holding diary/, or pass --diary DIR)"),
        ({}, "build-site: nothing to build: no Markdown files in diary"),
        ({"notes.txt": "not Markdown"}, "build-site: nothing to build: no Markdown files in diary"),
        ({"a.md": b"", "b.md": b"\x00\x01"},
         "build-site: nothing to build: no Markdown file in diary has text (diary/a.md:1: empty file: skipped)"),
    ],
    ids=["missing", "empty", "no-markdown", "only-empty-and-binary"],
)
def test_nothing_to_build_is_exit_2_with_one_line(tmp_path: Path, files: dict[str, str | bytes] | None, message: str) -> None:
    if files is not None:
        (tmp_path / "diary").mkdir()
        write_tree(tmp_path / "diary", files)
    done = build(tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == message
    assert not (tmp_path / "site").exists()


def test_a_diary_that_is_a_file_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "diary").write_text("## 05.01.2022\n", encoding="utf-8")
    done = build(tmp_path)
    assert done.returncode == 2 and "no diary folder at diary" in done.stderr and "Traceback" not in done.stderr


def big_log_entry(size: int) -> str:
    """A month file whose one entry is ``size`` bytes: prose around a pasted training log."""
    line = "epoch {:7d}  loss=0.{:04d}  acc=0.{:04d}  lr=1e-3  grad_norm=1.{:03d}"
    lines, used, i = [], 0, 0
    while used < size:
        lines.append(line.format(i, i % 9973, i % 8191, i % 997))
        used += len(lines[-1]) + 1
        i += 1
    return "## 05.01.2022 Лог обучения\n\nЛог целиком:\n\n```text\n" + "\n".join(lines) + "\n```\n\nИтог: loss упал.\n"


def test_a_20_mb_entry_builds_in_reasonable_time(tmp_path: Path) -> None:
    text = big_log_entry(20 * 2**20)
    write_tree(tmp_path / "diary", {"2022-01.md": text, "2022-02-01.md": "Соседняя запись.\n"})
    started = time.monotonic()
    done = build(tmp_path, "--no-execute")
    seconds = time.monotonic() - started
    print(f"20 MB entry: built in {seconds:.1f} s")
    assert done.returncode == 0, done.stderr
    assert seconds < 120
    page = (tmp_path / "site" / "entries" / "2022-01-05.html").read_text(encoding="utf-8")
    assert "Итог: loss упал." in page and len(page) > 20 * 2**20
    assert (tmp_path / "site" / "entries" / "2022-02-01.html").is_file()


def test_the_reader_reads_5_mb_of_varied_markdown_in_seconds() -> None:
    chunk = ("### Заметка {i}\n\nГрадиенты накапливаются в `.grad`, поэтому перед шагом нужен `zero_grad()`,\n"
             "а формула $y = Wx + b$ [ссылка](https://example.org/{i}).\n\n- пункт про тензоры\n- пункт про **свёртки**\n\n"
             "```text\nloss = {i}.0\n```\n\n| эпоха | loss |\n|---|---|\n| {i} | 0.5 |\n\n")
    parts, size, i = ["## 05.01.2022 Большой день\n\n"], 0, 0
    while size < 5 * 2**20:
        parts.append(chunk.format(i=i))
        size += len(parts[-1].encode("utf-8"))
        i += 1
    doc = parse_document("diary/2022-01.md", "".join(parts), rel="2022-01.md")
    assert [e.date.isoformat() for e in doc.entries] == ["2022-01-05"] and not doc.diagnostics
