"""`build-site new`: today's entry in the diary's own layout, never overwriting."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from generator.errors import TetradError
from generator.new import create_entry
from tests.conftest import ROOT, run_build

TODAY = dt.date(2026, 11, 27)


def test_month_files_get_a_heading_in_the_current_month_file(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "diary", tmp_path / "diary")
    path = create_entry(tmp_path / "diary", TODAY)
    assert path == tmp_path / "diary" / "2026-11.md"
    assert path.read_text(encoding="utf-8") == "## 27.11.2026\n\n---\n"
    assert (tmp_path / "diary" / "2022-01.md").read_bytes() == (ROOT / "diary" / "2022-01.md").read_bytes()
    with pytest.raises(TetradError, match="already has an entry for 2026-11-27"):
        create_entry(tmp_path / "diary", TODAY)


def test_appends_to_an_existing_month_file(tmp_path: Path) -> None:
    diary = tmp_path / "diary"
    diary.mkdir()
    (diary / "2026-11.md").write_text("# Ноябрь\n\n### 2026-11-20\n\ntext", encoding="utf-8")
    create_entry(diary, TODAY)
    assert (diary / "2026-11.md").read_text(encoding="utf-8") == "# Ноябрь\n\n### 2026-11-20\n\ntext\n\n### 2026-11-27\n\n---\n"


@pytest.mark.parametrize("existing, created", [
    ("2026/11/20.md", "2026/11/27.md"),
    ("2026/11/2026-11-20.md", "2026/11/2026-11-27.md"),
    ("2026-11-20.md", "2026-11-27.md"),
])
def test_day_files_get_a_new_file_named_like_the_others(tmp_path: Path, existing: str, created: str) -> None:
    diary = tmp_path / "diary"
    (diary / existing).parent.mkdir(parents=True)
    (diary / existing).write_text("Old day.\n", encoding="utf-8")
    assert create_entry(diary, TODAY) == diary / created
    assert (diary / created).read_text(encoding="utf-8") == "## 2026-11-27\n\n"
    with pytest.raises(TetradError, match="already exists"):
        create_entry(diary, TODAY)
    assert (diary / created).read_text(encoding="utf-8") == "## 2026-11-27\n\n"


def test_the_command_prints_the_path(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "diary", tmp_path / "diary")
    done = run_build(tmp_path, "new")
    assert done.returncode == 0, done.stderr
    printed = Path(done.stdout.strip())
    assert (tmp_path / printed).is_file() and printed.name.endswith(".md")
