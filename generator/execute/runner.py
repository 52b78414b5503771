"""Running one block in an entry's namespace, as IPython runs a notebook cell, and judging what it did.

Inside the entry's process. The block is read for what it holds
(`kinds`): code runs as one IPython cell (`shell`); a REPL transcript runs
statement by statement, each output kept beside the pasted one
(`transcripts`); code followed by pasted output runs the code and keeps the
rest as the author's record; a block holding no Python is not run. Then the
outcome is judged (``raises=``, an ``output`` fence, a missing GPU, memory, and
the causes that are no mistake in the code: `causes`) into a result encoded
for the pipe. Exceptions never leave `run_block`.
"""

from __future__ import annotations

import difflib
import sys
import time
import types
from dataclasses import dataclass, field
from typing import Any

from generator.execute import causes, display, doctests, kinds, shell, tracebacks, transcripts
from generator.execute.capture import Capture
from generator.execute.cells import BlockContext, BlockSpec, base_result, not_run
from generator.execute.names import bound_names
from generator.model import Status


@dataclass
class Namespace:
    """One namespace of an entry (the entry's own, or a ``session=``'s) and what ran in it so far."""

    module: types.ModuleType
    binds: frozenset[str]  # what its blocks, setups and the prelude bind anywhere
    earlier: list[causes.Earlier] = field(default_factory=list)
    fresh: bool = True  # the prelude has not run in it yet


@dataclass
class _Run:
    """What running a block produced, before it is judged."""

    values: dict[str, Any] = field(default_factory=dict)
    error: BaseException | None = None
    report: tuple[str, str] | None = None  # a failed doctest: (error, report)
    notes: list[str] = field(default_factory=list)
    skip_reason: str | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)


def where(block: BlockSpec) -> str:
    """How a message names the block: ``line 42`` in a Markdown file, ``cell 4`` in a notebook."""
    name = block["filename"]
    return name.rsplit(", ", 1)[1] if ", cell " in name else f"line {block['offset']}"


def _exec_plain(code: str, filename: str, ns: dict[str, Any]) -> None:
    """Run a setup or prelude file in the namespace: plain Python, nothing shown."""
    exec(compile(code, filename, "exec"), ns)


def _show(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n… shown value cut at {limit} characters"


def _printed(out: Capture, mark: int) -> str:
    out.stream.flush()
    return bytes(out.sink.kept[mark:]).decode("utf-8", "replace")


def _mark(out: Capture) -> int:
    out.stream.flush()
    return len(out.sink.kept)


def _first_error(cell: shell.Cell) -> BaseException | None:
    for error in cell.errors:
        if isinstance(error, SystemExit) and error.code in (None, 0):
            continue  # a script's sys.exit(0) ends it well
        return error
    return None


def _take(cell: shell.Cell, run: _Run, limit: int) -> None:
    """The cell's shown value and rich outputs into the run's values."""
    outputs = run.values.setdefault("outputs", [])
    for output in cell.outputs:
        data = output.get("data", {})
        if output["output_type"] == "execute_result":
            run.values["shown"] = _show(data.get("text/plain", ""), limit)
            if set(data) - {"text/plain"}:
                outputs.append({**output, "data": {**data, "text/plain": run.values["shown"]}})
        else:
            outputs.append(output)
    run.notes.extend(cell.notes)


def _actual(printed: str, cell: shell.Cell, error: BaseException | None) -> str:
    """What a REPL would have shown for a statement: what it printed, its value, or its error."""
    shown = next((o["data"].get("text/plain", "") for o in reversed(cell.outputs) if o["output_type"] == "execute_result"), "")
    parts = [printed.rstrip("\n"), shown, tracebacks.one_line(error) if error is not None else ""]
    return "\n".join(part for part in parts if part)


def _run_steps(steps: list[transcripts.Step], block: BlockSpec, ctx: BlockContext, out: Capture, run: _Run,
               interactivity: str) -> None:
    """Run a transcript's statements in order; stop at the first error the paste does not show."""
    for step in steps:
        mark = _mark(out)
        cell = shell.run_cell(step.code, block["filename"], block["offset"] + step.line, interactivity=interactivity)
        error = _first_error(cell)
        run.notes.extend(cell.notes)
        run.values.setdefault("outputs", []).extend(o for o in cell.outputs if o["output_type"] == "display_data")
        actual = _actual(_printed(out, mark), cell, error)
        expected_error = step.pasted_error
        differs = transcripts.differs(step.pasted, actual)
        if error is not None and expected_error is not None and tracebacks.matches(error, expected_error):
            differs = False
        run.steps.append({"line": block["offset"] + step.line + 1, "code": step.code, "pasted": step.pasted,
                          "actual": actual[: ctx.output_limit], "differs": differs})
        if error is not None and not (expected_error and tracebacks.matches(error, expected_error)):
            run.error = error
            return


def _run_code(block: BlockSpec, ctx: BlockContext, out: Capture, run: _Run) -> None:
    code = block["code"]
    interactivity = "last_expr" if block["notebook"] else "last_expr_or_assign"
    kind = kinds.classify(code, shell.transform) if block["lang"] == "python" else kinds.CODE
    if kind.name == "text":
        run.skip_reason = kind.reason
    elif kind.name == "transcript":
        _run_steps(transcripts.parse(code), block, ctx, out, run, "last_expr")
        differing = sum(step["differs"] for step in run.steps)
        if differing:
            run.notes.append(f"{differing} of {len(run.steps)} pasted results differ from this run's")
    elif kind.name == "output":
        lines = code.splitlines()
        head, pasted = "\n".join(lines[: kind.split]), "\n".join(lines[kind.split:])
        mark = _mark(out)
        cell = shell.run_cell(head, block["filename"], block["offset"], interactivity=interactivity)
        run.error = _first_error(cell)
        _take(cell, run, ctx.output_limit)
        actual = _actual(_printed(out, mark), cell, run.error)
        differs = transcripts.differs(pasted, actual)
        run.steps.append({"line": block["offset"] + 1, "code": head, "pasted": pasted, "actual": actual[: ctx.output_limit],
                          "differs": differs})
        run.notes.append(f"from line {block['offset'] + kind.split + 1} on: pasted output, kept as the author's "
                         "record and not run" + ("; this run's output differs from it" if differs else ""))
    else:
        cell = shell.run_cell(code, block["filename"], block["offset"], interactivity=interactivity)
        run.error = _first_error(cell)
        _take(cell, run, ctx.output_limit)


def run_block(block: BlockSpec, space: Namespace, ctx: BlockContext) -> dict[str, Any]:
    """Run one block in its namespace; the result as a JSON dict."""
    skipped = not_run(block, ctx)
    if skipped is not None:
        _remember(block, space, Status(skipped["status"]), None)
        return skipped
    shell.use_namespace(space.module)
    ns = space.module.__dict__
    out, err = Capture(ctx.output_limit), Capture(ctx.output_limit)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out.stream, err.stream
    run = _Run()
    started = time.perf_counter()
    try:
        if space.fresh and ctx.prelude is not None:
            space.fresh = False
            _exec_plain(ctx.prelude[1], ctx.prelude[0], ns)
        if block["setup"]:
            _exec_plain(block["setup"][1], block["setup"][0], ns)
        if block["lang"] == "pycon":
            run.report = doctests.run_doctest(block["code"], ns, block["id"], block["filename"], block["offset"])
        else:
            _run_code(block, ctx, out, run)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            run.error = exc
    except BaseException as exc:
        run.error = exc
    finally:
        run.values["duration_s"] = round(time.perf_counter() - started, 6)
        run.values["outputs"] = display.bounded(run.values.get("outputs", []) + display.open_figures())
        sys.stdout, sys.stderr = saved
    result = _judge(block, ctx, out, err, run, space)
    _remember(block, space, Status(result["status"]), result.get("blocked_by"))
    return result


def _remember(block: BlockSpec, space: Namespace, status: Status, blocked_by: str | None) -> None:
    binds = bound_names(_python_of(block))
    space.earlier.append(causes.Earlier(block["id"], where(block), status, binds, blocked_by or block["id"]))


def _python_of(block: BlockSpec) -> str:
    """The block as Python, for reading the names it binds."""
    code = block["code"]
    if transcripts.is_transcript(code):
        return "\n".join(step.code for step in transcripts.parse(code))
    try:
        return shell.transform(code)
    except Exception:
        return code


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


def _judge(block: BlockSpec, ctx: BlockContext, out: Capture, err: Capture, run: _Run, space: Namespace) -> dict[str, Any]:
    """Decide the status and fill the result."""
    values, notes = run.values, run.notes
    if ctx.native_out is not None:
        out.add_native(ctx.native_out)
    if ctx.native_err is not None:
        err.add_native(ctx.native_err)
    for name, capture in (("stdout", out), ("stderr", err)):
        values[name], cut = capture.text()
        if cut:
            notes.append(f"{name}: {cut}")
    values["transcript"] = run.steps
    status = Status.PASSED
    expected = block["raises"]
    error = run.error
    if run.skip_reason is not None and error is None:
        status = Status.SKIPPED
        notes.insert(0, run.skip_reason)
    elif error is not None:
        values["error"] = tracebacks.one_line(error)
        values["traceback"] = tracebacks.own_traceback(error, ctx.sources)
        cause = None if expected else causes.judge(error, _python_of(block), space.module.__dict__, space.earlier,
                                                    space.binds)
        if expected and tracebacks.matches(error, expected):
            notes.append(f"raised {expected}, as expected")
        elif tracebacks.lacks_cuda(error):  # first: CUDA failing to start can say "out of memory"
            status = Status.NEEDS_GPU
            notes.append("needs CUDA")
        elif tracebacks.out_of_memory(error):
            status = Status.CRASHED
            notes.append(f"out of memory (limit {ctx.memory_limit_mb} MB)")
        elif cause is not None:
            status = cause.status
            notes.insert(0, cause.message)
            values.update(names=list(cause.names), package=cause.package, blocked_by=cause.blocked_by)
        else:
            status = Status.FAILED
            if expected:
                notes.append(f"expected {expected}")
    elif run.report is not None:
        values["error"], values["traceback"] = run.report
        status = Status.NEEDS_GPU if tracebacks.text_lacks_cuda(run.report[1]) else Status.FAILED
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
