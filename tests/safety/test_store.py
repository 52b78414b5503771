"""Stored results are never trusted: a damaged file is reported by name, ignored, and rewritten.

A diary of five one-snippet entries is built (results stored), then each
store file is damaged a different way: not JSON, the wrong shape, another
entry's results, a result of the wrong type, a symlink. The next build warns
about each file, runs those entries again, and leaves valid files; the one
after reuses everything.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.safety.conftest import build, snippet, write_tree

DAYS = ["2022-01-05", "2022-01-06", "2022-01-07", "2022-01-08", "2022-01-09"]


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("store")
    write_tree(folder / "diary", {f"{day}.md": f"```python\nprint('{day}')\n```\n" for day in DAYS})
    first = build(folder)
    assert first.returncode == 0 and "5 run now" in first.stdout, first.stderr
    results = folder / "snippets" / "results"
    good = json.loads((results / "2022-01-08.json").read_text(encoding="utf-8"))
    (results / "2022-01-05.json").write_text('{"format": 1, "entry": "2022-01-05", "key": "ab', encoding="utf-8")
    (results / "2022-01-06.json").write_text("[]\n", encoding="utf-8")
    (results / "2022-01-07.json").write_text((results / "2022-01-08.json").read_text(encoding="utf-8"), encoding="utf-8")
    good["results"]["2022-01-08-1"]["stdout"] = ["<script>alert(1)</script>"]
    (results / "2022-01-08.json").write_text(json.dumps(good), encoding="utf-8")
    (results / "2022-01-09.json").unlink()
    os.symlink("/etc/hostname", results / "2022-01-09.json")
    second = build(folder)
    assert second.returncode == 0, second.stderr
    return folder, second.stderr


@pytest.mark.parametrize(
    ("day", "why"),
    [
        ("2022-01-05", "JSONDecodeError: Unterminated string starting at: line 1 column 45 (char 44)"),
        ("2022-01-06", "ValueError: not a tetrad result file of format 1"),
        ("2022-01-07", "ValueError: it holds the results of entry '2022-01-08', not '2022-01-07'"),
        ("2022-01-08", "ValueError: stdout must be text"),
        ("2022-01-09", "ValueError: not a regular file"),
    ],
)
def test_a_damaged_store_file_is_named_ignored_and_rebuilt(damaged: tuple[Path, str], day: str, why: str) -> None:
    folder, stderr = damaged
    name = f"snippets/results/{day}.json"
    assert f"{name}: warning: damaged result file ignored, the entry runs again: {why}" in stderr
    result = snippet(folder, f"{day}-1")
    assert result["status"] == "passed" and result["stdout"] == f"{day}\n"
    stored = json.loads((folder / name).read_text(encoding="utf-8"))
    assert stored["entry"] == day and not (folder / name).is_symlink()


def test_the_rebuilt_store_is_trusted_again_and_no_temporary_file_is_left(damaged: tuple[Path, str]) -> None:
    folder, _ = damaged
    third = build(folder)
    assert third.returncode == 0 and "0 run now and 5 from stored results" in third.stdout
    assert "warning" not in third.stderr
    assert sorted(p.name for p in (folder / "snippets" / "results").iterdir()) == [f"{day}.json" for day in DAYS]
