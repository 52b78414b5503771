"""Running the diary's snippets: the runner protocol, the worker pool, the result store.

The build calls `execute_entries` with entries whose snippets were found by
`generator.snippets.extract_snippets`; it gets a `Result` for every snippet.
`prewarm` starts the worker early so torch's import overlaps other work.

Modules, in the order data flows:

- `environment`: torch version and device kind, without importing torch
- `plan`: an entry's included files, cache keys and block specs
- `store`, `records`: frozen results as reviewable JSON files
- `engine`: `execute_entries`, `ExecSettings`, `ExecReport`
- `pool`: the build's side of the worker process
- `server`, `process`: the worker, which forks one process per entry
- `child`, `cells`, `doctests`, `capture`, `display`, `tracebacks`: inside that process

The names below are loaded on first use: the worker process imports this
package too, and needs none of the build's side (planning, the store, the
Markdown reader), only its own modules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.execute.engine import ExecReport, ExecSettings, execute_entries
    from generator.execute.pool import prewarm, shutdown

_HOMES = {"ExecReport": "engine", "ExecSettings": "engine", "execute_entries": "engine", "prewarm": "pool", "shutdown": "pool"}

__all__ = ["ExecReport", "ExecSettings", "execute_entries", "prewarm", "shutdown"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
