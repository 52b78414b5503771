"""What a python fence holds: code, a REPL transcript, code with its output pasted under it, or no Python.

Learners paste more than code into python fences: shell sessions
(``$ python train.py --help``), what a program printed, a traceback. Such a
block is not run (``skipped``, with the reason): it is not a mistake in the
code. Code that runs and then shows its pasted output (a training loop and
its ``Epoch 1/10 ...`` lines) runs the code and keeps the rest as the
author's record, like a transcript. Code with a genuine syntax error stays
code, and fails. Pure functions over the block's text and its IPython
transformation (so ``%timeit`` and ``!ls`` are Python here).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

from generator.execute import transcripts

_SHELL_PROMPT = re.compile(r"^\s*(?:\$|%|>|C:\\[^>]*>|\(\w[\w.-]*\)\s*\$?|[\w.-]+@[\w.-]+:[^$#]*[$#])\s+\S")
_COMMANDS = re.compile(
    r"^\s*(?:sudo\s+)?(?:pip3?|conda|mamba|python3?|git|cd|ls|wget|curl|apt(?:-get)?|brew|nvidia-smi|mkdir|export"
    r"|source|bash|sh|jupyter|tensorboard|torchrun|accelerate|huggingface-cli|docker|cat|echo|unzip|tar|rm|cp|mv)"
    r"(?:\s|$)"
)
_TRACEBACK = re.compile(r"^\s*Traceback \(most recent call last\):", re.MULTILINE)
_PRINTED_CALLS = frozenset({"tensor", "array", "Parameter", "Size", "dtype"})
_SAMPLE_LINES = 200  # lines looked at to judge a large block
# A line written as code, even when it does not parse (a missing colon): a statement keyword, an
# assignment, a call of something that is no printed value's constructor.
_CODE_SHAPE = re.compile(
    r"^(?:(?:def|class|for|while|if|elif|with|try|except|import|from|return|raise|assert|del|global|async|await"
    r"|lambda|yield|print)\b|[A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*(?:[-+*/%@|&^]|//|\*\*)?=[^=]|[A-Za-z_][\w.]*\()"
)


@dataclass(frozen=True)
class Kind:
    """How a python block runs: ``code``, ``transcript``, ``output`` (code, then pasted output from
    line ``split``) or ``text`` (no Python: not run, ``reason`` says what it looks like)."""

    name: str
    split: int = 0
    reason: str = ""


CODE = Kind("code")
TRANSCRIPT = Kind("transcript")


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _line_is_python(line: str) -> bool:
    """Whether one line could be a line of Python: it parses alone, or opens or continues a block."""
    text = line.strip()
    if not text or text.startswith("#"):
        return True
    if text.endswith(":") and _parses(text + " pass"):
        return True
    if text.startswith(("else", "elif", "except", "finally")) and _parses("if 1: pass\n" + text + " pass"):
        return True
    if text.startswith(("return", "yield", "break", "continue")):
        return True
    if text[:1] in ")]}" or text[-1:] in "([{,\\" or text.startswith(("@", "'''", '"""')):
        return True  # a bracket or a decorator spread over lines
    if _parses(text):
        return True
    call = re.match(r"[A-Za-z_][\w.]*", text)
    return bool(_CODE_SHAPE.match(text)) and not (call and call.group(0) in _PRINTED_CALLS and text[call.end():][:1] == "(")


def _python_share(lines: list[str]) -> float:
    sample = [line for line in lines if line.strip()][:_SAMPLE_LINES]
    if not sample:
        return 1.0
    return sum(_line_is_python(line) for line in sample) / len(sample)


def _tree(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _is_printed_value(tree: ast.Module) -> bool:
    """Whether the block is only values as Python prints them (``tensor([[1., 2.]])``), nothing that does work."""
    if not tree.body or not all(isinstance(node, ast.Expr) for node in tree.body):
        return False
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    return bool(calls) and all(isinstance(c.func, ast.Name) and c.func.id in _PRINTED_CALLS for c in calls)


def classify(code: str, transform: Callable[[str], str]) -> Kind:
    """What ``code`` is; ``transform`` turns IPython syntax into Python (`shell.transform`)."""
    if transcripts.is_transcript(code):
        return TRANSCRIPT
    lines = code.splitlines()
    python = _transformed(code, transform)
    tree = _tree(python)
    if tree is not None:
        if python == code and _is_printed_value(tree):
            return Kind("text", reason="not Python: a value as Python prints it (pasted output)")
        return CODE
    first = next((line for line in lines if line.strip()), "")
    if _SHELL_PROMPT.match(first) or (_COMMANDS.match(first) and not _line_is_python(first)):
        return Kind("text", reason="not Python: a shell session")
    for split in range(len(lines) - 1, 0, -1):  # code that runs, then what it printed
        head, tail = "\n".join(lines[:split]), lines[split:]
        if not head.strip() or not lines[split].strip() or _line_is_python(lines[split]):
            continue
        if _python_share(tail) < 0.5 and _parses(_transformed(head, transform)) and _python_share(lines[:split]) > 0.5:
            return Kind("output", split=split)
    if _TRACEBACK.search(code):
        return Kind("text", reason="not Python: a pasted traceback")
    if _python_share(lines) < 0.5:
        return Kind("text", reason="not Python: looks like program output")
    return CODE


def _transformed(code: str, transform: Callable[[str], str]) -> str:
    try:
        return transform(code)
    except Exception:  # IPython refuses some input outright: it is then no Python either
        return code
