"""A diary of everything that can go wrong in a snippet, run once with real processes.

Every entry below is run in one `execute_entries` call (the module fixture);
each test reads the results it is about.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from generator.execute import execute_entries
from generator.model import Result, Status
from tests.execute.conftest import TODAY, make_entry, no_cuda, settings_for

ENTRIES = {
    "2022-01-01": """
        Autograd, in two cells.

        ```python
        import torch
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        (x**2).sum().backward()
        ```

        ```python
        print(x.grad)
        x.grad * 2
        ```

        ```python
        y = 1;
        ```

        ```python
        print(device)
        ```
        """,
    "2022-01-02": """
        ```python raises=ZeroDivisionError
        1 / 0
        ```

        ```python raises=ValueError
        pass
        ```

        ```python raises=ValueError
        {}["missing"]
        ```

        ```python raises=LookupError
        [][1]
        ```

        ```python
        prnt(undefined_name)
        ```

        ```python
        def f(n):
            return g(n)
        ```

        ```python
        f(3)
        ```
        """,
    "2022-01-03": """
        ```python
        import torch
        torch.ones(3).cuda()
        ```

        ```python gpu
        print("never")
        ```

        ```python
        torch.zeros(2, device=torch.device("cuda")) + 1
        ```
        """,
    "2022-01-04": """
        ```python
        print("before")
        ```

        ```python timeout=2
        while True:
            pass
        ```

        ```python
        print("after")
        ```
        """,
    "2022-01-05": """
        ```python
        import ctypes
        ctypes.string_at(0)
        ```

        ```python
        print("after the crash")
        ```
        """,
    "2022-01-06": """
        ```python
        name = input("name? ")
        ```

        ```python
        import sys
        sys.stdin.read()
        ```
        """,
    "2022-01-07": """
        ```python
        print("x" * 10_000_000)
        ```
        """,
    "2022-01-08": """
        ```python
        import os
        open("leak.txt", "w").write("should not be seen")
        print(os.getcwd())
        ```
        """,
    "2022-01-09": """
        ```python
        for i in range(3):
            print(i, "  ")
        ```
        ```output
        0
        1
        2
        ```

        ```python
        print("hello")
        ```

        ```output
        goodbye
        ```
        """,
    "2022-01-10": """
        ```pycon
        >>> 1 + 1
        2
        >>> z = [1, 2]
        ```

        ```python
        print(z)
        ```

        ```pycon
        >>> 2 * 2
        5
        ```
        """,
    "2022-01-11": """
        ```python skip
        raise SystemExit("not run")
        ```

        ```python
        import sys
        sys.exit(0)
        ```

        ```python
        import os
        os._exit(3)
        ```
        """,
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Mapping[str, Result], float]:
    tmp = tmp_path_factory.mktemp("fault")
    entries = [make_entry(key, text) for key, text in ENTRIES.items()]
    started = time.monotonic()
    report = execute_entries(entries, settings_for(tmp), today=TODAY)
    assert set(report.results) == {s.id for e in entries for s in e.snippets}
    return report.results, time.monotonic() - started


@pytest.fixture(scope="module")
def results(run: tuple[Mapping[str, Result], float]) -> Mapping[str, Result]:
    return run[0]


def test_blocks_share_a_namespace_like_notebook_cells(results: Mapping[str, Result]) -> None:
    assert results["2022-01-01-1"].status is Status.PASSED
    second = results["2022-01-01-2"]
    assert second.stdout == "tensor([2., 4., 6.])\n"
    assert second.shown == "tensor([ 4.,  8., 12.])"
    assert results["2022-01-01-3"].shown is None  # a trailing ; hides the value, as in IPython
    assert results["2022-01-01-4"].stdout == "cpu\n" or results["2022-01-01-4"].device == "cuda"


def test_every_result_records_how_it_ran(results: Mapping[str, Result]) -> None:
    for result in results.values():
        assert result.ran_at == TODAY.isoformat()
        assert result.device in ("cpu", "cuda")
        assert result.torch_version and result.torch_version.startswith("2.")
        assert result.duration_s >= 0


def test_raises_passes_only_on_that_exception(results: Mapping[str, Result]) -> None:
    met = results["2022-01-02-1"]
    assert met.status is Status.PASSED
    assert met.error == "ZeroDivisionError: division by zero"
    nothing = results["2022-01-02-2"]
    assert nothing.status is Status.FAILED
    assert nothing.error == "expected ValueError, but nothing was raised"
    other = results["2022-01-02-3"]
    assert other.status is Status.FAILED and other.error == "KeyError: 'missing'"
    assert results["2022-01-02-4"].status is Status.PASSED  # IndexError is a LookupError


def test_an_error_is_one_line_and_its_traceback_points_into_the_diary(results: Mapping[str, Result]) -> None:
    error = results["2022-01-02-5"]
    assert error.status is Status.FAILED
    assert error.error == "NameError: name 'prnt' is not defined"
    # the body starts on line 10; the fifth fence's code is its 18th line -> line 27
    assert "diary/2022-01.md, line 27, in <module>" in (error.traceback or "")
    assert "prnt(undefined_name)" in (error.traceback or "")
    assert "generator" not in (error.traceback or "")
    deep = results["2022-01-02-7"].traceback or ""
    assert deep.index("line 36, in <module>") < deep.index("line 32, in f")  # the call, then the def


@no_cuda
def test_missing_cuda_is_needs_gpu_marked_or_not(results: Mapping[str, Result]) -> None:
    unmarked = results["2022-01-03-1"]
    assert unmarked.status is Status.NEEDS_GPU
    assert "CUDA" in (unmarked.error or "")
    marked = results["2022-01-03-2"]
    assert marked.status is Status.NEEDS_GPU and marked.stdout == ""
    assert results["2022-01-03-3"].status is Status.NEEDS_GPU


def test_an_endless_loop_times_out_and_later_blocks_say_why(results: Mapping[str, Result]) -> None:
    assert results["2022-01-04-1"].stdout == "before\n"
    looping = results["2022-01-04-2"]
    assert looping.status is Status.TIMEOUT
    assert 1.9 <= looping.duration_s < 3.0
    after = results["2022-01-04-3"]
    assert after.status is Status.SKIPPED and "2022-01-04-2 timed out" in (after.note or "")


def test_the_whole_fault_diary_takes_little_more_than_its_timeout(run: tuple[Mapping[str, Result], float]) -> None:
    assert run[1] < 15  # torch's import in the worker, the 2 s loop, the rest in parallel


def test_a_segfault_is_a_crash_with_the_line_it_happened_on(results: Mapping[str, Result]) -> None:
    crash = results["2022-01-05-1"]
    assert crash.status is Status.CRASHED
    assert "SIGSEGV" in (crash.error or "")
    assert 'File "diary/2022-01.md", line 12' in (crash.traceback or "")
    assert results["2022-01-05-2"].status is Status.SKIPPED


def test_stdin_is_at_its_end(results: Mapping[str, Result]) -> None:
    asking = results["2022-01-06-1"]
    assert asking.status is Status.FAILED
    assert asking.error == "EOFError: EOF when reading a line"
    reading = results["2022-01-06-2"]
    assert reading.status is Status.PASSED and reading.shown == "''"
    assert asking.duration_s < 1 and reading.duration_s < 1


def test_a_huge_output_is_cut_with_a_note(results: Mapping[str, Result]) -> None:
    result = results["2022-01-07-1"]
    assert result.status is Status.PASSED
    assert len(result.stdout) < 101_000
    assert result.stdout.endswith("… output cut: 10.0 MB, showing the first 100 kB\n")
    assert "output cut" in (result.note or "")


def test_files_written_stay_in_a_temporary_folder(results: Mapping[str, Result]) -> None:
    result = results["2022-01-08-1"]
    assert result.status is Status.PASSED
    workdir = Path(result.stdout.strip())
    assert not workdir.exists()  # removed after the entry
    assert not (Path.cwd() / "leak.txt").exists()
    assert not list(Path(__file__).resolve().parents[2].glob("**/leak.txt"))


def test_output_fences_check_stdout(results: Mapping[str, Result]) -> None:
    assert results["2022-01-09-1"].status is Status.PASSED  # trailing spaces ignored
    differs = results["2022-01-09-2"]
    assert differs.status is Status.FAILED
    assert differs.error == "stdout differs from the expected output at its line 1"
    assert "-goodbye" in (differs.traceback or "") and "+hello" in (differs.traceback or "")


def test_pycon_blocks_run_as_doctests_in_the_entry_namespace(results: Mapping[str, Result]) -> None:
    assert results["2022-01-10-1"].status is Status.PASSED
    assert results["2022-01-10-2"].stdout == "[1, 2]\n"
    failing = results["2022-01-10-3"]
    assert failing.status is Status.FAILED
    # the third fence's example is the body's 12th line -> line 21
    assert failing.error == "doctest: 1 of 1 examples failed (first at diary/2022-01.md, line 21)"
    assert "Expected:\n    5\nGot:\n    4" in (failing.traceback or "")


def test_skip_exit_and_a_dying_process(results: Mapping[str, Result]) -> None:
    skipped = results["2022-01-11-1"]
    assert skipped.status is Status.SKIPPED and skipped.note
    assert results["2022-01-11-2"].status is Status.PASSED  # sys.exit(0) ends a script well
    died = results["2022-01-11-3"]
    assert died.status is Status.CRASHED
    assert died.error == "the process exited with code 3"
