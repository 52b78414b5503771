"""Results as plain JSON values, the form they take in pipes and in the store.

A `Result` crosses two process boundaries (entry process -> worker -> build)
and is frozen into review-friendly JSON files, so it is encoded here once, as
a dict of JSON types, and read back leniently: unknown keys are ignored, so a
store written by a newer tetrad still loads; but every known field must have
its type, so a damaged or edited store file cannot slip other values into pages.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from generator.model import Result, Status

_FIELDS = tuple(f.name for f in dataclasses.fields(Result))


def result_to_json(result: Result) -> dict[str, Any]:
    """The result as a dict of JSON values (every field, for stable files)."""
    data = {name: getattr(result, name) for name in _FIELDS}
    data["status"] = result.status.value
    data["outputs"] = [dict(output) for output in result.outputs]
    data["names"] = list(result.names)
    data["transcript"] = [dict(step) for step in result.transcript]
    return data


def result_from_json(data: Any) -> Result:
    """Read a result written by `result_to_json`; raise ValueError if it is not one."""
    if not isinstance(data, dict):
        raise ValueError(f"a result must be an object, not {type(data).__name__}")
    values = {name: data[name] for name in _FIELDS if name in data}
    try:
        values["status"] = Status(data.get("status"))
    except ValueError:
        raise ValueError(f"unknown status {data.get('status')!r}") from None
    outputs = values.get("outputs", ())
    if not isinstance(outputs, (list, tuple)) or not all(_is_output(o) for o in outputs):
        raise ValueError("outputs must be a list of objects whose data maps MIME types to text")
    values["outputs"] = tuple(outputs)
    for name in ("stdout", "stderr"):
        if not isinstance(values.get(name, ""), str):
            raise ValueError(f"{name} must be text")
    for name in _OPTIONAL_TEXT:
        if values.get(name) is not None and not isinstance(values[name], str):
            raise ValueError(f"{name} must be text or null")
    names = values.get("names", ())
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise ValueError("names must be a list of text")
    values["names"] = tuple(names)
    steps = values.get("transcript", ())
    if not isinstance(steps, (list, tuple)) or not all(_is_step(s) for s in steps):
        raise ValueError("transcript must be a list of statements with text fields")
    values["transcript"] = tuple(dict(s) for s in steps)
    duration = values.get("duration_s", 0.0)
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not 0 <= duration < float("inf"):
        raise ValueError("duration_s must be a number of seconds")
    values["duration_s"] = float(duration)
    return Result(**values)


_OPTIONAL_TEXT = ("shown", "error", "traceback", "device", "torch_version", "ran_at", "note", "package", "blocked_by")
_STEP_TEXT = ("code", "pasted", "actual")


def _is_step(step: object) -> bool:
    """A transcript statement: its line, code, pasted and actual output, and whether they differ."""
    return (isinstance(step, dict) and isinstance(step.get("line"), int) and isinstance(step.get("differs"), bool)
            and all(isinstance(step.get(k), str) for k in _STEP_TEXT))


def _is_output(output: object) -> bool:
    """An nbformat output dict as tetrad writes one: its ``data`` (if any) maps MIME types to text."""
    if not isinstance(output, dict):
        return False
    data = output.get("data", {})
    return isinstance(data, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in data.items())
