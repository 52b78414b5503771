"""Incremental builds: after an edit only what it touched is made again, and the site equals a clean build's."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, run_build


def tree(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(site.rglob("*")) if p.is_file()}


def setup(folder: Path, diary: Path) -> None:
    shutil.copytree(diary, folder / "diary")
    shutil.copytree(ROOT / "snippets", folder / "snippets", ignore=shutil.ignore_patterns("results"))


def counts(stdout: str) -> tuple[int, int]:
    found = re.search(r"(\d+) files written, (\d+) unchanged", stdout)
    assert found, stdout
    return int(found.group(1)), int(found.group(2))


def test_a_rebuild_after_one_edit_equals_a_clean_build(tmp_path: Path) -> None:
    inc, clean = tmp_path / "inc", tmp_path / "clean"
    setup(inc, ROOT / "diary")
    first = run_build(inc)
    assert first.returncode == 0, first.stderr
    page = inc / "site" / "entries" / "2022-01-05.html"
    inode = page.stat().st_ino
    diary = inc / "diary" / "2022-01.md"
    text = diary.read_text(encoding="utf-8")
    diary.write_text(text.replace("Надо будет это проверить.", "Надо будет это проверить. Проверил!"), encoding="utf-8")
    second = run_build(inc)
    assert second.returncode == 0, second.stderr
    written, unchanged = counts(second.stdout)
    assert unchanged > 0 and "0 run now" in second.stdout
    assert page.stat().st_ino == inode  # an untouched entry's page is taken from the previous site, not rewritten
    # A clean build of the same diary and the same stored results.
    shutil.copytree(inc / "diary", clean / "diary")
    shutil.copytree(inc / "snippets", clean / "snippets")
    assert run_build(clean).returncode == 0
    assert tree(inc / "site") == tree(clean / "site")
    assert "Проверил!" in (inc / "site" / "entries" / "2022-01-06.html").read_text(encoding="utf-8")


def test_editing_code_reruns_one_entry_and_deleting_an_entry_removes_its_page(tmp_path: Path) -> None:
    inc, clean = tmp_path / "inc", tmp_path / "clean"
    setup(inc, FIXTURES / "diaries" / "mixed")
    assert run_build(inc, "--lang", "ru").returncode == 0
    (inc / "diary" / "same-date.md").unlink()
    lecture = inc / "diary" / "2022-02.md"
    lecture.write_text(lecture.read_text(encoding="utf-8").replace("Свёртки и пулинг.", "Свёртки, пулинг и страйды."), encoding="utf-8")
    again = run_build(inc, "--lang", "ru")
    assert again.returncode == 0, again.stderr
    assert not (inc / "site" / "entries" / "2022-02-10-2.html").exists()
    shutil.copytree(inc / "diary", clean / "diary")
    shutil.copytree(inc / "snippets", clean / "snippets")
    assert run_build(clean, "--lang", "ru").returncode == 0
    assert tree(inc / "site") == tree(clean / "site")


def test_nothing_changed_writes_only_the_pages_that_list_everything(tmp_path: Path) -> None:
    inc = tmp_path / "inc"
    setup(inc, FIXTURES / "diaries" / "faults")
    assert run_build(inc).returncode == 0
    again = run_build(inc)
    written, unchanged = counts(again.stdout)
    assert "0 run now and 18 from stored results" in again.stdout
    assert unchanged >= 13 + 13 * 2  # every entry page and its two downloads


def test_serve_changes_its_site_in_place_and_ends_equal_to_a_clean_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.build import Settings, build, memo_path
    from generator.memo import Memo

    inc, clean = tmp_path / "inc", tmp_path / "clean"
    setup(inc, FIXTURES / "diaries" / "mixed")
    assert run_build(inc, "--lang", "ru").returncode == 0  # results stored, memo beside the site
    monkeypatch.chdir(inc)  # paths as a user gives them, relative to the diary's folder
    settings = Settings(lang="ru")
    memo = Memo.load(memo_path(settings.out))
    build(settings, memo=memo, serving=True)
    assert not memo_path(settings.out).exists()  # serve keeps it in memory until it stops
    untouched = inc / "site" / "entries" / "2022-01-05.html"
    inode = untouched.stat().st_ino
    lecture = inc / "diary" / "2022-02.md"
    lecture.write_text(lecture.read_text(encoding="utf-8").replace("Свёртки и пулинг.", "Свёртки, пулинг и страйды."), encoding="utf-8")
    report = build(settings, memo=memo, serving=True)
    assert report.kept > 0 and report.ran == 0
    assert untouched.stat().st_ino == inode  # left where it was: not rewritten, not relinked
    (inc / "diary" / "same-date.md").unlink()
    build(settings, memo=memo, serving=True)
    assert not (inc / "site" / "entries" / "2022-02-10-2.html").exists()
    assert not [p for p in (inc / "site").rglob("*.tmp")]
    shutil.copytree(inc / "diary", clean / "diary")
    shutil.copytree(inc / "snippets", clean / "snippets")
    assert run_build(clean, "--lang", "ru").returncode == 0
    assert tree(inc / "site") == tree(clean / "site")
