"""Blocks under no entry, as read: their file lines, their place in the preface, their stand-in entry."""

from __future__ import annotations

import datetime as dt

from nbformat.v4 import new_code_cell, new_markdown_cell

from generator.diary import parse_document
from generator.loose import loose_entries, loose_key
from generator.markdown import RenderContext, render_markdown_and_text
from generator.model import Source
from generator.notebooks import fence_lines, read_notebook
from tests.notebooks.conftest import notebook_bytes

SPLIT = """Intro.

```python
a = 1
```

## 5 января 2024

```python
print("entry")
```

# Title

```python
a + 1
```
"""


def test_blocks_under_no_entry_keep_their_file_lines_across_the_preface() -> None:
    doc = parse_document("diary/x.md", SPLIT)
    assert [(s.source, s.index) for s in doc.snippets] == [(Source("diary/x.md", 3), 1), (Source("diary/x.md", 15), 2)]
    lines = doc.preface.split("\n")
    assert [lines[s.span[0]] for s in doc.snippets if s.span] == ["```python", "```python"]
    assert [lines[s.span[0] + 1] for s in doc.snippets if s.span] == ["a = 1", "a + 1"]
    assert [str(d) for d in doc.diagnostics] == [
        "diary/x.md:3: 2 python blocks outside any dated entry (the first is here) run in this file's own namespace, "
        "not in an entry's"]
    assert [s.code for s in doc.entries[0].snippets] == ['print("entry")\n']


def test_an_undated_page_has_its_blocks_and_no_word_about_them() -> None:
    doc = parse_document("diary/til.md", "# TIL\n\n```python\nx = 1\n```\n\n```py\nx\n```\n")
    assert doc.entries == () and [s.source.line for s in doc.snippets] == [3, 7]
    assert [d.message for d in doc.diagnostics] == [
        "no dated heading or date in the file name or front matter: it becomes a page of its own"]


def test_the_stand_in_entry_is_keyed_safely_and_rendered_where_its_fences_are() -> None:
    doc = parse_document("diary/notes/Заметки 1.md", SPLIT, rel="notes/Заметки 1.md")
    (entry,) = loose_entries([doc, parse_document("diary/til.md", "# TIL\n\nNo code.\n")])
    assert entry.key == loose_key(doc) and entry.key.startswith("page-notes-1-") and entry.key.isascii()
    assert not entry.key[:1].isdigit() and entry.date == dt.date(2024, 1, 5)
    assert [s.id for s in entry.snippets] == [f"{entry.key}-1", f"{entry.key}-2"]
    assert loose_key(doc) != loose_key(parse_document("diary/notes/Заметки 2.md", SPLIT, rel="notes/Заметки 2.md"))
    by_line = fence_lines(entry)
    seen: list[str] = []

    def render_fence(line: int, info: str, code: str) -> str | None:
        if line in by_line:
            seen.append(by_line[line].code)
        return None

    render_markdown_and_text(doc.preface, RenderContext(source=doc.path, first_line=doc.preface_line, render_fence=render_fence))
    assert seen == ["a = 1\n", "a + 1\n"]


def test_a_python_fence_in_a_notebooks_markdown_cell_does_not_run() -> None:
    cells = [new_markdown_cell("# Scratch\n\n```python\nraise SystemExit\n```"), new_code_cell("y = 3"), new_code_cell("y")]
    dated = read_notebook("diary/n.ipynb", "n.ipynb", notebook_bytes(cells, {"tetrad": {"date": "2024-02-10"}}))
    (entry,) = dated.entries
    assert [(s.source.line, s.index, s.code) for s in entry.snippets] == [(2, 1, "y = 3\n"), (3, 2, "y\n")]
    lines = entry.body.split("\n")
    assert sorted(lines[line - entry.body_line + 1] for line in fence_lines(entry)) == ["y", "y = 3"]
    page = read_notebook("diary/p.ipynb", "p.ipynb", notebook_bytes(cells))
    assert page.entries == () and [s.source.line for s in page.snippets] == [2, 3]
