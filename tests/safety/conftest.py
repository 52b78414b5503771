"""Helpers for the safety tier: diaries written from dicts, builds as real processes, sandboxes, hashes.

Every build here runs ``python -m generator.cli`` in a folder under pytest's
``tmp_path`` with ``TMPDIR`` pointing inside it too, so whatever a hostile
snippet does to its working folder stays inside the test's own folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.conftest import ROOT


def write_tree(folder: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write ``files`` (relative path -> text or bytes) under ``folder``; return ``folder``."""
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def sandbox_env(folder: Path) -> dict[str, str]:
    """The environment of a build in ``folder``: tetrad importable, temporary files inside ``folder/tmp``."""
    tmp = folder / "tmp"
    tmp.mkdir(exist_ok=True)
    return {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)}


def build_args(*args: str) -> list[str]:
    return [sys.executable, "-m", "generator.cli", *args]


def build(folder: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`build-site ARGS` run in ``folder`` (sandboxed), as a user runs it."""
    return subprocess.run(build_args(*args), cwd=folder, capture_output=True, text=True, timeout=timeout,
                          env=sandbox_env(folder))


def start_build(folder: Path, *args: str) -> subprocess.Popen[str]:
    """`build-site ARGS` started in ``folder`` (sandboxed) and left running."""
    return subprocess.Popen(build_args(*args), cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=sandbox_env(folder))


def journal(folder: Path, out: str = "site") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / out / "journal.json").read_text(encoding="utf-8"))
    return data


def statuses(folder: Path) -> dict[str, str]:
    """Snippet id -> status, from the built journal.json."""
    return {s["id"]: s["status"] for e in journal(folder)["entries"] for s in e["snippets"]}


def snippet(folder: Path, snippet_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for e in journal(folder)["entries"] for s in e["snippets"] if s["id"] == snippet_id)
    return found


def tree_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` by relative path (and an entry per folder, so empty ones count)."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        found[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<dir>"
    return found


def sandbox_processes(folder: Path) -> list[str]:
    """Living processes started from a sandboxed build in ``folder`` (their ``TMPDIR`` is inside it)."""
    marker = f"TMPDIR={folder / 'tmp'}".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            environ = Path(f"/proc/{name}/environ").read_bytes()
            state = Path(f"/proc/{name}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, IndexError):
            continue
        if state != b"Z" and any(v.startswith(marker) for v in environ.split(b"\0")):
            found.append(f"{name}: {cmdline}")
    return found
