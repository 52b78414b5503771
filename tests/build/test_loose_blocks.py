"""Blocks under no entry, built for real: an undated page's, a preface's, those under an undated
higher heading, and a notebook whose Markdown cell holds a python fence (which does not run)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from tests.conftest import build_copy, run_build
from tests.notebooks.conftest import notebook_bytes

FILES = {
    "til.md": "# TIL\n\n```python\nx = 40\n```\n\nThe next block uses the first's name:\n\n```python\nx + 2\n```\n",
    "2024-02.md": "# February\n\n```python\nprint('preface')\n```\n\n## 1 февраля 2024\n\nAn entry.\n",
    "export.md": "## 5 января 2024\n\nConverted from a notebook.\n\n# Title\n\n```python\nimport math\nmath.sqrt(16)\n```\n\n"
                 "```python\n1 / 0\n```\n",
}
EXPORT_LINES = (7, 12)  # the fences of export.md


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("loose")
    diary = tmp / "src"
    diary.mkdir()
    for name, text in FILES.items():
        (diary / name).write_text(text, encoding="utf-8")
    (diary / "scratch.ipynb").write_bytes(notebook_bytes(
        [new_markdown_cell("# Scratch\n\nTo read, not to run:\n\n```python\nraise SystemExit('must not run')\n```"),
         new_code_cell("y = 3"), new_code_cell("y * 2")],
        metadata={"tetrad": {"date": "2024-02-10"}},
    ))
    done = build_copy(tmp / "b", "--lang", "en", diary=diary)
    assert done.returncode == 0, done.stderr
    return tmp / "b", done.stderr


def journal(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "site" / "journal.json").read_text(encoding="utf-8"))
    return data


def page_of(folder: Path, source: str) -> dict[str, Any]:
    return next(p for p in journal(folder)["pages"] if p["source"] == source)


def test_an_undated_page_runs_its_blocks_in_one_namespace_and_shows_them(built: tuple[Path, str]) -> None:
    folder, stderr = built
    page = page_of(folder, "diary/til.md")
    assert page["url"] == "pages/til.html" and [s["line"] for s in page["snippets"]] == [3, 9]
    assert [(s["status"], s["shown"]) for s in page["snippets"]] == [("passed", "40"), ("passed", "42")]
    key = page["snippets"][0]["id"].removesuffix("-1")
    assert re.fullmatch(r"page-til-[0-9a-f]{8}", key) and (folder / "snippets" / "results" / f"{key}.json").is_file()
    html = (folder / "site" / "pages" / "til.html").read_text(encoding="utf-8")
    assert f'id="snippet-{key}-2"' in html and '<pre class="shown">42</pre>' in html
    assert "diary/til.md:3" not in stderr  # an undated page is a page: its blocks run without a word
    site = folder / "site"
    assert not list(site.glob("entries/page-*")) and key not in (site / "feed.xml").read_text(encoding="utf-8")
    assert all(not e["url"].startswith("entries/page-") for e in journal(folder)["entries"])
    report = (site / "snippets.html").read_text(encoding="utf-8")
    assert f'href="pages/til.html#snippet-{key}-2">TIL · #2</a>' in report


def test_a_preface_block_runs_and_is_shown_on_its_month_page(built: tuple[Path, str]) -> None:
    folder, stderr = built
    page = page_of(folder, "diary/2024-02.md")
    assert page["url"] == "months/2024-02.html"
    assert [(s["line"], s["status"], s["stdout"]) for s in page["snippets"]] == [(3, "passed", "preface\n")]
    month = (folder / "site" / "months" / "2024-02.html").read_text(encoding="utf-8")
    assert f'id="snippet-{page["snippets"][0]["id"]}"' in month and '<pre class="stdout">preface\n</pre>' in month
    assert ("diary/2024-02.md:3: warning: a python block outside any dated entry runs in this file's own namespace, "
            "not in an entry's") in stderr


def test_blocks_under_an_undated_higher_heading_run_in_order_with_a_warning(built: tuple[Path, str]) -> None:
    folder, stderr = built
    page = page_of(folder, "diary/export.md")
    assert page["url"] == "months/2024-01.html"
    assert [(s["line"], s["status"], s["shown"], s["error"]) for s in page["snippets"]] == [
        (EXPORT_LINES[0], "passed", "4.0", None), (EXPORT_LINES[1], "failed", None, "ZeroDivisionError: division by zero")]
    (entry,) = [e for e in journal(folder)["entries"] if e["source"] == "diary/export.md"]
    assert entry["snippets"] == []
    assert (f"diary/export.md:{EXPORT_LINES[0]}: warning: 2 python blocks outside any dated entry (the first is here) run "
            "in this file's own namespace, not in an entry's") in stderr


def test_a_notebook_runs_only_its_code_cells(built: tuple[Path, str]) -> None:
    folder, _ = built
    (entry,) = [e for e in journal(folder)["entries"] if e["source"] == "diary/scratch.ipynb"]
    assert [(s["line"], s["status"]) for s in entry["snippets"]] == [(2, "passed"), (3, "passed")]
    assert entry["snippets"][1]["shown"] == "6"
    html = (folder / "site" / entry["url"]).read_text(encoding="utf-8")
    assert html.count('<figure class="snippet') == 2
    shown = html.split("To read, not to run:", 1)[1].split('<figure class="snippet', 1)[0]
    assert '<pre class="code"><code class="language-python">' in shown and "must not run" in shown


def test_check_lists_the_blocks_under_no_entry_at_their_lines(built: tuple[Path, str]) -> None:
    folder, _ = built
    done = run_build(folder, "check")
    assert done.returncode == 1, done.stderr
    assert re.search(r"^ok   page-til-[0-9a-f]{8} TIL: 2 passed$", done.stdout, re.M), done.stdout
    assert re.search(r"^FAIL page-export-[0-9a-f]{8} Title: 1 passed, 1 failed$", done.stdout, re.M), done.stdout
    assert f"diary/export.md:{EXPORT_LINES[1]}: failed: ZeroDivisionError: division by zero" in done.stdout
    assert "6 run now" not in done.stdout and "Checked 7 snippets" in done.stdout
