"""The site around the entries: concepts, streaks, tags, backlinks, wiki-links, feed, sitemap, language, scale."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, build_copy

MIXED = FIXTURES / "diaries" / "mixed"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("mixed")
    done = build_copy(tmp, "--no-execute", "--lang", "ru", diary=MIXED)
    assert done.returncode == 0, done.stderr
    return tmp / "site"


def test_seed_concepts_are_first_met_on_the_right_days(seed_site: Path) -> None:
    journal = json.loads((seed_site / "site" / "journal.json").read_text(encoding="utf-8"))
    first = {c["name"]: c["first"] for c in journal["concepts"]}
    expected = {
        "DataLoader": "2022-01-03", "Tensor": "2022-01-05", "Autograd": "2022-01-05", "nn.Module": "2022-01-05",
        "forward": "2022-01-05", "MSE": "2022-01-05", "CUDA": "2022-01-06", "LeNet": "2022-01-07",
        "Backpropagation": "2022-01-08", "Logistic regression": "2022-01-08",
    }
    assert {name: first.get(name) for name in expected} == expected
    dates = [c["first"] for c in journal["concepts"]]
    assert dates == sorted(dates)  # in the order they were met
    timeline = (seed_site / "site" / "timeline.html").read_text(encoding="utf-8")
    assert timeline.index(">DataLoader<") < timeline.index(">Tensor<") < timeline.index(">Backpropagation<")


def test_streaks_on_home_timeline_and_journal(seed_site: Path) -> None:
    site = seed_site / "site"
    stats = json.loads((site / "journal.json").read_text(encoding="utf-8"))["stats"]
    assert (stats["longest_streak"], stats["current_streak"]) == (4, 4)
    home = (site / "index.html").read_text(encoding="utf-8")
    assert re.search(r"Самая длинная серия</dt><dd>4 ", home)


def test_every_page_type_is_written(seed_site: Path) -> None:
    site = seed_site / "site"
    for rel in ["index.html", "timeline.html", "snippets.html", "search.html", "404.html", "tags/index.html",
                "concepts/index.html", "concepts/tensor.html", "concepts/nn-module.html", "feed.xml", "sitemap.xml",
                "assets/favicon.svg", "assets/search-index.js", "months/2022-01.html", "entries/2022-01-05.html"]:
        assert (site / rel).is_file(), rel


def test_tags_backlinks_and_wikilinks(mixed: Path) -> None:
    tag = (mixed / "tags" / "autograd.html").read_text(encoding="utf-8")
    assert 'href="../entries/2022-03-01.html"' in tag
    index = (mixed / "tags" / "index.html").read_text(encoding="utf-8")
    assert 'href="../tags/autograd.html"' in index and 'href="../tags/one.html"' in index
    target = (mixed / "entries" / "2022-01-05.html").read_text(encoding="utf-8")
    backlinks = target.split('class="backlinks"', 1)[1]
    assert 'href="../entries/2022-02-23.html"' in backlinks  # [[2022-01-05]] in the 23.02 entry
    lenet = (mixed / "entries" / "2021-01-06.html").read_text(encoding="utf-8")
    assert 'href="../entries/2022-02-23.html"' in lenet.split('class="backlinks"', 1)[1]  # a Markdown link


def test_wikilink_to_a_concept_and_to_nothing(tmp_path: Path) -> None:
    diary = tmp_path / "src"
    diary.mkdir()
    (diary / "2022-01.md").write_text(
        "## 03.01.2022\n\nО тензорах.\n\n## 04.01.2022\n\nСм. [[Tensor]], [[тензоры|тензоры]] и [[Nothing here]].\n",
        encoding="utf-8",
    )
    done = build_copy(tmp_path / "b", "--no-execute", diary=diary)
    assert done.returncode == 0
    assert "diary/2022-01.md:7: warning: wiki-link [[Nothing here]] points to no entry or concept" in done.stderr
    page = (tmp_path / "b" / "site" / "entries" / "2022-01-04.html").read_text(encoding="utf-8")
    assert page.count('<a class="wikilink" href="../concepts/tensor.html">') == 2


def test_feed_and_sitemap_parse(mixed: Path) -> None:
    feed = ET.parse(mixed / "feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 12
    assert entries[0].find("a:link", ns).get("href") == "entries/2022-03-02.html"  # newest first
    urls = [u.text for u in ET.parse(mixed / "sitemap.xml").getroot().iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "entries/2022-02-23.html" in urls and "index.html" in urls and "404.html" not in urls


def test_language_follows_the_setting(tmp_path: Path) -> None:
    done = build_copy(tmp_path, "--no-execute", "--lang", "en")
    assert done.returncode == 0
    page = (tmp_path / "site" / "entries" / "2022-01-05.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "January 5, 2022" in page and "Next" in page


def test_seed_language_is_detected_as_russian(seed_site: Path) -> None:
    page = (seed_site / "site" / "entries" / "2022-01-05.html").read_text(encoding="utf-8")
    assert '<html lang="ru">' in page and "5 января 2022" in page and "Следующая" in page


def test_entry_pages_do_not_grow_with_the_diary(tmp_path: Path) -> None:
    """No page lists every entry in its navigation: an entry page is the same size in a small and a big diary."""
    sizes = {}
    for n in (10, 400):
        diary = tmp_path / f"d{n}"
        diary.mkdir()
        import datetime as dt

        lines = []
        for i in range(n):
            day = dt.date(2020, 1, 1) + dt.timedelta(days=i)
            lines.append(f"## {day.isoformat()}\n\nDay {i}: words about tensors and autograd.\n")
        (diary / "journal.md").write_text("\n".join(lines), encoding="utf-8")
        done = build_copy(tmp_path / f"b{n}", "--no-execute", "--lang", "en", diary=diary)
        assert done.returncode == 0, done.stderr
        site = tmp_path / f"b{n}" / "site"
        sizes[n] = {rel: len((site / rel).read_bytes()) for rel in ("entries/2020-01-05.html", "timeline.html", "months/2020-01.html")}
    for rel in sizes[10]:
        assert abs(sizes[400][rel] - sizes[10][rel]) < 0.35 * sizes[10][rel] + 6000, (rel, sizes)
