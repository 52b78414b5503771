from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def build_copy(tmp: Path, *extra: str, diary: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Copy a diary (the shipped seed by default) and the snippets folder into ``tmp`` and build there."""
    shutil.copytree(diary or ROOT / "diary", tmp / "diary", dirs_exist_ok=True)
    if (ROOT / "snippets").is_dir() and not (tmp / "snippets").exists():
        shutil.copytree(ROOT / "snippets", tmp / "snippets", ignore=shutil.ignore_patterns("results"))
    return run_build(tmp, *extra)


def run_build(folder: Path, *args: str, pythonpath: tuple[Path, ...] = ()) -> subprocess.CompletedProcess[str]:
    """`build-site ARGS` run in ``folder`` as a user runs it (``pythonpath`` goes first on the import path)."""
    path = os.pathsep.join(str(p) for p in (*pythonpath, ROOT))
    return subprocess.run(
        [sys.executable, "-m", "generator.cli", *args], cwd=folder, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": path},
    )


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped diary built once for the whole session; returns the folder holding site/."""
    tmp = tmp_path_factory.mktemp("seed")
    done = build_copy(tmp)
    assert done.returncode == 0, done.stderr
    return tmp


SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed for the page tests (apt-get install chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield b
        b.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
