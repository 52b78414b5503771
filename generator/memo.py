"""What the last build already worked out, so a rebuild redoes only what its inputs changed.

Every value is keyed by a hash of everything it was computed from, never by
a modification time, so a reused value is the value a clean build would
compute, and two builds give byte-identical sites. The memo is JSON (no
pickle) in ``.site.memo.json`` beside the site, written atomically; a
damaged or foreign one is ignored. `build-site serve` keeps its memo in
memory between rebuilds.

Kinds of value: ``doc`` (a parsed diary file, its entries' snippets
included), ``concepts`` (an entry's concepts), ``body`` (an entry's rendered
Markdown with the links it makes and its readable text), ``journal`` (an
entry's line of journal.json), ``row`` (a snippet's row of the report), and
``page`` (the fingerprint each site file was written from: an unchanged
fingerprint lets the writer take the file from the previous site).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
from importlib import resources
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .model import Diagnostic, Document, Entry, Options, Snippet, Source
from .parallel import MIN_SHARE, fork_map

_TYPES: dict[str, type[Any]] = {t.__name__: t for t in (Source, Diagnostic, Options, Snippet, Entry, Document)}
KINDS = ("doc", "concepts", "body", "journal", "row", "page")


def fingerprint(*parts: object) -> str:
    """A hash of the parts: values of the frozen model, strings, numbers, dates and containers of them.

    Their ``repr`` is what is hashed: it is deterministic for these types (the
    model's dicts come from JSON written with sorted keys) and much faster than
    encoding them as JSON first.
    """
    return hashlib.sha256(repr(parts).encode("utf-8", errors="surrogatepass")).hexdigest()


_PLAIN = (str, int, float, bool, type(None))
_FIELDS: dict[type, tuple[str, ...]] = {}  # a dataclass's field names, looked up once per type


def text_digest(*texts: str) -> str:
    """A hash of texts, without ``repr``-ing them first: for bodies and code, kilobytes each, where
    `fingerprint` takes small values."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def encode(value: object) -> Any:
    """The domain model as JSON values: dataclasses tagged by type, dates as ISO text."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    names = _FIELDS.get(kind)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        data = {name: encode(getattr(value, name)) for name in names}
        data["__t"] = kind.__name__
        return data
    if isinstance(value, dt.date):
        return {"__d": value.isoformat()}
    if isinstance(value, dt.time):
        return {"__tm": value.isoformat()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if hasattr(value, "value") and isinstance(getattr(value, "value"), str):  # an Enum
        return value.value  # type: ignore[attr-defined]
    return value


def decode(data: Any) -> Any:
    """The inverse of `encode` (lists come back as tuples, as the frozen model holds them)."""
    kind = type(data)
    if kind is list:
        return tuple(decode(v) for v in data)
    if kind is not dict:
        return data
    if "__t" in data:
        cls = _TYPES[data["__t"]]
        return cls(**{k: decode(v) for k, v in data.items() if k != "__t"})
    if "__d" in data:
        return dt.date.fromisoformat(data["__d"])
    if "__tm" in data:
        return dt.time.fromisoformat(data["__tm"])
    return {k: decode(v) for k, v in data.items()}


def _code_version() -> str:
    """The generator's version and its templates: a change to either makes every stored value stale."""
    digest = hashlib.sha256(__version__.encode())
    package = resources.files("generator")
    for folder in ("templates", "static"):
        for item in sorted(package.joinpath(folder).iterdir(), key=lambda p: p.name):
            if item.is_file():
                digest.update(item.name.encode() + b"\0" + item.read_bytes())
    for module in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()


def remembered(memo: Memo | None, kind: str, keys: Sequence[str], make: Callable[[int], Any], jobs: int = 1, *,
               model: bool = False, min_share: int = MIN_SHARE) -> list[Any]:
    """The value for each of ``keys``: the memo's, or else ``make(i)`` for its index, made across ``jobs``
    processes (`fork_map`) and remembered. With ``model``, values are the domain model (`get_model`)."""
    found = [(memo.get_model(kind, key) if model else memo.get(kind, key)) if memo else None for key in keys]
    missing = [i for i, value in enumerate(found) if value is None]
    for i, made in zip(missing, fork_map(make, missing, jobs, min_share=min_share)):
        found[i] = made
        if memo is not None:
            (memo.put_model if model else memo.put)(kind, keys[i], made)
    return found


class Memo:
    """Values from earlier builds by kind and key; what this build used is what it keeps."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.version = _code_version()
        old = data if isinstance(data, dict) and data.get("version") == self.version else {}
        self._old: dict[str, dict[str, Any]] = {k: dict(old.get(k, {})) for k in KINDS}
        self._new: dict[str, dict[str, Any]] = {k: {} for k in KINDS}
        self._decoded: dict[tuple[str, str], Any] = {}  # values already turned back into the model, by kind and key

    @classmethod
    def load(cls, path: Path) -> Memo:
        try:
            return cls(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return cls()

    def get(self, kind: str, key: str) -> Any:
        """The stored value, or None; a value read is kept for the next build."""
        if key in self._new[kind]:
            return self._new[kind][key]
        if key in self._old[kind]:
            self._new[kind][key] = self._old[kind][key]
            return self._new[kind][key]
        return None

    def put(self, kind: str, key: str, value: Any) -> None:
        self._new[kind][key] = value

    def get_model(self, kind: str, key: str) -> Any:
        """`get`, decoded back into the domain model (see `decode`); decoded once while the memo is kept in
        memory (`build-site serve`), since values are immutable and keyed by what they were made from."""
        found = self._decoded.get((kind, key))
        if found is None:
            value = self.get(kind, key)
            if value is None:
                return None
            found = self._decoded[kind, key] = decode(value)
        else:
            self.get(kind, key)  # kept for the next build
        return found

    def put_model(self, kind: str, key: str, value: Any) -> None:
        """`put` a value of the domain model (stored encoded, see `encode`)."""
        self.put(kind, key, encode(value))
        self._decoded[kind, key] = value

    def unchanged(self, paths: Sequence[str], print_: str, previous: Path | None) -> bool:
        """Record that ``paths`` are made from ``print_``; whether the previous site in ``previous``
        already holds every one of them made from the same (then they are taken as they are)."""
        for path in paths:
            self.put("page", path, print_)
        if previous is None:
            return False
        folder = os.fspath(previous)
        return all(self._old["page"].get(path) == print_ and os.path.isfile(os.path.join(folder, path)) for path in paths)

    def discard(self) -> None:
        """Forget what a failed build stored: the next build starts from the last good one."""
        self._new = {k: {} for k in KINDS}

    def advance(self) -> None:
        """Start the next build (in one process): what this one used becomes what the next may reuse."""
        self._old, self._new = self._new, {k: {} for k in KINDS}
        self._decoded = {(kind, key): v for (kind, key), v in self._decoded.items() if key in self._old[kind]}

    def save(self, path: Path, *, last: bool = False) -> None:
        """Write what this build used to ``path``; with ``last``, what the build before `advance` used."""
        tmp = self.temporary(path)
        self.write(tmp, last=last)
        os.replace(tmp, path)

    @staticmethod
    def temporary(path: Path) -> Path:
        """Where the memo for ``path`` is written before it is renamed into place."""
        return path.with_name(f"{path.name}.{os.getpid()}.tmp")

    def write(self, path: Path, *, last: bool = False) -> None:
        data = {"version": self.version, **(self._old if last else self._new)}
        path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
