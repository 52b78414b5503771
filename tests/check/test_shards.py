"""`--shard K/N`: two shards run every block once, and their merged results build the same site."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.check.conftest import (
    EXPECTED,
    FAULTS,
    Checked,
    check_copy,
    junit_cases,
    run_counts,
)
from tests.check.test_workflows import merge_script
from tests.conftest import build_copy

# What differs between two runs of the same blocks: how long they took (in journal.json, on the pages,
# and HTML-escaped inside the Atom feed).
TIMING = re.compile(r'"duration_s": [0-9.e+-]+|(?:<|&lt;)span class="meta"(?:>|&gt;)[0-9.]+ s(?:<|&lt;)/span(?:>|&gt;)')


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> list[Checked]:
    """The fault diary checked as shard 1/2 and 2/2, each on a fresh copy, as two CI machines would."""
    return [
        check_copy(tmp_path_factory.mktemp(f"shard{k}"), "--shard", f"{k}/2", "--junit", "report.xml", diary=FAULTS)
        for k in (1, 2)
    ]


def site_files(site: Path) -> dict[str, str]:
    """Every file of a built site, with timings masked."""
    return {
        path.relative_to(site).as_posix(): TIMING.sub("TIME", path.read_text(encoding="utf-8", errors="replace"))
        for path in sorted(site.rglob("*")) if path.is_file()
    }


def test_two_shards_run_every_block_exactly_once(shards: list[Checked]) -> None:
    ran = [run_counts(shard.stdout) for shard in shards]
    assert sum(now for now, _ in ran) == len(EXPECTED) and all(reused == 0 for _, reused in ran)
    ids = [{name.replace(" block ", "-") for name in junit_cases(s.folder / "report.xml")} for s in shards]
    assert ids[0] and ids[1] and not ids[0] & ids[1]
    assert ids[0] | ids[1] == set(EXPECTED)
    stored = [{p.name for p in (s.folder / "snippets" / "results").glob("*.json")} for s in shards]
    assert not stored[0] & stored[1] and len(stored[0] | stored[1]) == 13
    assert all("(shard " in s.stdout for s in shards)


def test_merged_results_build_the_site_of_a_full_run(shards: list[Checked], tmp_path: Path) -> None:
    merged = tmp_path / "merged"
    for k, shard in enumerate(shards, 1):  # the artifacts as download-artifact lays them out
        shutil.copytree(shard.folder / "snippets", merged / "shards" / f"shard-{k}" / "snippets")
    merging = subprocess.run(["bash", "-euc", merge_script()], cwd=merged, capture_output=True, text=True, check=False)
    assert merging.returncode == 0, merging.stderr
    from_shards = build_copy(merged, diary=FAULTS)
    assert from_shards.returncode == 0, from_shards.stderr
    assert "0 run now and 18 from stored results" in from_shards.stdout
    full = build_copy(tmp_path / "full", diary=FAULTS)
    assert "18 run now and 0 from stored results" in full.stdout
    assert site_files(merged / "site") == site_files(tmp_path / "full" / "site")
