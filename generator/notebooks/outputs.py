"""A snippet and its `Result` as a notebook code cell: outputs, tags, metadata.

Pure functions building plain nbformat v4 dicts. Captured output becomes
what Jupyter would have shown: stdout and stderr streams, rich outputs as
captured (figures, HTML), the shown value as an ``execute_result``, and an
exception as an ``error`` output. A failure that is no exception (an
``output`` mismatch, a timeout, a missing file) is recorded in the cell's
``tetrad`` metadata only: Jupyter has no output for it.
"""

from __future__ import annotations

import re
from typing import Any

from generator.model import Options, Result, Snippet, Status

_EXCEPTION = re.compile(r"([A-Za-z_][\w.]*)(?:: (.*))?", re.DOTALL)  # "NameError: name 'x' is not defined"
_CELL_ID = re.compile(r"[^A-Za-z0-9_-]")
_RICH = ("display_data", "execute_result")


def cell_id(text: str) -> str:
    """A valid, stable nbformat cell id (letters, digits, ``-``, ``_``; at most 64)."""
    return (_CELL_ID.sub("-", text) or "cell")[-64:]


def option_tags(options: Options) -> list[str]:
    """Cell tags for a snippet's options, as `generator.notebooks.cells.tag_words` reads them back."""
    tags: list[str] = []
    if options.skip:
        tags += ["skip", "skip-execution"]  # nbclient skips a cell tagged skip-execution
    if options.gpu:
        tags.append("gpu")
    if options.raises:
        tags.append(f"raises={options.raises}")
    if options.timeout is not None:
        tags.append(f"timeout={options.timeout:g}")
    for name in ("setup", "file", "session"):
        value = getattr(options, name)
        if value:
            tags.append(f"{name}={value}")
    return tags


def exception_of(result: Result) -> tuple[str, str] | None:
    """(ename, evalue) when the block raised an exception, else None."""
    if not result.error:
        return None
    found = _EXCEPTION.fullmatch(result.error)
    return (found[1], found[2] or "") if found else None


def ran(result: Result | None) -> bool:
    """Whether the block was run (and so gets an execution count)."""
    return result is not None and (result.status not in (Status.SKIPPED, Status.NEEDS_GPU) or result.error is not None)


def result_outputs(result: Result | None, count: int | None) -> list[dict[str, Any]]:
    """The outputs Jupyter shows for ``result``: streams, rich outputs, the value, the error."""
    if result is None:
        return []
    outputs: list[dict[str, Any]] = []
    for name in ("stdout", "stderr"):
        text = getattr(result, name)
        if text:
            outputs.append({"output_type": "stream", "name": name, "text": text})
    value: dict[str, Any] | None = None
    for rich in result.outputs:
        kind = rich.get("output_type")
        data = rich.get("data")
        if kind not in _RICH or not isinstance(data, dict):
            continue
        output: dict[str, Any] = {"output_type": kind, "data": dict(data), "metadata": dict(rich.get("metadata") or {})}
        if kind == "execute_result":
            value = {**output, "execution_count": count}
        else:
            outputs.append(output)
    if value is None and result.shown is not None:
        value = {"output_type": "execute_result", "data": {"text/plain": result.shown}, "metadata": {}, "execution_count": count}
    if value is not None:
        outputs.append(value)
    raised = exception_of(result)
    if raised is not None:
        traceback = (result.traceback or result.error or "").split("\n")
        outputs.append({"output_type": "error", "ename": raised[0], "evalue": raised[1], "traceback": traceback})
    return outputs


def code_cell(snippet: Snippet, code: str, result: Result | None, count: int | None) -> dict[str, Any]:
    """The snippet as a code cell, with its captured outputs and its options as tags.

    A cell that raised is tagged ``raises-exception`` so that "Run all" goes
    on past it as tetrad did; ``tetrad.status`` tells an accident
    (``failed``) from a block expected to raise.
    """
    tags = option_tags(snippet.options)
    outputs = result_outputs(result, count)
    if any(o["output_type"] == "error" for o in outputs) or snippet.options.raises:
        tags.append("raises-exception")
    own: dict[str, Any] = {"id": snippet.id, "source": str(snippet.source)}
    if snippet.lang != "python":
        own["lang"] = snippet.lang
    if snippet.expected_output is not None:
        own["expected_output"] = snippet.expected_output
    if result is not None:
        own.update({"status": result.status.value, "device": result.device, "ran_at": result.ran_at})
        if result.error and exception_of(result) is None:
            own["error"] = result.error
    metadata: dict[str, Any] = {"tetrad": own}
    if tags:
        metadata["tags"] = tags
    return {"cell_type": "code", "id": cell_id(snippet.id), "metadata": metadata, "source": code,
            "outputs": outputs, "execution_count": count}
