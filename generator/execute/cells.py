"""Running one block in an entry's namespace, as a notebook cell runs.

Inside the entry's process: the block's code is compiled under its diary file
name at its real lines, run with stdout and stderr captured, the value of a
final bare expression or assignment shown (``repr``, as IPython shows it in
``last_expr_or_assign`` mode), and the outcome
judged (``raises=``, an ``output`` fence, a missing GPU, memory) into a
result, encoded for the pipe. Exceptions never leave `run_block`.
"""

from __future__ import annotations

import ast
import difflib
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from generator.execute import display, doctests, tracebacks
from generator.execute.capture import Capture, NativeFile
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


def _exec_cell(code: str, filename: str, offset: int, ns: dict[str, Any]) -> tuple[bool, object]:
    """Run ``code``; return (whether a final bare expression was evaluated, its value)."""
    tree = ast.parse("\n" * offset + code, filename, "exec")
    last = tree.body[-1] if tree.body else None
    hidden = code.rstrip().endswith(";")  # a ; hides it, as in IPython
    assigned = _assigned_name(last)
    if assigned is not None and not hidden:
        exec(compile(tree, filename, "exec"), ns)
        return True, ns.get(assigned)
    if not isinstance(last, ast.Expr) or hidden:
        exec(compile(tree, filename, "exec"), ns)
        return False, None
    tree.body.pop()
    exec(compile(tree, filename, "exec"), ns)
    return True, eval(compile(ast.Expression(last.value), filename, "eval"), ns)


def _assigned_name(node: ast.stmt | None) -> str | None:
    """The name a final ``name = value`` (or ``name += value``) binds.

    Its value is shown too, as IPython's ``last_expr_or_assign`` mode does, so a
    fragment ending in ``loss = criterion(out, target)`` shows the loss.
    """
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target: ast.expr = node.targets[0]
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
        target = node.target
    else:
        return None
    return target.id if isinstance(target, ast.Name) else None


def _show(value: object, limit: int) -> str:
    try:
        text = repr(value)
    except Exception as exc:
        return f"<repr failed: {tracebacks.one_line(exc)}>"
    return text if len(text) <= limit else text[:limit] + f"\n… shown value cut at {limit} characters"


def _normalize(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip().splitlines()]


def _check_output(expected: str, stdout: str) -> tuple[str, str] | None:
    """None when stdout matches, else (one-line error, diff)."""
    want, got = _normalize(expected), _normalize(stdout)
    if want == got:
        return None
    at = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
    diff = "\n".join(difflib.unified_diff(want, got, "expected output", "stdout", lineterm=""))
    return f"stdout differs from the expected output at its line {at + 1}", diff


def run_block(block: BlockSpec, ns: dict[str, Any], ctx: BlockContext) -> dict[str, Any]:
    """Run one block in ``ns``; the result as a JSON dict."""
    skipped = not_run(block, ctx)
    if skipped is not None:
        return skipped
    out, err = Capture(ctx.output_limit), Capture(ctx.output_limit)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out.stream, err.stream
    values: dict[str, Any] = {}
    error: BaseException | None = None
    report: tuple[str, str] | None = None  # a failed doctest: (error, report)
    started = time.perf_counter()
    try:
        if block["setup"]:
            setup_name, setup_code = block["setup"]
            _exec_cell(setup_code, setup_name, 0, ns)
        if block["lang"] == "pycon":
            report = doctests.run_doctest(block["code"], ns, block["id"], block["filename"], block["offset"])
        else:
            has_value, value = _exec_cell(block["code"], block["filename"], block["offset"], ns)
            if has_value and value is not None:
                values["shown"] = _show(value, ctx.output_limit)
                rich = display.rich_result(value, values["shown"])
                values["outputs"] = [rich] if rich else []
    except SystemExit as exc:  # a script's sys.exit(0) ends it well
        if exc.code not in (None, 0):
            error = exc
    except BaseException as exc:
        error = exc
    finally:
        values["duration_s"] = round(time.perf_counter() - started, 6)
        values["outputs"] = display.bounded(values.get("outputs", []) + display.open_figures())
        sys.stdout, sys.stderr = saved
    return _judge(block, ctx, out, err, values, error, report)


def _judge(
    block: BlockSpec,
    ctx: BlockContext,
    out: Capture,
    err: Capture,
    values: dict[str, Any],
    error: BaseException | None,
    report: tuple[str, str] | None,
) -> dict[str, Any]:
    """Decide the status and fill the result."""
    notes: list[str] = []
    if ctx.native_out is not None:
        out.add_native(ctx.native_out)
    if ctx.native_err is not None:
        err.add_native(ctx.native_err)
    for name, capture in (("stdout", out), ("stderr", err)):
        values[name], cut = capture.text()
        if cut:
            notes.append(f"{name}: {cut}")
    status = Status.PASSED
    expected = block["raises"]
    if error is not None:
        values["error"] = tracebacks.one_line(error)
        values["traceback"] = tracebacks.own_traceback(error, ctx.sources)
        if expected and tracebacks.matches(error, expected):
            notes.append(f"raised {expected}, as expected")
        elif tracebacks.lacks_cuda(error):  # first: CUDA failing to start can say "out of memory"
            status = Status.NEEDS_GPU
            notes.append("needs CUDA")
        elif tracebacks.out_of_memory(error):
            status = Status.CRASHED
            notes.append(f"out of memory (limit {ctx.memory_limit_mb} MB)")
        else:
            status = Status.FAILED
            if expected:
                notes.append(f"expected {expected}")
    elif report is not None:
        values["error"], values["traceback"] = report
        status = Status.NEEDS_GPU if tracebacks.text_lacks_cuda(report[1]) else Status.FAILED
    elif expected and block["lang"] == "python":
        status = Status.FAILED
        values["error"] = f"expected {expected}, but nothing was raised"
    if status is Status.PASSED and block["expected_output"] is not None:
        mismatch = _check_output(block["expected_output"], values["stdout"])
        if mismatch:
            status = Status.FAILED
            values["error"], values["traceback"] = mismatch
    if notes:
        values["note"] = "; ".join(notes)
    return base_result(ctx, status, **values)
