"""Blocks that could prove nothing (`incomplete`, `needs-package`, `blocked`): reported, skipped, failing when required."""

from __future__ import annotations

import datetime as dt
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator.check import Case, failing_statuses, junit_xml, parse_required, summary
from generator.errors import UsageError
from generator.model import Entry, Result, Snippet, Source, Status
from tests.check.conftest import check_copy, copy_diary, junit_cases, run_pytest, verdict
from tests.conftest import run_build

SNIPPETS = tuple(Snippet(id=f"2022-01-05-{n}", source=Source("diary/2022-01.md", 10 * n), lang="python",
                         code="x\n", index=n) for n in range(1, 5))
ENTRY = Entry(key="2022-01-05", date=dt.date(2022, 1, 5), title="t", source=Source("diary/2022-01.md", 5),
              body="", body_line=6, snippets=SNIPPETS)
RESULTS = (
    Result(Status.FAILED, error="ValueError: bad"),
    Result(Status.BLOCKED, error="NameError: name 'value' is not defined", blocked_by="2022-01-05-1"),
    Result(Status.NEEDS_PACKAGE, error="ModuleNotFoundError: No module named 'cv2'", package="cv2"),
    Result(Status.INCOMPLETE, error="NameError: name 'model' is not defined", names=("model",),
           note="model: defined in 2022-01-03 (diary/2022-01.md:3); use session= or setup="),
)
CASES = [Case(ENTRY, s, r) for s, r in zip(SNIPPETS, RESULTS)]


def test_each_says_what_it_lacks() -> None:
    assert [c.error for c in CASES[1:]] == [
        "uses what the failed block 1 (diary/2022-01.md:10) would have defined",
        "no module named 'cv2'; pip install opencv-python",
        "model: defined in 2022-01-03 (diary/2022-01.md:3); use session= or setup=",
    ]
    bare = Case(ENTRY, SNIPPETS[3], Result(Status.INCOMPLETE, error="NameError: …", names=("a", "b")))
    assert bare.error == "uses a, b, which nothing in its namespace defines"
    noted = Case(ENTRY, SNIPPETS[1], Result(Status.BLOCKED, error="NameError: …", note="fix line 10 first", blocked_by="x"))
    assert noted.error == "fix line 10 first"
    assert Case(ENTRY, SNIPPETS[0], Result(Status.FAILED, error="ValueError: bad", note="output cut")).error == "ValueError: bad"


def test_junit_skips_them_with_the_reason_unless_required() -> None:
    root = junit_xml(CASES, failing_statuses()).getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert [verdict(cases[f"2022-01-05 block {n}"]) for n in range(1, 5)] == ["failed", "skipped", "skipped", "skipped"]
    skipped = cases["2022-01-05 block 3"].find("skipped")
    assert skipped is not None and skipped.get("message") == "needs-package: no module named 'cv2'; pip install opencv-python"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("4", "1", "3")
    required = junit_xml(CASES, failing_statuses(parse_required(["incomplete,blocked"]))).getroot()
    failures = [c.find("failure") for c in required.iter("testcase")]
    assert [f.get("type") if f is not None else None for f in failures] == ["failed", "blocked", None, "incomplete"]


def test_parse_required() -> None:
    assert parse_required([]) == frozenset()
    assert parse_required([], gpu=True) == {Status.NEEDS_GPU}
    assert parse_required(["incomplete, needs-package", "blocked"]) == {Status.INCOMPLETE, Status.NEEDS_PACKAGE, Status.BLOCKED}
    assert failing_statuses(parse_required(["needs-gpu"])) == {Status.FAILED, Status.TIMEOUT, Status.CRASHED, Status.NEEDS_GPU}


@pytest.mark.parametrize("value, message", [
    ("incomplete,fragment", "--require incomplete,fragment: unknown status 'fragment'; the statuses are failed, "
                            "skipped, needs-gpu, timeout, crashed, incomplete, needs-package, blocked"),
    ("passed", "--require passed: unknown status 'passed'; the statuses are"),
    (",", "--require ,: no status named; the statuses are"),
])
def test_parse_required_refuses(value: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_required([value])
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_the_summary_names_missing_packages_and_ends_with_the_verdict() -> None:
    lines = summary(CASES, 1, 4, 0, 0, 0.1, 1, None).splitlines()
    assert lines[0] == "1 block needs a package: cv2 → opencv-python (1); pip install opencv-python"
    assert lines[-1].startswith("Checked 4 snippets in 1 entries") and lines[-1].endswith("FAILED: 1 failing snippets")


# Real runs: the engine gives these statuses.
UNPROVEN_DIARY = """\
## 03.01.2022 — a model

```python
model = [1, 2, 3]
```

## 04.01.2022 — a fragment of it

```python
print(len(model))
```

## 05.01.2022 — a package that is not here

```python
import cv2_not_installed_here
```

## 06.01.2022 — a failure and what it holds back

```python
value = int("not a number")
```

```python
print(value + 1)
```
"""
BLOCK_LINES = {"2022-01-03-1": 3, "2022-01-04-1": 9, "2022-01-05-1": 15, "2022-01-06-1": 21, "2022-01-06-2": 25}
EXPECTED = {"2022-01-03-1": "passed", "2022-01-04-1": "incomplete", "2022-01-05-1": "needs-package",
            "2022-01-06-1": "failed", "2022-01-06-2": "blocked"}


@pytest.fixture(scope="module")
def unproven(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of a diary with one block of each status, checked once with ``--junit``."""
    tmp = tmp_path_factory.mktemp("unproven")
    (tmp / "source").mkdir()
    (tmp / "source" / "2022-01.md").write_text(textwrap.dedent(UNPROVEN_DIARY), encoding="utf-8")
    done = check_copy(tmp, "--device", "cpu", "--junit", "report.xml", diary=tmp / "source")
    assert done.returncode == 1, done.stdout + done.stderr  # the failed block, and only it
    return tmp


def test_check_reports_them_and_fails_only_on_the_failure(unproven: Path) -> None:
    cases = junit_cases(unproven / "report.xml")
    by_id = {name.replace(" block ", "-"): case for name, case in cases.items()}
    statuses = {key: (case.find("failure") if case.find("failure") is not None else case.find("skipped")) for key, case in by_id.items()}
    assert {key: verdict(case) for key, case in by_id.items()} == {
        key: "passed" if s == "passed" else "failed" if s == "failed" else "skipped" for key, s in EXPECTED.items()
    }
    for key, element in statuses.items():
        if element is not None and element.tag == "skipped":
            assert (element.get("message") or "").startswith(f"{EXPECTED[key]}: ")
    note = by_id["2022-01-04-1"].find("skipped")
    assert note is not None and "model: defined in 2022-01-03 (diary/2022-01.md:3)" in (note.get("message") or "")


def test_require_makes_them_fail(unproven: Path) -> None:
    done = run_build(unproven, "check", "--device", "cpu", "--require", "incomplete,needs-package", "--require", "blocked")
    assert done.returncode == 1
    for key in ("2022-01-04-1", "2022-01-05-1", "2022-01-06-2"):
        assert f"diary/2022-01.md:{BLOCK_LINES[key]}: {EXPECTED[key]}: " in done.stdout
    assert "diary/2022-01.md:15: needs-package: no module named 'cv2_not_installed_here'" in done.stdout
    assert "1 block needs a package: cv2_not_installed_here (1); pip install cv2_not_installed_here" in done.stdout
    assert done.stdout.splitlines()[-1].endswith("FAILED: 4 failing snippets")
    assert "1 passed, 1 failed, 1 incomplete, 1 needs-package, 1 blocked" in done.stdout


def test_an_unknown_required_status_is_a_usage_error(unproven: Path) -> None:
    done = run_build(unproven, "check", "--require", "incomplete,bogus")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "build-site: --require incomplete,bogus: unknown status 'bogus'; the statuses are failed, skipped, needs-gpu, "
        "timeout, crashed, incomplete, needs-package, blocked"
    ]


def test_pytest_skips_them_and_fails_them_when_required(tmp_path: Path) -> None:
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "2022-01.md").write_text(textwrap.dedent(UNPROVEN_DIARY), encoding="utf-8")
    folder = copy_diary(tmp_path / "run", tmp_path / "source")
    lenient = run_pytest(folder, "--tetrad", "diary", "--tetrad-args=--device cpu", "-rs")
    assert "1 failed, 1 passed, 3 skipped" in lenient.stdout, lenient.stdout + lenient.stderr
    assert "diary/2022-01.md:15: needs-package: no module named 'cv2_not_installed_here'" in lenient.stdout
    strict = run_pytest(folder, "--tetrad", "diary", "--tetrad-args=--device cpu --require incomplete",
                        "--junitxml=pytest.xml")
    assert "2 failed, 1 passed, 2 skipped" in strict.stdout, strict.stdout + strict.stderr
    failed = {c.get("classname", "").rsplit(".", 1)[1] for c in ET.parse(folder / "pytest.xml").getroot().iter("testcase")
              if c.find("failure") is not None}
    assert failed == {"2022-01-04", "2022-01-06"}
    bad = run_pytest(folder, "--tetrad", "diary", "--tetrad-args=--require nothing")
    assert bad.returncode == 4 and "--tetrad-args: --require nothing: unknown status 'nothing'" in bad.stderr
