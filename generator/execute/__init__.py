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
"""

from generator.execute.engine import ExecReport, ExecSettings, execute_entries
from generator.execute.pool import prewarm, shutdown

__all__ = ["ExecReport", "ExecSettings", "execute_entries", "prewarm", "shutdown"]
