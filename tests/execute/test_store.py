"""Frozen results: reuse, re-running only what changed, --no-execute, damage, GPU results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from generator.execute import execute_entries
from generator.execute.environment import key_torch_version, torch_version
from generator.execute.plan import plan_entry
from generator.model import Status
from tests.execute.conftest import ROOT, TODAY, make_entry, no_cuda, settings_for

FIRST = """
    ```python
    import torch
    t = torch.ones(3)
    ```

    ```python
    t.sum()
    ```
    """
SECOND = """
    ```python
    print("second")
    ```
    """


def test_an_unchanged_diary_is_not_run_again(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    entries = [make_entry("2022-03-01", FIRST), make_entry("2022-03-02", SECOND)]
    first = execute_entries(entries, settings, today=TODAY)
    assert (first.ran, first.reused) == (3, 0)
    stored = json.loads((settings.store_dir / "2022-03-01.json").read_text(encoding="utf-8"))
    assert stored["results"]["2022-03-01-2"]["shown"] == "tensor(3.)"
    again = execute_entries(entries, settings, today=TODAY)
    assert (again.ran, again.reused) == (0, 3)
    assert again.results == first.results


def test_a_stored_diary_needs_no_torch_and_no_worker(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    execute_entries([make_entry("2022-03-01", FIRST)], settings, today=TODAY)
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from generator.execute import ExecSettings, execute_entries, pool
        from tests.execute.conftest import TODAY, make_entry
        from tests.execute.test_store import FIRST
        settings = ExecSettings(snippets_dir=Path({str(settings.snippets_dir)!r}),
                                store_dir=Path({str(settings.store_dir)!r}))
        report = execute_entries([make_entry("2022-03-01", FIRST)], settings, today=TODAY)
        assert (report.ran, report.reused) == (0, 2), report
        assert "torch" not in sys.modules
        assert pool._worker is None
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.stdout == "ok\n", done.stderr


def test_editing_one_entry_runs_only_that_entry(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    execute_entries([make_entry("2022-03-01", FIRST), make_entry("2022-03-02", SECOND)], settings, today=TODAY)
    edited = make_entry("2022-03-02", SECOND.replace('"second"', '"edited"'))
    report = execute_entries([make_entry("2022-03-01", FIRST), edited], settings, today=TODAY)
    assert (report.ran, report.reused) == (1, 2)
    assert report.results["2022-03-02-1"].stdout == "edited\n"


def test_an_included_file_is_part_of_the_key(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    (settings.snippets_dir / "numbers.py").write_text("n = 1\n")
    entry = make_entry("2022-03-03", "```python setup=numbers\nn\n```\n")
    assert execute_entries([entry], settings, today=TODAY).results["2022-03-03-1"].shown == "1"
    (settings.snippets_dir / "numbers.py").write_text("n = 2\n")
    report = execute_entries([entry], settings, today=TODAY)
    assert report.ran == 1 and report.results["2022-03-03-1"].shown == "2"


def test_no_execute_uses_stored_results_and_skips_the_rest(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    execute_entries([make_entry("2022-03-01", FIRST)], settings, today=TODAY)
    offline = settings_for(tmp_path, execute=False)
    changed = make_entry("2022-03-02", SECOND)
    report = execute_entries([make_entry("2022-03-01", FIRST), changed], offline, today=TODAY)
    assert (report.ran, report.reused) == (0, 2)
    assert report.results["2022-03-01-2"].shown == "tensor(3.)"
    missing = report.results["2022-03-02-1"]
    assert missing.status is Status.SKIPPED and missing.note == "no stored result"


def test_a_damaged_store_file_is_reported_and_rebuilt(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    settings.store_dir.mkdir(parents=True)
    (settings.store_dir / "2022-03-02.json").write_text("{not json", encoding="utf-8")
    report = execute_entries([make_entry("2022-03-02", SECOND)], settings, today=TODAY)
    assert report.ran == 1 and report.results["2022-03-02-1"].stdout == "second\n"
    (problem,) = report.diagnostics
    assert problem.source.path.endswith("results/2022-03-02.json")
    assert "damaged result file" in problem.message
    assert json.loads((settings.store_dir / "2022-03-02.json").read_text(encoding="utf-8"))["format"] == 1


def test_moved_blocks_keep_their_results_with_tracebacks_moved_too(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    text = "```python\n\nmissing_name\n```\n"
    first = execute_entries([make_entry("2022-03-04", text, body_line=10)], settings, today=TODAY)
    assert "diary/2022-01.md, line 12, in <module>" in (first.results["2022-03-04-1"].traceback or "")
    moved = execute_entries([make_entry("2022-03-04", text, body_line=30)], settings, today=TODAY)
    assert moved.ran == 0
    assert "diary/2022-01.md, line 32, in <module>" in (moved.results["2022-03-04-1"].traceback or "")


@no_cuda
def test_results_captured_on_a_gpu_are_reused_on_a_machine_without_one(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    entry = make_entry("2022-03-05", '```python gpu\nprint("on the gpu")\n```\n\n```python\n1 + 1\n```\n')
    plan = plan_entry(entry, settings.snippets_dir, key_torch_version("2.0.0"), "cuda", 60.0)
    frozen = {
        "format": 1,
        "entry": entry.key,
        "key": plan.key,
        "code_key": plan.code_key,
        "device": "cuda",
        "source": "diary/2022-01.md",
        "lines": {s.id: s.source.line for s in entry.snippets},
        "results": {
            s.id: {"status": "passed", "stdout": "on the gpu\n", "device": "cuda", "torch_version": "2.0.0+cu118"}
            for s in entry.snippets
        },
    }
    settings.store_dir.mkdir(parents=True)
    (settings.store_dir / "2022-03-05.json").write_text(json.dumps(frozen), encoding="utf-8")
    report = execute_entries([entry], settings, today=TODAY)
    assert (report.ran, report.reused) == (0, 2)
    assert report.results["2022-03-05-1"].device == "cuda"
    assert torch_version() != "2.0.0+cu118"


@no_cuda
def test_an_entry_of_skipped_and_gpu_blocks_needs_no_process(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    entry = make_entry("2022-03-06", "```python skip\nx\n```\n\n```python gpu\ny\n```\n")
    report = execute_entries([entry], settings, today=TODAY)
    assert [r.status for r in report.results.values()] == [Status.SKIPPED, Status.NEEDS_GPU]
    assert (settings.store_dir / "2022-03-06.json").exists()
