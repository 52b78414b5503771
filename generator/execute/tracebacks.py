"""Turning an exception into what a diary reader needs: one line, own frames, a kind.

Snippets are compiled with their diary file as the file name and their real
line numbers (the code is padded with blank lines), so a frame already points
at ``diary/2022-01.md, line 42``; here the engine's and the libraries' frames
are dropped, and the exception is classified: a missing GPU, memory
exhaustion, or an ordinary failure.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Mapping

# Messages torch (and the CUDA runtime) give when a GPU is asked for and none is there.
_NO_CUDA = re.compile(
    r"Torch not compiled with CUDA enabled|no NVIDIA driver|No CUDA GPUs are available"
    r"|CUDA driver initialization failed|no CUDA-capable device|torch\.cuda\.is_available\(\) is False"
    r"|CUDA is not available|Cannot access accelerator device when none is available"
    r"|Unexpected error from cudaGetDeviceCount",
    re.IGNORECASE,
)
MAX_FRAMES = 20
_NO_MEMORY = re.compile(r"can't allocate memory|std::bad_alloc|out of memory", re.IGNORECASE)


def one_line(exc: BaseException) -> str:
    """``NameError: name 'x' is not defined``: the name and the message's first line."""
    name = type(exc).__name__
    if isinstance(exc, SyntaxError) and exc.lineno is not None:
        where = f"{exc.filename}, line {exc.lineno}" if exc.filename else f"line {exc.lineno}"
        return f"{name}: {exc.msg} ({where})"
    message = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    return f"{name}: {message}" if message else name


def own_traceback(exc: BaseException, sources: Mapping[str, Mapping[int, str]]) -> str:
    """The traceback with only the frames of the diary's own code.

    ``sources`` maps each own file name (``diary/2022-01.md``,
    ``snippets/lenet.py``) to its lines by number, for the quoted line.
    """
    lines = ["Traceback (most recent call last):"]
    frames = [
        (frame.f_code.co_filename, lineno, frame.f_code.co_name)
        for frame, lineno in traceback.walk_tb(exc.__traceback__)
        if frame.f_code.co_filename in sources
    ]
    cut = len(frames) - 2 * MAX_FRAMES
    for n, (filename, lineno, name) in enumerate(frames):
        if cut > 0 and MAX_FRAMES <= n < len(frames) - MAX_FRAMES:
            if n == MAX_FRAMES:  # deep recursion: the first and the last frames tell it
                lines.append(f"  … {cut} frames left out …")
            continue
        lines.append(f"  {filename}, line {lineno}, in {name}")
        text = sources[filename].get(lineno, "").strip()
        if text:
            lines.append(f"    {text}")
    tail = "".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n")
    if len(lines) == 1:
        return tail
    return "\n".join(lines) + "\n" + tail


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def lacks_cuda(exc: BaseException) -> bool:
    """Whether the exception (or one it came from) says CUDA is missing."""
    return any(_NO_CUDA.search(str(e)) for e in _chain(exc))


def text_lacks_cuda(text: str) -> bool:
    """Whether a report (a doctest's) says CUDA is missing."""
    return bool(_NO_CUDA.search(text))


def out_of_memory(exc: BaseException) -> bool:
    """MemoryError, or an allocator's failure to get memory (torch's CPU or CUDA)."""
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError":
        return True
    return isinstance(exc, RuntimeError) and bool(_NO_MEMORY.search(str(exc)))


def matches(exc: BaseException, name: str) -> bool:
    """Whether ``exc`` is an instance of the class named ``name`` (plain or dotted)."""
    for cls in type(exc).__mro__:
        if name in (cls.__name__, cls.__qualname__, f"{cls.__module__}.{cls.__qualname__}"):
            return True
    return False
