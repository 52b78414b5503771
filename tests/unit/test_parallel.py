"""`fork_map` and `Background`: the values of a plain loop, worked in forked children, and never lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading

import pytest

from generator.parallel import fork_map, shares
from tests.conftest import ROOT


def test_shares_cover_the_items_once_in_order() -> None:
    for n in range(0, 40):
        for jobs in range(1, 6):
            parts = shares(n, jobs)
            assert [i for r in parts for i in r] == list(range(n))
            assert not parts or max(map(len, parts)) - min(map(len, parts)) <= 1


def single_threaded(code: str) -> object:
    """What ``code`` (which sets ``out``) gives in a new process: `fork_map` forks only where no other thread
    runs, and the test session may hold some (the browser tests' driver)."""
    script = f"import json, os\nfrom generator.parallel import Background, fork_map\n{textwrap.dedent(code)}\nprint(json.dumps(out))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_values_come_back_in_order_from_more_than_one_process() -> None:
    got = single_threaded("""
        values = fork_map(lambda x: (x * x, os.getpid()), list(range(200)), 3)
        out = {"values": [v for v, _ in values], "pids": [pid for _, pid in values], "me": os.getpid()}
    """)
    assert isinstance(got, dict)
    assert got["values"] == [x * x for x in range(200)]
    pids = got["pids"]
    assert len(set(pids)) == 3 and pids[0] == got["me"]  # this process works the first share
    assert pids == sorted(pids, key=pids.index)  # each share is contiguous


def test_small_lists_and_one_job_stay_in_this_process() -> None:
    assert {pid for pid in fork_map(lambda x: os.getpid(), list(range(20)), 4)} == {os.getpid()}
    assert {pid for pid in fork_map(lambda x: os.getpid(), list(range(500)), 1)} == {os.getpid()}


def test_a_process_with_other_threads_does_not_fork() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert {pid for pid in fork_map(lambda x: os.getpid(), list(range(200)), 2)} == {os.getpid()}
    finally:
        stop.set()
        other.join()


def test_a_failing_child_share_is_worked_again_here() -> None:
    got = single_threaded("""
        parent = os.getpid()

        def work(x):
            if os.getpid() != parent and x == 150:
                os.kill(os.getpid(), 9)  # the child dies mid-share
            return [x + 1, os.getpid()]

        values = fork_map(work, list(range(200)), 2)
        out = {"values": [v for v, _ in values], "late": [pid for _, pid in values[100:]], "me": parent}
    """)
    assert isinstance(got, dict)
    assert got["values"] == [x + 1 for x in range(200)]
    assert set(got["late"]) == {got["me"]}  # the dead child's share came from this process


def test_an_exception_is_raised_as_a_plain_loop_raises_it() -> None:
    def work(x: int) -> int:
        if x == 170:
            raise ValueError("item 170")
        return x

    with pytest.raises(ValueError, match="item 170"):
        fork_map(work, list(range(200)), 2)


def test_background_returns_the_value_from_a_child() -> None:
    got = single_threaded("""
        pid, text = Background(lambda: (os.getpid(), "x" * 1_000_000)).result()  # larger than a pipe holds
        out = [pid, os.getpid(), len(text)]
    """)
    assert isinstance(got, list)
    pid, me, size = got
    assert pid != me and size == 1_000_000


def test_background_falls_back_when_the_child_dies_and_cancel_reaps_it() -> None:
    got = single_threaded("""
        import time
        parent = os.getpid()

        def work():
            if os.getpid() != parent:
                os.kill(os.getpid(), 9)
            return 7

        fell_back = Background(work).result()
        slow = Background(lambda: time.sleep(60))
        started = time.monotonic()
        slow.cancel()
        out = [fell_back, time.monotonic() - started, Background(os.getpid, fork=False).result() == parent]
    """)
    assert isinstance(got, list)
    assert got[0] == 7 and got[1] < 30 and got[2]  # 30 s: a hang guard, cancel does not wait for the work
