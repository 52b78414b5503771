"""Open every page of a built site in headless Chromium and report anything that became live.

Run as ``python -m tests.safety.live_check SITE`` (a process of its own, so
its Playwright never meets another one in the test session); prints one JSON
object: the pages visited, the dialogs that fired (``alert(…)`` messages),
and the live elements found (an inline script or an ``on…`` attribute that
mentions ``alert``). Pages with a search box get queries typed into it, so
results drawn from the search index are checked too. Requests that leave
``file://`` are blocked.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import Dialog, Page, Route, sync_playwright

QUERIES = ("alert", "script", "onerror", "img")
FIND_LIVE = """() => {
  const found = [];
  for (const s of document.querySelectorAll('script:not([src])')) {
    const js = !s.type || /javascript|module/i.test(s.type);
    if (js && s.textContent.includes('alert(')) found.push(s.outerHTML.slice(0, 200));
  }
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on') && a.value.includes('alert')) found.push(el.outerHTML.slice(0, 200));
      if (/^\\s*javascript:/i.test(a.value) && a.value.includes('alert')) found.push(el.outerHTML.slice(0, 200));
    }
  }
  for (const img of document.querySelectorAll('img[onerror], svg[onload], iframe[srcdoc]')) found.push(img.outerHTML.slice(0, 200));
  return found;
}"""


def check(site: Path) -> dict[str, Any]:
    pages = sorted(site.rglob("*.html"))
    dialogs: list[str] = []
    live: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context()

        def only_files(route: Route) -> None:
            if route.request.url.startswith("file:"):
                route.continue_()
            else:
                route.abort()

        context.route("**/*", only_files)
        page: Page = context.new_page()
        current = [""]

        def on_dialog(dialog: Dialog) -> None:
            dialogs.append(f"{current[0]}: {dialog.type} {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        for path in pages:
            current[0] = path.relative_to(site).as_posix()
            page.goto(path.resolve().as_uri(), wait_until="load")
            page.wait_for_timeout(100)  # an <img onerror> fires once its image fails
            box = page.query_selector("input[type=search], input[name=q]")
            if box is not None:
                for query in QUERIES:
                    box.fill(query)
                    box.dispatch_event("input")
                    page.wait_for_timeout(200)
                    live.extend(f"{current[0]} (searching {query!r}): {x}" for x in page.evaluate(FIND_LIVE))
            live.extend(f"{current[0]}: {x}" for x in page.evaluate(FIND_LIVE))
        browser.close()
    return {"pages": len(pages), "dialogs": dialogs, "live": live}


if __name__ == "__main__":
    print(json.dumps(check(Path(sys.argv[1]))))
