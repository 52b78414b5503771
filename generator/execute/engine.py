"""`execute_entries`: stored results where the key matches, a run for the rest.

Reads top to bottom: resolve the device, plan every entry (files read, keys
computed), take what the store already holds, decide the blocks that need
no process (``skip``, ``gpu`` without CUDA), run the others on the worker,
store each entry as it finishes. The build's process never imports torch;
the worker is started only when something must run.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.execute import pool
from generator.execute.cells import BlockContext, not_run
from generator.execute.cells import EntrySpec
from generator.execute.environment import key_torch_version, resolve_device, torch_version
from generator.execute.plan import EntryPlan, plan_entry, read_prelude
from generator.execute.records import result_from_json
from generator.execute.store import Store, StoredEntry, relocate
from generator.model import Diagnostic, Entry, Result, Source, Status

OUTPUT_LIMIT = 100_000  # bytes kept per stream and block; the rest is cut with a note


@dataclass(frozen=True)
class ExecSettings:
    """How to run snippets.

    ``memory_limit_mb`` caps the memory an entry's process may allocate
    beyond what the worker already holds (torch included), as
    ``RLIMIT_DATA``: private writable memory, not the address ranges CUDA
    reserves. Going over it is ``crashed``.
    """

    snippets_dir: Path  # setup=NAME -> snippets_dir/NAME.py ; file=PATH -> snippets_dir/PATH
    store_dir: Path  # where results are stored (the build passes snippets_dir / "results")
    device: str = "auto"  # auto | cpu | cuda
    jobs: int = os.cpu_count() or 1
    timeout: float = 60.0  # seconds per block unless its timeout= says otherwise
    memory_limit_mb: int = 4096
    execute: bool = True  # False: stored results only; missing -> skipped, "no stored result"


@dataclass(frozen=True)
class ExecReport:
    """What `execute_entries` found and did."""

    results: Mapping[str, Result]  # by Snippet.id, for every snippet of every entry given
    ran: int  # snippets given a new result in this call
    reused: int  # snippets whose stored result was reused
    diagnostics: tuple[Diagnostic, ...]  # e.g. a damaged store file (reported, ignored, rebuilt)


def execute_entries(
    entries: Sequence[Entry],
    settings: ExecSettings,
    *,
    today: dt.date,
    progress: Callable[[int, int], None] | None = None,
    meanwhile: Callable[[Sequence[Entry]], None] | None = None,
) -> ExecReport:
    """Results for every snippet of ``entries``: reused from the store, or run now.

    ``progress(done, total)`` counts snippets, reused ones included.
    ``meanwhile(entries to run)`` is called before waiting for a worker that is
    still starting: work that needs no result overlaps torch's import.
    """
    device = resolve_device(settings.device)
    version = torch_version()
    store = Store(settings.store_dir)
    total = sum(len(entry.snippets) for entry in entries)
    done = 0
    results: dict[str, Result] = {}
    diagnostics: list[Diagnostic] = []
    reused = ran = 0
    pending: list[EntryPlan] = []
    prelude = read_prelude(settings.snippets_dir)
    if prelude is not None and prelude.problem is not None:
        diagnostics.append(Diagnostic(Source(prelude.name), prelude.problem))

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None and n:
            progress(done, total)

    for entry in entries:
        if not entry.snippets:
            continue
        plan = plan_entry(entry, settings.snippets_dir, key_torch_version(version), device, settings.timeout, prelude)
        # A setup=/file= that cannot be used (outside snippets/, missing) fails its block; say where it is written.
        diagnostics.extend(Diagnostic(s.source, b["problem"]) for s, b in zip(entry.snippets, plan.blocks, strict=True) if b["problem"])
        stored, problem = store.load(entry.key)
        if problem is not None:
            diagnostics.append(problem)
        found = _reusable(stored, plan, device, any_machine=not settings.execute)
        if found is not None:
            results.update(found)
            reused += len(entry.snippets)
        elif not settings.execute:
            results.update({s.id: Result(Status.SKIPPED, note="no stored result") for s in entry.snippets})
        elif (static := _without_process(plan, device, version, today)) is not None:
            results.update(static)
            store.save(entry.key, _record(plan, device, static))
            ran += len(static)
        else:
            if not pending:
                pool.prewarm(early=settings.jobs > 1)  # torch's import overlaps planning the other entries
            pending.append(plan)
            continue
        advance(len(entry.snippets))

    if pending:
        if meanwhile is not None and not pool.ready():
            meanwhile([plan.entry for plan in pending])
        ran += _run(pending, settings, device, today, store, results, advance)
    else:
        pool.release_unused()  # started before the diary was read (`generator.cli`), and nothing needs it
    return ExecReport(results=results, ran=ran, reused=reused, diagnostics=tuple(diagnostics))


def _reusable(stored: StoredEntry | None, plan: EntryPlan, device: str, *, any_machine: bool = False) -> dict[str, Result] | None:
    """The stored results if they answer for this entry here, else None.

    They do when the key matches; and on a machine without CUDA, an entry with
    ``gpu`` blocks whose results were captured on CUDA is reused when its code
    is unchanged, whatever torch version ran it: here it could not run at all.
    With ``any_machine`` (``--no-execute``: render what is stored) unchanged
    code is enough, whatever torch and device ran it, or whether torch is here.
    """
    snippets = plan.entry.snippets
    if stored is None or set(stored.results) != {s.id for s in snippets}:
        return None
    frozen_gpu = (
        device != "cuda"
        and stored.device == "cuda"
        and any(s.options.gpu for s in snippets)
        and stored.code_key == plan.code_key
    )
    if stored.key == plan.key or frozen_gpu or (any_machine and stored.code_key == plan.code_key):
        return relocate(stored, snippets)
    return None


def _without_process(plan: EntryPlan, device: str, version: str | None, today: dt.date) -> dict[str, Result] | None:
    """Results when no block of the entry needs to run (all skipped or needing a GPU)."""
    ctx = BlockContext(device, version, today.isoformat(), OUTPUT_LIMIT, 0, {})
    found = {block["id"]: not_run(block, ctx) for block in plan.blocks}
    if any(value is None for value in found.values()):
        return None
    return {key: result_from_json(value) for key, value in found.items()}


def _record(plan: EntryPlan, device: str, results: Mapping[str, Result]) -> StoredEntry:
    entry = plan.entry
    return StoredEntry(
        key=plan.key,
        code_key=plan.code_key,
        device=device,
        source=entry.snippets[0].source.path if entry.snippets else entry.source.path,
        lines={s.id: s.source.line for s in entry.snippets},
        results=dict(results),
    )


def _spec(n: int, plan: EntryPlan, settings: ExecSettings, device: str, today: dt.date, jobs: int) -> EntrySpec:
    cpus = os.cpu_count() or 1
    return EntrySpec(
        n=n,
        key=plan.entry.key,
        device=device,
        ran_at=today.isoformat(),
        snippets_dir=str(settings.snippets_dir.resolve()),
        memory_limit_mb=settings.memory_limit_mb,
        output_limit=OUTPUT_LIMIT,
        threads=max(1, cpus // jobs) if jobs > 1 else 0,  # concurrent entries share the cores
        prelude=[plan.prelude.name, plan.prelude.text] if plan.prelude is not None and plan.prelude.text is not None else None,
        blocks=list(plan.blocks),
    )


def _run(
    plans: list[EntryPlan],
    settings: ExecSettings,
    device: str,
    today: dt.date,
    store: Store,
    results: dict[str, Result],
    advance: Callable[[int], None],
) -> int:
    """Run the planned entries on the worker; store each as it finishes."""
    jobs = max(1, min(settings.jobs, len(plans)))
    specs = [_spec(n, plan, settings, device, today, jobs) for n, plan in enumerate(plans)]
    got: dict[int, dict[str, Result]] = {n: {} for n in range(len(plans))}

    def on_message(message: dict[str, Any]) -> None:
        n = int(message["n"])
        if message["t"] == "result":
            block = specs[n]["blocks"][int(message["i"])]
            got[n][block["id"]] = result_from_json(message["result"])
            advance(1)
        elif message["t"] == "entry_done":
            results.update(got[n])
            store.save(plans[n].entry.key, _record(plans[n], device, got[n]))

    try:
        pool.run_batch(specs, jobs, on_message)
    except pool.WorkerDied as exc:  # nothing of the unfinished entries is stored
        for n, plan in enumerate(plans):
            for snippet in plan.entry.snippets:
                if snippet.id not in got[n]:
                    got[n][snippet.id] = Result(Status.CRASHED, error=str(exc), device=device, ran_at=today.isoformat())
                    advance(1)
                results.setdefault(snippet.id, got[n][snippet.id])
    return sum(len(batch) for batch in got.values())
