"""One notebook cell as Markdown: prose verbatim, code as a fenced block with its options.

Pure functions. A code cell's options come from its tags (``skip``,
``raises-exception``, ``raises=NAME``, ``gpu``, ``timeout=N``,
``session=NAME``, ``setup=NAME``, ``file=PATH``) and from leading
``# tetrad: skip timeout=5`` comment lines, which are removed from the code.
They are written into the fence's info string, so that
`generator.snippets.extract_snippets` stays the one place options are read
and checked. Tags that are no tetrad option (``hide-input``, ``parameters``)
are left alone without a warning; an unknown word in a ``# tetrad:`` line is
reported, since it was written for tetrad.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from markdown_it import MarkdownIt

GENERATED = "tetrad-generated"  # the tag of cells a download adds (heading, start, setup): not the author's
FLAG_TAGS: Mapping[str, str] = {
    "skip": "skip",
    "skip-execution": "skip",  # nbclient's and MyST-NB's tag
    "gpu": "gpu",
    "raises-exception": "raises=Exception",  # Jupyter's tag for a cell that is meant to fail
}
VALUE_TAGS = ("raises", "timeout", "setup", "file", "session")
PYTHON_LANGUAGES = ("python", "python3", "ipython", "ipython3", "")

_DIRECTIVE = re.compile(r"^\s*#\s*tetrad\s*:(.*)$")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*$")
BLOCKS = MarkdownIt("commonmark").disable("inline")


def cell_text(cell: Mapping[str, Any]) -> str:
    """A cell's source as one string, line ends normalised."""
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def cell_tags(cell: Mapping[str, Any]) -> tuple[str, ...]:
    tags = cell.get("metadata", {}).get("tags", ())
    return tuple(t.strip() for t in tags if isinstance(t, str)) if isinstance(tags, list) else ()


def is_generated(cell: Mapping[str, Any]) -> bool:
    """Whether a download added this cell (it is dropped when such a notebook is read back)."""
    return GENERATED in cell_tags(cell)


def trim_blank(lines: Sequence[str]) -> list[str]:
    """``lines`` without the blank lines at either end."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return list(lines[start:end])


def tag_words(cell: Mapping[str, Any]) -> list[str]:
    """The fence options a code cell's tags give, in the form ``parse_info`` reads."""
    tags = cell_tags(cell)
    words: list[str] = []
    raises_named = any(t.startswith("raises=") for t in tags)
    # A download marks a cell that failed by accident `raises-exception` only so that
    # "Run all" goes on past it; read back, that cell must not count as expected to fail.
    own = cell.get("metadata", {}).get("tetrad")
    failed = isinstance(own, dict) and own.get("status") == "failed"
    for tag in tags:
        name, eq, value = tag.partition("=")
        if tag in FLAG_TAGS and not (tag == "raises-exception" and (raises_named or failed)):
            words.append(FLAG_TAGS[tag])
        elif eq and name in VALUE_TAGS and value:
            words.append(tag)
    return words


def split_directives(code: str) -> tuple[str, list[str]]:
    """The code without its leading ``# tetrad: …`` lines, and the option words those lines hold."""
    words: list[str] = []
    kept: list[str] = []
    head = True  # directives count only among the leading comment and blank lines
    for line in code.split("\n"):
        found = _DIRECTIVE.match(line) if head else None
        if found is not None:
            try:
                words.extend(shlex.split(found[1], comments=False))
            except ValueError:  # an unbalanced quote: read it plainly
                words.extend(found[1].split())
            continue
        if head and line.strip() and not line.lstrip().startswith("#"):
            head = False
        kept.append(line)
    return "\n".join(trim_blank(kept)), words


def fence(code: str, info: str) -> list[str]:
    """``code`` as a backtick fence longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    marker = "`" * max(3, longest + 1)
    return [f"{marker}{info}", *code.split("\n"), marker]


def code_lines(cell: Mapping[str, Any], language: str) -> tuple[list[str], list[str]]:
    """A code cell as fence lines (none for an empty cell), and its problems."""
    code, directive_words = split_directives(cell_text(cell))
    if not code.strip():
        return [], []
    if language.lower() not in PYTHON_LANGUAGES:  # an R or Julia notebook: shown, not run
        return fence(code, re.sub(r"[^\w+-]", "", language.lower())), []
    words = [*tag_words(cell), *directive_words]
    problems = [f"option {w!r} cannot be used (a backtick)" for w in words if "`" in w]
    info = " ".join(shlex.quote(w) for w in words if "`" not in w)
    return fence(code, f"python {info}".rstrip()), problems


def markdown_lines(text: str) -> tuple[list[str], list[str]]:
    """A Markdown cell's lines, with a closing line added for a fence left open, and its problems.

    Without it, an open fence would swallow the cells after it.
    """
    lines = trim_blank(text.split("\n"))
    problems: list[str] = []
    for token in BLOCKS.parse("\n".join(lines)):
        if token.type != "fence" or token.map is None or token.level != 0:
            continue
        last = token.map[1] - 1
        closer = _FENCE_CLOSE.match(lines[last]) if token.map[0] < last < len(lines) else None
        if closer is None or closer[1][0] != token.markup[0] or len(closer[1]) < len(token.markup):
            problems.append(f"code fence {token.markup} is never closed; it is closed at the end of the cell")
            lines.append(token.markup)
    return lines, problems
