"""The fault diary through the command line: every status, one build that finishes, nothing left behind."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, build_copy, run_build

FAULTS = FIXTURES / "diaries" / "faults"
EXPECTED = json.loads((FAULTS / "expected.json").read_text(encoding="utf-8"))


def statuses(folder: Path) -> dict[str, str]:
    journal = json.loads((folder / "site" / "journal.json").read_text(encoding="utf-8"))
    return {s["id"]: s["status"] for e in journal["entries"] for s in e["snippets"]}


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("faults")
    done = build_copy(tmp, diary=FAULTS)
    assert done.returncode == 0, done.stderr
    return tmp, done.stdout


def test_one_build_gives_every_block_its_status(faults: tuple[Path, str]) -> None:
    folder, stdout = faults
    assert statuses(folder) == EXPECTED
    assert "18 run now and 0 from stored results" in stdout


def test_nothing_is_left_in_the_diary_or_the_working_folder(faults: tuple[Path, str]) -> None:
    folder, _ = faults
    assert not list(folder.rglob("scratch.txt"))
    copied = sorted(p.relative_to(folder / "diary").as_posix() for p in (folder / "diary").rglob("*"))
    assert copied == ["2022-01.md", "expected.json"]


def test_pages_show_badges_errors_and_cut_output(faults: tuple[Path, str]) -> None:
    site = faults[0] / "site"
    name_error = (site / "entries" / "2022-01-04.html").read_text(encoding="utf-8")
    assert 'class="badge badge-failed"' in name_error
    assert "NameError: name &#39;prnt&#39; is not defined" in name_error
    assert re.search(r"diary/2022-01\.md, line \d+", name_error)
    flood = (site / "entries" / "2022-01-10.html").read_text(encoding="utf-8")
    assert "output cut" in flood and len(flood) < 400_000
    shared = (site / "entries" / "2022-01-01.html").read_text(encoding="utf-8")
    assert "tensor([2., 4., 6.])" in shared


def test_pages_made_while_torch_imports_equal_a_render_from_the_stored_results(faults: tuple[Path, str]) -> None:
    # The first build ran everything: it found concepts and highlighted code while its worker imported torch.
    # A render-only build of the stored results, with no site or memo to reuse, must make the same files.
    folder, _ = faults
    done = run_build(folder, "--no-execute", "--out", "rendered")
    assert done.returncode == 0, done.stderr
    first, again = folder / "site", folder / "rendered"
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file())
    assert [n for n in names if (first / n).read_bytes() != (again / n).read_bytes()] == []


def test_unchanged_diary_runs_nothing_and_one_edit_reruns_one_entry(faults: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = faults
    again = run_build(folder)
    assert again.returncode == 0 and "0 run now and 18 from stored results" in again.stdout
    source = folder / "diary" / "2022-01.md"
    source.write_text(source.read_text(encoding="utf-8").replace('print("x" * (10 * 1024 * 1024))', 'print("short")'), encoding="utf-8")
    edited = run_build(folder)
    assert "1 run now and 17 from stored results" in edited.stdout, edited.stdout
    journal = json.loads((folder / "site" / "journal.json").read_text(encoding="utf-8"))
    (flood,) = [e for e in journal["entries"] if e["date"] == "2022-01-10"]
    assert flood["snippets"][0]["stdout"] == "short\n"


def test_no_execute_renders_stored_results_without_torch(faults: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = faults
    blocker = tmp_path / "no-torch" / "torch"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('torch is not installed here')\n")
    done = run_build(folder, "--no-execute", "--out", "stored", pythonpath=(tmp_path / "no-torch",))
    assert done.returncode == 0, done.stderr
    assert done.returncode == 0 and "0 run now" in done.stdout
    page = (folder / "stored" / "entries" / "2022-01-02.html").read_text(encoding="utf-8")
    assert "tensor([0, 2, 4])" in page and "torch 2." in page
