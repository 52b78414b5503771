"""Every measurement of the benchmark, side by side in one run: ``python3 -m bench.run [--quick]``.

Generates the synthetic diaries (`bench.diary`) in a temporary folder, then
measures, each tool as a subprocess with ``time.perf_counter()`` around it:

1. the floor: one plain process, torch imported once, every entry's blocks
   exec'd in a fresh namespace (`bench/floor.py`);
2. one nbclient kernel per entry, the Jupyter Book / Quarto way, on a subset,
   extrapolated to N (`bench/notebooks.py`);
3. tetrad's cold build (fresh copy, no stored results), ``--jobs 1`` and
   ``--jobs $(nproc)``;
4. and 5. tetrad's rebuilds at N = 1,000: nothing changed, one entry's text
   edited, one entry's code edited (the store primed by a cold build);
6. ``build-site --no-execute`` against the minimal markdown-it-py + Jinja2 +
   Pygments loop (`bench/minimal.py`), at both sizes.

Cheap measurements run three times (the median is reported), expensive ones
once. It prints a table of medians and ratios; the full run writes
``docs/benchmarks.md`` (``--doc`` elsewhere; ``--quick`` writes nothing
unless ``--doc`` is given).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import diary as synthetic
from bench import report
from bench.measure import CommandFailed, Run, Sample, machine, repeat, run

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SUMMARY = re.compile(r"(\d+) snippets \(([^)]*)\), (\d+) run now and (\d+) from stored results")


@dataclass(frozen=True)
class Plan:
    """Sizes and repeats of one run."""

    n_exec: int  # entries of the diary that is executed (floor, nbclient, cold builds)
    n_render: int  # entries for rebuilds and render-only
    snippets: int
    repeats: int
    nb_entries: int  # entries run through nbclient
    layout: str
    long_s: float = 20.0  # a measurement whose first run takes this long is not repeated


@dataclass
class Results:
    """What the run measured, by name."""

    plan: Plan
    samples: dict[str, Sample] = field(default_factory=dict)
    nb_seconds: list[float] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def build_site_command() -> list[str]:
    """The console script beside this Python (a pyenv shim would add its own start-up)."""
    script = Path(sys.executable).parent / "build-site"
    return [str(script)] if script.exists() else [shutil.which("build-site") or "build-site"]


def summary_counts(output: str) -> tuple[int, str, int, int]:
    """(snippets, statuses, run now, reused) from build-site's summary line."""
    found = SUMMARY.search(output)
    if found is None:
        raise CommandFailed(f"no summary line in build-site's output:\n{output[-2000:]}")
    return int(found.group(1)), found.group(2), int(found.group(3)), int(found.group(4))


def check_all_passed(name: str, result: Run, expected: int, res: Results) -> None:
    snippets, statuses, _, _ = summary_counts(result.stdout)
    if statuses != f"{expected} passed" or snippets != expected:
        res.failures.append(f"{name}: expected {expected} passed, got: {result.stdout.strip()}\n{result.stderr[-3000:]}")


def fresh_copy(template: Path, work: Path, name: str) -> Path:
    target = work / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(template, target)
    return target


def measure_all(plan: Plan, work: Path, res: Results, log: Callable[[str], None]) -> None:
    nproc = os.cpu_count() or 1
    build = build_site_command()
    py = sys.executable
    n, big = plan.n_exec, plan.n_render

    small_tpl = work / "template-small"
    big_tpl = work / "template-big"
    synthetic.write_diary(small_tpl, n, plan.snippets, plan.layout)
    synthetic.write_diary(big_tpl, big, plan.snippets, plan.layout)
    blocks = work / "blocks.json"
    blocks.write_text(json.dumps([synthetic.entry_blocks(i, plan.snippets) for i in range(n)]), encoding="utf-8")
    expected_small, expected_big = n * plan.snippets, big * plan.snippets

    def sample(name: str, once, times: int | None = None) -> Sample:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        got = repeat(name, times or plan.repeats, once, budget_s=plan.long_s)
        res.samples[name] = got
        log(f"{name}: median {got.seconds:.2f} s over {len(got.runs)} run(s) "
            f"(main {got.main_mb:.0f} MB, tree {got.tree_mb:.0f} MB) [{time.perf_counter() - started:.0f} s]")
        return got

    # (1) the floor
    sample("floor", lambda i: run([py, str(BENCH / "floor.py"), str(blocks)], work))

    # (2) one nbclient kernel per entry, on a subset
    def notebooks(i: int) -> Run:
        got = run([py, str(BENCH / "notebooks.py"), str(blocks), "--entries", str(plan.nb_entries)], work)
        res.nb_seconds[:] = json.loads(got.stdout.strip().splitlines()[-1])["seconds"]
        return got

    sample("nbclient", notebooks, times=1)

    # (3) cold builds, each in a fresh copy with no stored results
    for jobs in sorted({1, nproc}):
        def cold(i: int, jobs: int = jobs) -> Run:
            folder = fresh_copy(small_tpl, work, f"cold-{jobs}-{i}")
            got = run([*build, "--jobs", str(jobs)], folder)
            check_all_passed(f"cold build --jobs {jobs} (N={n})", got, expected_small, res)
            if i:  # keep the last copy: render-only reads its stored results
                shutil.rmtree(work / f"cold-{jobs}-{i - 1}", ignore_errors=True)
            return got

        sample(f"cold-j{jobs}", cold)
    small_built = max(work.glob(f"cold-{nproc}-*"))

    # (6) render only: one entry (the fixed cost), then the small size with the results the cold build stored
    synthetic.write_diary(work / "one", 1, plan.snippets, plan.layout)
    for name, folder in (("one", work / "one"), ("small", small_built)):
        sample(f"render-{name}", lambda i, f=folder: run([*build, "--no-execute"], f))
        sample(f"minimal-{name}", lambda i, f=folder, o=work / f"minimal-{name}": run([py, str(BENCH / "minimal.py"), "diary", str(o)], f))

    # (4), (5) rebuilds at the big size: prime the store with one cold build
    big_built = fresh_copy(big_tpl, work, "big")

    def prime(i: int) -> Run:
        got = run([*build, "--jobs", str(nproc)], big_built)
        check_all_passed(f"cold build --jobs {nproc} (N={big})", got, expected_big, res)
        return got

    sample("cold-big", prime, times=1)
    nothing = sample("rebuild-nothing", lambda i: run([*build, "--jobs", str(nproc)], big_built))
    _, _, ran, reused = summary_counts(nothing.last.stdout)
    res.facts["rebuild-nothing summary"] = f"{ran} run now, {reused} from stored results"
    traced = run([py, "-X", "importtime", "-m", "generator.cli", "--jobs", str(nproc)], big_built)
    torch_lines = [line for line in traced.stderr.splitlines() if re.search(r"\|\s+torch(\.|$)", line)]
    res.facts["rebuild-nothing imports torch"] = "yes" if torch_lines else "no"

    def edited(kind: str):  # type: ignore[no-untyped-def]
        def once(i: int) -> Run:
            synthetic.edit_entry(big_built / "diary", plan.layout, big // 2, kind, i)
            got = run([*build, "--jobs", str(nproc)], big_built)
            _, _, ran, _ = summary_counts(got.stdout)
            res.facts[f"rebuild-{kind} summary"] = f"{ran} run now"
            return got
        return once

    sample("rebuild-text", edited("text"))
    sample("rebuild-code", edited("code"))

    # (6) render only at the big size
    sample("render-big", lambda i: run([*build, "--no-execute"], big_built))
    sample("minimal-big", lambda i: run([py, str(BENCH / "minimal.py"), "diary", str(work / "minimal-big")], big_built))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 20 / 200, one run each (under 2 minutes)")
    parser.add_argument("--layout", choices=("month", "day"), default="month", help="diary layout (default: month)")
    parser.add_argument("--doc", type=Path, default=None, help="where to write the results (default: docs/benchmarks.md; none with --quick)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (printed)")
    args = parser.parse_args(argv)
    if args.quick:
        plan = Plan(n_exec=20, n_render=200, snippets=2, repeats=1, nb_entries=3, layout=args.layout)
    else:
        plan = Plan(n_exec=100, n_render=1000, snippets=2, repeats=3, nb_entries=10, layout=args.layout)
    doc = args.doc or (None if args.quick else ROOT / "docs" / "benchmarks.md")

    started = time.perf_counter()
    about = machine()
    work = Path(tempfile.mkdtemp(prefix="tetrad-bench-"))
    res = Results(plan)

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    log(f"work folder {work}; N = {plan.n_exec} executed, {plan.n_render} rebuilt and rendered")
    try:
        measure_all(plan, work, res, log)
    except CommandFailed as exc:
        print(f"bench: a measured command failed:\n{exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - started
    tables = report.tables(res, about, total)
    print(tables)
    for failure in res.failures:
        print(f"bench: FAILED: {failure}", file=sys.stderr)
    if doc is not None:
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_text(report.document(res, about, total, dt.date.today(), " ".join(["python3 -m bench.run", *(argv or sys.argv[1:])])), encoding="utf-8")
        log(f"wrote {doc}")
    return 1 if res.failures else 0


if __name__ == "__main__":
    sys.exit(main())
