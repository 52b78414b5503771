"""REPL transcripts pasted into python fences: their statements, and the results the author pasted.

Two forms are read, as learners paste them:

- the classic prompt: ``>>> `` starts a statement, ``... `` continues it, and
  the lines up to the next prompt are what the REPL printed (or ``# result``
  comments written under the statement);
- IPython's: ``In [3]:`` starts a cell, ``   ...:`` continues it, ``Out[3]:``
  starts its shown value, and other lines are what it printed.

Pure functions: text in, `Step` values out. A step keeps the line of its
first code line within the block, so it runs at its real line in the diary.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

_CLASSIC = re.compile(r"^(\s*)>>>(?: |$)")
_CLASSIC_MORE = re.compile(r"^(\s*)\.\.\.(?: |$)")
_IN = re.compile(r"^\s*In\s*\[\s*\d*\s*\]:(?: |$)")
_IN_MORE = re.compile(r"^\s*\.\.\.+:(?: |$)")
_OUT = re.compile(r"^\s*Out\s*\[\s*\d*\s*\]:\s?")
_TRACEBACK = re.compile(r"^Traceback \(most recent call last\):|^-{5,}\s*$")
_ERROR_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning))\b")


@dataclass(frozen=True)
class Step:
    """One statement of a transcript and what was pasted after it."""

    line: int  # 0-based line of its first code line in the block
    code: str
    pasted: str  # the pasted output, prompts and comment marks removed ("" when none was pasted)

    @property
    def pasted_error(self) -> str | None:
        """The exception name the pasted output ends with, if it shows a traceback."""
        lines = [line for line in self.pasted.splitlines() if line.strip()]
        if not lines or not any(_TRACEBACK.match(line) for line in lines):
            last = lines[-1] if lines else ""
            match = _ERROR_LINE.match(last) if ":" in last and len(lines) <= 3 else None
            return match.group(1).rsplit(".", 1)[-1] if match and "Error" in match.group(1) else None
        match = next((_ERROR_LINE.match(line) for line in reversed(lines) if _ERROR_LINE.match(line)), None)
        return match.group(1).rsplit(".", 1)[-1] if match else "Exception"


def is_transcript(code: str) -> bool:
    """Whether a python block is written as a REPL transcript (a prompt starts some line)."""
    return any(_CLASSIC.match(line) or _IN.match(line) for line in code.splitlines())


def _strip(line: str, pattern: re.Pattern[str]) -> str:
    match = pattern.match(line)
    return line[match.end():] if match else line


def _pasted(lines: list[str]) -> str:
    """Pasted output lines as the REPL printed them: ``# `` marks of result comments removed."""
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and all(line.lstrip().startswith("#") for line in lines if line.strip()):
        lines = [re.sub(r"^\s*#\s?", "", line) for line in lines]
    return "\n".join(lines)


def parse(code: str) -> list[Step]:
    """The transcript's statements in order, each with its pasted output.

    Code before the first prompt is a statement of its own with nothing
    pasted; a statement's continuation lines are those with a continuation
    prompt right after it; every other line up to the next prompt is pasted.
    """
    lines = code.splitlines()
    first, more = (_IN, _IN_MORE) if any(_IN.match(line) for line in lines) else (_CLASSIC, _CLASSIC_MORE)
    prompts = [n for n, line in enumerate(lines) if first.match(line)]
    if not prompts:
        return []
    steps: list[Step] = []
    head = [n for n in range(prompts[0]) if lines[n].strip()]
    if head:
        steps.append(Step(head[0], textwrap.dedent("\n".join(lines[head[0]:prompts[0]])).rstrip(), ""))
    for p, end in zip(prompts, [*prompts[1:], len(lines)]):
        body = [_strip(lines[p], first)]
        n = p + 1
        while n < end and more.match(lines[n]):
            body.append(_strip(lines[n], more))
            n += 1
        pasted = [_strip(line, _OUT) for line in lines[n:end]]
        text = textwrap.dedent("\n".join(body)).rstrip()
        if text.strip():
            steps.append(Step(p, text, _pasted(pasted)))
    return steps


def _words(text: str) -> list[str]:
    """Text as compared: its runs of non-space characters. The pretty printer and the REPL break a long
    value over lines differently, and trailing spaces are invisible on a page."""
    return text.split()


def differs(pasted: str, actual: str) -> bool:
    """Whether an actual output differs from the pasted one (nothing pasted: no difference)."""
    if not pasted.strip():
        return False
    return _words(pasted) != _words(actual)
