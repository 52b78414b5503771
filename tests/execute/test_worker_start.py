"""When the worker starts and what its warm-up leaves: a first build starts it before reading the
diary, a build that needs nothing stops it again, and a snippet sees what a fresh process sees."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from generator.cli import _start_worker_early, make_parser
from generator.execute import execute_entries, pool
from generator.model import Status
from tests.execute.conftest import ROOT, TODAY, make_entry, no_cuda, settings_for


def test_a_first_build_starts_the_worker_first_and_stops_it_when_nothing_runs(tmp_path: Path) -> None:
    (tmp_path / "diary").mkdir()
    (tmp_path / "diary" / "2022-01.md").write_text("## 03.01.2022\n\nNo code today, only words.\n", encoding="utf-8")
    script = textwrap.dedent(
        """
        import sys
        from generator.execute import pool
        started = []
        real_prewarm = pool.prewarm
        def prewarm():
            started.append("generator.build" in sys.modules)  # the build's own modules not imported yet
            real_prewarm()
            started.append(pool._worker.proc)
        pool.prewarm = prewarm
        from generator.cli import main
        assert main([]) == 0
        assert started[0] is False, started
        assert pool._worker is None  # stopped once planning found nothing to run
        assert started[1].poll() is not None  # and its process is gone
        assert "torch" not in sys.modules
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")
    assert (tmp_path / "site" / "index.html").is_file()


def test_no_early_start_with_stored_results_or_without_execution(tmp_path: Path) -> None:
    (tmp_path / "snippets" / "results").mkdir(parents=True)
    (tmp_path / "snippets" / "results" / "2022-01-03.json").write_text("{}", encoding="utf-8")
    stored = make_parser("build").parse_args(["--snippets", str(tmp_path / "snippets")])
    render_only = make_parser("build").parse_args(["--snippets", str(tmp_path / "none"), "--no-execute"])
    serving = make_parser("serve").parse_args(["--snippets", str(tmp_path / "none")])
    assert pool._worker is None
    _start_worker_early("build", stored)
    _start_worker_early("build", render_only)
    _start_worker_early("serve", serving)
    assert pool._worker is None


CODE = "import torch\nprint(torch.get_num_threads(), torch.randn(3).tolist(), torch.rand(2).tolist())\n"


@no_cuda
def test_the_warmed_worker_changes_nothing_a_snippet_sees(tmp_path: Path) -> None:
    entry = make_entry("2022-05-01", "```python\n" + CODE + "```\n")
    result = execute_entries([entry], settings_for(tmp_path, jobs=1), today=TODAY).results["2022-05-01-1"]
    assert result.status is Status.PASSED, result
    fresh = subprocess.run([sys.executable, "-c", "import torch\ntorch.manual_seed(0)\n" + CODE],
                           capture_output=True, text=True, timeout=120)
    assert result.stdout == fresh.stdout  # the same thread count and random numbers as a fresh process
