"""The shipped diary built end to end through the command line, checked as a user would."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from tests.conftest import build_copy

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "diaries"


def test_journal_lists_the_five_seed_entries(seed_site: Path) -> None:
    journal = json.loads((seed_site / "site" / "journal.json").read_text(encoding="utf-8"))
    assert [e["date"] for e in journal["entries"]] == ["2022-01-03", "2022-01-05", "2022-01-06", "2022-01-07", "2022-01-08"]
    assert [e["title"] for e in journal["entries"]] == ["3 января 2022", "5 января 2022", "6 января 2022", "7 января 2022", "8 января 2022"]
    first = journal["entries"][0]
    assert (first["url"], first["source"], first["line"]) == ("entries/2022-01-03.html", "diary/2022-01.md", 9)
    assert all((seed_site / "site" / e["url"]).is_file() for e in journal["entries"])
    assert journal["generator"]["name"] == "tetrad"
    assert journal["stats"]["entries"] == 5 and journal["stats"]["words"] > 300
    assert journal["stats"]["longest_streak"] == 4 and journal["stats"]["current_streak"] == 4
    assert set(journal["stats"]["snippets"]) == {"passed", "failed", "skipped", "needs-gpu", "timeout", "crashed",
                                                 "incomplete", "needs-package", "blocked"}
    assert journal["pages"] == [] and journal["warnings"] == []
    (snippet,) = journal["entries"][1]["snippets"]
    assert set(snippet) >= {"id", "line", "status", "device", "duration_s", "stdout", "shown", "error"}
    assert snippet["line"] == 36


def test_preface_is_on_the_month_page(seed_site: Path) -> None:
    month = (seed_site / "site" / "months" / "2022-01.html").read_text(encoding="utf-8")
    assert "Решил сегодня" in month and "начать писать дневник" in month
    assert '<html lang="ru">' in month and "Январь 2022" in month


def test_math_is_rendered_and_links_are_kept(seed_site: Path) -> None:
    site = seed_site / "site"
    page = (site / "entries" / "2022-01-08.html").read_text(encoding="utf-8")
    assert "<math" in page and not re.search(r"\$[^$<]+\$", page)
    e05 = (site / "entries" / "2022-01-05.html").read_text(encoding="utf-8")
    assert 'href="https://www.youtube.com/watch?v=MswxJw-8PvE&amp;ab_channel=ElliotWaite"' in e05
    e06 = (site / "entries" / "2022-01-06.html").read_text(encoding="utf-8")
    assert 'href="https://pytorch.org/get-started/locally/"' in e06


def check_links(site: Path, diary_text: str) -> int:
    """Every href and src resolves to a file in the site, or is an http(s) link written in the diary itself."""
    checked = 0
    for page in sorted(site.rglob("*.html")):
        for target in re.findall(r'(?:href|src)="([^"]+)"', page.read_text(encoding="utf-8")):
            checked += 1
            if target.startswith(("http://", "https://")):
                assert html.unescape(target) in diary_text, f"{page.relative_to(site)} links out to {target}"
                continue
            if target.startswith(("data:", "#")):
                continue
            path = target.split("#", 1)[0]
            assert (page.parent / path).resolve().is_file(), f"{page.relative_to(site)} links to missing {target}"
    return checked


def test_every_link_resolves(seed_site: Path, tmp_path: Path) -> None:
    diary = (seed_site / "diary" / "2022-01.md").read_text(encoding="utf-8")
    assert check_links(seed_site / "site", diary) > 100
    done = build_copy(tmp_path, "--no-execute", diary=FIXTURES / "mixed")
    assert done.returncode == 0
    text = "".join(p.read_text(encoding="utf-8") for p in (FIXTURES / "mixed").rglob("*.md"))
    assert check_links(tmp_path / "site", text) > 100


def test_mixed_diary_builds_with_pages_images_and_rewritten_links(tmp_path: Path) -> None:
    done = build_copy(tmp_path, "--no-execute", "--lang", "ru", diary=FIXTURES / "mixed")
    assert done.returncode == 0, done.stderr
    site = tmp_path / "site"
    journal = json.loads((site / "journal.json").read_text(encoding="utf-8"))
    assert len(journal["entries"]) == 12
    assert journal["pages"] == [{"title": "About this journal", "url": "pages/about.html", "source": "diary/about.md",
                                 "snippets": []}]
    assert (site / "files" / "img" / "scheme.png").is_file()
    lecture = (site / "entries" / "2022-02-23.html").read_text(encoding="utf-8")
    assert 'href="2021-01-06.html"' in lecture and 'src="../files/img/scheme.png"' in lecture
    assert '<a class="wikilink" href="2022-01-05.html">5 января 2022</a>' in lecture
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="pages/about.html"' in home


def test_warnings_name_file_and_line_and_strict_fails(tmp_path: Path) -> None:
    diary = tmp_path / "src"
    diary.mkdir()
    (diary / "2022-01.md").write_text("## 03.01.2022\n\nok\n\n## 30.02.2022\n\nstill here\n", encoding="utf-8")
    (diary / "old.md").write_bytes("## 04.01.2022\n\nпривет\n".encode("cp1251"))
    done = build_copy(tmp_path / "a", "--no-execute", diary=diary)
    assert done.returncode == 0
    assert "diary/2022-01.md:5: warning: 30.02.2022 is not a calendar date" in done.stderr
    assert "diary/old.md:3: warning: file is not valid UTF-8" in done.stderr
    page = (tmp_path / "a" / "site" / "entries" / "2022-01-03.html").read_text(encoding="utf-8")
    assert "still here" in page
    strict = build_copy(tmp_path / "b", "--no-execute", "--strict", diary=diary)
    assert strict.returncode == 1 and "--strict" in strict.stderr


def test_no_diary_is_a_usage_error_without_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    done = subprocess.run([sys.executable, "-m", "generator.cli"], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert done.stderr.startswith("build-site: no diary folder") and "Traceback" not in done.stderr
