"""Nothing a snippet prints, and no title, tag or front-matter value, runs in a reader's browser.

A diary whose snippet output, errors, shown values, rich outputs, titles,
tags, front-matter values, file names and wiki-links all carry
``<script>alert(N)</script>`` / ``<img src=x onerror=alert(N)>`` payloads
(each N names where it came from) is built with real snippet runs. Then:

- every page is opened in headless Chromium (`live_check`, a process of its
  own): no dialog fires, no inline script or ``on…`` attribute from the
  content exists, also after typing into a search box;
- no page's HTML holds a payload raw;
- the data files escape them in their own way: ``journal.json`` (and any
  JSON file) round-trips the exact strings; the Atom feed is well-formed XML
  whose HTML content has no live element. A new data file is checked by
  adding it to ``DATA_CHECKS``.

Raw HTML written in the diary's own Markdown is the author's and passes
through; no payload here is Markdown prose (a day file's first heading is
its body, so it is Markdown too: front matter carries those titles).
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.safety.conftest import build, journal, write_tree

ENTRY = '''---
title: "<script>alert(101)</script><img src=x onerror=alert(102)>"
tags: ["<img src=x onerror=alert(103)>", "<script>alert(104)</script>", "x\\"><svg onload=alert(105)>"]
summary: "<script>alert(106)</script>"
---

Текст записи со ссылкой [[<img src=x onerror=alert(140)>]].

```python
import sys
print("<script>alert(107)</script>")
print("<img src=x onerror=alert(108)>")
print("</pre><svg onload=alert(109)>", file=sys.stderr)
"<script>alert(110)</script>"
```

```python
class Rich:
    def _repr_html_(self):
        return "<img src=x onerror=alert(111)>"
    def _repr_svg_(self):
        return "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(112)'></svg>"
    def __repr__(self):
        return "<script>alert(113)</script>"
Rich()
```

```python
raise ValueError("<img src=x onerror=alert(114)>")
```

```python setup=<img/src=x/onerror=alert(115)>
print("never")
```
'''

DIARY: dict[str, str | bytes] = {
    "2022-01-05.md": ENTRY,
    "2022-02.md": "## 06.02.2022 <img src=x onerror=alert(120)>\n\nТекст.\n\n## 07.02.2022 <script>alert(121)</script>\n\nЕщё.\n",
    "<img src=x onerror=alert(130)>.md": "Страница без даты.\n",
    "bad-date.md": '---\ndate: "<script>alert(150)</script>"\ntitle: "<img src=x onerror=alert(151)>"\n---\nТекст.\n',
}
PAYLOADS = ("<script>alert(", "<img src=x onerror", "<svg onload", "<svg xmlns", "onerror=alert(1", "onload=alert(1")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("escaping")
    write_tree(folder / "diary", DIARY)
    done = build(folder)
    assert done.returncode == 0, done.stderr
    return folder / "site"


def test_no_payload_is_live_in_any_page(site: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "tests.safety.live_check", str(site)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["pages"] >= 8
    assert report["dialogs"] == []
    assert report["live"] == []


def test_no_page_holds_a_payload_raw(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for payload in PAYLOADS:
            raw = payload.replace("onerror=alert(1", "<img src=x onerror=alert(1").replace("onload=alert(1", "<svg onload=alert(1")
            assert raw not in text, f"{page.relative_to(site)} holds {raw!r} raw"


def test_journal_json_keeps_the_exact_strings(site: Path) -> None:
    data = journal(site.parent)
    (entry,) = [e for e in data["entries"] if e["date"] == "2022-01-05"]
    assert entry["title"] == "<script>alert(101)</script><img src=x onerror=alert(102)>"
    assert entry["tags"] == ["<img src=x onerror=alert(103)>", "<script>alert(104)</script>", 'x"><svg onload=alert(105)>']
    first, rich, error, setup = entry["snippets"]
    assert first["stdout"] == "<script>alert(107)</script>\n<img src=x onerror=alert(108)>\n"
    assert first["shown"] == "'<script>alert(110)</script>'"
    assert rich["shown"] == "<script>alert(113)</script>"
    assert error["error"] == "ValueError: <img src=x onerror=alert(114)>"
    assert setup["status"] == "failed" and "alert(115)" in setup["error"]
    titles = {e["title"] for e in data["entries"]}
    assert {"<img src=x onerror=alert(120)>", "<script>alert(121)</script>"} <= titles
    assert {p["title"] for p in data["pages"]} >= {"<img src=x onerror=alert(130)>", "<img src=x onerror=alert(151)>"}
    messages = [w["message"] for w in data["warnings"]]
    assert "front matter `date: <script>alert(150)</script>` is not a date I can read" in messages


class _LiveHTML(HTMLParser):
    """Elements an HTML consumer would make live: scripts, on… handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}={value}")


def check_json(path: Path) -> None:
    json.loads(path.read_text(encoding="utf-8"))  # JSON escapes what it holds; it must only parse


def check_feed(path: Path) -> None:
    root = ET.fromstring(path.read_bytes())  # well-formed: every value escaped for XML
    for element in root.iter():
        if element.get("type") == "html" and element.text:  # a reader renders this as HTML
            parser = _LiveHTML()
            parser.feed(element.text)
            assert parser.found == [], f"{path.name}: {parser.found}"
        elif element.text and element.get("type") in (None, "text"):
            assert "<" not in ET.tostring(element, encoding="unicode").split(">", 1)[1].rsplit("</", 1)[0]


# site path (glob) -> check; add a data file here when the site gains one
DATA_CHECKS: dict[str, Callable[[Path], None]] = {
    "**/*.json": check_json,
    "feed.xml": check_feed,
    "**/*.atom": check_feed,
}


@pytest.mark.parametrize("pattern", sorted(DATA_CHECKS))
def test_data_files_escape_the_payloads(site: Path, pattern: str) -> None:
    for path in site.glob(pattern):
        DATA_CHECKS[pattern](path)


def test_the_payloads_are_in_the_pages_as_text(site: Path) -> None:
    entry = (site / "entries" / "2022-01-05.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(107)&lt;/script&gt;" in entry  # shown to the reader, as text
    assert "ValueError: &lt;img src=x onerror=alert(114)&gt;" in entry
