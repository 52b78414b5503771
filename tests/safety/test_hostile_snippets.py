"""Snippets that attack the machine or the build: each ends with a status, and the build goes on.

One real build (module fixture) runs every hostile entry below, in a
sandbox: the build's ``TMPDIR`` is inside the test's folder, so the entries'
working folders are too, and the snippet that deletes its working folder
checks first that it is deleting inside the sandbox. Afterwards no process
started from the build may be left.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.safety.conftest import build, journal, sandbox_processes, snippet, statuses, write_tree


def hostile_diary(sandbox: Path) -> str:
    return f"""# Враждебные сниппеты

## 01.01.2022 Fork bomb

Would make 2**14 = 16,384 processes.

```python timeout=60
import os, time
for _ in range(14):
    os.fork()
time.sleep(30)
```

```python
print("after the bomb")
```

## 02.01.2022 Threads left running

```python
import threading, time

def spin():
    while True:
        time.sleep(0.01)

threading.Thread(target=spin).start()  # not a daemon: would keep a normal interpreter alive
print("thread started")
```

```python
print("next block")
```

## 03.01.2022 Children left running

```python
import os, subprocess
subprocess.Popen(["sleep", "4242.1"])
subprocess.Popen(["sleep", "4242.2"], start_new_session=True)
if os.fork() == 0:  # a daemon: a new session, then a double fork
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "4242.3"])
    os._exit(0)
print("children started")
```

## 04.01.2022 A flood on stderr

```python
import os, sys
for _ in range(100_000):
    sys.stderr.write("flood " * 20 + "\\n")
os.write(2, b"native flood\\n" * 1_000_000)
print("still here")
```

## 05.01.2022 A flood straight to the descriptor, never ending

```python
import os
block = b"x" * 2**20
while True:
    os.write(1, block)
```

## 06.01.2022 Changing the working folder

```python
import os
os.chdir("/")
print(os.getcwd())
```

## 07.01.2022 Deleting the working folder

```python
import os, shutil
here = os.getcwd()
assert here.startswith({str(sandbox)!r}) and "tetrad-" in here, here  # never delete outside the sandbox
open("mine.txt", "w").write("x")
shutil.rmtree(here)
print(here)
```

```python
print("after rmtree")
```

## 08.01.2022 The next entry

```python
import os
print(os.getcwd())
print(os.listdir("."))
```

## 09.01.2022 Waiting on a socket

```python timeout=2
import socket
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen()
server.accept()
```

```python
print("not reached")
```
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    folder = tmp_path_factory.mktemp("hostile")
    write_tree(folder, {"diary/2022-01.md": hostile_diary(folder / "tmp"), "tmp/canary.txt": "still here"})
    started = time.monotonic()
    done = build(folder, timeout=240)
    seconds = time.monotonic() - started
    print(f"hostile diary built in {seconds:.1f} s")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return folder, seconds


def test_a_fork_bomb_is_stopped_by_the_process_limit(hostile: tuple[Path, float]) -> None:
    folder, _ = hostile
    bomb = snippet(folder, "2022-01-01-1")
    assert bomb["status"] == "crashed"
    assert bomb["error"] == "the snippet started more than 256 processes (a fork bomb?); all of them were killed"
    after = snippet(folder, "2022-01-01-2")
    assert after["status"] == "skipped"


def test_threads_left_running_do_not_keep_the_entry_alive(hostile: tuple[Path, float]) -> None:
    folder, _ = hostile
    assert snippet(folder, "2022-01-02-1")["stdout"] == "thread started\n"
    assert snippet(folder, "2022-01-02-2")["stdout"] == "next block\n"
    assert statuses(folder)["2022-01-02-1"] == statuses(folder)["2022-01-02-2"] == "passed"


def test_children_left_running_are_killed_even_in_a_session_of_their_own(hostile: tuple[Path, float]) -> None:
    folder, _ = hostile
    assert snippet(folder, "2022-01-03-1")["status"] == "passed"
    assert sandbox_processes(folder) == []  # the sleeps, the bomb, the worker: nothing started from the build


def test_a_flood_on_stderr_is_cut(hostile: tuple[Path, float]) -> None:
    folder, _ = hostile
    flood = snippet(folder, "2022-01-04-1")
    assert flood["status"] == "passed" and flood["stdout"] == "still here\n"
    (entry,) = [e for e in journal(folder)["entries"] if e["date"] == "2022-01-04"]
    page = (folder / "site" / entry["url"]).read_text(encoding="utf-8")
    assert "output cut: 25.1 MB, showing the first 100 kB" in page
    assert len(page) < 300_000


def test_an_endless_native_flood_is_stopped_before_it_fills_the_disk(hostile: tuple[Path, float]) -> None:
    folder, _ = hostile
    flood = snippet(folder, "2022-01-05-1")
    assert flood["status"] == "crashed"
    assert flood["error"] == "the process wrote more than 256 MB to its stdout (an output flood); it was stopped"
    assert len(flood["stdout"]) < 101_000


def test_changing_or_deleting_the_working_folder_touches_nothing_else(hostile: tuple[Path, float]) -> None:
    folder, _ = hostile
    assert snippet(folder, "2022-01-06-1")["stdout"] == "/\n"
    deleted = snippet(folder, "2022-01-07-1")
    assert deleted["status"] == "passed" and deleted["stdout"].startswith(str(folder / "tmp"))
    assert snippet(folder, "2022-01-07-2")["stdout"] == "after rmtree\n"  # the next block runs (its folder is gone)
    following = snippet(folder, "2022-01-08-1")
    cwd, listing = following["stdout"].splitlines()
    assert following["status"] == "passed" and cwd.startswith(str(folder / "tmp")) and listing == "[]"
    assert cwd != deleted["stdout"].strip()
    assert (folder / "tmp" / "canary.txt").read_text() == "still here"
    assert (folder / "diary" / "2022-01.md").is_file() and (folder / "site" / "index.html").is_file()
    assert sorted(p.name for p in (folder / "tmp").iterdir()) == ["canary.txt"]  # entry folders are removed


def test_waiting_on_a_socket_times_out(hostile: tuple[Path, float]) -> None:
    folder, _ = hostile
    waiting = snippet(folder, "2022-01-09-1")
    assert waiting["status"] == "timeout" and waiting["error"] == "timed out after 2 s"
    assert snippet(folder, "2022-01-09-2")["status"] == "skipped"


def test_the_build_goes_on_and_takes_bounded_time(hostile: tuple[Path, float]) -> None:
    folder, seconds = hostile
    assert len(statuses(folder)) == 13
    assert seconds < 120


def test_an_endless_block_dies_with_its_worker(tmp_path: Path) -> None:
    """The worker enforces timeouts; if it is killed, its entry processes must not spin on as orphans."""
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT

    marker = tmp_path / "pid"
    (tmp_path / "diary").mkdir()
    (tmp_path / "diary" / "2022-01.md").write_text(
        f"## 03.01.2022\n\n```python timeout=600\nimport os\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\nwhile True:\n    pass\n```\n",
        encoding="utf-8",
    )
    build = subprocess.Popen([sys.executable, "-m", "generator.cli"], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        entry = int(marker.read_text())
        worker = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
        os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{entry}").exists() and time.monotonic() < deadline:
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0] if Path(f"/proc/{entry}/stat").exists() else "X"
            if state == "Z":  # dead, waiting to be reaped by whoever adopted it
                break
            time.sleep(0.1)
        alive = Path(f"/proc/{entry}/stat").exists() and Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        assert not alive, "the entry process outlived its worker"
    finally:
        build.kill()
        build.wait(timeout=30)
