"""`build-site check` as CI runs it: exit codes, failing blocks at their lines, JUnit read back, annotations."""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.check.conftest import (
    EXPECTED,
    FAILING,
    FAULTS,
    Checked,
    check_copy,
    expected_verdicts,
    junit_cases,
    run_counts,
    verdict,
)
from tests.conftest import ROOT, run_build


def fence_lines(markdown: Path) -> dict[str, int]:
    """Snippet id -> line of its opening fence, read straight from the fixture (``## DD.MM.YYYY`` headings)."""
    found: dict[str, int] = {}
    key, n, inside = "", 0, False
    for number, line in enumerate(markdown.read_text(encoding="utf-8").splitlines(), 1):
        if heading := re.match(r"## (\d\d)\.(\d\d)\.(\d{4})", line):
            key, n = f"{heading[3]}-{heading[2]}-{heading[1]}", 0
        elif line.startswith("```"):
            if not inside and line[3:].split()[:1] in (["python"], ["pycon"]):
                n += 1
                found[f"{key}-{n}"] = number
            inside = not inside
    return found


def test_faults_fail_the_check_with_every_failing_block_at_its_line(fault_check: Checked) -> None:
    assert fault_check.returncode == 1, fault_check.stderr
    lines = fence_lines(FAULTS / "2022-01.md")
    reported = re.findall(r"^diary/2022-01\.md:(\d+): ([\w-]+): (.+)$", fault_check.stdout, re.MULTILINE)
    expected = sorted((lines[key], status) for key, status in EXPECTED.items() if status in FAILING)
    assert sorted((int(line), status) for line, status, _ in reported) == expected
    assert "diary/2022-01.md:40: failed: NameError: name 'prnt' is not defined" in fault_check.stdout
    assert run_counts(fault_check.stdout) == (18, 0)
    assert not (fault_check.folder / "site").exists()


def test_summary_has_a_line_per_entry_and_totals(fault_check: Checked) -> None:
    assert "FAIL 2022-01-03 raises: 1 passed, 1 failed" in fault_check.stdout
    assert "ok   2022-01-05 CUDA on a machine without it: 2 needs-gpu" in fault_check.stdout
    assert "Checked 18 snippets in 13 entries" in fault_check.stdout
    assert "8 passed, 5 failed, 2 needs-gpu, 1 timeout, 2 crashed" in fault_check.stdout


def test_junit_has_one_case_per_block_with_the_right_failures(fault_check: Checked) -> None:
    root = ET.parse(fault_check.folder / "report.xml").getroot()
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("18", "8", "2")
    cases = junit_cases(fault_check.folder / "report.xml")
    by_id = {name.replace(" block ", "-"): case for name, case in cases.items()}
    assert {key: verdict(case) for key, case in by_id.items()} == expected_verdicts()
    lines = fence_lines(FAULTS / "2022-01.md")
    for key, case in by_id.items():
        assert case.get("file") == "diary/2022-01.md" and case.get("line") == str(lines[key])
        assert case.get("classname") == "diary.2022-01"
        assert float(case.get("time", "-1")) >= 0
    name_error = by_id["2022-01-04-1"].find("failure")
    assert name_error is not None and name_error.get("type") == "failed"
    assert "NameError" in (name_error.get("message") or "") and "line 41" in (name_error.text or "")
    assert by_id["2022-01-06-1"].find("failure").get("type") == "timeout"  # type: ignore[union-attr]
    assert by_id["2022-01-01-2"].findtext("system-out") == "tensor([2., 4., 6.])\n"
    assert by_id["2022-01-09-1"].findtext("system-out") == "name? "


def test_annotations_under_github_actions(fault_check: Checked, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    again = run_build(fault_check.folder, "check")
    assert again.returncode == 1 and run_counts(again.stdout) == (0, 18)
    errors = [line for line in again.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 8
    assert "::error file=diary/2022-01.md,line=40,title=2022-01-04 block 1%3A failed::NameError: name" in again.stdout
    assert all("\n" not in line and "\r" not in line for line in errors)
    assert sum(line.startswith("::warning file=diary/2022-01.md,") for line in again.stdout.splitlines()) == 2


def test_the_seed_passes(tmp_path: Path) -> None:
    done = check_copy(tmp_path, "--junit", "out/seed.xml", diary=ROOT / "diary")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK" in done.stdout.splitlines()[-1]
    assert all(verdict(case) == "passed" for case in junit_cases(tmp_path / "out" / "seed.xml").values())


GPU_ONLY = """\
## 05.01.2022 — on the GPU

```python gpu
import torch
torch.ones(2, device="cuda").sum()
```
"""


def test_require_gpu_turns_needs_gpu_into_a_failure(tmp_path: Path) -> None:
    (tmp_path / "gpu").mkdir()
    (tmp_path / "gpu" / "2022-01.md").write_text(textwrap.dedent(GPU_ONLY), encoding="utf-8")
    lenient = check_copy(tmp_path, "--device", "cpu", diary=tmp_path / "gpu")
    assert lenient.returncode == 0 and "1 needs-gpu" in lenient.stdout
    strict = run_build(tmp_path, "check", "--device", "cpu", "--require-gpu", "--junit", "gpu.xml")
    assert strict.returncode == 1
    assert "diary/2022-01.md:3: needs-gpu: needs CUDA; not run on cpu" in strict.stdout
    (case,) = junit_cases(tmp_path / "gpu.xml").values()
    assert verdict(case) == "failed"


@pytest.mark.parametrize("value", ["3/2", "two"])
def test_a_bad_shard_is_a_usage_error(value: str, fault_check: Checked) -> None:
    done = run_build(fault_check.folder, "check", f"--shard={value}")
    assert done.returncode == 2
    assert done.stderr.startswith(f"build-site: --shard {value}: ") and "Traceback" not in done.stderr
