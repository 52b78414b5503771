"""Every page type in headless Chromium: no errors, nothing fetched from elsewhere, search, heatmap, phones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browser.test_seed_pages import open_page
from tests.conftest import FIXTURES, build_copy

SEED_PAGES = [
    "index.html", "entries/2022-01-05.html", "entries/2022-01-08.html", "months/2022-01.html", "timeline.html",
    "snippets.html", "search.html", "concepts/index.html", "concepts/tensor.html", "tags/index.html", "404.html",
]
MIXED_PAGES = ["tags/autograd.html", "pages/about.html", "entries/2022-02-23.html", "timeline/2021.html", "snippets/2021.html"]


@pytest.fixture(scope="module")
def mixed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("mixed-browser")
    done = build_copy(tmp, "--no-execute", "--lang", "ru", diary=FIXTURES / "diaries" / "mixed")
    assert done.returncode == 0, done.stderr
    return tmp / "site"


@pytest.mark.parametrize("width", [1200, 375], ids=["desktop", "phone"])
def test_every_page_type_loads_clean_and_fits(browser: Browser, seed_site: Path, mixed_site: Path, width: int) -> None:
    page, errors, remote = open_page(browser, width=width)
    targets = [seed_site / "site" / rel for rel in SEED_PAGES] + [mixed_site / rel for rel in MIXED_PAGES]
    for path in targets:
        assert path.is_file(), path
        page.goto(path.as_uri())
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path.name} scrolls sideways at {width}px"
        assert page.locator("main").count() == 1 and page.locator("header nav").count() == 1
        assert page.evaluate("[...document.images].filter(i => !i.alt).length") == 0, f"{path} has an image without alt text"
    assert errors == [], errors
    assert remote == [], remote


@pytest.mark.parametrize("query", ["тензор", "autograd", "ТЕНЗОРЫ", "Автомат"])
def test_search_finds_the_entry_offline(browser: Browser, seed_site: Path, query: str) -> None:
    page, errors, remote = open_page(browser)
    page.goto((seed_site / "site" / "search.html").as_uri())
    page.fill("#search-input", query)
    first = page.locator("#search-results li a").first
    first.wait_for()
    assert first.get_attribute("href").endswith("entries/2022-01-05.html")
    assert page.locator("#search-results mark").count() >= 1
    first.click()
    assert page.locator("time.entry-date").get_attribute("datetime") == "2022-01-05"
    assert errors == [] and remote == []


def test_search_folds_yo_to_ye(browser: Browser, mixed_site: Path) -> None:
    page, errors, _ = open_page(browser)
    page.goto((mixed_site / "search.html").as_uri())
    page.fill("#search-input", "свертки")  # the diary writes «свёртки»
    page.locator("#search-results li a").first.wait_for()
    hrefs = page.locator("#search-results li a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert any(h.endswith("entries/2022-02-05.html") for h in hrefs)
    assert errors == []


def test_each_writing_day_in_the_heatmap_links_to_its_entry(browser: Browser, seed_site: Path) -> None:
    page, errors, _ = open_page(browser)
    page.goto((seed_site / "site" / "timeline.html").as_uri())
    cells = page.locator("svg.heatmap a")
    days = cells.evaluate_all("els => els.map(e => [e.dataset.date, e.getAttribute('href'), e.querySelector('title').textContent])")
    assert [d[0] for d in days] == ["2022-01-03", "2022-01-05", "2022-01-06", "2022-01-07", "2022-01-08"]
    for day, href, title in days:
        assert href == f"entries/{day}.html"
        assert re.match(r"\d+ января 2022", title)
    cells.nth(1).click()
    assert page.locator("time.entry-date").get_attribute("datetime") == "2022-01-05"
    assert errors == []


def test_snippet_report_filters_by_status(browser: Browser, tmp_path: Path) -> None:
    done = build_copy(tmp_path, "--lang", "en", diary=FIXTURES / "diaries" / "faults")
    assert done.returncode == 0, done.stderr
    page, errors, _ = open_page(browser)
    page.goto((tmp_path / "site" / "snippets.html").as_uri())
    rows = page.locator(".report-table tbody tr")
    assert rows.count() == 18
    page.check("input[value=failed]")
    visible = rows.evaluate_all("rs => rs.filter(r => !r.hidden).map(r => r.dataset.status)")
    assert visible == ["failed"] * 5
    page.check("input[value=all]")
    assert rows.evaluate_all("rs => rs.filter(r => !r.hidden).length") == 18
    assert errors == []


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_screenshots_for_review(browser: Browser, seed_site: Path, screenshots: Path, dark: bool) -> None:
    for width in (1200, 375):
        page, errors, _ = open_page(browser, width=width, dark=dark)
        for name, rel in [("home", "index.html"), ("entry", "entries/2022-01-05.html"), ("timeline", "timeline.html"),
                          ("search", "search.html#q=тензор"), ("concepts", "concepts/index.html"), ("snippets", "snippets.html")]:
            path, _, fragment = rel.partition("#")
            page.goto((seed_site / "site" / path).as_uri() + (f"#{fragment}" if fragment else ""))
            page.screenshot(path=str(screenshots / f"{name}-{width}-{'dark' if dark else 'light'}.png"), full_page=True)
        assert errors == []
