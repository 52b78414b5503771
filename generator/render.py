"""Pages as strings: the site model in, a mapping of site paths to bytes out.

Nothing here touches the disk. Every link is relative (``../entries/…``) so
the site works opened from disk and under any URL prefix.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined

from . import __version__
from .i18n import Strings
from .markdown import RenderContext, highlight_code, render_markdown
from .model import Diagnostic, Document, Entry, Result, Snippet, Source, Status


@dataclass(frozen=True)
class SnippetView:
    snippet: Snippet
    result: Result


@dataclass(frozen=True)
class Month:
    key: str  # "2022-01"
    first_day: dt.date
    url: str
    entries: tuple[Entry, ...]
    prefaces: tuple[Document, ...]


@dataclass(frozen=True)
class SiteModel:
    """Everything the pages are made from, read and run before anything is rendered."""

    lang: str
    title: str
    entries: tuple[Entry, ...]  # sorted by date, keys unique
    documents: tuple[Document, ...]
    results: Mapping[str, Result]  # by snippet id
    words: Mapping[str, int]  # by entry key
    assets: frozenset[str]  # diary-relative paths of non-Markdown files copied to files/
    longest_streak: int
    current_streak: int
    concepts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # by entry key
    diagnostics: tuple[Diagnostic, ...] = ()


def entry_url(entry: Entry) -> str:
    return f"entries/{entry.key}.html"


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_url(key: str) -> str:
    return f"months/{key}.html"


def page_url(doc: Document) -> str:
    stem = doc.rel.rsplit(".", 1)[0]
    return f"pages/{stem}.html"


def relative(url: str, page: str) -> str:
    """``url`` (relative to the site root) as seen from the page at ``page``."""
    return posixpath.relpath(url, posixpath.dirname(page) or ".")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("generator", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return env


def months_of(model: SiteModel) -> tuple[Month, ...]:
    """One month per calendar month that has entries, with the prefaces of the files that start in it."""
    by_month: dict[str, list[Entry]] = {}
    for e in model.entries:
        by_month.setdefault(month_key(e.date), []).append(e)
    prefaces: dict[str, list[Document]] = {}
    for doc in model.documents:
        if doc.entries and doc.preface.strip():
            prefaces.setdefault(month_key(min(e.date for e in doc.entries)), []).append(doc)
    return tuple(
        Month(key, dt.date(int(key[:4]), int(key[5:]), 1), month_url(key), tuple(entries), tuple(prefaces.get(key, ())))
        for key, entries in sorted(by_month.items())
    )


class _Renderer:
    def __init__(self, model: SiteModel) -> None:
        self.model = model
        self.t = Strings(model.lang)
        self.months = months_of(model)
        self.by_source = {e.source: e for e in model.entries}
        self.by_date: dict[str, Entry] = {}
        for e in model.entries:
            self.by_date.setdefault(e.date.isoformat(), e)
        self.file_targets: dict[str, str] = {}
        for doc in model.documents:
            rel = doc.rel
            if len(doc.entries) == 1:
                self.file_targets[rel] = entry_url(self._keyed(doc.entries[0]))
            elif doc.entries:
                self.file_targets[rel] = month_url(month_key(min(e.date for e in doc.entries)))
            else:
                self.file_targets[rel] = page_url(doc)
        self.rel_of = {doc.path: doc.rel for doc in model.documents}
        self.unresolved: list[Diagnostic] = []
        self.env = _environment()

    def _keyed(self, raw: Entry) -> Entry:
        return self.by_source.get(raw.source, raw)

    # -- Markdown with the site's links --------------------------------------------------
    def markdown(self, text: str, source: Source, page: str, snippets: Sequence[Snippet] = ()) -> str:
        by_line = {s.source.line: s for s in snippets}

        def resolve_link(target: str) -> str | None:
            if target in self.file_targets:
                return relative(self.file_targets[target], page)
            if target in self.model.assets:
                return relative(f"files/{target}", page)
            return None

        def resolve_wiki(target: str) -> tuple[str, str] | None:
            from .dates import find_date

            found = find_date(target)
            if found is not None and found.date is not None and found.date.isoformat() in self.by_date:
                e = self.by_date[found.date.isoformat()]
                return relative(entry_url(e), page), self.t.date(e.date)
            return None

        def render_fence(line: int, info: str, code: str) -> str | None:
            snippet = by_line.get(line)
            if snippet is None:
                return None
            result = self.model.results.get(snippet.id) or Result(Status.SKIPPED, note="not run")
            return self.snippet_html(snippet, result, code)

        base_dir = posixpath.dirname(self.rel_of.get(source.path, ""))
        ctx = RenderContext(source=source.path, first_line=source.line, base_dir=base_dir, resolve_link=resolve_link,
                            resolve_wiki=resolve_wiki, render_fence=render_fence)
        out = render_markdown(text, ctx)
        for target in ctx.unresolved_wiki:
            line = source.line + next((i for i, l in enumerate(text.split("\n")) if f"[[{target}" in l), 0)
            self.unresolved.append(Diagnostic(Source(source.path, line), f"wiki-link [[{target}]] points to no entry or concept"))
        return out

    def snippet_html(self, snippet: Snippet, result: Result, code: str) -> str:
        lang = "pycon" if snippet.lang == "pycon" else "python"
        shown_code = code if code.strip() or not snippet.options.file else f"# {snippet.options.file}\n"
        return self.env.get_template("snippet.html").render(
            s=snippet, r=result, t=self.t, code_html=highlight_code(shown_code, lang),
            images=[o["data"]["image/png"] for o in result.outputs if "image/png" in o.get("data", {})],
        )

    # -- pages ---------------------------------------------------------------------------
    def page(self, template: str, url: str, title: str, **values: object) -> bytes:
        root = "../" * url.count("/")
        text = self.env.get_template(template).render(
            t=self.t, lang=self.model.lang, site_title=self.model.title, title=title, root=root, page_url=url,
            months=self.months, generator=f"tetrad {__version__}", **values,
        )
        return text.encode("utf-8")

    def render(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        entries = self.model.entries
        for i, e in enumerate(entries):
            url = entry_url(e)
            body = self.markdown(e.body, Source(e.source.path, e.body_line), url, e.snippets)
            mk = month_key(e.date)
            out[url] = self.page(
                "entry.html", url, e.title, entry=e, body=body, date_text=self.t.date(e.date),
                words=self.model.words.get(e.key, 0), concepts=self.model.concepts.get(e.key, ()),
                prev=entries[i - 1] if i > 0 else None, next=entries[i + 1] if i + 1 < len(entries) else None,
                month=next(m for m in self.months if m.key == mk),
                views=[SnippetView(s, self.model.results.get(s.id) or Result(Status.SKIPPED)) for s in e.snippets],
            )
        for i, m in enumerate(self.months):
            prefaces = [(d, self.markdown(d.preface, Source(d.path, d.preface_line), m.url)) for d in m.prefaces]
            out[m.url] = self.page(
                "month.html", m.url, self.t.month(m.first_day), month=m, prefaces=prefaces,
                prev=self.months[i - 1] if i > 0 else None, next=self.months[i + 1] if i + 1 < len(self.months) else None,
                date_text=self.t.date, words=self.model.words,
            )
        pages = [d for d in self.model.documents if not d.entries]
        for d in pages:
            url = page_url(d)
            out[url] = self.page("page.html", url, d.title, body=self.markdown(d.preface, Source(d.path, d.preface_line), url))
        counts = status_counts(self.model)
        out["index.html"] = self.page(
            "home.html", "index.html", self.model.title, latest=list(reversed(entries[-10:])),
            date_text=self.t.date, words=self.model.words, total_words=sum(self.model.words.values()), total_entries=len(entries),
            counts=counts, pages=[(d, page_url(d)) for d in pages],
            longest=self.model.longest_streak, current=self.model.current_streak,
        )
        out["404.html"] = self.page("404.html", "404.html", self.t["not_found"])
        out["assets/style.css"] = resources.files("generator").joinpath("static/style.css").read_bytes()
        out["assets/pygments.css"] = _pygments_css().encode("utf-8")
        out["journal.json"] = journal_json(self.model, self.unresolved)
        return out


@lru_cache(maxsize=1)
def _pygments_css() -> str:
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="default").get_style_defs(".code")
    dark = HtmlFormatter(style="monokai").get_style_defs(".code")
    dark_rules = "\n".join("  " + line for line in dark.splitlines() if not line.startswith(("pre ", "td.", "span.linenos", ".code .hll")))
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark_rules}\n}}\n"


def status_counts(model: SiteModel) -> dict[str, int]:
    counts = {s.value: 0 for s in Status}
    for e in model.entries:
        for s in e.snippets:
            r = model.results.get(s.id)
            counts[(r.status if r else Status.SKIPPED).value] += 1
    return counts


def journal_json(model: SiteModel, extra: Sequence[Diagnostic] = ()) -> bytes:
    """`site/journal.json` as PRODUCT.md describes it."""
    entries = []
    first_seen: dict[str, list[str]] = {}
    for e in model.entries:
        for c in model.concepts.get(e.key, ()):
            first_seen.setdefault(c, []).append(e.key)
        snippets = []
        for s in e.snippets:
            r = model.results.get(s.id) or Result(Status.SKIPPED)
            snippets.append({
                "id": s.id, "line": s.source.line, "status": r.status.value, "device": r.device,
                "duration_s": round(r.duration_s, 4), "stdout": r.stdout, "shown": r.shown, "error": r.error,
            })
        entries.append({
            "date": e.date.isoformat(), "title": e.title, "url": entry_url(e), "source": e.source.path,
            "line": e.source.line, "tags": list(e.tags), "concepts": list(model.concepts.get(e.key, ())),
            "words": model.words.get(e.key, 0), "snippets": snippets,
        })
    by_key = {e.key: e for e in model.entries}
    concepts = [
        {"name": name, "first": by_key[keys[0]].date.isoformat(), "entries": [by_key[k].date.isoformat() for k in keys]}
        for name, keys in sorted(first_seen.items(), key=lambda kv: (by_key[kv[1][0]].date, kv[0]))
    ]
    warnings = sorted({*model.diagnostics, *extra}, key=lambda d: (d.source, d.message))
    data = {
        "generator": {"name": "tetrad", "version": __version__},
        "entries": entries,
        "concepts": concepts,
        "stats": {
            "entries": len(model.entries), "words": sum(model.words.values()),
            "longest_streak": model.longest_streak, "current_streak": model.current_streak,
            "snippets": status_counts(model),
        },
        "pages": [{"title": d.title, "url": page_url(d), "source": d.path} for d in model.documents if not d.entries],
        "warnings": [{"file": w.source.path, "line": w.source.line, "message": w.message} for w in warnings],
    }
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def render_site(model: SiteModel) -> tuple[dict[str, bytes], tuple[Diagnostic, ...]]:
    """All pages of the site, and the warnings found while rendering (links to nothing)."""
    renderer = _Renderer(model)
    pages = renderer.render()
    return pages, tuple(renderer.unresolved)


