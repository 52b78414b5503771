"""`build-site serve` in a real browser: edits show up by themselves, only what changed runs again."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.conftest import ROOT

SECOND_ENTRY = "\n## 09.01.2022\n\n```python\nimport time\nprint('ran at', time.time_ns())\n```\n"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, int, list[str]]]:
    shutil.copytree(ROOT / "diary", tmp_path / "diary")
    shutil.copytree(ROOT / "snippets", tmp_path / "snippets", ignore=shutil.ignore_patterns("results"))
    with (tmp_path / "diary" / "2022-01.md").open("a", encoding="utf-8") as f:
        f.write(SECOND_ENTRY)
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "generator.cli", "serve", "--port", "0"], cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    lines: list[str] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    port = 0
    while time.monotonic() < deadline and not port:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        port = int(found.group(1)) if found else 0
    assert port, "".join(lines)

    def drain() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line)

    import threading

    threading.Thread(target=drain, daemon=True).start()
    try:
        yield tmp_path, port, lines
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError("serve did not stop on Ctrl-C")
        assert proc.returncode == 0, "".join(lines)


def stored(folder: Path, key: str) -> str:
    return (folder / "snippets" / "results" / f"{key}.json").read_text(encoding="utf-8")


def test_edits_reload_the_open_page_and_rerun_only_their_entry(browser: Browser, served: tuple[Path, int, list[str]]) -> None:
    folder, port, lines = served
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"http://127.0.0.1:{port}/entries/2022-01-05.html")
    assert "tensor(2.3094" in page.inner_text(".snippet")
    other = stored(folder, "2022-01-09")
    diary = folder / "diary" / "2022-01.md"

    diary.write_text(diary.read_text(encoding="utf-8").replace("Разобрался что такое тензоры", "Наконец разобрался, что такое тензоры"), encoding="utf-8")
    started = time.monotonic()
    page.wait_for_function("document.body.innerText.includes('Наконец разобрался')", timeout=10_000)
    assert time.monotonic() - started < 3, "the edit took more than 3 s to show"

    diary.write_text(diary.read_text(encoding="utf-8").replace("loss = criterion(net_out, target)", "loss = criterion(net_out, target)\nprint('edited', loss.item() > 0)"), encoding="utf-8")
    page.wait_for_function("document.body.innerText.includes('edited True')", timeout=10_000)
    assert stored(folder, "2022-01-09") == other  # the other entry's snippet did not run again
    assert any("1 snippets run" in line for line in lines), lines
    assert errors == []


def test_a_broken_build_shows_on_the_page_and_the_server_keeps_going(browser: Browser, served: tuple[Path, int, list[str]]) -> None:
    folder, port, lines = served
    page = browser.new_page()
    page.goto(f"http://127.0.0.1:{port}/index.html")
    moved = folder / "diary-away"
    (folder / "diary" / "2022-01.md").rename(moved)
    page.wait_for_selector("#tetrad-problem", timeout=10_000)
    assert "nothing to build" in page.inner_text("#tetrad-problem")
    moved.rename(folder / "diary" / "2022-01.md")
    page.wait_for_function("!document.getElementById('tetrad-problem')", timeout=10_000)


def get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path)
    status = conn.getresponse().status
    conn.close()
    return status


def test_paths_outside_the_site_are_refused_and_only_loopback_listens(served: tuple[Path, int, list[str]]) -> None:
    _, port, _ = served
    assert get(port, "/index.html") == 200
    for path in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/entries/..%2f..%2fdiary/2022-01.md", "/..%5c..%5cetc/passwd"]:
        assert get(port, path) == 403, path
    listening = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:] + Path("/proc/net/tcp6").read_text().splitlines()[1:]]
    mine = [cols[1] for cols in listening if cols[3] == "0A" and int(cols[1].split(":")[1], 16) == port]
    assert mine == ["0100007F:%04X" % port], mine


def test_injected_script_is_never_written_to_disk(served: tuple[Path, int, list[str]]) -> None:
    folder, port, _ = served
    assert "__tetrad__" not in (folder / "site" / "index.html").read_text(encoding="utf-8")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/index.html")
    assert b"__tetrad__/events" in conn.getresponse().read()
    journal = json.loads((folder / "site" / "journal.json").read_text(encoding="utf-8"))
    assert len(journal["entries"]) == 6
