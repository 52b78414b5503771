"""The rendering floor: markdown-it-py + Pygments + Jinja2 over the diary's entries.

``python3 bench/minimal.py DIARY OUT`` splits month files on their
``## DD.MM.YYYY`` headings (a day file is one entry), renders each entry's
Markdown with highlighted code into a trivial template, and writes one file
per entry. No math, links, navigation, results or index: the least a static
site generator must do with the same text.
"""

import re
import sys
from collections.abc import Iterator
from pathlib import Path

from jinja2 import Environment
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

HEADING = re.compile(r"^## (\d\d\.\d\d\.\d{4})[ \t]*$", re.MULTILINE)
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1>
{{ body | safe }}
</main></body></html>
"""
FORMATTER = HtmlFormatter(nowrap=True)


def highlight_code(code: str, lang: str, attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(lang or "text")
    except ClassNotFound:
        return ""
    html: str = highlight(code, lexer, FORMATTER)
    return html


def entries(diary: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(diary.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        parts = HEADING.split(text)
        if len(parts) == 1:
            yield path.relative_to(diary).with_suffix("").as_posix(), text
            continue
        yield from zip(parts[1::2], parts[2::2])


def main() -> None:
    diary, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    md = MarkdownIt("commonmark", {"highlight": highlight_code}).enable("table")
    template = Environment(autoescape=True).from_string(PAGE)
    for n, (title, body) in enumerate(entries(diary)):
        html = template.render(title=title, body=md.render(body))
        (out / f"entry-{n:05d}.html").write_text(html, encoding="utf-8")


if __name__ == "__main__":
    main()
