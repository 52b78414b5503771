"""Helpers for the execute tier: entries made from small Markdown texts, real runs."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from generator.execute import ExecSettings
from generator.execute.environment import resolve_device
from generator.model import Entry, Source
from generator.snippets import extract_snippets

TODAY = dt.date(2024, 3, 1)
ROOT = Path(__file__).resolve().parents[2]


def make_entry(key: str, markdown: str, path: str = "diary/2022-01.md", body_line: int = 10) -> Entry:
    """An entry whose body is ``markdown`` (dedented) starting at ``body_line`` of ``path``."""
    body = textwrap.dedent(markdown).lstrip("\n")
    snippets, problems = extract_snippets(key, path, body, body_line)
    assert not problems, problems
    return Entry(
        key=key,
        date=dt.date.fromisoformat(key[:10]),
        title=key,
        source=Source(path, body_line - 1),
        body=body,
        body_line=body_line,
        snippets=snippets,
    )


def settings_for(tmp: Path, **changes: object) -> ExecSettings:
    """Settings with a snippets folder in ``tmp`` (created) and its results inside it."""
    snippets = tmp / "snippets"
    snippets.mkdir(exist_ok=True)
    values: dict[str, object] = {"snippets_dir": snippets, "store_dir": snippets / "results", "jobs": 2}
    values.update(changes)
    return ExecSettings(**values)  # type: ignore[arg-type]


no_cuda = pytest.mark.skipif(resolve_device("auto") == "cuda", reason="checks behaviour without CUDA")
