"""One build, top to bottom: read the diary, find entries and snippets, run them, render, write.

Two phases, as in the pipeline diary → entries → snippets → results → pages →
site: everything is read and run before anything is rendered, and the site
folder is written once, at the end. The whole build holds the output
folder's lock, so a second build at once fails before it runs anything.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .concepts import builtin_glossary, entry_concepts, merge, parse_user_glossary
from .glossary import Glossary
from .diary import GLOSSARY_NAMES, assign_keys, decode, display_path, entry_warnings, is_inside, parse_document, scan_diary, text_of
from .errors import UsageError
from .execute import ExecReport, ExecSettings, execute_entries
from .i18n import LANGUAGES, Strings, detect_language
from .markdown import count_words, plain_text
from .model import Diagnostic, Document, Entry
from .journal import status_counts
from .render import SiteModel, render_site
from .execute.plan import read_include
from .notebooks import download_files, entry_snippets, is_notebook, read_notebook, referenced_files
from .timeline import streaks
from .write import check_target, site_lock, write_site



@dataclass(frozen=True)
class Settings:
    diary: Path = Path("diary")
    snippets: Path = Path("snippets")
    out: Path = Path("site")
    device: str = "auto"
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    timeout: float = 60.0
    memory_limit_mb: int = 4096
    execute: bool = True
    strict: bool = False
    lang: str | None = None
    day_first: bool = True


@dataclass(frozen=True)
class BuildReport:
    entries: int
    pages: int
    counts: dict[str, int]
    ran: int
    reused: int
    diagnostics: tuple[Diagnostic, ...]
    out: Path
    seconds: float


@dataclass(frozen=True)
class Journal:
    """The diary as read: documents, keyed entries with their snippets, the language, the files to copy."""

    documents: tuple[Document, ...]
    entries: tuple[Entry, ...]
    assets: Mapping[str, Path]
    lang: str
    diagnostics: tuple[Diagnostic, ...]


def read_journal(settings: Settings, *, today: dt.date | None = None) -> Journal:
    """Stage 1: read every diary file into entries and their snippets. Pure apart from reading files.

    Files that are not text (empty, binary) are skipped with a warning; ``today``
    (default: the clock's) is what a future date is compared with.
    """
    found = scan_diary(settings.diary)
    if not found.texts:
        raise UsageError(f"nothing to build: no Markdown files in {settings.diary.as_posix()}")
    diagnostics: list[Diagnostic] = list(found.diagnostics)
    documents: list[Document] = []
    for path, rel, data in found.texts:
        if is_notebook(rel):
            doc = read_notebook(path, rel, data, day_first=settings.day_first)
        else:
            text, problems = text_of(path, data)
            diagnostics.extend(problems)
            if text is None:
                continue
            doc = parse_document(path, text, rel=rel, day_first=settings.day_first)
        diagnostics.extend(doc.diagnostics)
        documents.append(doc)
    if not documents:
        first = min(diagnostics, key=lambda d: d.source)
        raise UsageError(f"nothing to build: no Markdown file in {settings.diary.as_posix()} has text ({first})")

    sample = [d.preface for d in documents[:20]] + [e.body for d in documents[:20] for e in d.entries]
    # The first 64 kB tell the language as well as all of it, and a 20 MB entry would take seconds to read as text.
    lang = settings.lang or detect_language(plain_text("\n\n".join(sample)[:65536]))
    if lang not in LANGUAGES:
        raise UsageError(f"unknown --lang {lang}; choose one of {', '.join(LANGUAGES)}")
    t = Strings(lang)
    entries: list[Entry] = []
    keyed = assign_keys([e for d in documents for e in d.entries])
    diagnostics.extend(entry_warnings(keyed, today or dt.date.today()))
    for e in keyed:
        snippets, problems = entry_snippets(e)
        diagnostics.extend(problems)
        entries.append(replace(e, title=e.title or t.date(e.date), snippets=snippets))
    return Journal(tuple(documents), tuple(entries), found.assets, lang, tuple(diagnostics))


def exec_settings(settings: Settings) -> ExecSettings:
    return ExecSettings(
        snippets_dir=settings.snippets, store_dir=settings.snippets / "results", device=settings.device,
        jobs=settings.jobs, timeout=settings.timeout, memory_limit_mb=settings.memory_limit_mb, execute=settings.execute,
    )


def run_snippets(journal: Journal, settings: Settings, *, today: dt.date,
                 progress: Callable[[int, int], None] | None = None) -> ExecReport:
    """Stage 2: a result for every snippet, reused from the store or run now."""
    return execute_entries(journal.entries, exec_settings(settings), today=today, progress=progress)


def load_glossary(settings: Settings) -> tuple[Glossary, tuple[Diagnostic, ...]]:
    """The built-in glossary with the diary's own `glossary.yml` on top, if it has one."""
    glossary = builtin_glossary()
    diagnostics: list[Diagnostic] = []
    for name in GLOSSARY_NAMES:
        user_file = settings.diary / name
        if user_file.is_file() and is_inside(user_file, settings.diary.resolve()):
            gpath = f"{display_path(settings.diary)}/{name}"
            text, problems = decode(gpath, user_file.read_bytes())
            overlay, more = parse_user_glossary(text, gpath)
            diagnostics.extend([*problems, *more])
            glossary = merge(glossary, overlay)
    return glossary, tuple(diagnostics)


def site_model(journal: Journal, report: ExecReport, glossary: Glossary, diagnostics: Sequence[Diagnostic]) -> SiteModel:
    """Stage 3: everything the pages are made from, linked and counted."""
    entries = journal.entries
    concepts = {e.key: entry_concepts(e.body, [s.code for s in e.snippets], e.tags, glossary) for e in entries}
    longest, current = streaks(e.date for e in entries)
    return SiteModel(
        lang=journal.lang, title=Strings(journal.lang)["journal"], entries=entries, documents=journal.documents,
        results=report.results, words={e.key: count_words(e.body) for e in entries},
        assets=frozenset(journal.assets), longest_streak=longest, current_streak=current, concepts=concepts,
        glossary=glossary, diagnostics=tuple(diagnostics),
    )


def build(settings: Settings, *, today: dt.date | None = None,
          progress: Callable[[int, int], None] | None = None) -> BuildReport:
    """Read, run, render, write: the whole `build-site`."""
    started = time.perf_counter()
    today = today or dt.date.today()
    check_target(settings.out, diary=settings.diary, keep=[settings.snippets])
    with site_lock(settings.out):
        journal = read_journal(settings, today=today)
        report = run_snippets(journal, settings, today=today, progress=progress)
        glossary, glossary_problems = load_glossary(settings)
        diagnostics = [*journal.diagnostics, *glossary_problems, *report.diagnostics]
        model = site_model(journal, report, glossary, diagnostics)
        files, render_problems = render_site(model)
        diagnostics.extend(render_problems)
        setups, paths = referenced_files(model.entries)
        setup_code = {n: t for n in setups if (t := read_include(settings.snippets, f"{n}.py", f"setup={n}").text) is not None}
        included = {p: t for p in paths if (t := read_include(settings.snippets, p, f"file={p}").text) is not None}
        files.update(download_files(model.entries, report.results, setup_code=setup_code, included=included))
        write_site(settings.out, files, {f"files/{rel}": path for rel, path in journal.assets.items()})
    return BuildReport(
        entries=len(journal.entries), pages=sum(1 for d in journal.documents if not d.entries),
        counts=status_counts(model.entries, model.results), ran=report.ran, reused=report.reused,
        diagnostics=tuple(sorted(set(diagnostics), key=lambda d: (d.source, d.message))),
        out=settings.out, seconds=time.perf_counter() - started,
    )
