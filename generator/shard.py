"""Splitting a journal's entries into N shards for a CI matrix (`build-site check --shard K/N`).

The unit is the entry, never the block: an entry's blocks share one
namespace, so they must run together. Shards are balanced by what the store
remembers: an entry costs the stored ``duration_s`` of its blocks, and a
block the store does not know costs `UNKNOWN_BLOCK_S`. Entries are dealt
greedily, longest first (LPT), each to the least loaded shard, with ties
broken by entry key and shard number, so every machine that sees the same
diary and the same stored results computes the same split.

Each shard stores its entries' results under ``snippets/results/`` as
usual; copying the shards' folders together gives the store of a full run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .execute.store import Store
from .model import Entry

UNKNOWN_BLOCK_S = 1.0  # a block never run here: about what a small torch snippet costs with its process


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``"2/4"`` -> Shard(2, 4); anything else is a UsageError that says what is expected."""
    found = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if found is None:
        raise UsageError(f"--shard {text}: expected K/N, shard K of N, as in --shard 1/4")
    index, count = int(found.group(1)), int(found.group(2))
    if count < 1:
        raise UsageError(f"--shard {text}: the number of shards N must be at least 1")
    if not 1 <= index <= count:
        raise UsageError(f"--shard {text}: K must be between 1 and {count} (shards are numbered from 1)")
    return Shard(index, count)


def entry_costs(entries: Sequence[Entry], store_dir: Path) -> dict[str, float]:
    """Expected seconds per entry key: stored durations where known, `UNKNOWN_BLOCK_S` per unknown block.

    Any stored file counts, whatever key it was run under: a stale result
    still says how long the block took.
    """
    store = Store(store_dir)
    costs: dict[str, float] = {}
    for entry in entries:
        stored, _ = store.load(entry.key)  # a damaged file is reported by the run itself
        known = stored.results if stored is not None else {}
        costs[entry.key] = sum(
            known[s.id].duration_s if s.id in known else UNKNOWN_BLOCK_S for s in entry.snippets
        )
    return costs


def assign(costs: Mapping[str, float], count: int) -> list[list[str]]:
    """Entry keys dealt into ``count`` shards, longest first to the least loaded (deterministic)."""
    shards: list[list[str]] = [[] for _ in range(count)]
    loads = [0.0] * count
    for key in sorted(costs, key=lambda k: (-costs[k], k)):
        target = min(range(count), key=lambda n: (loads[n], len(shards[n]), n))
        shards[target].append(key)
        loads[target] += costs[key]
    return [sorted(keys) for keys in shards]


def select(entries: Sequence[Entry], shard: Shard, store_dir: Path) -> tuple[Entry, ...]:
    """The entries of ``shard``, in diary order."""
    mine = set(assign(entry_costs(entries, store_dir), shard.count)[shard.index - 1])
    return tuple(entry for entry in entries if entry.key in mine)
