"""Notebooks in: an `.ipynb` file of the diary read as a document with one entry (pure: nothing runs)."""

from __future__ import annotations

import datetime as dt
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_raw_cell

from generator.markdown import RenderContext, render_markdown
from generator.model import Document, Entry, Options, Snippet, Source
from generator.notebooks import fence_lines, read_notebook
from tests.notebooks.conftest import FIXTURES, notebook_bytes

NOTEBOOK = "diary/notebooks/convolutions.ipynb"


def read(cells: list[object], metadata: dict[str, object] | None = None, rel: str = "notes.ipynb") -> Document:
    return read_notebook(f"diary/{rel}", rel, notebook_bytes(cells, metadata))


def only_entry(doc: Document) -> Entry:
    assert len(doc.entries) == 1, doc.diagnostics
    return doc.entries[0]


def test_the_fixture_notebook_is_one_entry_with_its_cells_as_snippets(diary: tuple[list[Document], list[Entry]]) -> None:
    documents, entries = diary
    doc = next(d for d in documents if d.path == NOTEBOOK)
    assert doc.diagnostics == () and doc.title == "Свёртки"
    entry = next(e for e in entries if e.source.path == NOTEBOOK)
    assert (entry.key, entry.date, entry.title, entry.tags) == ("2022-01-05", dt.date(2022, 1, 5), "Свёртки", ("cnn", "torch"))
    assert [e.key for e in entries] == ["2022-01-03", "2022-01-05", "2022-01-07"]  # between the month file's entries
    # the line of a notebook's snippet is its cell number, counting every cell (the raw one, 6, too)
    assert [(s.id, s.source.line) for s in entry.snippets] == [
        ("2022-01-05-1", 2), ("2022-01-05-2", 4), ("2022-01-05-3", 5),
        ("2022-01-05-4", 7), ("2022-01-05-5", 8), ("2022-01-05-6", 9),
    ]
    options = [s.options for s in entry.snippets]
    assert options[3] == Options(raises="ZeroDivisionError") and options[4] == Options(skip=True)
    assert options[5] == Options(timeout=30.0)  # the tag hide-input is no option: left alone
    assert entry.snippets[4].code == "while True:\n    pass\n"  # the `# tetrad:` line is not code
    assert "$x^2$" in entry.body and "[[03.01.2022]]" in entry.body
    assert "title:" not in entry.body and "Raw cells" not in entry.body and entry.body.count("```python") == 6


@pytest.mark.parametrize(
    ("cells", "metadata", "rel", "when"),
    [
        ([new_markdown_cell("---\ndate: 2022-02-01\n---\ntext")], {"tetrad": {"date": "2022-03-04T10:30"}}, "2022-05-06.ipynb",
         (dt.date(2022, 3, 4), dt.time(10, 30))),
        ([new_markdown_cell("---\ndate: 2022-02-01\n---\ntext")], {"date": "4 марта 2022"}, "x.ipynb", (dt.date(2022, 3, 4), None)),
        ([new_markdown_cell("---\ndate: 2022-02-01\n---\n# 5 января 2022\ntext")], None, "2022-05-06.ipynb", (dt.date(2022, 2, 1), None)),
        ([new_raw_cell("---\ndate: 2022-02-01\ntitle: Quarto\n---"), new_markdown_cell("text")], None, "x.ipynb", (dt.date(2022, 2, 1), None)),
        ([new_markdown_cell("# Day 3: Jan 5, 2022\ntext")], None, "2022-05-06.ipynb", (dt.date(2022, 1, 5), None)),
        ([new_markdown_cell("text"), new_code_cell("1")], None, "2022/05/2022-05-06-lenet.ipynb", (dt.date(2022, 5, 6), None)),
    ],
    ids=["tetrad-metadata", "metadata", "front-matter", "quarto-raw-cell", "heading", "file-name"],
)
def test_the_date_comes_from_metadata_front_matter_heading_or_file_name(
    cells: list[object], metadata: dict[str, object] | None, rel: str, when: tuple[dt.date, dt.time | None]
) -> None:
    entry = only_entry(read(cells, metadata, rel))
    assert (entry.date, entry.time) == when


def test_a_dated_heading_gives_date_and_title_and_leaves_the_body() -> None:
    entry = only_entry(read([new_markdown_cell("# Day 3: Jan 5, 2022\n\n## Свёртки\n\ntext"), new_code_cell("x = 1")]))
    assert entry.title == "Day 3" and entry.body.startswith("## Свёртки") and "2022" not in entry.body


@pytest.mark.parametrize(
    ("metadata", "first", "title"),
    [
        ({"tetrad": {"title": "From metadata"}}, "---\ntitle: From front matter\n---\n# 5 января 2022 (лекция 2)", "From metadata"),
        (None, "---\ntitle: From front matter\n---\n# 5 января 2022 (лекция 2)", "From front matter"),
        (None, "# 5 января 2022 (лекция 2)", "(лекция 2)"),
        (None, "# 5 января 2022\n\n## Свёртки", "Свёртки"),
        ({"date": "2022-01-05"}, "# 5 января 2022\n\n## Свёртки", "Свёртки"),
        ({"date": "2022-01-05"}, "# Свёртки", "Свёртки"),
        ({"date": "2022-01-05"}, "no heading", ""),
    ],
)
def test_the_title_comes_from_metadata_front_matter_the_heading_or_the_first_heading(
    metadata: dict[str, object] | None, first: str, title: str
) -> None:
    assert only_entry(read([new_markdown_cell(first)], metadata)).title == title


def test_options_come_from_tags_and_tetrad_comment_lines() -> None:
    cells = [
        new_markdown_cell("# 2022-01-05"),
        new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
        new_code_cell("x", metadata={"tags": ["skip-execution", "gpu", "session=train", "setup=lenet", "parameters"]}),
        new_code_cell("# a comment\n# tetrad: timeout=5 raises=ValueError\n\nraise ValueError"),
        new_code_cell("1 / 0", metadata={"tags": ["raises-exception", "raises=ZeroDivisionError"]}),
        new_code_cell("# tetrad: colour=red\nx = 1"),
    ]
    doc = read(cells)
    entry = only_entry(doc)
    assert [s.options for s in entry.snippets] == [
        Options(raises="Exception"),
        Options(skip=True, gpu=True, session="train", setup="lenet"),
        Options(timeout=5.0, raises="ValueError"),
        Options(raises="ZeroDivisionError"),
        Options(),
    ]
    assert entry.snippets[2].code == "# a comment\n\nraise ValueError\n"
    # a word in a `# tetrad:` line was written for tetrad: a wrong one is reported at its cell
    assert [str(d) for d in doc.diagnostics] == ["diary/notes.ipynb:6: cell 6: unknown fence option 'colour'"]


def test_cells_of_other_languages_are_shown_not_run() -> None:
    doc = read([new_markdown_cell("# 2022-01-05"), new_code_cell("x <- 1")],
               {"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}})
    entry = only_entry(doc)
    assert entry.snippets == () and "```r\nx <- 1\n```" in entry.body


def test_an_open_fence_in_a_markdown_cell_does_not_swallow_the_next_cells() -> None:
    doc = read([new_markdown_cell("# 2022-01-05\n\n```text\nnever closed"), new_code_cell("print(1)")])
    entry = only_entry(doc)
    assert [s.source.line for s in entry.snippets] == [2]
    assert [str(d) for d in doc.diagnostics] == [
        "diary/notes.ipynb:1: cell 1: code fence ``` is never closed; it is closed at the end of the cell"]


def test_front_matter_problems_name_the_cell_and_its_line() -> None:
    doc = read([new_markdown_cell("---\ntitle: [unclosed\n---\n# 2022-01-05")])
    (problem,) = doc.diagnostics
    assert problem.source == Source("diary/notes.ipynb", 1) and problem.message.startswith("cell 1, line ")


def test_a_notebook_without_a_date_is_a_page() -> None:
    doc = read([new_markdown_cell("# Шпаргалка"), new_code_cell("import torch")])
    assert doc.entries == () and doc.title == "Шпаргалка" and "```python\nimport torch\n```" in doc.preface
    assert [d.message for d in doc.diagnostics] == [
        "no date in the notebook's metadata, its first Markdown cell or its file name: it becomes a page of its own"]


@pytest.mark.parametrize(
    ("name", "line", "says"),
    [
        ("broken.ipynb", 4, "invalid JSON (Expecting property name enclosed in double quotes, column 28)"),
        ("future.ipynb", 1, "Unsupported nbformat version 9"),
        ("invalid.ipynb", 1, "nbformat finds it invalid (cell 1: 'outputs' is a required property)"),
        ("not-a-notebook.ipynb", 1, "no `nbformat` field"),
    ],
)
def test_a_bad_notebook_is_a_warning_and_its_text_is_kept(name: str, line: int, says: str) -> None:
    data = (FIXTURES / "bad" / name).read_bytes()
    doc = read_notebook(f"diary/{name}", name, data)
    (problem,) = doc.diagnostics
    assert problem.source == Source(f"diary/{name}", line) and says in problem.message
    assert doc.entries == () and doc.preface.startswith("```json\n") and data.decode().strip() in doc.preface


def test_not_even_text_is_a_warning() -> None:
    doc = read_notebook("diary/x.ipynb", "x.ipynb", b"\xff\xfe\x00garbage\x80")
    assert doc.entries == () and len(doc.diagnostics) >= 1


def test_fence_lines_match_every_rendered_fence_with_its_snippet(diary: tuple[list[Document], list[Entry]]) -> None:
    """What render.py does: a fence at file line `first_line + token.map[0]` is looked up in `fence_lines`."""
    for entry in diary[1]:
        by_line = fence_lines(entry)
        seen: list[str] = []

        def render_fence(line: int, info: str, code: str, by_line: dict[int, Snippet] = by_line,
                         seen: list[str] = seen) -> str | None:
            snippet = by_line.get(line)
            if snippet is None:
                return None
            seen.append(snippet.id)
            return f"<snippet {snippet.id}>"

        html = render_markdown(entry.body, RenderContext(source=entry.source.path, first_line=entry.body_line,
                                                         render_fence=render_fence))
        assert seen == [s.id for s in entry.snippets], entry.key
        assert all(f"<snippet {s.id}>" in html for s in entry.snippets)


def test_the_entry_is_named_by_the_path_it_is_given() -> None:
    data = (FIXTURES / "diary" / "notebooks" / "convolutions.ipynb").read_bytes()
    doc = read_notebook("elsewhere/none.ipynb", "none.ipynb", data)
    assert only_entry(doc).source == Source("elsewhere/none.ipynb", 1)
