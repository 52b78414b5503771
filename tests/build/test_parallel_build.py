"""A diary large enough to be read and rendered across processes builds the same site as with one job."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from tests.conftest import run_build

ENTRIES = 80  # above what `fork_map` forks for (two shares of 32) in every per-entry stage


def write_diary(diary: Path) -> None:
    diary.mkdir(parents=True)
    start = dt.date(2023, 1, 1)
    for i in range(ENTRIES):
        day = start + dt.timedelta(days=i)
        prev = start + dt.timedelta(days=i - 1)
        link = f"[вчера]({prev.isoformat()}.md), [[{prev.strftime('%d.%m.%Y')}]]" if i else "начало"
        extra = "[[Tensor]] и [[нет такого]]" if i % 7 == 3 else "$a^2 + b^2 = c^2$"
        (diary / f"{day.isoformat()}.md").write_text(
            f"---\ntags: [week-{i // 7}]\n---\n# День {i}\n\nСегодня про тензоры и DataLoader, {link}. {extra}\n\n"
            f"- пункт {i}\n- ещё\n\n```python\nimport torch\nx = torch.ones({i % 5 + 1})\nx.sum()\n```\n",
            encoding="utf-8",
        )


def tree(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def test_two_jobs_build_the_same_site_and_warnings_as_one(tmp_path: Path) -> None:
    sites = {}
    for jobs in ("1", "2"):
        folder = tmp_path / f"jobs{jobs}"
        write_diary(folder / "diary")
        done = run_build(folder, "--no-execute", "--jobs", jobs)
        assert done.returncode == 0, done.stderr
        assert f"Built {ENTRIES} entries" in done.stdout
        warnings = sorted(line for line in done.stderr.splitlines() if "wiki-link" in line)
        assert len(warnings) == len(range(3, ENTRIES, 7))  # every [[нет такого]], once, with its file and line
        sites[jobs] = (tree(folder / "site"), warnings)
    assert sites["1"] == sites["2"]
    files = sites["2"][0]
    assert sum(1 for p in files if p.startswith("entries/") and p.endswith(".ipynb")) == ENTRIES
