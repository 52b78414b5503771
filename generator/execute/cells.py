"""A block as the entry's process receives it, what its blocks share, and results as the pipe carries them.

Light on purpose: the build's process imports this module (to decide the
blocks that need no process), so the running itself, which needs IPython,
lives in `generator.execute.runner`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from generator.execute.capture import NativeFile
from generator.model import Status


class BlockSpec(TypedDict):
    """A snippet as the entry's process receives it (JSON)."""

    id: str
    lang: str
    code: str
    filename: str  # the file name frames show: diary/2022-01.md, snippets/train.py
    offset: int  # lines in that file before the code's first line
    skip: bool
    gpu: bool
    raises: str | None
    timeout: float
    session: str | None
    expected_output: str | None
    setup: list[str] | None  # [file name, code] of setup=NAME
    problem: str | None  # why it cannot run (a missing file=), set by the build
    notebook: bool  # a notebook's code cell: only a final bare expression is shown, as in Jupyter


class EntrySpec(TypedDict):
    """An entry as the worker receives it (JSON)."""

    n: int  # the entry's number in its batch
    key: str
    device: str
    ran_at: str
    snippets_dir: str
    memory_limit_mb: int
    output_limit: int
    threads: int  # torch threads, 0 to keep torch's default
    prelude: list[str] | None  # [file name, code] of snippets/prelude.py
    blocks: list[BlockSpec]


@dataclass
class BlockContext:
    """What every block of an entry shares."""

    device: str
    torch_version: str | None
    ran_at: str
    output_limit: int
    memory_limit_mb: int
    sources: Mapping[str, Mapping[int, str]]
    native_out: NativeFile | None = None
    native_err: NativeFile | None = None
    prelude: tuple[str, str] | None = None  # (file name, code) of snippets/prelude.py, run first in every namespace


def base_result(ctx: BlockContext, status: Status, **values: Any) -> dict[str, Any]:
    """A result dict with the run's record fields filled in."""
    result: dict[str, Any] = {
        "status": status.value,
        "stdout": "",
        "stderr": "",
        "shown": None,
        "outputs": [],
        "error": None,
        "traceback": None,
        "device": ctx.device,
        "torch_version": ctx.torch_version,
        "duration_s": 0.0,
        "ran_at": ctx.ran_at,
        "note": None,
        "names": [],
        "package": None,
        "blocked_by": None,
        "transcript": [],
    }
    result.update(values)
    return result


def not_run(block: BlockSpec, ctx: BlockContext) -> dict[str, Any] | None:
    """The result of a block that is not run at all, or None if it must run."""
    if block["skip"]:
        return base_result(ctx, Status.SKIPPED, note="skip: shown, not run")
    if block["gpu"] and ctx.device != "cuda":
        return base_result(ctx, Status.NEEDS_GPU, note=f"needs CUDA; not run on {ctx.device}")
    if block["problem"]:
        return base_result(ctx, Status.FAILED, error=block["problem"])
    return None
