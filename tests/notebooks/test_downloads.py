"""The test diary run for real (tetrad's engine), its downloads run again in Jupyter kernels (nbclient).

A Markdown month file and a notebook with text, math, a passing cell, a
failing cell (NameError), an image output, an expected exception and a
skipped cell. Kernels are few and run at once: they are most of the time.
"""

from __future__ import annotations

import asyncio
import threading
import base64
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from generator.execute import ExecSettings, execute_entries
from generator.model import Entry, Result, Status
from generator.notebooks import entry_notebook, entry_script, month_notebook
from generator.notebooks.outputs import exception_of
from tests.notebooks.conftest import FIXTURES, TODAY, load, read_diary

pytest.importorskip("ipykernel", reason="the downloads are run again in a Jupyter kernel")
pytest.importorskip("matplotlib", reason="the test notebook draws a figure")
NotebookClient = pytest.importorskip("nbclient").NotebookClient
Run = tuple[list[Entry], Mapping[str, Result], Path]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("notebooks")
    (tmp / "snippets").mkdir()
    _, entries = read_diary(FIXTURES / "diary")
    settings = ExecSettings(snippets_dir=tmp / "snippets", store_dir=tmp / "snippets" / "results", jobs=2)
    return entries, execute_entries(entries, settings, today=TODAY).results, tmp


def test_the_notebook_cells_have_the_statuses_of_snippets(run: Run) -> None:
    entries, results, _ = run
    notebook = next(e for e in entries if e.source.path.endswith(".ipynb"))
    got = [(s.source.line, results[s.id].status) for s in notebook.snippets]
    assert got == [(2, Status.PASSED), (4, Status.FAILED), (5, Status.PASSED), (7, Status.PASSED),
                   (8, Status.SKIPPED), (9, Status.PASSED)]
    assert results["2022-01-05-2"].error == "NameError: name 'outt' is not defined"  # a typo of out
    (figure,) = results["2022-01-05-3"].outputs
    assert base64.b64decode(figure["data"]["image/png"]).startswith(b"\x89PNG")
    assert results["2022-01-05-6"].shown is None  # a notebook shows a final bare expression only, as Jupyter does
    assert all(results[s.id].status is Status.PASSED for e in entries if e.source.path.endswith(".md") for s in e.snippets)


def _execute_all(notebooks: list[Any], cwd: Path) -> None:
    """Run the notebooks in Jupyter kernels, at once (a kernel's start is most of a run)."""
    async def main() -> None:
        clients = [NotebookClient(nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(cwd)}})
                   for nb in notebooks]
        await asyncio.gather(*(client.async_execute() for client in clients))

    # In a thread of its own: the page tests' Playwright session keeps an event loop in the main thread.
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # re-raised in the test's thread
            failure.append(exc)

    worker = threading.Thread(target=target)
    worker.start()
    worker.join()
    if failure:
        raise failure[0]


def _text_outputs(outputs: list[Any]) -> tuple[str, str | None, str | None]:
    """(stdout, text/plain of the execute_result, the error's name) of one cell."""
    stdout = "".join(o["text"] for o in outputs if o["output_type"] == "stream" and o["name"] == "stdout")
    shown = next((o["data"]["text/plain"] for o in outputs if o["output_type"] == "execute_result"), None)
    error = next((o["ename"] for o in outputs if o["output_type"] == "error"), None)
    return stdout, shown, error


def test_every_download_validates_and_runs_again_to_the_same_text_outputs(run: Run) -> None:
    entries, results, tmp = run
    downloads = [entry_notebook(e, results) for e in entries] + [month_notebook(entries, results, title="2022-01")]
    notebooks = [load(data) for data in downloads]
    captured = {c["metadata"]["tetrad"]["id"]: _text_outputs(c["outputs"])
                for nb in notebooks for c in nb.cells if "id" in c["metadata"].get("tetrad", {})}
    figure = next(c for c in notebooks[1].cells if c["id"] == "2022-01-05-3")
    assert figure["outputs"][0]["data"]["image/png"] == results["2022-01-05-3"].outputs[0]["data"]["image/png"]

    _execute_all(notebooks, tmp)

    compared = 0
    for nb in notebooks:
        for cell in nb.cells:
            snippet_id = cell["metadata"].get("tetrad", {}).get("id")
            if snippet_id is None:
                continue
            result = results[snippet_id]
            again = _text_outputs(cell["outputs"])
            raised = exception_of(result)
            assert again == (result.stdout, result.shown, raised[0] if raised else None), snippet_id
            assert again == captured[snippet_id]
            compared += 1
    assert compared == 2 * sum(len(e.snippets) for e in entries)
    redrawn = next(c for c in notebooks[1].cells if c["id"] == "2022-01-05-3")
    assert [o["output_type"] for o in redrawn["outputs"]] == ["display_data"] and "image/png" in redrawn["outputs"][0]["data"]


def test_the_script_runs_and_prints_what_the_blocks_printed(run: Run) -> None:
    entries, results, tmp = run
    script = tmp / "2022-01-03.py"
    script.write_text(entry_script(entries[0]), "utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "".join(results[s.id].stdout for s in entries[0].snippets)
    compile(entry_script(entries[1]), "2022-01-05.py", "exec")
