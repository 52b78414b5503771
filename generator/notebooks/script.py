"""An entry's snippets as a plain Python script, for the "download .py" link.

The script is in the percent format (``# %%`` cells), which VS Code, Spyder,
PyCharm and Jupytext open as a notebook. Prose becomes ``# %% [markdown]``
comment cells; each block is a ``# %% block N: diary/…:LINE`` cell
(``diary/x.ipynb, cell N`` for a notebook's; a title, not ``[block N]``:
in that format brackets hold the cell type). It starts as
tetrad starts an entry (seeds 0, a ``device`` name); a block's ``setup=`` code
comes before it. Blocks that tetrad does not run (``skip``) or that are meant
to raise (``raises=``) are commented out, so the script runs to its end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from generator.model import Entry, Snippet
from generator.notebooks.fences import Part, body_parts, runnable_code
from generator.notebooks.reader import is_notebook
from generator.notebooks.writer import START_PYTHON

_EMPTY: Mapping[str, str] = MappingProxyType({})


def _comment(text: str) -> list[str]:
    return [f"# {line}".rstrip() for line in text.split("\n")]


def _not_run(snippet: Snippet) -> str:
    """Why the script leaves a block commented out, or ''."""
    if snippet.options.skip:
        return "skip: shown, not run"
    return f"raises={snippet.options.raises}: meant to raise" if snippet.options.raises else ""


def _cell(title: str, code: str, why: str) -> list[str]:
    return [title, code] if not why else [f"{title} ({why}; commented out)", *_comment(code)]


def entry_script(
    entry: Entry, *, setup_code: Mapping[str, str] = _EMPTY, included: Mapping[str, str] = _EMPTY,
    parts: Sequence[Part] | None = None,
) -> str:
    """The entry as a runnable ``.py`` script: its blocks in order, its prose as comments.

    ``setup_code`` maps a ``setup=`` name to the code of ``snippets/NAME.py``,
    ``included`` a ``file=`` path to the file's text; ``parts`` is the entry's
    `body_parts`, when the caller has them already.
    """
    sessions = sorted({s.options.session for s in entry.snippets if s.options.session})
    head = [
        f"# {entry.title or entry.date.isoformat()} ({entry.date.isoformat()})",
        f"# The snippets of {entry.source.path}, as tetrad ran them: in order, in one namespace.",
    ]
    if sessions:
        head.append(f"# Blocks of session {', '.join(sessions)} ran in a namespace of their own; here they share one.")
    chunks: list[list[str]] = [head, ["# %% start", START_PYTHON]]
    for part in body_parts(entry) if parts is None else parts:
        if part.snippet is None:
            chunks.append(["# %% [markdown]", *_comment(part.prose)])
            continue
        snippet = part.snippet
        why = _not_run(snippet)
        name = snippet.options.setup
        if name:
            code = setup_code.get(name)
            text = code.rstrip("\n") if code is not None else f"# snippets/{name}.py could not be read"
            chunks.append(_cell(f"# %% setup={name} (snippets/{name}.py), before block {snippet.index}", text, why))
        place = f"{snippet.source.path}, cell {snippet.source.line}" if is_notebook(snippet.source.path) else str(snippet.source)
        title = f"# %% block {snippet.index}: {place}" + ("  # needs CUDA" if snippet.options.gpu else "")
        chunks.append(_cell(title, runnable_code(snippet, included), why))
    return "\n\n\n".join("\n".join(chunk) for chunk in chunks) + "\n"
