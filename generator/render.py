"""Pages as strings: the site model in, a mapping of site paths to bytes out.

Nothing here touches the disk. Every link is relative (``../entries/…``) so
the site works opened from disk and under any URL prefix. Rendering runs in
two passes: entry bodies first (which finds the links between entries), then
the pages, which can then show backlinks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from babel.dates import get_day_names, get_month_names
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from . import __version__
from .charts import heatmap_svg, line_svg
from .concepts import Glossary, resolve_concept
from .dates import find_date
from .feed import FeedItem, atom_feed, sitemap
from .i18n import Strings
from .journal import entry_item, journal_json, status_counts
from .memo import Memo, fingerprint, remembered, text_digest
from .markdown import RenderContext, count_words_in, highlight_code, plain_text, prepare_highlighting, render_markdown_and_text
from .notebooks import fence_lines
from .parallel import fork_map
from .model import Diagnostic, Document, Entry, Result, Snippet, Source, Status
from .search import Document as SearchDocument
from .search import search_script, searchable
from .terminal import to_html
from .timeline import Cell, cumulative, first_met, heatmap
from .urls import (
    concept_url, entry_url, month_key, month_url, page_url, preface_url, relative, report_url, tag_url, timeline_url, unique_slugs,
)

LATEST = 10  # entries on the home page
NOT_RUN = Result(Status.SKIPPED, note="not run")  # a snippet without a result
FEED_ITEMS = 20


@dataclass(frozen=True)
class SnippetView:
    snippet: Snippet
    result: Result
    entry: Entry
    page: str = ""  # the page that shows it when that is not its entry's: a page's, a month's (its preface)


@dataclass(frozen=True)
class Month:
    key: str  # "2022-01"
    first_day: dt.date
    url: str
    entries: tuple[Entry, ...]
    prefaces: tuple[Document, ...]


@dataclass(frozen=True)
class Listing:
    """A tag or concept with its page and its entries, first met first."""

    name: str
    url: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class SiteModel:
    """Everything the pages are made from, read and run before anything is rendered."""

    lang: str
    title: str
    entries: tuple[Entry, ...]  # sorted by date, keys unique
    documents: tuple[Document, ...]
    results: Mapping[str, Result]  # by snippet id
    assets: frozenset[str]  # diary-relative paths of non-Markdown files copied to files/
    longest_streak: int
    current_streak: int
    concepts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # by entry key
    glossary: Glossary | None = None
    glossary_key: str = ""  # a hash of the user's glossary file, which wiki-links resolve through
    prints: Mapping[str, str] = field(default_factory=dict)  # a hash of each entry and its results, by key
    outcomes: Mapping[str, str] = field(default_factory=dict)  # a hash of each entry's results, by key
    diagnostics: tuple[Diagnostic, ...] = ()
    loose: tuple[Entry, ...] = ()  # the blocks under no entry, a stand-in entry per file (`generator.loose`)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("generator", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["ansi"] = lambda text: Markup(to_html(text))  # captured output's terminal colours
    return env


def _shown_code(snippet: Snippet, code: str) -> tuple[str, str]:
    """The code a snippet's box shows (its fence's text, or the file it runs), and its language."""
    lang = "pycon" if snippet.lang == "pycon" else "python"
    return (code if code.strip() or not snippet.options.file else f"# {snippet.options.file}\n"), lang


def prepare(entries: Sequence[Entry]) -> None:
    """Make ahead what rendering needs that no result changes: every template compiled, every
    snippet's code highlighted (about half the work of rendering a body). The build does this while
    the worker imports torch, when one of the two cores has nothing else to do."""
    env = _environment()
    for name in env.list_templates():
        env.get_template(name)
    prepare_highlighting(_shown_code(s, s.code) for e in entries for s in e.snippets)


def months_of(entries: Sequence[Entry], documents: Sequence[Document]) -> tuple[Month, ...]:
    """One month per calendar month that has entries, with the prefaces of the files that start in it."""
    by_month: dict[str, list[Entry]] = {}
    for e in entries:
        by_month.setdefault(month_key(e.date), []).append(e)
    prefaces: dict[str, list[Document]] = {}
    for doc in documents:
        if doc.entries and doc.preface.strip():
            prefaces.setdefault(month_key(min(e.date for e in doc.entries)), []).append(doc)
    return tuple(
        Month(key, dt.date(int(key[:4]), int(key[5:]), 1), month_url(key), tuple(items), tuple(prefaces.get(key, ())))
        for key, items in sorted(by_month.items())
    )


class _Renderer:
    def __init__(self, model: SiteModel, memo: Memo | None = None, previous: Path | None = None, jobs: int = 1) -> None:
        self.model = model
        self.jobs = jobs
        # Small parts (report rows, journal lines) are remembered only when there is a previous site to
        # rebuild: keying thousands of them costs a clean build more than making them does.
        self.rebuilding = memo is not None and previous is not None
        self.memo = memo
        self.previous = previous
        self.reuse: list[str] = []
        self.t = Strings(model.lang)
        self.env = _environment()
        self.entries = model.entries
        self.months = months_of(model.entries, model.documents)
        self.month_of = {m.key: m for m in self.months}
        self.years = sorted({e.date.year for e in self.entries})
        self.latest_year = self.years[-1] if self.years else dt.date.today().year
        self.by_source = {e.source: e for e in self.entries}
        self.by_date: dict[str, Entry] = {}
        for e in self.entries:
            self.by_date.setdefault(e.date.isoformat(), e)
        self.rel_of = {doc.path: doc.rel for doc in model.documents}
        self.file_targets: dict[str, str] = {}
        self.file_entry: dict[str, Entry] = {}
        for doc in model.documents:
            if len(doc.entries) == 1:
                entry = self.by_source.get(doc.entries[0].source, doc.entries[0])
                self.file_targets[doc.rel] = entry_url(entry)
                self.file_entry[doc.rel] = entry
            elif doc.entries:
                self.file_targets[doc.rel] = month_url(month_key(min(e.date for e in doc.entries)))
            else:
                self.file_targets[doc.rel] = page_url(doc)
        # The blocks under no entry, by file, and the page that shows them: the file's page, or its month's.
        self.loose_of = {e.source.path: e for e in model.loose}
        self.loose_page = {doc.path: preface_url(doc) for doc in model.documents if doc.path in self.loose_of}
        self.tags = self._listings({e.key: e.tags for e in self.entries}, tag_url)
        self.concepts = self._listings(model.concepts, concept_url)
        self.tag_of = {x.name: x for x in self.tags}
        self.concept_of = {x.name: x for x in self.concepts}
        self.links_to: dict[str, set[str]] = {}  # target entry key -> keys of entries linking to it
        self.unresolved: list[Diagnostic] = []
        self.texts: dict[str, str] = {}  # each entry's words as search keeps them, by key: found while rendering its body
        self.words: dict[str, int] = {}
        self.list_items: dict[tuple[str, bool], dict[str, str]] = {}  # by page depth and words shown: entry key -> <li>

    def _listings(self, names_by_key: Mapping[str, Sequence[str]], url_of: Callable[[str], str]) -> tuple[Listing, ...]:
        members: dict[str, list[Entry]] = {}
        for e in self.entries:
            for name in names_by_key.get(e.key, ()):
                members.setdefault(name, []).append(e)
        slugs = unique_slugs(sorted(members, key=str.casefold))
        return tuple(Listing(name, url_of(slugs[name]), tuple(members[name])) for name in sorted(members, key=str.casefold))

    # -- Markdown with the site's links --------------------------------------------------
    def markdown(self, text: str, source: Source, page: str, snippets: Sequence[Snippet] = (),
                 linker: Entry | None = None, runs: Entry | None = None) -> tuple[str, list[str], list[Diagnostic], str]:
        """Markdown as HTML in ``page``, the keys of the entries it links to (for ``linker``'s
        backlinks), its wiki-links to nothing, and its readable words (`plain_text`). The blocks
        shown with results are ``linker``'s, or those of ``runs`` (a text under no entry).
        Changes nothing: it may run in a forked process."""
        owner = linker or runs
        by_line = fence_lines(owner) if owner is not None else {s.source.line: s for s in snippets}
        linked: set[str] = set()

        def note_link(target: Entry) -> None:
            if linker is not None and target.key != linker.key:
                linked.add(target.key)

        def resolve_link(target: str) -> str | None:
            if target in self.file_entry:
                note_link(self.file_entry[target])
            if target in self.file_targets:
                return relative(self.file_targets[target], page)
            if target in self.model.assets:
                return relative(f"files/{target}", page)
            return None

        def resolve_wiki(target: str) -> tuple[str, str] | None:
            found = find_date(target)
            if found is not None and found.date is not None:
                entry = self.by_date.get(found.date.isoformat())
                if entry is None:
                    return None
                note_link(entry)
                return relative(entry_url(entry), page), self.t.date(entry.date)
            name = resolve_concept(target, self.model.glossary) if self.model.glossary else None
            listing = self.concept_of.get(name or target) or self.tag_of.get(target)
            if listing is None:
                return None
            return relative(listing.url, page), target

        def render_fence(line: int, info: str, code: str) -> str | None:
            snippet = by_line.get(line)
            if snippet is None:
                return None
            return self.snippet_html(snippet, self.result(snippet), code)

        ctx = RenderContext(source=source.path, first_line=source.line, expected_label=self.t["expected_output"],
                            base_dir=self.rel_of.get(source.path, "").rpartition("/")[0],
                            resolve_link=resolve_link, resolve_wiki=resolve_wiki, render_fence=render_fence)
        out, readable = render_markdown_and_text(text, ctx)
        lines = text.split("\n")
        problems: list[Diagnostic] = []
        for target in ctx.unresolved_wiki:
            offset = next((i for i, line in enumerate(lines) if f"[[{target}" in line), 0)
            problems.append(Diagnostic(Source(source.path, source.line + offset), f"wiki-link [[{target}]] points to no entry or concept"))
        return out, sorted(linked), problems, readable

    def fragment(self, doc: Document, page: str) -> str:
        """A preface or page as HTML, its blocks with their results; its wiki-links to nothing are noted."""
        html, _, problems, _ = self.markdown(doc.preface, Source(doc.path, doc.preface_line), page,
                                             runs=self.loose_of.get(doc.path))
        self.unresolved.extend(problems)
        return html

    def result(self, snippet: Snippet) -> Result:
        return self.model.results.get(snippet.id) or NOT_RUN

    def snippet_html(self, snippet: Snippet, result: Result, code: str) -> str:
        return self.env.get_template("snippet.html").render(
            s=snippet, r=result, t=self.t, code_html=highlight_code(*_shown_code(snippet, code)),
            images=[o["data"]["image/png"] for o in result.outputs if "image/png" in o.get("data", {})],
            displays=[o["data"]["text/plain"] for o in result.outputs if o.get("output_type") == "display_data"
                      and "text/plain" in o.get("data", {}) and "image/png" not in o["data"]],
        )

    # -- pages ---------------------------------------------------------------------------
    def page(self, template: str, url: str, title: str, **values: object) -> bytes:
        root = "../" * url.count("/")
        text = self.env.get_template(template).render(
            t=self.t, lang=self.model.lang, site_title=self.model.title, title=title, root=root,
            page_url=url, latest_month=self.months[-1] if self.months else None, generator=f"tetrad {__version__}",
            entry_list=lambda entries, words=False: self.entry_list(entries, root, words), **values,
        )
        return text.encode("utf-8")

    def entry_list(self, entries: Sequence[Entry], root: str, words: bool) -> Markup:
        """A list of links to ``entries`` (with their word counts): each item is rendered once per page
        depth, however many month, tag and concept pages list the entry."""
        made = self.list_items.setdefault((root, words), {})
        items: list[str] = []
        for e in entries:
            if e.key not in made:
                made[e.key] = self.env.get_template("_entry_item.html").render(
                    e=e, root=root, t=self.t, words=self.words if words else None)
            items.append(made[e.key])
        return Markup(f'<ol class="entry-list">\n{"".join(items)}</ol>')

    def world(self) -> str:
        """What every entry body's links depend on besides its own text: the targets that exist."""
        return fingerprint(
            self.model.lang, self.model.glossary_key, sorted(self.file_targets.items()), sorted(self.by_date),
            [(x.name, x.url) for x in self.concepts], [(x.name, x.url) for x in self.tags], sorted(self.model.assets),
        )

    def _body_inputs(self, e: Entry) -> tuple[object, ...]:
        """What an entry's rendered body is made from besides ``world``. Not where the entry sits in its
        file: an edit above it moves it, and its body stays the same (the lines of its wiki-link warnings are
        kept relative to the body; a traceback that names a line is in the result, which moves with it)."""
        return (e.key, e.source.path, text_digest(e.body),
                [(s.id, s.lang, s.options, s.expected_output, s.index, s.span, s.source.line - e.body_line) for s in e.snippets],
                self.model.outcomes.get(e.key) or [self.result(s) for s in e.snippets])

    def bodies(self, world: str) -> dict[str, tuple[str, str]]:
        """Every entry's rendered Markdown and the key it is stored under; the links they make, and
        each entry's readable text and word count (``texts``, ``words``), are noted.

        Bodies the memo does not hold are rendered across ``jobs`` processes.
        """
        keys = {e.key: fingerprint(world, *self._body_inputs(e)) for e in self.entries}

        def record(e: Entry) -> dict[str, object]:
            html, links, problems, text = self.markdown(e.body, Source(e.source.path, e.body_line), entry_url(e), e.snippets, linker=e)
            return {"html": html, "links": links, "wikis": [(d.source.line - e.body_line, d.message) for d in problems],
                    "text": searchable(text), "words": count_words_in(text)}

        made = remembered(self.memo, "body", [keys[e.key] for e in self.entries], lambda i: record(self.entries[i]), self.jobs)
        out: dict[str, tuple[str, str]] = {}
        for e, found in zip(self.entries, made):
            for target in found["links"]:
                self.links_to.setdefault(target, set()).add(e.key)
            self.unresolved.extend(Diagnostic(Source(e.source.path, e.body_line + offset), message)
                                   for offset, message in found["wikis"])
            self.texts[e.key] = str(found["text"])
            self.words[e.key] = int(found["words"])
            out[e.key] = (str(found["html"]), keys[e.key])
        return out

    def unchanged(self, url: str, *inputs: object) -> bool:
        """Whether the previous site's ``url`` was made from the same inputs (then it is taken as it is)."""
        if self.memo is None or not self.memo.unchanged([url], fingerprint(url, *inputs), self.previous):
            return False
        self.reuse.append(url)
        return True

    def journal_item(self, e: Entry) -> str:
        """The entry's line of journal.json, made once for the same entry, results, concepts and words."""
        concepts, words = self.model.concepts.get(e.key, ()), self.words.get(e.key, 0)
        if not self.rebuilding or self.memo is None or e.key not in self.model.prints:
            return entry_item(e, self.model.results, concepts, words)
        key = fingerprint("journal", self.model.prints[e.key], concepts, words)
        found = self.memo.get("journal", key)
        if found is None:
            found = entry_item(e, self.model.results, concepts, words)
            self.memo.put("journal", key, found)
        return str(found)

    @staticmethod
    def _listed(entries: Sequence[Entry]) -> list[tuple[str, dt.date, str]]:
        return [(e.key, e.date, e.title) for e in entries]

    def render(self) -> tuple[dict[str, bytes], list[str]]:
        """Every file of the site, and the entry pages that are unchanged since the previous site."""
        out: dict[str, bytes] = {}
        entries = self.entries
        world = self.world()
        rendered = self.bodies(world)
        bodies = {k: html for k, (html, _) in rendered.items()}
        by_key = {e.key: e for e in entries}
        pages: list[tuple[str, str, dict[str, object]]] = []  # entry pages to render: url, title, values
        for i, e in enumerate(entries):
            url = entry_url(e)
            values = dict(
                entry=e, body=bodies[e.key], date_text=self.t.date(e.date),
                words=self.words.get(e.key, 0),
                concepts=[self.concept_of[c] for c in self.model.concepts.get(e.key, ()) if c in self.concept_of],
                tags=[self.tag_of[x] for x in e.tags if x in self.tag_of],
                backlinks=sorted((by_key[k] for k in self.links_to.get(e.key, ())), key=lambda x: x.key),
                prev=entries[i - 1] if i > 0 else None, next=entries[i + 1] if i + 1 < len(entries) else None,
                month=self.month_of[month_key(e.date)],
                views=[SnippetView(s, self.result(s), e) for s in e.snippets],
            )
            near = [(x.key, x.date) for x in (values["prev"], values["next"]) if isinstance(x, Entry)]
            listed = "\n".join(f"{x.name}\t{x.url}" for x in (*values["concepts"], *values["tags"]))  # type: ignore[misc]
            if self.unchanged(url, rendered[e.key][1], values["words"], len(values["concepts"]), listed,  # type: ignore[arg-type]
                              [(b.key, b.date, b.title) for b in values["backlinks"]],  # type: ignore[attr-defined]
                              near, i > 0, i + 1 < len(entries)):
                continue
            pages.append((url, e.title, values))
        out.update(zip((url for url, _, _ in pages), fork_map(lambda p: self.page("entry.html", *p[:2], **p[2]), pages, self.jobs)))
        for i, m in enumerate(self.months):
            months_near = [x.key for x in self.months[max(0, i - 1):i + 2]]
            if self.unchanged(m.url, world, self._listed(m.entries), [self.words.get(e.key) for e in m.entries],
                              [(d.path, d.preface_line, d.preface) for d in m.prefaces], months_near,
                              [bool(e.snippets) for e in m.entries], self._loose_outcomes(m.prefaces)):
                continue
            prefaces = [(d, self.fragment(d, m.url)) for d in m.prefaces]
            out[m.url] = self.page(
                "month.html", m.url, self.t.month(m.first_day), month=m, prefaces=prefaces,
                prev=self.months[i - 1] if i > 0 else None, next=self.months[i + 1] if i + 1 < len(self.months) else None,
                words=self.words,
            )
        standalone = [d for d in self.model.documents if not d.entries]
        for d in standalone:
            url = page_url(d)
            out[url] = self.page("page.html", url, d.title, body=self.fragment(d, url))
        counts = status_counts([*entries, *self.model.loose], self.model.results)
        out["index.html"] = self.page(
            "home.html", "index.html", self.model.title, latest=list(reversed(entries[-LATEST:])),
            words=self.words, total_words=sum(self.words.values()), total_entries=len(entries),
            counts=counts, pages=[(d, page_url(d)) for d in standalone], years=self._years(),
            longest=self.model.longest_streak, current=self.model.current_streak,
        )
        out.update(self._listing_pages())
        out.update(self._timeline_pages(counts))
        out.update(self._report_pages())
        out["search.html"] = self.page("search.html", "search.html", self.t["search"])
        out["assets/search-index.js"] = search_script(self._search_documents()).encode("utf-8")
        out["feed.xml"] = atom_feed(self.model.title, [
            FeedItem(entry_url(e), e.key, e.title, e.date, bodies[e.key]) for e in reversed(entries[-FEED_ITEMS:])
        ], generator_version=__version__)
        out["404.html"] = self.page("404.html", "404.html", self.t["not_found"])
        static = resources.files("generator").joinpath("static")
        for name in ("style.css", "search.js", "favicon.svg"):
            out[f"assets/{name}"] = static.joinpath(name).read_bytes()
        out["assets/pygments.css"] = _pygments_css().encode("utf-8")
        out["sitemap.xml"] = sitemap([u for u in [*out, *self.reuse] if u.endswith(".html") and u != "404.html"])
        out["journal.json"] = journal_json(
            entries, self.model.documents, self.model.results, self.model.concepts, self.words,
            (self.model.longest_streak, self.model.current_streak), [*self.model.diagnostics, *self.unresolved],
            items=self.journal_item, loose=self.model.loose,
        )
        return out, self.reuse

    def _loose_outcomes(self, docs: Sequence[Document]) -> list[object]:
        """What the results of the blocks under no entry of ``docs`` are (a hash of each file's)."""
        return [self.model.outcomes.get(e.key) or [self.result(s) for s in e.snippets]
                for e in (self.loose_of.get(d.path) for d in docs) if e is not None]

    def _loose_views(self, year: int) -> list[SnippetView]:
        """The blocks under no entry in ``year``'s report: a preface's in its month's year, a page's in the latest."""
        return [SnippetView(s, self.result(s), e, self.loose_page[e.source.path]) for e in self.model.loose
                if (e.date.year if e.date != dt.date.min else self.latest_year) == year for s in e.snippets]

    def _years(self) -> list[tuple[int, list[Month]]]:
        return [(y, [m for m in self.months if m.first_day.year == y]) for y in reversed(self.years)]

    def _listing_pages(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        todo = [(x, kind) for kind, items in (("tags", self.tags), ("concepts", self.concepts)) for x in items
                if not self.unchanged(x.url, self.model.lang, x.name, kind, self._listed(x.entries))]
        made = fork_map(lambda job: self.page("listing.html", job[0].url, job[0].name, listing=job[0], kind=job[1]),
                        todo, self.jobs, min_share=8)
        out.update(zip((x.url for x, _ in todo), made))
        for kind, items in (("tags", self.tags), ("concepts", self.concepts)):
            index = f"{kind}/index.html"
            order = sorted(items, key=lambda x: (x.entries[0].date, x.name.casefold())) if kind == "concepts" else items
            out[index] = self.page("listing_index.html", index, self.t[kind], items=order, kind=kind)
        return out

    def _timeline_pages(self, counts: Mapping[str, int]) -> dict[str, bytes]:
        entries, words = self.entries, self.words
        passing = [(e.date, sum(1 for s in e.snippets if self.result(s).status is Status.PASSED)) for e in entries]
        charts = [
            (self.t["entries"], line_svg(cumulative([(e.date, 1) for e in entries]), label=self.t["entries"], fmt_date=self.t.short_date)),
            (self.t["words"], line_svg(cumulative([(e.date, words.get(e.key, 0)) for e in entries]), label=self.t["words"], fmt_date=self.t.short_date)),
            (self.t["passing_snippets"], line_svg(cumulative(passing), label=self.t["passing_snippets"], fmt_date=self.t.short_date)),
        ]
        met = first_met(entries, self.model.concepts)
        month_names = [get_month_names("abbreviated", "stand-alone", self.model.lang)[i] for i in range(1, 13)]
        day_names = [get_day_names("abbreviated", "format", self.model.lang)[i] for i in range(7)]
        out: dict[str, bytes] = {}
        for year in self.years:
            url = timeline_url(year, self.latest_year)

            def href(c: Cell, url: str = url) -> str:
                assert c.entry is not None
                return relative(entry_url(c.entry), url)

            def tip(c: Cell) -> str:
                assert c.entry is not None
                title = c.entry.title if c.entry.title != self.t.date(c.day) else ""
                return f"{self.t.date(c.day)}{' — ' + title if title else ''} ({c.words} {self.t['words'].lower()})"

            cells = heatmap(year, entries, words)
            svg = heatmap_svg(cells, href=href, tip=tip, month_names=month_names, weekday_names=day_names,
                              label=f"{self.t['heatmap']} {year}")
            out[url] = self.page(
                "timeline.html", url, self.t["timeline"], year=year, heatmap=svg, charts=charts, met=met,
                concept_of=self.concept_of, year_links=[(y, timeline_url(y, self.latest_year)) for y in self.years],
                year_entries=sum(1 for c in cells if c.entry is not None),
                longest=self.model.longest_streak, current=self.model.current_streak, counts=counts,
                total_words=sum(words.values()), total_entries=len(entries),
            )
        if not self.years:
            out["timeline.html"] = self.page("timeline.html", "timeline.html", self.t["timeline"], year=self.latest_year,
                                             heatmap="", charts=[], met=(), concept_of={}, year_links=[], year_entries=0,
                                             longest=0, current=0, counts=counts, total_words=0, total_entries=0)
        return out

    def _report_pages(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for year in self.years or [self.latest_year]:
            url = report_url(year, self.latest_year)
            views = [SnippetView(s, self.result(s), e) for e in self.entries if e.date.year == year for s in e.snippets]
            views += self._loose_views(year)
            links = [(y, report_url(y, self.latest_year)) for y in self.years]
            if self.unchanged(url, self.model.lang, links, [
                (v.entry.key, v.entry.date, v.entry.title if v.page else "", v.page, v.snippet.id, v.snippet.index,
                 v.snippet.source, v.result.status, v.result.error, v.result.device, v.result.duration_s) for v in views
            ]):
                continue
            counts = {st.value: sum(1 for v in views if v.result.status is st) for st in Status}
            root = "../" * url.count("/")
            rows = Markup("".join(self.report_row(v, root) for v in views) if self.rebuilding else
                          self.env.get_template("_report_rows.html").render(views=views, root=root, t=self.t))
            out[url] = self.page("report.html", url, self.t["snippets"], year=year, views=views, counts=counts,
                                 year_links=links, rows=rows)
        return out

    def report_row(self, v: SnippetView, root: str) -> str:
        """A snippet's row of the report, made once for the same snippet, place and result."""
        r = v.result
        if self.memo is None:
            return self.env.get_template("_report_row.html").render(v=v, root=root, t=self.t)
        key = fingerprint("row", self.model.lang, root, v.entry.key, v.entry.date, v.entry.title if v.page else "", v.page,
                          v.snippet.id, v.snippet.index, v.snippet.source, r.status, r.error, r.device, r.duration_s)
        found = self.memo.get("row", key)
        if found is None:  # rendered alone: a clean build renders all rows in one go (`_report_rows.html`)
            found = self.env.get_template("_report_row.html").render(v=v, root=root, t=self.t)
            self.memo.put("row", key, found)
        return str(found)

    def _search_documents(self) -> list[SearchDocument]:
        docs = [SearchDocument(entry_url(e), e.title, self.t.date(e.date), self.texts[e.key])
                for e in self.entries]
        docs += [SearchDocument(page_url(d), d.title, "", searchable(plain_text(d.preface)))
                 for d in self.model.documents if not d.entries]
        return docs


@lru_cache(maxsize=1)
def _pygments_css() -> str:
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="default").get_style_defs(".code")
    dark = HtmlFormatter(style="monokai").get_style_defs(".code")
    dark_rules = "\n".join("  " + line for line in dark.splitlines() if not line.startswith(("pre ", "td.", "span.linenos", ".code .hll")))
    # The Python lexer marks IPython's syntax (``!ls``, ``%timeit``) and a transcript's output as errors: a red
    # box on text that runs is noise, and a real syntax error is named under the block anyway.
    calm = ".code .err { border: 0; background: none; color: inherit; }"
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark_rules}\n}}\n{calm}\n"


def render_site(model: SiteModel, memo: Memo | None = None, previous: Path | None = None,
                jobs: int = 1) -> tuple[dict[str, bytes], list[str], tuple[Diagnostic, ...]]:
    """All files of the site (some left to take from ``previous``), and the warnings found while rendering.

    With a ``memo``, entry bodies and pages whose inputs are unchanged since the
    site in ``previous`` was built are not rendered again: the second list
    names the pages to take from there. Entry bodies and pages are rendered
    across ``jobs`` processes.
    """
    renderer = _Renderer(model, memo, previous, jobs)
    files, reuse = renderer.render()
    return files, reuse, tuple(renderer.unresolved)
