"""From an entry to what its process needs: files read, keys computed, blocks encoded.

The only reads of ``snippets/`` happen here, in the build's process: the
text of ``setup=NAME`` (``snippets/NAME.py``) and ``file=PATH`` is read once,
hashed into the entry's cache key and sent along, so the entry's process does
no I/O of tetrad's. A name that leaves ``snippets/``, or a missing file, makes
that block fail with a clear error; it never reads outside.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.execute.cells import BlockSpec
from generator.model import Entry, Snippet
from generator.notebooks.fences import block_origin
from generator.notebooks.reader import is_notebook
from generator.snippets import cache_key, include_problem

MISSING = "\0missing"  # what a missing file contributes to a key
PRELUDE = "prelude.py"  # in snippets/: runs first in every namespace of every entry


@dataclass(frozen=True)
class Include:
    """A file a block names: its display name, its text, or why it cannot be used."""

    name: str  # snippets/lenet.py
    text: str | None
    problem: str | None


@dataclass(frozen=True)
class EntryPlan:
    """An entry ready to look up in the store and, if need be, to run."""

    entry: Entry
    key: str
    code_key: str
    blocks: tuple[BlockSpec, ...]
    prelude: Include | None = None  # snippets/prelude.py, run first in every namespace


def read_include(snippets_dir: Path, relative: str, option: str) -> Include:
    """Read ``snippets_dir/relative``, refusing any path that leaves the folder, symlinks included."""
    name = f"{snippets_dir.name}/{PurePosixPath(relative).as_posix()}"
    base = snippets_dir.resolve()
    try:
        target = (base / relative).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        return Include(name, None, f"{option}: {name} cannot be read: {exc}")
    if not target.is_relative_to(base):
        return Include(name, None, f"{option}: {name} is a symlink to a file outside {snippets_dir.name}/; refused")
    if target.exists() and not target.is_file():  # a folder, a FIFO (reading one would wait forever)
        return Include(name, None, f"{option}: {name} is not a regular file")
    try:
        return Include(name, target.read_text(encoding="utf-8"), None)
    except FileNotFoundError:
        return Include(name, None, f"{option}: {name} not found")
    except (OSError, UnicodeDecodeError) as exc:
        return Include(name, None, f"{option}: {name} cannot be read: {exc}")


def _includes(snippet: Snippet, snippets_dir: Path) -> dict[str, Include]:
    found: dict[str, Include] = {}
    for option, value, relative in (("setup", snippet.options.setup, f"{snippet.options.setup}.py"),
                                    ("file", snippet.options.file, snippet.options.file)):
        if value:
            problem = include_problem(option, value)
            found[option] = (Include(f"{snippets_dir.name}/{relative}", None, problem) if problem is not None
                             else read_include(snippets_dir, str(relative), f"{option}={value}"))
    return found


def _block(snippet: Snippet, includes: dict[str, Include], default_timeout: float) -> BlockSpec:
    code, (filename, offset) = snippet.code, block_origin(snippet)
    problem = next((inc.problem for inc in includes.values() if inc.problem), None)
    setup = includes.get("setup")
    file = includes.get("file")
    if file is not None and file.text is not None:
        code, filename, offset = file.text, file.name, 0
    return BlockSpec(
        id=snippet.id,
        lang=snippet.lang,
        code=code,
        filename=filename,
        offset=offset,
        skip=snippet.options.skip,
        gpu=snippet.options.gpu,
        raises=snippet.options.raises,
        timeout=snippet.options.timeout or default_timeout,
        session=snippet.options.session,
        expected_output=snippet.expected_output,
        setup=[setup.name, setup.text] if setup is not None and setup.text is not None else None,
        problem=problem,
        notebook=is_notebook(snippet.source.path),
    )


def plan_entry(entry: Entry, snippets_dir: Path, torch_version: str, device: str, default_timeout: float,
               prelude: Include | None = None) -> EntryPlan:
    """Read the entry's included files and compute its keys and block specs (``prelude``: `read_prelude`'s,
    read once for all entries)."""
    included: dict[str, str] = {}
    blocks = []
    for snippet in entry.snippets:
        includes = _includes(snippet, snippets_dir)
        for option, include in includes.items():
            ref = snippet.options.setup if option == "setup" else snippet.options.file
            included[f"{option}:{ref}"] = include.text if include.text is not None else MISSING
        blocks.append(_block(snippet, includes, default_timeout))
    if prelude is not None:
        included["prelude"] = prelude.text if prelude.text is not None else MISSING
    files = tuple(sorted(included.items()))
    return EntryPlan(
        entry=entry,
        key=_key(entry.snippets, files, torch_version, device),
        code_key=_key(entry.snippets, files, "", ""),
        blocks=tuple(blocks),
        prelude=prelude,
    )


def read_prelude(snippets_dir: Path) -> Include | None:
    """``snippets/prelude.py``, or None when the diary has none."""
    path = snippets_dir / PRELUDE
    if not path.exists() and not path.is_symlink():
        return None
    return read_include(snippets_dir, PRELUDE, "prelude")


@functools.lru_cache(maxsize=8192)
def _key(snippets: tuple[Snippet, ...], included: tuple[tuple[str, str], ...], torch_version: str, device: str) -> str:
    """`cache_key`, hashed once per distinct input: a rebuild plans every entry again."""
    return cache_key(snippets, dict(included), torch_version, device)
