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
        def prewarm(**options):
            started.append("generator.build" in sys.modules)  # the build's own modules not imported yet
            real_prewarm(**options)
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
    pool.shutdown()  # an earlier test's worker
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


# Which process forked the entry, and whether torch's compiler was imported there (the name is split so
# that the code does not look like code that needs the compiler).
PLAIN = "import os, sys\nprint(os.getppid(), 'torch._dyn' 'amo' in sys.modules)\n"
OPTIMIZER = PLAIN + "import torch\nopt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)\n"


def _parent(process: Path) -> int | None:
    try:
        stat = (process / "stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rfind(")") + 2:].split()[1])


def _parents(results: dict[str, object], keys: list[str]) -> list[tuple[int, bool]]:
    out = []
    for key in keys:
        result = results[f"{key}-1"]
        assert result.status is Status.PASSED, result  # type: ignore[attr-defined]
        pid, dynamo = result.stdout.split()  # type: ignore[attr-defined]
        out.append((int(pid), dynamo == "True"))
    return out


def test_entries_without_an_optimizer_run_while_the_worker_still_imports(tmp_path: Path) -> None:
    pool.shutdown()  # a worker that is ready already (an earlier test's) needs no early server
    plain = [make_entry(f"2022-06-0{i}", f"```python\n{PLAIN}```\n") for i in range(1, 4)]  # well inside the second
    entries = [*plain, make_entry("2022-06-09", f"```python\n{OPTIMIZER}```\n")]
    results = execute_entries(entries, settings_for(tmp_path, jobs=2), today=TODAY).results
    worker = pool._worker
    assert worker is not None and worker.early is None  # the early server was closed once done
    early = _parents(results, [e.key for e in plain])
    assert all(pid != worker.proc.pid and not dynamo for pid, dynamo in early)  # forked by the early server
    assert len({pid for pid, _ in early}) == 1
    assert _parents(results, ["2022-06-09"]) == [(worker.proc.pid, True)]  # the optimizer waited for the worker


def test_a_dead_early_server_leaves_its_entries_to_the_worker(tmp_path: Path) -> None:
    pool.shutdown()
    pool.prewarm(early=True)
    worker = pool._worker
    assert worker is not None and worker.early is not None
    worker.early.info()  # forked and ready: the worker's only child
    (early_pid,) = [int(p.name) for p in Path("/proc").iterdir()
                    if p.name.isdigit() and _parent(p) == worker.proc.pid]
    os.kill(early_pid, 9)
    entries = [make_entry(f"2022-07-0{i}", f"```python\n{PLAIN}```\n") for i in range(1, 4)]
    results = execute_entries(entries, settings_for(tmp_path, jobs=2), today=TODAY).results
    assert _parents(results, [e.key for e in entries]) == [(worker.proc.pid, True)] * 3
