"""`pytest --tetrad diary`: the same engine and verdicts as `build-site check`, at the diary's lines."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.check.conftest import (
    FAULTS,
    Checked,
    copy_diary,
    junit_cases,
    run_counts,
    run_pytest,
    verdict,
)
from tests.conftest import ROOT


def pytest_verdicts(report: Path) -> dict[str, str]:
    """Snippet id -> verdict from pytest's own JUnit (classname ``diary.2022-01.md.2022-01-05``, name ``block-1``)."""
    found = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        entry = case.attrib["classname"].rsplit(".", 1)[1]
        found[f"{entry}-{case.attrib['name'].removeprefix('block-')}"] = verdict(case)
    return found


@pytest.fixture(scope="module")
def fault_pytest(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    folder = copy_diary(tmp_path_factory.mktemp("fault-pytest"), FAULTS)
    return folder, run_pytest(folder, "--tetrad", "diary", "--junitxml=pytest.xml", "-rfs")


def test_pytest_gives_the_verdicts_of_check(fault_pytest: tuple[Path, subprocess.CompletedProcess[str]],
                                            fault_check: Checked) -> None:
    folder, done = fault_pytest
    assert done.returncode == 1, done.stdout + done.stderr
    assert "8 failed, 8 passed, 2 skipped" in done.stdout
    check = {name.replace(" block ", "-"): verdict(case) for name, case in junit_cases(fault_check.folder / "report.xml").items()}
    assert pytest_verdicts(folder / "pytest.xml") == check
    failing = {key for key, v in check.items() if v == "failed"}
    assert {key for key, v in pytest_verdicts(folder / "pytest.xml").items() if v == "failed"} == failing
    assert run_counts(done.stdout) == (18, 0)  # one run for the session, not one per item


def test_failures_are_reported_at_the_diary_line(fault_pytest: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    _, done = fault_pytest
    assert "FAILED diary/2022-01.md::2022-01-04::block-1" in done.stdout
    assert "diary/2022-01.md:40: failed: NameError: name 'prnt' is not defined" in done.stdout
    assert "   41 | prnt(undefined_name)" in done.stdout  # the block, numbered by diary lines
    assert re.search(r"SKIPPED \[1\] diary/2022-01\.md:51: needs-gpu", done.stdout)
    assert "pytest_plugin.py" not in done.stdout


def test_pytest_passes_on_the_seed(tmp_path: Path) -> None:
    copy_diary(tmp_path, ROOT / "diary")
    done = run_pytest(tmp_path, "--tetrad", "diary", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b\d+ passed\b", done.stdout) and "failed" not in done.stdout


def test_without_the_flag_the_plugin_collects_nothing(tmp_path: Path) -> None:
    copy_diary(tmp_path, FAULTS)
    done = run_pytest(tmp_path, "diary", "-q")
    assert done.returncode == 5, done.stdout  # no tests collected
    assert not (tmp_path / "snippets" / "results").exists()


def test_bad_tetrad_args_are_a_usage_error(tmp_path: Path) -> None:
    copy_diary(tmp_path, FAULTS)
    done = run_pytest(tmp_path, "--tetrad", "--tetrad-args=--shard 5/2", "diary")
    assert done.returncode == 4 and "--shard 5/2" in done.stderr


def test_the_plugin_is_registered_as_an_entry_point() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"]["pytest11"] == {"tetrad": "generator.pytest_plugin"}
