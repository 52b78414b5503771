"""The published site is replaced whole or not at all, and one build at a time writes it.

A diary of 3,000 day files (plus a few large images, so that writing the
site takes a moment) is built once; then builds are killed (SIGKILL),
interrupted (SIGINT) and raced while they write, and the previous site must
be byte-identical afterwards and usable; the next build must clean up what
the killed one left.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from generator.errors import BusyError, TetradError
from generator.write import clean_stale, site_lock, write_site
from tests.safety.conftest import build, journal, start_build, tree_hashes, write_tree

DAYS = 3000
FIRST = dt.date(2015, 1, 1)


def day_file(day: dt.date) -> str:
    return f"{day.year}/{day.month:02d}/{day.isoformat()}.md"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("big")
    files: dict[str, str | bytes] = {
        day_file(FIRST + dt.timedelta(days=i)): f"# День {i}\n\nЗаписи про тензоры и autograd, номер {i}.\n\n- раз\n- два\n"
        for i in range(DAYS)
    }
    files.update({f"img/photo-{n}.bin": os.urandom(2 * 2**20) for n in range(8)})
    write_tree(folder / "diary", files)
    done = build(folder, "--no-execute")
    assert done.returncode == 0, done.stderr
    return folder


def staging(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith((".site.new-", ".site.old-"))]


def wait_for_staging(proc: subprocess.Popen[str], folder: Path, timeout: float = 120) -> float:
    """Poll (every millisecond) until the build's staging folder appears; the seconds it took."""
    started = time.monotonic()
    name = f".site.new-{proc.pid}"
    while not (folder / name).exists():
        assert proc.poll() is None, f"the build ended before it started writing: {proc.communicate()}"
        assert time.monotonic() - started < timeout
        time.sleep(0.001)
    return time.monotonic() - started


def assert_usable(site: Path, entries: int) -> None:
    """journal.json reads, every entry page is there, and every local link of the home page resolves."""
    data = journal(site.parent, site.name)
    assert len(data["entries"]) == entries
    assert all((site / e["url"]).is_file() for e in data["entries"])
    home = (site / "index.html").read_text(encoding="utf-8")
    links = [h for h in re.findall(r'(?:href|src)="([^"#?]+)', home) if "://" not in h and not h.startswith("mailto:")]
    assert links
    for link in links:
        assert (site / link).exists(), link


def test_sigkill_while_writing_leaves_the_previous_site_byte_identical(big: Path) -> None:
    before = tree_hashes(big / "site")
    (big / "diary" / day_file(FIRST)).unlink()  # a deleted entry, and a new one
    write_tree(big / "diary", {day_file(FIRST + dt.timedelta(days=DAYS)): "# Новый день\n\nновая запись\n"})

    proc = start_build(big, "--no-execute")
    lock = big / ".site.lock"
    while not (lock.exists() and lock.read_text().strip() == str(proc.pid)):
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    started = time.monotonic()
    second = build(big, "--no-execute")  # a second build at once: refused, at once, touching nothing
    refused_in = time.monotonic() - started
    assert second.returncode == 1
    assert second.stderr.strip() == (
        f"build-site: another build is writing site (process {proc.pid}); "
        "wait for it to end, or stop it and build again (lock file .site.lock)"
    )

    waited = wait_for_staging(proc, big)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    print(f"kill test: second build refused in {refused_in:.1f} s; staging appeared {waited:.1f} s after the lock")
    assert proc.returncode == -signal.SIGKILL
    assert tree_hashes(big / "site") == before
    assert [p.name for p in staging(big)] == [f".site.new-{proc.pid}"]  # what the killed build left
    assert_usable(big / "site", DAYS)

    started = time.monotonic()
    done = build(big, "--no-execute")
    print(f"kill test: the next build took {time.monotonic() - started:.1f} s")
    assert done.returncode == 0, done.stderr
    assert staging(big) == []
    assert not (big / "site" / "entries" / f"{FIRST.isoformat()}.html").exists()  # the deleted entry's page is gone
    assert (big / "site" / "entries" / f"{(FIRST + dt.timedelta(days=DAYS)).isoformat()}.html").is_file()
    assert_usable(big / "site", DAYS)


def test_ctrl_c_while_writing_leaves_the_previous_site_and_no_staging(big: Path) -> None:
    before = tree_hashes(big / "site")
    write_tree(big / "diary", {day_file(FIRST + dt.timedelta(days=DAYS + 1)): "# Ещё день\n\nтекст\n"})
    proc = start_build(big, "--no-execute")
    wait_for_staging(proc, big)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate()
    assert proc.returncode == 130
    assert stderr.strip().endswith("build-site: interrupted; the previous site is unchanged")
    assert tree_hashes(big / "site") == before
    assert staging(big) == []


def test_a_build_waits_for_no_one_while_another_holds_the_lock(tmp_path: Path) -> None:
    write_tree(tmp_path / "diary", {"2022-01-05.md": "Запись.\n"})
    with site_lock(tmp_path / "site"):
        started = time.monotonic()
        done = build(tmp_path, "--no-execute")
        assert time.monotonic() - started < 30
        with pytest.raises(BusyError, match=f"another build is writing .*site \\(process {os.getpid()}\\)"):
            with site_lock(tmp_path / "site"):
                pass  # the lock is per open file: even this process cannot take it twice
    assert done.returncode == 1 and "another build is writing site" in done.stderr
    assert not (tmp_path / "site").exists()
    assert build(tmp_path, "--no-execute").returncode == 0  # released with its holder


class Exploding(Mapping[str, bytes]):
    """Site files of which the 50th cannot be produced: a render that fails half-way through the write."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __getitem__(self, key: str) -> bytes:
        return b"page"

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[str]:
        return iter(f"p/{i:04d}.html" for i in range(self.n))

    def items(self) -> Iterator[tuple[str, bytes]]:  # type: ignore[override]
        for i, key in enumerate(self):
            if i == 50:
                raise RuntimeError("a template failed")
            yield key, b"page"


def previous_site(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    out = tmp_path / "site"
    write_site(out, {"index.html": b"old", "journal.json": b"{}", "entries/a.html": b"a"}, {})
    return out, tree_hashes(out)


def test_an_exception_while_writing_leaves_the_previous_site(tmp_path: Path) -> None:
    out, before = previous_site(tmp_path)
    with pytest.raises(RuntimeError, match="a template failed"):
        write_site(out, Exploding(100), {})
    assert tree_hashes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no staging left


@pytest.mark.parametrize("rel", ["../escaped.html", "/etc/x.html", "tags/../../x.html", "a//b.html", "./x.html", "x\0.html", ""])
def test_a_site_path_outside_the_site_is_refused_before_writing(tmp_path: Path, rel: str) -> None:
    out, before = previous_site(tmp_path)
    with pytest.raises(TetradError, match="a site path must stay inside the site folder"):
        write_site(out, {"index.html": b"new", rel: b"x"}, {})
    assert tree_hashes(out) == before
    assert not (tmp_path / "escaped.html").exists()


def test_a_site_left_aside_by_a_killed_swap_is_put_back(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_tree(tmp_path, {".site.old-4242/index.html": "previous", ".site.new-4242/index.html": "half"})
    clean_stale(out)
    assert (out / "index.html").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_pages_of_deleted_entries_disappear(tmp_path: Path) -> None:
    write_tree(tmp_path / "diary", {"2022-01-05.md": "Первая.\n", "2022-01-06.md": "Вторая.\n"})
    assert build(tmp_path, "--no-execute").returncode == 0
    assert (tmp_path / "site" / "entries" / "2022-01-06.html").is_file()
    (tmp_path / "diary" / "2022-01-06.md").unlink()
    assert build(tmp_path, "--no-execute").returncode == 0
    assert not (tmp_path / "site" / "entries" / "2022-01-06.html").exists()
    assert [e["date"] for e in journal(tmp_path)["entries"]] == ["2022-01-05"]


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("diary", "--out diary would replace diary; give the site a folder of its own"),
        (".", "--out . would replace diary; give the site a folder of its own"),
        ("diary/site", "--out diary/site is inside the diary folder diary; put the site elsewhere"),
        ("docs", "--out docs holds files but no site built by tetrad (no journal.json); not replacing it: empty it or choose another folder"),
        ("notes.txt", "--out notes.txt is a file, not a folder"),
    ],
)
def test_an_output_folder_that_would_lose_work_is_refused(tmp_path: Path, out: str, message: str) -> None:
    write_tree(tmp_path, {"diary/2022-01-05.md": "Запись.\n", "docs/thesis.tex": "years of work", "notes.txt": "x"})
    before = tree_hashes(tmp_path)
    done = build(tmp_path, "--no-execute", "--out", out)
    assert done.returncode == 2
    assert done.stderr.strip() == f"build-site: {message}"
    after = tree_hashes(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("tmp")} == {k: v for k, v in before.items() if not k.startswith("tmp")}
