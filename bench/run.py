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
6. ``build-site --no-execute`` from scratch (no previous site, no memo)
   against the minimal markdown-it-py + Jinja2 + Pygments loop
   (`bench/minimal.py`), at 1 entry and at both sizes.

tetrad runs from a copy of ``generator/`` taken at the start, so others'
edits during the run do not mix versions. Before each group of measurements
the run waits (``--quiet-wait``) for the shared machine's other work to stop,
and every run records the CPU time the rest of the machine used meanwhile.
Measurements in a group take turns; cheap ones run three times (the median is
reported), expensive ones once. It prints a table of medians and ratios; the full run writes
``docs/benchmarks.md`` (``--doc`` elsewhere; ``--quick`` writes nothing
unless ``--doc`` is given).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import diary as synthetic
from bench import report
from bench.serve import Rebuild, ServeFailed, serve_rebuilds
from bench.measure import (
    CommandFailed,
    Run,
    Sample,
    cores,
    interleave,
    machine,
    wait_until_quiet,
)
from bench.measure import run as measure_run

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
    cold_repeats: int  # the floor and the cold builds: the closest target, and the floor varies most
    nb_entries: int  # entries run through nbclient
    layout: str
    long_s: float = 20.0  # a measurement whose first run takes this long is not repeated
    serve_edits: int = 7  # text edits, then as many code edits, while serve runs
    quiet_wait_s: float = 60.0  # before each group, wait this long at most for other work to stop


@dataclass
class Results:
    """What the run measured, by name."""

    plan: Plan
    samples: dict[str, Sample] = field(default_factory=dict)
    nb_seconds: list[float] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    serve: list[Rebuild] = field(default_factory=list)  # build-site serve's rebuilds, in order


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


def default_work() -> Path | None:
    """/dev/shm where it is a memory file system with room: this machine's disk takes from 0.03 to 0.6 ms
    to create a file, varying minute to minute, and every tool here creates thousands; in memory the
    figures measure the tools, not the disk's mood. None: the temporary folder."""
    shm = Path("/dev/shm")
    try:
        if file_system(shm) == "tmpfs" and shutil.disk_usage(shm).free > 4 * 2**30:
            return shm
    except OSError:
        pass
    return None


def file_system(path: Path) -> str:
    """The type of the file system holding ``path``, from /proc/mounts (the longest matching mount point)."""
    best, kind = "", "unknown"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    target = str(path.resolve())
    for line in mounts:
        fields = line.split()
        if len(fields) >= 3 and (target == fields[1] or target.startswith(fields[1].rstrip("/") + "/")) and len(fields[1]) >= len(best):
            best, kind = fields[1], fields[2]
    return kind


def fresh_copy(template: Path, work: Path, name: str) -> Path:
    target = work / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(template, target)
    return target


def snapshot_generator(work: Path, log: Callable[[str], None], tries: int = 10) -> tuple[Path, str]:
    """Copy ``generator/`` so the whole run measures one version while others edit the tree.

    Returns the folder to put first on ``PYTHONPATH`` (it wins over the
    editable install, and tetrad's worker boots from beside the package it
    was imported from) and a digest of the copied files. A copy caught
    mid-edit fails a one-entry build; it is taken again a few seconds later.
    """
    for attempt in range(tries):
        root = work / "tree"
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(ROOT / "generator", root / "generator", ignore=shutil.ignore_patterns("__pycache__"))
        digest = hashlib.sha256()
        for path in sorted((root / "generator").rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
        # Compiled once, as pip compiles an installed package: without it (PYTHONDONTWRITEBYTECODE, a
        # read-only folder) every tetrad process would compile its modules again, about 0.1 s each start.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "generator")], check=False,
                       stdout=subprocess.DEVNULL)
        probe = work / "probe"
        shutil.rmtree(probe, ignore_errors=True)
        synthetic.write_diary(probe, 1, 1, "month")
        got = measure_run([*build_site_command(), "--no-execute"], probe, check=False, env=dict(os.environ, PYTHONPATH=str(root)))
        if got.returncode == 0:
            return root, digest.hexdigest()[:12]
        log(f"the copy of generator/ does not build (try {attempt + 1}): {got.stderr.strip().splitlines()[-1:]}")
        time.sleep(5)
    raise CommandFailed(f"generator/ did not build a one-entry diary in {tries} tries:\n{got.stderr[-3000:]}")


def measure_all(plan: Plan, work: Path, res: Results, log: Callable[[str], None]) -> None:
    nproc = cores()
    tree, digest = snapshot_generator(work, log)
    res.facts["generator digest"] = digest
    env = dict(os.environ, PYTHONPATH=str(tree))
    build = build_site_command()
    py = sys.executable
    n, big = plan.n_exec, plan.n_render

    def run(cmd: list[str], cwd: Path) -> Run:
        return measure_run(cmd, cwd, env=env)

    small_tpl, big_tpl = work / "template-small", work / "template-big"
    synthetic.write_diary(small_tpl, n, plan.snippets, plan.layout)
    synthetic.write_diary(big_tpl, big, plan.snippets, plan.layout)
    synthetic.write_diary(work / "one", 1, plan.snippets, plan.layout)
    blocks = work / "blocks.json"
    blocks.write_text(json.dumps([synthetic.entry_blocks(i, plan.snippets) for i in range(n)]), encoding="utf-8")

    def measure(group: list[tuple[str, Callable[[int], Run]]], times: int | None = None) -> None:
        if not plan.quiet_wait_s:
            res.facts["busy"] = " (not checked: --quiet-wait 0)"
        elif not wait_until_quiet(plan.quiet_wait_s, log):
            res.facts["busy"] = res.facts.get("busy", "") + f" {group[0][0]}"
        started = time.perf_counter()
        for got in interleave(group, times or plan.repeats, plan.long_s):
            res.samples[got.name] = got
            times_s = ", ".join(f"{r.seconds:.2f}" for r in got.runs)
            others = ", ".join(f"{r.others_cpu_s:.1f}" for r in got.runs)
            log(f"{got.name}: median {got.seconds:.2f} s of [{times_s}], CPU {got.cpu_s:.1f} s, "
                f"main {got.main_mb:.0f} MB, tree {got.tree_mb:.0f} MB; others' CPU s [{others}]")
        log(f"  ({time.perf_counter() - started:.0f} s, load average {os.getloadavg()[0]:.2f})")

    def cold(jobs: int, template: Path, entries: int) -> Callable[[int], Run]:
        def once(i: int) -> Run:
            folder = fresh_copy(template, work, f"cold-{entries}-{jobs}-{i}")
            got = run([*build, "--jobs", str(jobs)], folder)
            check_all_passed(f"cold build --jobs {jobs} (N={entries})", got, entries * plan.snippets, res)
            return got
        return once

    def render_only(folder: Path) -> Callable[[int], Run]:
        def once(i: int) -> Run:
            # From scratch: without the previous site and tetrad's memo beside it, every page is rendered.
            shutil.rmtree(folder / "site", ignore_errors=True)
            for path in folder.glob(".site*"):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
            return run([*build, "--no-execute"], folder)
        return once

    def minimal(folder: Path) -> Callable[[int], Run]:
        def once(i: int) -> Run:
            out = work / f"minimal-{folder.name}"
            shutil.rmtree(out, ignore_errors=True)  # files made anew, as tetrad's are
            return run([py, str(BENCH / "minimal.py"), "diary", str(out)], folder)
        return once

    def notebooks(i: int) -> Run:
        got = run([py, str(BENCH / "notebooks.py"), str(blocks), "--entries", str(plan.nb_entries)], work)
        res.nb_seconds[:] = json.loads(got.stdout.strip().splitlines()[-1])["seconds"]
        return got

    # (1) floor and (3) cold builds, in turn; then (2) nbclient, once
    measure([("floor", lambda i: run([py, str(BENCH / "floor.py"), str(blocks)], work)),
             *((f"cold-j{jobs}", cold(jobs, small_tpl, n)) for jobs in sorted({1, nproc}))], times=plan.cold_repeats)
    measure([("nbclient", notebooks)], times=1)

    # (4), (5) rebuilds at the big size, once a cold build has stored every result
    measure([("cold-big", cold(nproc, big_tpl, big))], times=1)
    big_built = max(work.glob(f"cold-{big}-{nproc}-*"))
    measure([("rebuild-nothing", lambda i: run([*build, "--jobs", str(nproc)], big_built))])
    _, _, ran, reused = summary_counts(res.samples["rebuild-nothing"].last.stdout)
    res.facts["rebuild-nothing summary"] = f"{ran} run now, {reused} from stored results"
    traced = run([py, "-X", "importtime", "-m", "generator.cli", "--jobs", str(nproc)], big_built)
    torch_lines = [line for line in traced.stderr.splitlines() if re.search(r"\|\s+torch(\.|$)", line)]
    res.facts["rebuild-nothing imports torch"] = "yes" if torch_lines else "no"

    def edited(kind: str) -> Callable[[int], Run]:
        def once(i: int) -> Run:
            synthetic.edit_entry(big_built / "diary", plan.layout, big // 2, kind, i)
            got = run([*build, "--jobs", str(nproc)], big_built)
            res.facts[f"rebuild-{kind} summary"] = f"{summary_counts(got.stdout)[2]} run now"
            return got
        return once

    measure([("rebuild-text", edited("text")), ("rebuild-code", edited("code"))])

    # (5) the same edits while `build-site serve` runs (its memo kept in memory), as serve reports them
    edits = [("text", 100 + i) for i in range(plan.serve_edits)] + [("code", 200 + i) for i in range(plan.serve_edits)]
    if not wait_until_quiet(plan.quiet_wait_s, log) and plan.quiet_wait_s:
        res.facts["busy"] = res.facts.get("busy", "") + " serve"
    try:
        res.serve[:] = serve_rebuilds(build, big_built, env, plan.layout, big // 2, edits)
    except ServeFailed as exc:
        raise CommandFailed(f"build-site serve: {exc}") from exc
    log("serve rebuilds: " + ", ".join(f"{r.kind} {r.seconds:.2f} s ({r.ran} run)" for r in res.serve))

    # (6) render only, with the results the cold builds stored, at 1 entry (the fixed cost), N and the big N
    small_built = max(work.glob(f"cold-{n}-{nproc}-*"))
    measure([(f"{tool}-{size}", make(folder))
             for size, folder in (("one", work / "one"), ("small", small_built), ("big", big_built))
             for tool, make in (("render", render_only), ("minimal", minimal))])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 20 / 200, one run each (under 2 minutes)")
    parser.add_argument("--layout", choices=("month", "day"), default="month", help="diary layout (default: month)")
    parser.add_argument("--doc", type=Path, default=None, help="where to write the results (default: docs/benchmarks.md; none with --quick)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (printed)")
    parser.add_argument("--work", type=Path, default=None,
                        help="where to make the work folder (default: /dev/shm when it is a memory file system "
                             "with 4 GB free, else the temporary folder)")
    parser.add_argument("--quiet-wait", type=float, default=None, metavar="SECONDS",
                        help="before each group of measurements, wait at most this long for the machine's other work "
                             "to stop (default: 60; 0, never, with --quick)")
    args = parser.parse_args(argv)
    if args.quick:
        wait = 0.0 if args.quiet_wait is None else args.quiet_wait
        plan = Plan(20, 200, snippets=2, repeats=1, cold_repeats=1, nb_entries=3, layout=args.layout, quiet_wait_s=wait)
    else:
        wait = 60.0 if args.quiet_wait is None else args.quiet_wait
        plan = Plan(100, 1000, snippets=2, repeats=3, cold_repeats=5, nb_entries=10, layout=args.layout, quiet_wait_s=wait)
    doc = args.doc or (None if args.quick else ROOT / "docs" / "benchmarks.md")

    started = time.perf_counter()
    about = machine()
    work = Path(tempfile.mkdtemp(prefix="tetrad-bench-", dir=args.work or default_work()))
    about["work folder"] = f"{work.parent} ({file_system(work)})"
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
        command = " ".join(["python3 -m bench.run", *(sys.argv[1:] if argv is None else argv)])
        notes = doc.read_text(encoding="utf-8").partition(report.NOTES)[2] if doc.exists() else ""
        doc.write_text(report.document(res, about, total, dt.date.today(), command) + report.NOTES + notes, encoding="utf-8")
        log(f"wrote {doc}")
    return 1 if res.failures else 0


if __name__ == "__main__":
    sys.exit(main())
