"""Where an entry's snippets sit in its body: for the build, the renderer and the downloads.

A Markdown entry's snippet is found at its fence's file line. A notebook
entry's snippet carries its cell number as its line instead, while its
fence sits at a line of the Markdown generated from the cells; `fence_lines`
gives the renderer the snippet at each rendered fence line for both kinds
(and for the text under no entry, `generator.loose`), from the lines of the
body the snippet spans. `block_origin` names the cell a notebook's block is
compiled as, for tracebacks. `body_parts` cuts any entry's body into prose and
snippets, in order, for the notebook and script downloads, and
`runnable_code` gives the code a snippet runs as plain Python.
"""

from __future__ import annotations

import dataclasses
import doctest
from collections.abc import Mapping
from dataclasses import dataclass

from markdown_it import MarkdownIt

from generator.model import Diagnostic, Entry, Snippet
from generator.notebooks.cells import trim_blank
from generator.notebooks.reader import is_notebook
from generator.snippets import OUTPUT_LANG, parse_info

_md = MarkdownIt("commonmark").disable("inline")  # the parser extract_snippets uses


def entry_snippets(entry: Entry) -> tuple[tuple[Snippet, ...], tuple[Diagnostic, ...]]:
    """The snippets of a keyed entry, with ids from its key.

    An entry comes with its snippets, found in the parse that found the entry
    (`generator.diary.parse_document`; a notebook's, by `read_notebook`, carry
    their cell numbers as lines); their problems are already among its
    document's diagnostics, so none are returned here.
    """
    return tuple(dataclasses.replace(s, id=f"{entry.key}-{s.index}") for s in entry.snippets), ()


def block_origin(snippet: Snippet) -> tuple[str, int]:
    """The file name and line offset a block's code is compiled under, so tracebacks point at it.

    A Markdown block: its file and fence line (the code starts on the next
    line). A notebook's block: ``diary/x.ipynb, cell 4`` with no offset, so
    a traceback reads ``diary/x.ipynb, cell 4, line 1``.
    """
    if is_notebook(snippet.source.path):
        return f"{snippet.source.path}, cell {snippet.source.line}", 0
    return snippet.source.path, snippet.source.line


def fence_lines(entry: Entry) -> dict[int, Snippet]:
    """The entry's snippet at each line where a runnable fence of its body is rendered.

    Lines count as the renderer counts them: ``entry.body_line`` plus the
    fence's line in the body (its span's first line). A fence that is no
    snippet (a python fence in a notebook's Markdown cell) is not among them,
    and renders as plain code.
    """
    return {entry.body_line + s.span[0] if s.span is not None else s.source.line: s for s in entry.snippets}


@dataclass(frozen=True)
class Part:
    """A piece of an entry's body: prose (Markdown) or one snippet."""

    prose: str = ""
    snippet: Snippet | None = None


def body_parts(entry: Entry) -> tuple[Part, ...]:
    """The entry's body as prose and snippets, in order.

    An ``output`` fence that gives a snippet its expected output leaves the
    prose (a download shows the captured output instead). A fence nested in a
    list cuts the list there.
    """
    lines = entry.body.split("\n")
    parts: list[Part] = []
    cursor = 0
    snippets = iter(entry.snippets)

    def prose(end: int) -> None:
        text = "\n".join(trim_blank(lines[cursor:end]))
        if text:
            parts.append(Part(prose=text))

    if entry.snippets and all(s.span is not None for s in entry.snippets):  # where extract_snippets found them
        for snippet in entry.snippets:
            start, end = snippet.span or (0, 0)
            if start >= cursor:
                prose(start)
            parts.append(Part(snippet=snippet))
            cursor = max(cursor, end)
        prose(len(lines))
        return tuple(parts)
    tokens = _md.parse(entry.body)
    for i, token in enumerate(tokens):
        if token.type != "fence" or token.map is None or token.map[0] < cursor or parse_info(token.info) is None:
            continue
        snippet = next(snippets, None)
        if snippet is None:
            break
        prose(token.map[0])
        parts.append(Part(snippet=snippet))
        cursor = token.map[1]
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if (snippet.expected_output is not None and after is not None and after.type == "fence" and after.map
                and after.info.split()[:1] == [OUTPUT_LANG]):
            cursor = after.map[1]
    prose(len(lines))
    parts.extend(Part(snippet=s) for s in snippets)  # only if the body no longer holds them all
    return tuple(parts)


def runnable_code(snippet: Snippet, included: Mapping[str, str]) -> str:
    """What the block runs, as plain Python: the ``file=`` file's text, or a doctest's examples without prompts."""
    if snippet.options.file:
        text = included.get(snippet.options.file)
        return text.rstrip("\n") if text is not None else f"# file={snippet.options.file}: the file could not be read"
    if snippet.lang == "pycon":
        try:
            examples = doctest.DocTestParser().get_examples(snippet.code)
        except ValueError:  # a malformed doctest: keep its text, for the reader to see
            return snippet.code.rstrip("\n")
        return "".join(example.source for example in examples).rstrip("\n")
    return snippet.code.rstrip("\n")
