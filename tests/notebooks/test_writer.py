"""Notebooks and scripts out, from given results (pure: nothing runs here; see test_downloads)."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any

from generator.model import Document, Entry, Options, Result, Source, Status
from generator.notebooks import (
    block_origin, download_files, entry_notebook, entry_script, month_notebook, read_notebook, referenced_files,
)
from generator.snippets import extract_snippets
from tests.notebooks.conftest import load

FAILED = Result(Status.FAILED, error="NameError: name 'kernel' is not defined",
                traceback="Traceback (most recent call last):\nNameError: name 'kernel' is not defined", device="cpu")


def make_entry(key: str, markdown: str, path: str = "diary/2022-01.md") -> Entry:
    body = textwrap.dedent(markdown).lstrip("\n")
    snippets, problems = extract_snippets(key, path, body, 10)
    assert not problems
    return Entry(key=key, date=dt.date.fromisoformat(key[:10]), title=f"Entry {key}", source=Source(path, 9),
                 body=body, body_line=10, tags=("cnn",), snippets=snippets)


FRAGMENTS = make_entry("2022-02-01", """
    Prose first, with $x^2$.

    ```python setup=lenet
    print(model)
    ```

    ```output
    LeNet()
    ```

    ```python file=train.py timeout=5
    ```

    ```python skip
    while True: pass
    ```

    ```python raises=ValueError
    raise ValueError("no")
    ```

    ```pycon
    >>> 1 + 1
    2
    ```
    """)
SETUP = {"lenet": "class LeNet:\n    def __repr__(self):\n        return 'LeNet()'\nmodel = LeNet()\n"}
INCLUDED = {"train.py": "print('training')\n"}


def cells_of(data: bytes) -> list[Any]:
    return list(load(data).cells)


def test_setup_and_file_code_make_the_notebook_run_on_its_own() -> None:
    cells = cells_of(entry_notebook(FRAGMENTS, {}, setup_code=SETUP, included=INCLUDED))
    sources = [(c["cell_type"], c["source"].split("\n")[0]) for c in cells]
    assert sources[2:] == [
        ("markdown", "Prose first, with $x^2$."),
        ("code", "# setup=lenet (snippets/lenet.py)"),  # the setup runs before the block, as tetrad runs it
        ("code", "print(model)"),
        ("code", "print('training')"),  # file= blocks hold the file's code
        ("code", "while True: pass"),
        ("code", 'raise ValueError("no")'),
        ("code", "1 + 1"),  # a doctest without its prompts
    ]
    assert "LeNet()" not in "".join(str(c["source"]) for c in cells if c["cell_type"] == "markdown")  # the output fence
    tags = {c["id"]: c["metadata"].get("tags", []) for c in cells}
    assert tags["2022-02-01-2"] == ["timeout=5", "file=train.py"]
    assert tags["2022-02-01-3"] == ["skip", "skip-execution"]
    assert tags["2022-02-01-4"] == ["raises=ValueError", "raises-exception"]
    assert cells[4]["metadata"]["tetrad"]["expected_output"] == "LeNet()\n"


def test_downloads_are_deterministic_and_carry_the_entry_metadata() -> None:
    first = entry_notebook(FRAGMENTS, {}, setup_code=SETUP, included=INCLUDED)
    assert first == entry_notebook(FRAGMENTS, {}, setup_code=SETUP, included=INCLUDED)
    meta = load(first).metadata
    assert meta["kernelspec"]["name"] == "python3"
    assert meta["tetrad"] == {"date": "2022-02-01", "title": "Entry 2022-02-01", "tags": ["cnn"], "entry": "2022-02-01",
                              "source": "diary/2022-01.md:9"}


def test_outputs_follow_jupyter_and_failures_without_an_exception_stay_in_metadata() -> None:
    entry = make_entry("2022-02-02", "```python\nprint(1)\n```\n\n```python\nx\n```\n\n```python\ny\n```\n")
    png = {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}, "metadata": {}}
    results = {
        "2022-02-02-1": Result(Status.PASSED, stdout="1\n", stderr="careful\n", shown="3", outputs=(png,)),
        "2022-02-02-2": FAILED,
        "2022-02-02-3": Result(Status.FAILED, error="stdout differs from the expected output at its line 1"),
    }
    cells = [c for c in cells_of(entry_notebook(entry, results)) if c["id"].startswith("2022-02-02-") and c["cell_type"] == "code"]
    first, second, third = cells[1:]
    assert [o["output_type"] for o in first["outputs"]] == ["stream", "stream", "display_data", "execute_result"]
    assert first["outputs"][3]["data"] == {"text/plain": "3"} and first["execution_count"] == 1
    (error,) = second["outputs"]
    assert (error["ename"], error["evalue"]) == ("NameError", "name 'kernel' is not defined")
    assert second["metadata"]["tags"] == ["raises-exception"]  # "Run all" goes on, as tetrad did
    assert third["outputs"] == [] and third["metadata"]["tetrad"]["error"].startswith("stdout differs")


def test_a_downloaded_notebook_reads_back_as_the_same_entry() -> None:
    entry = make_entry("2022-02-03", "Text.\n\n```python gpu session=a\nprint(kernel)\n```\n\n```python raises=KeyError\n{}['k']\n```\n",
                       path="diary/x.ipynb")
    data = entry_notebook(entry, {"2022-02-03-1": FAILED})
    doc: Document = read_notebook("diary/back.ipynb", "back.ipynb", data)
    (back,) = doc.entries
    assert (back.date, back.title, back.tags) == (entry.date, entry.title, entry.tags)
    assert back.body.startswith("Text.")  # the heading and start cells a download adds are dropped
    # the failed cell is tagged raises-exception only so that "Run all" goes on: still no raises= when read back
    assert [(s.code, s.options) for s in back.snippets] == [
        ("print(kernel)\n", Options(gpu=True, session="a")), ("{}['k']\n", Options(raises="KeyError"))]


def test_the_month_notebook_starts_each_entry_afresh() -> None:
    other = make_entry("2022-02-05", "```python\nprint(2)\n```\n")
    prose_only = make_entry("2022-02-04", "Only prose.\n")
    cells = cells_of(month_notebook([FRAGMENTS, prose_only, other], {}, setup_code=SETUP, title="2022-02"))
    starts = [c["source"].split("\n")[0] for c in cells if c["id"].endswith("-start")]
    assert starts[0].startswith("# Run as tetrad") and starts[1] == "%reset -f" and len(starts) == 2
    assert [c["source"] for c in cells if c["cell_type"] == "markdown" and c["source"].startswith("#")][:2] == [
        "# 2022-02", "## Entry 2022-02-01\n\n2022-02-01 · `diary/2022-01.md`"]
    assert len({c["id"] for c in cells}) == len(cells)


def test_the_script_keeps_the_order_and_comments_out_what_tetrad_does_not_run() -> None:
    script = entry_script(FRAGMENTS, setup_code=SETUP, included=INCLUDED)
    compile(script, "entry.py", "exec")
    assert "# %% [markdown]\n# Prose first, with $x^2$." in script
    assert script.index("# %% setup=lenet (snippets/lenet.py), before block 1") < script.index("# %% block 1: diary/2022-01.md:12")
    assert "# %% block 3: diary/2022-01.md:23 (skip: shown, not run; commented out)\n# while True: pass" in script
    assert "\nprint('training')\n" in script and "\n1 + 1\n" in script


def test_download_files_by_site_path() -> None:
    other = make_entry("2022-03-01", "No code.\n")
    files = download_files([FRAGMENTS, other], {}, setup_code=SETUP, included=INCLUDED)
    assert sorted(files) == ["entries/2022-02-01.ipynb", "entries/2022-02-01.py", "months/2022-02.ipynb"]
    assert referenced_files([FRAGMENTS, other]) == (("lenet",), ("train.py",))


def test_block_origin_points_tracebacks_at_the_cell() -> None:
    markdown, notebook = FRAGMENTS.snippets[0], make_entry("2022-02-06", "```python\n1\n```\n", "diary/x.ipynb").snippets[0]
    assert block_origin(markdown) == ("diary/2022-01.md", 12)
    assert block_origin(notebook) == ("diary/x.ipynb, cell 10", 0)


def test_cutting_a_body_at_the_blocks_spans_equals_cutting_it_by_parsing_again() -> None:
    import dataclasses

    from generator.build import Settings, read_journal
    from generator.notebooks import body_parts
    from tests.conftest import FIXTURES, ROOT

    checked = 0
    for diary in (ROOT / "diary", FIXTURES / "diaries" / "mixed", FIXTURES / "diaries" / "faults"):
        for entry in read_journal(Settings(diary=diary, execute=False), today=dt.date(2030, 1, 1)).entries:
            if not entry.snippets or entry.snippets[0].span is None:
                continue
            parsed = dataclasses.replace(entry, snippets=tuple(dataclasses.replace(s, span=None) for s in entry.snippets))
            strip = [dataclasses.replace(p, snippet=None) if p.snippet else p for p in body_parts(entry)]
            assert strip == [dataclasses.replace(p, snippet=None) if p.snippet else p for p in body_parts(parsed)], entry.key
            assert [p.snippet.id for p in body_parts(entry) if p.snippet] == [s.id for s in entry.snippets]
            checked += 1
    assert checked >= 10


def test_notebooks_are_written_byte_for_byte_as_nbformat_writes_them() -> None:
    import nbformat

    entry = make_entry("2022-02-03", "Два блока:\n\n```python\nprint(1)\nprint(2)\n```\n\nи ещё\n\n```python\nx\n```\n")
    svg = {"output_type": "display_data", "metadata": {},
           "data": {"image/svg+xml": "<svg>\n<g/>\n</svg>", "text/html": "<b>a</b>\n<i>b</i>", "application/json": {"a": [1, 2]}}}
    results = {"2022-02-03-1": Result(Status.PASSED, stdout="1\n2\n", stderr="w\nx\n", shown="'a\\nb'", outputs=(svg,)),
               "2022-02-03-2": FAILED}
    for made in (entry_notebook(entry, results, setup_code=SETUP, included=INCLUDED),
                 month_notebook([FRAGMENTS, entry], results, setup_code=SETUP, included=INCLUDED)):
        nb = nbformat.reads(made.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
        assert made == (nbformat.writes(nb) + "\n").encode("utf-8")
