"""The built seed site in headless Chromium, opened from file:// as a reader would."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page


def open_page(browser: Browser, *, width: int = 1200, dark: bool = False) -> tuple[Page, list[str], list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme="dark" if dark else "light")
    page = context.new_page()
    errors: list[str] = []
    remote: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: remote.append(r.url) if not r.url.startswith(("file://", "data:")) else None)
    return page, errors, remote


def test_next_and_previous_walk_all_five_entries(browser: Browser, seed_site: Path) -> None:
    page, errors, remote = open_page(browser)
    page.goto((seed_site / "site" / "index.html").as_uri())
    page.click(".month-list a >> text=Январь 2022")
    page.click(".entry-list a >> nth=0")
    seen = [page.locator("time.entry-date").get_attribute("datetime")]
    while page.locator("a[rel=next]").count():
        page.click("a[rel=next]")
        seen.append(page.locator("time.entry-date").get_attribute("datetime"))
    assert seen == ["2022-01-03", "2022-01-05", "2022-01-06", "2022-01-07", "2022-01-08"]
    back = []
    while page.locator("a[rel=prev]").count():
        page.click("a[rel=prev]")
        back.append(page.locator("time.entry-date").get_attribute("datetime"))
    assert back == seen[-2::-1]
    assert errors == [] and remote == []


def test_math_renders_as_mathml_and_links_survive(browser: Browser, seed_site: Path) -> None:
    page, errors, remote = open_page(browser)
    page.goto((seed_site / "site" / "entries" / "2022-01-08.html").as_uri())
    math = page.locator("math")
    assert math.count() >= 1
    box = math.first.bounding_box()
    assert box is not None and box["width"] > 50  # laid out as math, not left as text
    assert "$" not in page.locator(".prose").inner_text()
    page.goto((seed_site / "site" / "entries" / "2022-01-05.html").as_uri())
    hrefs = page.locator(".prose a").evaluate_all("els => els.map(e => e.href)")
    assert any(h.startswith("https://www.youtube.com/watch?v=MswxJw-8PvE") for h in hrefs)
    assert errors == [] and remote == []


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("width", [1200, 375], ids=["desktop", "phone"])
def test_pages_fit_the_screen_and_are_captured(browser: Browser, seed_site: Path, screenshots: Path, width: int, dark: bool) -> None:
    page, errors, remote = open_page(browser, width=width, dark=dark)
    for name, rel in [("home", "index.html"), ("entry", "entries/2022-01-05.html"), ("math", "entries/2022-01-08.html"), ("month", "months/2022-01.html")]:
        page.goto((seed_site / "site" / rel).as_uri())
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{rel} scrolls sideways at {width}px"
        page.screenshot(path=str(screenshots / f"{name}-{width}-{'dark' if dark else 'light'}.png"), full_page=True)
    assert errors == [] and remote == []
