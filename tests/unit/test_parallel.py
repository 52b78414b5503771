"""`fork_map` and `Background`: the values of a plain loop, worked in forked children, and never lost."""

from __future__ import annotations

import os
import threading
import time

import pytest

from generator.parallel import Background, fork_map, shares


def test_shares_cover_the_items_once_in_order() -> None:
    for n in range(0, 40):
        for jobs in range(1, 6):
            parts = shares(n, jobs)
            assert [i for r in parts for i in r] == list(range(n))
            assert not parts or max(map(len, parts)) - min(map(len, parts)) <= 1


def test_values_come_back_in_order_from_more_than_one_process() -> None:
    values = fork_map(lambda x: (x * x, os.getpid()), list(range(200)), 3)
    assert [v for v, _ in values] == [x * x for x in range(200)]
    pids = [pid for _, pid in values]
    assert len(set(pids)) == 3 and pids[0] == os.getpid()  # this process works the first share
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
    parent = os.getpid()

    def work(x: int) -> int:
        if os.getpid() != parent and x == 150:
            os.kill(os.getpid(), 9)  # the child dies mid-share
        return x + 1

    assert fork_map(work, list(range(200)), 2) == [x + 1 for x in range(200)]


def test_an_exception_is_raised_as_a_plain_loop_raises_it() -> None:
    def work(x: int) -> int:
        if x == 170:
            raise ValueError("item 170")
        return x

    with pytest.raises(ValueError, match="item 170"):
        fork_map(work, list(range(200)), 2)


def test_background_returns_the_value_from_a_child() -> None:
    job = Background(lambda: (os.getpid(), "x" * 1_000_000))  # larger than a pipe holds
    pid, text = job.result()
    assert pid != os.getpid() and len(text) == 1_000_000


def test_background_falls_back_when_the_child_dies_and_cancel_reaps_it() -> None:
    parent = os.getpid()

    def work() -> int:
        if os.getpid() != parent:
            os.kill(os.getpid(), 9)
        return 7

    assert Background(work).result() == 7
    slow = Background(lambda: time.sleep(60))
    started = time.monotonic()
    slow.cancel()
    assert time.monotonic() - started < 30  # a hang guard: cancel does not wait for the work
    assert Background(lambda: os.getpid(), fork=False).result() == os.getpid()
