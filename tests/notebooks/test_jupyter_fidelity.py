"""A notebook's outputs under tetrad are the ones Jupyter gives, cell by cell.

Each notebook of ``tests/fixtures/notebooks/`` (written by ``make_notebooks.py``
beside them) runs under Jupyter itself (nbclient with the ipykernel
``python3`` kernel) and under tetrad (copied into a diary with a date in its
file name, built once). For every code cell the two sides are compared: stdout,
the shown value's text/plain and MIME types (tetrad's ``shown``), each
``display()`` output's text/plain and MIME types in order, the number of
images, and the error as ``Name: message``. Only noise is normalised: trailing
whitespace, carriage returns collapsed as a terminal shows them, timings and
memory addresses. Every mismatching cell is reported at once, with both sides.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.kernelspec import find_kernel_specs
from nbclient import NotebookClient

from tests.conftest import FIXTURES, run_build

NOTEBOOKS = FIXTURES / "notebooks"
NAMES = ("outputs", "plots", "magics")
DATES = {name: f"2024-01-{5 + n:02d}" for n, name in enumerate(NAMES)}  # outputs: 2024-01-05, ...

Cell = dict[str, Any]  # one code cell's outputs, normalised: stdout, result, result_types, displays, images, error


def terminal(text: str) -> str:
    """Text as a terminal shows it: each carriage return goes back to the line's start and overwrites."""
    lines = []
    for line in text.split("\n"):
        shown = ""
        for part in line.split("\r"):
            shown = part + shown[len(part):]
        lines.append(shown.rstrip())
    return "\n".join(lines).strip("\n")


_TIME = re.compile(r"\d+(?:\.\d+)? ?(?:ns|µs|us|ms|s|min)\b")


def normal(text: str | None) -> str | None:
    """``text`` without its noise: timings, memory addresses, trailing whitespace, carriage returns."""
    if text is None:
        return None
    lines = []
    for line in terminal(text).split("\n"):
        if line.startswith(("CPU times:", "Wall time:")) or " per loop " in line:
            line = _TIME.sub("<time>", line)
        lines.append(re.sub(r"\b0x[0-9a-fA-F]+", "0x…", line))
    return "\n".join(lines)


def _images(outputs: Sequence[Mapping[str, Any]]) -> int:
    return sum(1 for o in outputs if any(m.startswith("image/") for m in o.get("data", {})))


def _displays(outputs: Sequence[Mapping[str, Any]]) -> list[tuple[str | None, list[str]]]:
    return [(normal(o.get("data", {}).get("text/plain")), sorted(o.get("data", {})))
            for o in outputs if o.get("output_type") == "display_data"]


def _error(ename: str, evalue: str) -> str:
    return f"{ename}: {evalue}".rstrip(": ")


def jupyter_cell(cell: Mapping[str, Any]) -> Cell:
    """What Jupyter gave for a code cell."""
    outputs = cell["outputs"]
    stdout = "".join(o["text"] for o in outputs if o["output_type"] == "stream" and o["name"] == "stdout")
    result = next((o for o in outputs if o["output_type"] == "execute_result"), None)
    error = next((o for o in outputs if o["output_type"] == "error"), None)
    return {
        "stdout": normal(stdout),
        "result": normal(result["data"].get("text/plain")) if result else None,
        "result_types": sorted(result["data"]) if result else [],
        "displays": _displays(outputs),
        "images": _images(outputs),
        "error": _error(error["ename"], error["evalue"]) if error else None,
    }


def tetrad_cell(result: Mapping[str, Any]) -> Cell:
    """What tetrad stored for a code cell (a result of snippets/results/<entry>.json)."""
    outputs = result.get("outputs") or []
    rich = next((o for o in outputs if o.get("output_type") == "execute_result"), None)
    shown = result.get("shown")
    error = result.get("error")
    return {
        "stdout": normal(result.get("stdout") or ""),
        "result": normal(shown),
        "result_types": sorted(rich["data"]) if rich else (["text/plain"] if shown is not None else []),
        "displays": _displays(outputs),
        "images": _images(outputs),
        "error": error.splitlines()[0].rstrip(": ") if error else None,
    }


@pytest.fixture(scope="module")
def kernel() -> str:
    """The name of a kernelspec running this Python (installed for the user once if there is none)."""
    if "python3" not in find_kernel_specs():
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--user", "--name", "python3"], check=True)
    return "python3"


@pytest.fixture(scope="module")
def jupyter(kernel: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every fixture notebook run by nbclient, errors allowed, in a working folder of its own."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the kernel's inline backend, as in Jupyter
    runs = {}
    for name in NAMES:
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        folder = tmp_path_factory.mktemp(f"jupyter-{name}")
        client = NotebookClient(nb, timeout=60, kernel_name=kernel, allow_errors=True,
                                resources={"metadata": {"path": str(folder)}})
        client.execute(env=env)
        runs[name] = nb
    return runs


@pytest.fixture(scope="module")
def tetrad(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[int, Mapping[str, Any]]]:
    """The notebooks built by tetrad as one dated diary; per notebook, its stored results by cell number."""
    tmp = tmp_path_factory.mktemp("tetrad-fidelity")
    (tmp / "diary").mkdir()
    (tmp / "snippets").mkdir()
    for name in NAMES:
        shutil.copyfile(NOTEBOOKS / f"{name}.ipynb", tmp / "diary" / f"{DATES[name]}-{name}.ipynb")
    done = run_build(tmp, "--diary", "diary", "--snippets", "snippets", "--out", "site", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    journal = json.loads((tmp / "site" / "journal.json").read_text(encoding="utf-8"))
    cells: dict[str, dict[int, Mapping[str, Any]]] = {name: {} for name in NAMES}
    for entry in journal["entries"]:
        name = Path(entry["source"]).stem.removeprefix(f"{entry['date']}-")
        for s in entry["snippets"]:  # a notebook's snippet line is its cell number, counting every cell
            path = tmp / "snippets" / "results" / (s["id"].rsplit("-", 1)[0] + ".json")
            stored = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
            cells.setdefault(name, {})[s["line"]] = stored.get("results", {}).get(s["id"], {"status": s["status"]})
    return cells


def test_jupyter_runs_every_code_cell(jupyter: dict[str, Any]) -> None:
    # The reference side works: every code cell ran, errors where the notebooks have them, figures inline.
    for name, nb in jupyter.items():
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), name
    errors = {name: [jupyter_cell(c)["error"] for c in nb.cells if c.cell_type == "code" and jupyter_cell(c)["error"]]
              for name, nb in jupyter.items()}
    assert errors == {
        "outputs": ["RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"],
        "plots": [],
        "magics": ["NameError: name 'undefined_name' is not defined", "ValueError: bad value"],
    }
    assert [jupyter_cell(c)["images"] for c in jupyter["plots"].cells if c.cell_type == "code"] == [0, 0, 1, 1, 1, 2, 0]


@pytest.mark.parametrize("name", NAMES)
def test_tetrad_gives_each_cell_the_outputs_jupyter_gives(
    name: str, jupyter: dict[str, Any], tetrad: dict[str, dict[int, Mapping[str, Any]]],
) -> None:
    results = tetrad[name]
    problems = []
    for number, cell in enumerate(jupyter[name].cells, start=1):
        first = cell.source.split("\n")[0][:60]
        where = f"{DATES[name]}-{name}.ipynb cell {number} ({first!r})"
        if cell.cell_type != "code":
            if number in results:
                problems.append(f"{where}: a {cell.cell_type} cell was run (status {results[number].get('status')})")
            continue
        if number not in results:
            problems.append(f"{where}: tetrad has no result for this code cell")
            continue
        want, got = jupyter_cell(cell), tetrad_cell(results[number])
        for field in want:
            if want[field] != got[field]:
                problems.append(f"{where}: {field}\n    jupyter: {want[field]!r}\n    tetrad:  {got[field]!r}")
    if problems:
        pytest.fail(f"{len(problems)} differences from Jupyter:\n" + "\n".join(problems), pytrace=False)
