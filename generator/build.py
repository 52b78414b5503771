"""One build, top to bottom: read the diary, find entries and snippets, run them, render, write.

Two phases, as in the pipeline diary → entries → snippets → results → pages →
site: everything is read and run before anything is rendered, and the site
folder is written once, at the end. The whole build holds the output
folder's lock, so a second build at once fails before it runs anything.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .concepts import builtin_glossary, entry_concepts, merge, parse_user_glossary
from .glossary import Glossary
from .diary import GLOSSARY_NAMES, assign_keys, decode, display_path, entry_warnings, is_inside, parse_document, scan_diary, text_of
from .errors import UsageError
from .fragments import explain_fragments, summary_notes
from .execute import ExecReport, ExecSettings, execute_entries
from .i18n import LANGUAGES, Strings, detect_language
from .markdown import plain_text
from .memo import Memo, fingerprint, remembered, text_digest
from .model import Diagnostic, Document, Entry, Result, Source
from .parallel import Background
from .journal import status_counts
from .loose import loose_entries
from .render import SiteModel, prepare, render_site
from .execute.plan import read_include
from .notebooks import (
    Part, body_parts, entry_notebook, entry_script, entry_snippets, is_notebook, month_notebook, read_notebook,
    referenced_files,
)
from .timeline import streaks
from .write import check_target, site_lock, update_site, write_site



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
    rendered: int = 0  # files written anew
    kept: int = 0  # files taken unchanged from the previous site
    notes: tuple[str, ...] = ()  # for the summary: missing packages, a prelude to write (`summary_notes`)


@dataclass(frozen=True)
class Journal:
    """The diary as read: documents, keyed entries with their snippets, the language, the files to copy."""

    documents: tuple[Document, ...]
    entries: tuple[Entry, ...]
    assets: Mapping[str, Path]
    lang: str
    diagnostics: tuple[Diagnostic, ...]
    digests: Mapping[str, str] = field(default_factory=dict)  # a hash of each entry, by key
    loose: tuple[Entry, ...] = ()  # the blocks under no entry: a stand-in entry per file that has any, run like entries


def read_journal(settings: Settings, *, today: dt.date | None = None, memo: Memo | None = None, jobs: int = 1) -> Journal:
    """Stage 1: read every diary file into entries and their snippets. Pure apart from reading files.

    Files that are not text (empty, binary) are skipped with a warning; ``today``
    (default: the clock's) is what a future date is compared with.
    """
    found = scan_diary(settings.diary)
    if not found.texts:
        raise UsageError(f"nothing to build: no Markdown files in {settings.diary.as_posix()}")
    diagnostics: list[Diagnostic] = list(found.diagnostics)
    documents: list[Document] = []
    origin: dict[Source, str] = {}  # each entry's file key and place in it: what the entry is made from
    for doc, problems, key in _read_files(found.texts, settings.day_first, memo, jobs):
        diagnostics.extend(problems)
        if doc is None:
            continue
        diagnostics.extend(doc.diagnostics)
        documents.append(doc)
        origin.update((e.source, f"{key}:{i}") for i, e in enumerate(doc.entries))
    if not documents:
        first = min(diagnostics, key=lambda d: d.source)
        raise UsageError(f"nothing to build: no Markdown file in {settings.diary.as_posix()} has text ({first})")

    entries_read = [e for d in documents for e in d.entries]
    sample = [d.preface for d in documents[:20]] + [e.body for e in entries_read[:50]]
    # The first 64 kB tell the language as well as all of it, and a 20 MB entry would take seconds to read as text.
    lang = settings.lang or _language("\n\n".join(sample)[:65536])
    if lang not in LANGUAGES:
        raise UsageError(f"unknown --lang {lang}; choose one of {', '.join(LANGUAGES)}")
    t = Strings(lang)
    entries: list[Entry] = []
    keyed = assign_keys([e for d in documents for e in d.entries])
    diagnostics.extend(entry_warnings(keyed, today or dt.date.today()))
    digests: dict[str, str] = {}
    for e in keyed:
        snippets, problems = entry_snippets(e)
        diagnostics.extend(problems)
        entries.append(replace(e, title=e.title or t.date(e.date), snippets=snippets))
        # The entry is what its file (by content) made at its place, keyed and titled: a cheap hash of all of it.
        digests[e.key] = fingerprint(origin[e.source], e.key, entries[-1].title)
    return Journal(tuple(documents), tuple(entries), found.assets, lang, tuple(diagnostics), digests, loose_entries(documents))


@functools.lru_cache(maxsize=4)
def _language(sample: str) -> str:
    """The language of a sample of the diary's Markdown (the same sample in every rebuild of `serve`)."""
    return detect_language(plain_text(sample))


def _read_files(texts: Sequence[tuple[str, str, bytes]], day_first: bool, memo: Memo | None,
                jobs: int) -> list[tuple[Document | None, tuple[Diagnostic, ...], str]]:
    """Each diary file parsed (or as parsed before, for the same bytes), with its problems and the
    key it is stored under (a hash of what it was parsed from)."""
    keys = [fingerprint("doc", path, rel, hashlib.sha256(data).hexdigest(), day_first) for path, rel, data in texts]
    found = remembered(memo, "doc", keys, lambda i: _read_file(*texts[i], day_first), jobs, model=True, min_share=4)
    return [(doc, tuple(problems), key) for (doc, problems), key in zip(found, keys)]


def _read_file(path: str, rel: str, data: bytes, day_first: bool) -> tuple[Document | None, tuple[Diagnostic, ...]]:
    """One diary file parsed, or None for one that is no text, with its problems."""
    problems: tuple[Diagnostic, ...] = ()
    if is_notebook(rel):
        doc: Document | None = read_notebook(path, rel, data, day_first=day_first)
    else:
        text, found = text_of(path, data)
        problems = tuple(found)
        doc = None if text is None else parse_document(path, text, rel=rel, day_first=day_first)
    return doc, problems


def entry_prints(entries: Sequence[Entry], results: Mapping[str, Result], digests: Mapping[str, str] | None = None,
                 outcomes: Mapping[str, str] | None = None) -> dict[str, str]:
    """A hash of each entry (text, place, snippets) with its snippets' results, by key: hashed once,
    for every memo key that depends on a whole entry. ``digests`` are the journal's hashes of the entries,
    ``outcomes`` (`entry_outcomes`) those of their results."""
    return {e.key: fingerprint((digests or {}).get(e.key) or e,
                               (outcomes or {}).get(e.key) or [results.get(s.id) for s in e.snippets]) for e in entries}


def entry_outcomes(entries: Sequence[Entry], results: Mapping[str, Result]) -> dict[str, str]:
    """A hash of each entry's results, by key."""
    return {e.key: fingerprint([results.get(s.id) for s in e.snippets]) for e in entries}


def exec_settings(settings: Settings) -> ExecSettings:
    return ExecSettings(
        snippets_dir=settings.snippets, store_dir=settings.snippets / "results", device=settings.device,
        jobs=settings.jobs, timeout=settings.timeout, memory_limit_mb=settings.memory_limit_mb, execute=settings.execute,
    )


def run_snippets(journal: Journal, settings: Settings, *, today: dt.date,
                 progress: Callable[[int, int], None] | None = None,
                 meanwhile: Callable[[Sequence[Entry]], None] | None = None) -> ExecReport:
    """Stage 2: a result for every snippet, those under no entry too, reused from the store or run now
    (``meanwhile``: see `execute_entries`)."""
    return execute_entries((*journal.entries, *journal.loose), exec_settings(settings), today=today, progress=progress,
                           meanwhile=meanwhile)


def load_glossary(settings: Settings) -> tuple[Glossary, tuple[Diagnostic, ...], str]:
    """The built-in glossary with the diary's own `glossary.yml` on top, if it has one, and a hash of that file."""
    glossary = builtin_glossary()
    diagnostics: list[Diagnostic] = []
    digest = hashlib.sha256()
    for name in GLOSSARY_NAMES:
        user_file = settings.diary / name
        if user_file.is_file() and is_inside(user_file, settings.diary.resolve()):
            gpath = f"{display_path(settings.diary)}/{name}"
            data = user_file.read_bytes()
            digest.update(name.encode() + b"\0" + data)
            text, problems = decode(gpath, data)
            overlay, more = parse_user_glossary(text, gpath)
            diagnostics.extend([*problems, *more])
            glossary = merge(glossary, overlay)
    return glossary, tuple(diagnostics), digest.hexdigest()


def journal_concepts(entries: Sequence[Entry], glossary: Glossary, glossary_key: str, memo: Memo | None,
                     jobs: int) -> dict[str, tuple[str, ...]]:
    """The concepts each entry is about, by key: from its text, code and tags (no result changes them)."""
    keys = [fingerprint("concepts", glossary_key, text_digest(e.body, *(s.code for s in e.snippets)), e.tags) for e in entries]

    def derive(i: int) -> list[str]:
        e = entries[i]
        return list(entry_concepts(e.body, [s.code for s in e.snippets], e.tags, glossary))

    return {e.key: tuple(names) for e, names in zip(entries, remembered(memo, "concepts", keys, derive, jobs))}


def site_model(journal: Journal, report: ExecReport, glossary: Glossary, diagnostics: Sequence[Diagnostic],
               *, glossary_key: str = "", memo: Memo | None = None, jobs: int = 1,
               prints: Mapping[str, str] | None = None, outcomes: Mapping[str, str] | None = None,
               concepts: Mapping[str, tuple[str, ...]] | None = None) -> SiteModel:
    """Stage 3: everything the pages are made from, linked and counted (``concepts``: what
    `journal_concepts` gave, if it ran before)."""
    entries = journal.entries
    if concepts is None:
        concepts = journal_concepts(entries, glossary, glossary_key, memo, jobs)
    longest, current = streaks(e.date for e in entries)
    return SiteModel(
        lang=journal.lang, title=Strings(journal.lang)["journal"], entries=entries, documents=journal.documents,
        results=report.results,
        assets=frozenset(journal.assets), longest_streak=longest, current_streak=current, concepts=concepts,
        glossary=glossary, glossary_key=glossary_key, diagnostics=tuple(diagnostics),
        prints=prints if prints is not None else entry_prints(entries, report.results),
        outcomes=outcomes if outcomes is not None else entry_outcomes((*entries, *journal.loose), report.results),
        loose=journal.loose,
    )


def memo_path(out: Path) -> Path:
    """Where a build keeps what the next one can reuse: beside the site, like the lock."""
    return out.with_name(f".{out.name}.memo.json")


def build(settings: Settings, *, today: dt.date | None = None,
          progress: Callable[[int, int], None] | None = None, memo: Memo | None = None, serving: bool = False) -> BuildReport:
    """Read, run, render, write: the whole `build-site`.

    Each stage reuses from ``memo`` (by default the one the previous build left
    beside the site) what its unchanged inputs gave last time, so a rebuild
    after one edit parses, runs and renders only what that edit touched; the
    site is the same, byte for byte, as a clean build's. With ``serving``
    (`build-site serve`, which keeps its memo in memory and saves it when it
    stops) the memo is not written beside the site, and the site is changed in
    place, file by file (`update_site`), rather than swapped in whole.
    """
    started = time.perf_counter()
    today = today or dt.date.today()
    check_target(settings.out, diary=settings.diary, keep=[settings.snippets])
    with site_lock(settings.out):
        stored = memo_path(settings.out)
        kept = memo is not None
        memo = memo if memo is not None else Memo.load(stored)
        try:
            return _build(settings, today, progress, memo, kept, None if serving else stored, started)
        except BaseException:
            memo.discard()
            raise


def _build(settings: Settings, today: dt.date, progress: Callable[[int, int], None] | None, memo: Memo,
           kept: bool, stored: Path | None, started: float) -> BuildReport:
    """The build's stages in order, reusing what ``memo`` holds."""
    journal = read_journal(settings, today=today, memo=memo, jobs=settings.jobs)
    glossary, glossary_problems, glossary_key = load_glossary(settings)
    ahead: dict[str, tuple[str, ...]] = {}

    def meanwhile(to_run: Sequence[Entry]) -> None:  # while the worker imports torch, what needs no result
        ahead.update(journal_concepts(journal.entries, glossary, glossary_key, memo, settings.jobs - 1))  # a core imports
        prepare(to_run)  # the bodies of entries run now are rendered again: their results are new

    report = run_snippets(journal, settings, today=today, progress=progress, meanwhile=meanwhile)
    # a fragment's note says which earlier entry defines what it misses: known only once every entry is read
    explained = explain_fragments((*journal.entries, *journal.loose), report.results)
    report = replace(report, results={**report.results, **explained})
    diagnostics = [*journal.diagnostics, *glossary_problems, *report.diagnostics]
    previous = settings.out if settings.out.is_dir() else None
    outcomes = entry_outcomes((*journal.entries, *journal.loose), report.results)
    prints = entry_prints(journal.entries, report.results, journal.digests, outcomes)
    make_downloads, more_reuse = _downloads(settings, journal.entries, report.results, prints, memo, previous)
    downloads = Background(make_downloads, fork=settings.jobs > 1)  # made meanwhile: they need no page
    try:
        model = site_model(journal, report, glossary, diagnostics, glossary_key=glossary_key, memo=memo, jobs=settings.jobs,
                           prints=prints, outcomes=outcomes, concepts=ahead or None)
        files, reuse, render_problems = render_site(model, memo, previous, settings.jobs)
    except BaseException:
        downloads.cancel()
        raise
    diagnostics.extend(render_problems)
    memo_path(settings.out).unlink(missing_ok=True)  # never a memo that describes another site than the one on disk
    # The memo is complete once the pages are rendered: written meanwhile, renamed into place after the site.
    tmp = Memo.temporary(stored) if stored is not None else None
    saving = Background(lambda: memo.write(tmp), fork=settings.jobs > 1 and len(files) > 200) if tmp else None
    try:
        files.update(downloads.result())
        write = update_site if stored is None else write_site  # serving: no memo on disk, the site changed in place
        write(settings.out, files, {f"files/{rel}": path for rel, path in journal.assets.items()}, [*reuse, *more_reuse])
        if saving is not None:
            saving.result()
    except BaseException:
        if saving is not None and tmp is not None:
            saving.cancel()
            tmp.unlink(missing_ok=True)
        raise
    if stored is not None and tmp is not None:
        os.replace(tmp, stored)  # only once the site it describes is in place
    if kept:
        memo.advance()
    return BuildReport(
        entries=len(journal.entries), pages=sum(1 for d in journal.documents if not d.entries),
        counts=status_counts((*model.entries, *model.loose), model.results), ran=report.ran, reused=report.reused,
        diagnostics=tuple(sorted(set(diagnostics), key=lambda d: (d.source, d.message))),
        out=settings.out, seconds=time.perf_counter() - started, rendered=len(files), kept=len(reuse) + len(more_reuse),
        notes=summary_notes(report.results.values()),
    )


def _downloads(settings: Settings, entries: Sequence[Entry], results: Mapping[str, Result], prints: Mapping[str, str],
               memo: Memo, previous: Path | None) -> tuple[Callable[[], dict[str, bytes]], list[str]]:
    """Notebook and script downloads: a call that makes those whose entries or months changed (pure,
    so it can run in another process), and the paths to take unchanged from the previous site."""
    setups, paths = referenced_files(entries)
    setup_code = {n: t for n in setups if (t := read_include(settings.snippets, f"{n}.py", f"setup={n}").text) is not None}
    included = {p: t for p in paths if (t := read_include(settings.snippets, p, f"file={p}").text) is not None}
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        if e.snippets:
            groups.setdefault(f"entry:{e.key}", []).append(e)
            groups.setdefault(f"month:{e.date.year:04d}-{e.date.month:02d}", []).append(e)
    reuse: list[str] = []
    todo: list[tuple[str, str, list[str], list[Entry]]] = []  # kind, key, paths, entries
    for name, group in groups.items():
        kind, _, key = name.partition(":")
        wanted = [f"entries/{key}.ipynb", f"entries/{key}.py"] if kind == "entry" else [f"months/{key}.ipynb"]
        print_ = fingerprint("download", [prints[e.key] for e in group], setup_code, included)
        if memo.unchanged(wanted, print_, previous):
            reuse.extend(wanted)
        else:
            todo.append((kind, key, wanted, group))

    def make() -> dict[str, bytes]:
        parts: dict[str, tuple[Part, ...]] = {}  # each entry's body cut once, for its notebook, script and month
        files: dict[str, bytes] = {}
        for kind, key, wanted, group in todo:
            for e in group:
                if e.key not in parts:
                    parts[e.key] = body_parts(e)
            if kind == "entry":
                e = group[0]
                files[wanted[0]] = entry_notebook(e, results, setup_code=setup_code, included=included, parts=parts[e.key])
                files[wanted[1]] = entry_script(e, setup_code=setup_code, included=included, parts=parts[e.key]).encode("utf-8")
            else:
                files[wanted[0]] = month_notebook(group, results, setup_code=setup_code, included=included, title=key, parts=parts)
        return files

    return make, reuse
