"""Frozen results: one reviewable JSON file per entry under the store folder.

``store_dir/2022-01-05.json`` holds the entry's cache key, the device kind it
was keyed for, where its blocks were, and every block's result by snippet
id. Files are written atomically (a temporary file, then ``os.replace``) and
read defensively: a damaged file (bad JSON, the wrong shape, another
entry's results, a symlink) is reported and ignored, and the entry runs
again. Line numbers in stored tracebacks follow the blocks when prose above
them moves (the key leaves lines out, so such an edit is no reason to run).
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from generator.execute.records import result_from_json, result_to_json
from generator.model import Diagnostic, Result, Snippet, Source

FORMAT = 1


@dataclass(frozen=True)
class StoredEntry:
    """What the store holds for one entry."""

    key: str
    code_key: str  # the key without torch version and device: for frozen GPU results
    device: str
    source: str
    lines: Mapping[str, int]  # snippet id -> fence line when it ran
    results: Mapping[str, Result]


def display_path(path: Path) -> str:
    """``snippets/results/x.json`` when under the working directory, else absolute."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


class Store:
    """The folder of stored results."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, entry_key: str) -> Path:
        return self.directory / (re.sub(r"[^\w.-]", "_", entry_key) + ".json")

    def load(self, entry_key: str) -> tuple[StoredEntry | None, Diagnostic | None]:
        """The stored entry, or None; a Diagnostic when the file is damaged.

        Nothing in the file is trusted: its shape, its entry and every result
        are checked, and any doubt makes it a damaged file (reported, ignored,
        rewritten when the entry runs).
        """
        path = self.path(entry_key)
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):  # a symlink, a folder, a FIFO
                raise ValueError("not a regular file")
            stored = _parsed(path.read_bytes(), entry_key)
        except FileNotFoundError:
            return None, None
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError) as exc:
            message = f"damaged result file ignored, the entry runs again: {type(exc).__name__}: {exc}"
            return None, Diagnostic(Source(display_path(path)), message)
        return stored, None

    def save(self, entry_key: str, stored: StoredEntry) -> None:
        """Write the entry's file atomically."""
        data = {
            "format": FORMAT,
            "entry": entry_key,
            "key": stored.key,
            "code_key": stored.code_key,
            "device": stored.device,
            "source": stored.source,
            "lines": dict(stored.lines),
            "results": {k: result_to_json(v) for k, v in stored.results.items()},
        }
        text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        path = self.path(entry_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise


def holds_results(directory: Path) -> bool:
    """Whether the store folder holds any result file at all (a first build's holds none)."""
    try:
        with os.scandir(directory) as found:
            return any(item.name.endswith(".json") for item in found)
    except OSError:
        return False


_KEY = re.compile(r"[0-9a-f]{64}")


@functools.lru_cache(maxsize=16384)
def _parsed(data: bytes, entry_key: str) -> StoredEntry:
    """A result file's bytes as a stored entry, parsed once per content (`build-site serve` reads
    every file again at each rebuild); StoredEntry is never changed once made."""
    return _parse(json.loads(data.decode("utf-8")), entry_key)


def _parse(data: object, entry_key: str) -> StoredEntry:
    """A stored entry from a result file's JSON; ValueError (or KeyError) if it is not one for ``entry_key``."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not a tetrad result file of format {FORMAT}")
    if data.get("entry") != entry_key:
        raise ValueError(f"it holds the results of entry {str(data.get('entry'))[:40]!r}, not {entry_key!r}")
    key, code_key = data["key"], data.get("code_key", "")
    if not isinstance(key, str) or not _KEY.fullmatch(key) or not isinstance(code_key, str):
        raise ValueError("its cache key is not a sha256")
    texts = {name: data.get(name, "") for name in ("device", "source")}
    if not all(isinstance(value, str) for value in texts.values()):
        raise ValueError("device and source must be text")
    lines, results = data.get("lines", {}), data["results"]
    if not isinstance(lines, dict) or not all(type(v) is int for v in lines.values()):
        raise ValueError("lines must map snippet ids to line numbers")
    if not isinstance(results, dict):
        raise ValueError("results must map snippet ids to results")
    stray = next((k for k in results if not k.startswith(f"{entry_key}-")), None)
    if stray is not None:
        raise ValueError(f"result {stray[:40]!r} is not a snippet of entry {entry_key!r}")
    return StoredEntry(
        key=key,
        code_key=code_key,
        device=texts["device"],
        source=texts["source"],
        lines=dict(lines),
        results={k: result_from_json(v) for k, v in results.items()},
    )


def relocate(stored: StoredEntry, snippets: Sequence[Snippet]) -> dict[str, Result]:
    """The stored results with diary line numbers moved to where the blocks are now."""
    if not snippets:
        return dict(stored.results)
    path = snippets[0].source.path
    shifts: list[tuple[int, int, int]] = []  # old first line, old last line, shift
    for snippet in snippets:
        old = stored.lines.get(snippet.id)
        if old is not None:
            shifts.append((old, old + snippet.code.count("\n") + 1, snippet.source.line - old))
    if stored.source == path and all(shift == 0 for _, _, shift in shifts):
        return dict(stored.results)
    pattern = re.compile(re.escape(stored.source) + r"(\"?,? line )(\d+)")

    def move(found: re.Match[str]) -> str:
        n = int(found.group(2))
        shift = next((s for first, last, s in shifts if first <= n <= last), 0)
        return f"{path}{found.group(1)}{n + shift}"

    def fix(text: str | None) -> str | None:
        return pattern.sub(move, text) if text else text

    return {
        key: replace(result, error=fix(result.error), traceback=fix(result.traceback))
        for key, result in stored.results.items()
    }
