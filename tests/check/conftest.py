"""Fixtures for the check tier: the fault diary checked once, diaries copied for pytest, JUnit read back."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, build_copy

FAULTS = FIXTURES / "diaries" / "faults"
EXPECTED: dict[str, str] = json.loads((FAULTS / "expected.json").read_text(encoding="utf-8"))
FAILING = {"failed", "timeout", "crashed"}


@dataclass(frozen=True)
class Checked:
    """A finished `build-site check`: its folder, exit code and output."""

    folder: Path
    returncode: int
    stdout: str
    stderr: str


def copy_diary(tmp: Path, diary: Path) -> Path:
    """``diary`` and the shipped snippets folder (without stored results) copied into ``tmp``."""
    shutil.copytree(diary, tmp / "diary", dirs_exist_ok=True)
    if (ROOT / "snippets").is_dir() and not (tmp / "snippets").exists():
        shutil.copytree(ROOT / "snippets", tmp / "snippets", ignore=shutil.ignore_patterns("results"))
    return tmp


def check_copy(tmp: Path, *args: str, diary: Path) -> Checked:
    done = build_copy(tmp, "check", *args, diary=diary)
    return Checked(tmp, done.returncode, done.stdout, done.stderr)


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest with the tetrad plugin, in a subprocess in ``folder``.

    The plugin is loaded by module name (``-p no:tetrad`` first keeps an
    installed entry point from registering it twice), so the test does not
    depend on how the package was installed.
    """
    command = [sys.executable, "-m", "pytest", "-p", "no:tetrad", "-p", "generator.pytest_plugin",
               "-p", "no:cacheprovider", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=600, env=env, check=False)


def run_counts(stdout: str) -> tuple[int, int]:
    """(run now, reused) from a summary line."""
    found = re.search(r"(\d+) run now and (\d+) from stored results", stdout)
    assert found, stdout
    return int(found.group(1)), int(found.group(2))


def junit_cases(path: Path) -> dict[str, ET.Element]:
    """The test cases of a JUnit file by name."""
    root = ET.parse(path).getroot()
    return {case.attrib["name"]: case for case in root.iter("testcase")}


def verdict(case: ET.Element) -> str:
    """``failed``, ``skipped`` or ``passed``, as a JUnit reader sees a test case."""
    if case.find("failure") is not None or case.find("error") is not None:
        return "failed"
    return "skipped" if case.find("skipped") is not None else "passed"


def expected_verdicts() -> dict[str, str]:
    """The fault diary's verdicts by snippet id, from its expected statuses."""
    return {
        key: "failed" if status in FAILING else "skipped" if status in {"skipped", "needs-gpu"} else "passed"
        for key, status in EXPECTED.items()
    }


@pytest.fixture(scope="session")
def fault_check(tmp_path_factory: pytest.TempPathFactory) -> Checked:
    """`build-site check --junit report.xml` on a fresh copy of the fault diary (runs every block)."""
    return check_copy(tmp_path_factory.mktemp("fault-check"), "--junit", "report.xml", diary=FAULTS)
