"""Find the runnable blocks of an entry, read their fence options, and key them.

Pure functions, no I/O: text in, `Snippet` values and `Diagnostic`s out.
Blocks are found with markdown-it's CommonMark tokens, so a fence inside a
list or a block quote is found and code-looking text (an indented code block,
a fence inside a paragraph) is not. ``cache_key`` hashes exactly what
determines a run's results, so an unchanged entry is not run again.
``include_problem`` is the lexical half of keeping ``setup=`` and ``file=``
inside ``snippets/`` (the runner's planner resolves symlinks, the other half).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import shlex
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath, PureWindowsPath

from markdown_it import MarkdownIt
from markdown_it.token import Token

from generator.model import Diagnostic, Options, Snippet, Source

RUNNABLE_LANGS: Mapping[str, str] = {
    "python": "python",
    "py": "python",
    "python3": "python",
    "pycon": "pycon",
}
OUTPUT_LANG = "output"
# Bump when the engine changes what a run produces, so stored results are redone.
KEY_VERSION = 2

_FLAGS = ("skip", "gpu")
_TRUE = {"", "true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}
_md = MarkdownIt("commonmark").disable("inline")  # fences are block-level: no inline pass needed
# A runnable block needs a fence whose info string spells a runnable language, so it holds a
# "p" (or an escape or entity that could make one): when no fence line does, there is nothing
# to find, and a long entry of prose and ```text blocks is not parsed at all.
_MAYBE_RUNNABLE = re.compile(r"(?:`{3,}|~{3,})[^\n]*[pP&\\]")


def parse_info(info: str) -> tuple[str, Options, list[str]] | None:
    """Read a fence's info string: ``python setup=lenet timeout=5``.

    Returns ``(lang, options, problems)`` for a runnable language (``python``,
    ``py``, ``python3`` give ``"python"``; ``pycon`` gives ``"pycon"``) and
    None for any other. A problem (an unknown option, a bad value) is a
    message; the option is then ignored and the block still runs.
    """
    try:
        words = shlex.split(info)
    except ValueError:  # an unbalanced quote: read it plainly
        words = info.split()
    if not words:
        return None
    lang = RUNNABLE_LANGS.get(words[0].lower())
    if lang is None:
        return None
    values: dict[str, object] = {}
    problems: list[str] = []
    for word in words[1:]:
        name, eq, value = word.partition("=")
        problem = _read_option(name, value if eq else None, values)
        if problem:
            problems.append(problem)
    return lang, Options(**values), problems  # type: ignore[arg-type]


def _read_option(name: str, value: str | None, into: dict[str, object]) -> str | None:
    """Store one ``name[=value]`` into ``into``; return a problem or None."""
    if name in _FLAGS:
        text = (value or "").lower()
        if text in _TRUE or text in _FALSE:
            into[name] = text in _TRUE
            return None
        return f"option {name}={value}: expected no value, true or false"
    if name not in ("raises", "timeout", "setup", "file", "session"):
        return f"unknown fence option {name!r}"
    if not value:
        return f"option {name} needs a value ({name}=…)"
    if name == "timeout":
        try:
            seconds = float(value)
        except ValueError:
            seconds = math.nan
        if not (seconds > 0 and math.isfinite(seconds)):
            return f"option timeout={value}: expected a positive number of seconds"
        into[name] = seconds
    elif name == "raises" and not all(part.isidentifier() for part in value.split(".")):
        return f"option raises={value}: expected an exception name"
    elif name == "setup":
        into[name] = value.removesuffix(".py")
    else:
        into[name] = value
    return None


def include_problem(option: str, value: str) -> str | None:
    """Why ``setup=``/``file=`` ``value`` cannot name a file inside ``snippets/``, or None.

    Refused without touching the disk: an absolute path, a drive, a ``..``
    part, a backslash or a NUL. Symlinks are the planner's job.
    """
    shown = f"{option}={value}"
    if not value or "\0" in value or "\\" in value:
        return f"{shown}: not a file name inside snippets/"
    if PurePosixPath(value).is_absolute() or PureWindowsPath(value).drive:
        return f"{shown}: {value} is outside snippets/ (an absolute path)"
    if ".." in PurePosixPath(value).parts:
        return f"{shown}: {value} is outside snippets/"
    return None


def extract_snippets(
    entry_key: str, path: str, body: str, body_line: int
) -> tuple[tuple[Snippet, ...], tuple[Diagnostic, ...]]:
    """The runnable blocks of an entry's Markdown ``body``, in order.

    ``body_line`` is the 1-based line of the body's first line in ``path``.
    A snippet's id is ``{entry_key}-{n}`` (n counts runnable blocks from 1)
    and its source line is the fence's opening line in the file. A fence with
    info ``output`` right after a runnable block (blank lines between at most)
    becomes that block's expected output.
    """
    if _MAYBE_RUNNABLE.search(body) is None:
        return (), ()
    return snippets_in(_md.parse(body), body.splitlines(), entry_key, path, body_line)


def snippets_in(
    tokens: Sequence[Token], lines: Sequence[str], entry_key: str, path: str, body_line: int, offset: int = 0
) -> tuple[tuple[Snippet, ...], tuple[Diagnostic, ...]]:
    """`extract_snippets` over block tokens already parsed: the body's ``lines``, and the tokens of
    the body (from a parse of a larger text whose line ``offset`` is the body's first line)."""
    snippets: list[Snippet] = []
    problems: list[Diagnostic] = []
    last_end = -1  # token index and end line (in the body) of the last runnable fence
    last_index = -1
    for i, token in enumerate(tokens):
        if token.type != "fence" or token.map is None:
            continue
        start, end = token.map[0] - offset, token.map[1] - offset
        parsed = parse_info(token.info)
        if parsed is None:
            if snippets and _is_output_of(token, i, last_index, last_end, start, lines) and snippets[-1].expected_output is None:
                first = snippets[-1].span[0] if snippets[-1].span else start
                snippets[-1] = dataclasses.replace(snippets[-1], expected_output=token.content, span=(first, end))
            continue
        lang, options, option_problems = parsed
        source = Source(path, body_line + start)
        problems.extend(Diagnostic(source, message) for message in option_problems)
        n = len(snippets) + 1
        snippets.append(
            Snippet(
                id=f"{entry_key}-{n}",
                source=source,
                lang=lang,
                code=token.content,
                options=options,
                index=n,
                span=(start, end),
            )
        )
        last_index, last_end = i, end
    return tuple(snippets), tuple(problems)


def _is_output_of(token: Token, i: int, last_index: int, last_end: int, start: int, lines: Sequence[str]) -> bool:
    """Whether ``token`` (starting on body line ``start``) is an ``output`` fence directly after the last runnable fence."""
    if token.info.split()[:1] != [OUTPUT_LANG] or last_index != i - 1:
        return False
    return not any(line.strip() for line in lines[last_end:start])


def _option_values(options: Options) -> dict[str, object]:
    """An entry's options by field name (what ``dataclasses.asdict`` gives for these flat values, faster)."""
    return {f.name: getattr(options, f.name) for f in dataclasses.fields(options)}


def cache_key(
    snippets: Sequence[Snippet],
    included: Mapping[str, str],
    torch_version: str,
    device_kind: str,
) -> str:
    """A sha256 over what determines an entry's results, never over mtimes.

    Code, language, options and expected outputs of every block, the text of
    the files they name (``included``: a name such as ``setup:lenet`` or
    ``file:train.py`` mapped to the file's text), the torch version and the
    device kind. Source lines are left out on purpose: editing prose above a
    block moves it without changing what it prints.
    """
    payload = {
        "version": KEY_VERSION,
        "torch": torch_version,
        "device": device_kind,
        "included": sorted(included.items()),
        "snippets": [
            {
                "id": s.id,
                "lang": s.lang,
                "code": s.code,
                "options": _option_values(s.options),
                "expected_output": s.expected_output,
            }
            for s in snippets
        ],
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
