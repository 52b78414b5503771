"""From measured samples to the tables `bench.run` prints and the page it writes.

Pure functions over `bench.run.Results`: the measurements table, the derived
figures (ratios, per-entry overhead, per-page cost), and issue 8's targets
with what this run found against each.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.measure import cores

if TYPE_CHECKING:
    from bench.run import Results

MAIN_MB_LIMIT = 300
# Below this line the page is written by hand (why a target is missed, profiles); a rerun keeps it.
NOTES = "\n<!-- notes below are written by hand and kept by bench.run -->\n"


@dataclass(frozen=True)
class Row:
    what: str
    n: int
    runs: int
    seconds: float
    cpu_s: float | None
    main_mb: float | None
    tree_mb: float | None
    note: str = ""


@dataclass(frozen=True)
class Target:
    what: str
    limit: str
    measured: str
    met: bool
    miss: str = ""  # by how much, when not met


def _jobs() -> int:
    return cores()


def rows(res: Results) -> list[Row]:
    p, s, j = res.plan, res.samples, _jobs()
    nb = res.nb_seconds
    out = [
        Row("(1) floor: one python process, torch once, fresh dict per entry", p.n_exec, len(s["floor"].runs),
            s["floor"].seconds, s["floor"].cpu_s, s["floor"].main_mb, s["floor"].tree_mb),
        Row(f"(2) nbclient, one kernel per entry: {len(nb)} entries measured", len(nb), 1,
            sum(nb), s["nbclient"].cpu_s, s["nbclient"].main_mb, s["nbclient"].tree_mb,
            f"median {statistics.median(nb):.2f} s, mean {statistics.mean(nb):.2f} s per entry"),
        Row(f"(2) nbclient extrapolated to N = {p.n_exec} (mean × N)", p.n_exec, 0,
            statistics.mean(nb) * p.n_exec, None, None, None, "extrapolated, not measured"),
    ]
    for jobs in sorted({1, j}):
        c = s[f"cold-j{jobs}"]
        out.append(Row(f"(3) tetrad cold build --jobs {jobs}", p.n_exec, len(c.runs), c.seconds, c.cpu_s, c.main_mb, c.tree_mb))
    c = s["cold-big"]
    out.append(Row(f"(3) tetrad cold build --jobs {j} (primes the rebuilds)", p.n_render, 1, c.seconds, c.cpu_s, c.main_mb, c.tree_mb))
    for key, what in (("rebuild-nothing", "(4) rebuild, nothing changed"),
                      ("rebuild-text", "(5) rebuild, one entry's text edited"),
                      ("rebuild-code", "(5) rebuild, one entry's code edited")):
        r = s[key]
        note = res.facts.get(f"{key} summary", "")
        if key == "rebuild-nothing":
            note += f"; imports torch: {res.facts.get('rebuild-nothing imports torch', '?')}"
        out.append(Row(what, p.n_render, len(r.runs), r.seconds, r.cpu_s, r.main_mb, r.tree_mb, note))
    for kind in ("text", "code"):
        got = [r for r in res.serve if r.kind == kind]
        if got:
            out.append(Row(f"(5) `build-site serve`: rebuild after one entry's {kind} edited", p.n_render, len(got),
                           statistics.median(r.seconds for r in got), None, None, None,
                           f"as serve reports it; {', '.join(f'{r.seconds:.2f}' for r in got)} s; {got[0].ran}–{got[-1].ran} run"))
    for size, n in (("one", 1), ("small", p.n_exec), ("big", p.n_render)):
        r, m = s[f"render-{size}"], s[f"minimal-{size}"]
        out.append(Row("(6) tetrad render only (--no-execute)", n, len(r.runs), r.seconds, r.cpu_s, r.main_mb, r.tree_mb))
        out.append(Row("(6) minimal markdown-it + Jinja2 + Pygments loop", n, len(m.runs), m.seconds, m.cpu_s, m.main_mb, m.tree_mb))
    return out


def _per_page(res: Results, tool: str, size: str, n: int) -> float:
    """Seconds per page above the one-entry build's fixed cost."""
    s = res.samples
    return (s[f"{tool}-{size}"].seconds - s[f"{tool}-one"].seconds) / max(1, n - 1)


def _growth(res: Results, tool: str) -> float | None:
    """Per-page cost at the big size over the small size; None when noise made the small one meaningless."""
    small = _per_page(res, tool, "small", res.plan.n_exec)
    big = _per_page(res, tool, "big", res.plan.n_render)
    return big / small if small > 0 and big > 0 else None


def _relative_growth(res: Results) -> float | None:
    """tetrad's per-page growth over the minimal loop's, which is linear by construction: the machine's drift cancels."""
    tetrad, control = _growth(res, "render"), _growth(res, "minimal")
    return tetrad / control if tetrad is not None and control is not None else None


def derived(res: Results) -> list[tuple[str, str]]:
    p, s, j = res.plan, res.samples, _jobs()
    floor = s["floor"].seconds
    nb = statistics.mean(res.nb_seconds)
    out: list[tuple[str, str]] = []
    for jobs in sorted({1, j}):
        cold = s[f"cold-j{jobs}"].seconds
        over = (cold - floor) / p.n_exec
        out.append((f"cold build --jobs {jobs} / floor", f"{cold / floor:.2f}×"))
        out.append((f"per-entry overhead --jobs {jobs}: (cold − floor) / N",
                    f"{over * 1000:.1f} ms = 1/{nb / over:.0f} of nbclient's {nb:.2f} s per entry" if over > 0
                    else f"{over * 1000:.1f} ms (faster than the floor)"))
    out.append(("nbclient per entry / floor per entry", f"{nb / (floor / p.n_exec):.0f}×"))
    nothing = (f"{s['rebuild-nothing'].seconds:.2f} s; {res.facts.get('rebuild-nothing summary', '?')}; "
               f"torch imported (python3 -X importtime): {res.facts.get('rebuild-nothing imports torch', '?')}")
    out.append((f"rebuild, nothing changed (N = {p.n_render})", nothing))
    serve = serve_ratio(res)
    if serve is not None:
        out.append((f"`serve` rebuild after a text edit / clean render-only build (N = {p.n_render})",
                    f"{serve[2]:.3f} ({serve[0]:.2f} s / {serve[1]:.2f} s)"))
    for size, n in (("small", p.n_exec), ("big", p.n_render)):
        r, m = s[f"render-{size}"].seconds, s[f"minimal-{size}"].seconds
        out.append((f"render only / minimal loop, N = {n}", f"{r / m:.2f}× ({r:.2f} s / {m:.2f} s)"))
    for tool in ("render", "minimal"):
        small, big = _per_page(res, tool, "small", p.n_exec), _per_page(res, tool, "big", p.n_render)
        name = "tetrad render only" if tool == "render" else "minimal loop"
        growth = _growth(res, tool)
        value = (f"{small * 1000:.1f} ms vs {big * 1000:.1f} ms ({'n/a' if growth is None else f'{growth:.2f}×'}); "
                 f"whole build / N: {s[f'{tool}-small'].seconds / p.n_exec * 1000:.1f} ms vs "
                 f"{s[f'{tool}-big'].seconds / p.n_render * 1000:.1f} ms")
        out.append((f"{name}: per page above the 1-entry build, N = {p.n_exec} vs {p.n_render}", value))
    return out


def serve_ratio(res: Results) -> tuple[float, float, float] | None:
    """(serve's median rebuild after a text edit, the clean render-only build, their ratio), if measured."""
    got = [r.seconds for r in res.serve if r.kind == "text"]
    if not got:
        return None
    rebuild, clean = statistics.median(got), res.samples["render-big"].seconds
    return rebuild, clean, rebuild / clean


def targets(res: Results) -> list[Target]:
    p, s, j = res.plan, res.samples, _jobs()
    floor = s["floor"].seconds
    cold = s[f"cold-j{j}"].seconds
    nb = statistics.mean(res.nb_seconds)
    over = (cold - floor) / p.n_exec
    nothing = s["rebuild-nothing"].seconds
    torch_free = res.facts.get("rebuild-nothing imports torch") == "no"
    ratio = s["render-big"].seconds / s["minimal-big"].seconds
    growth, control = _growth(res, "render"), _relative_growth(res)
    big_main = max(s[k].main_mb for k in ("cold-big", "rebuild-nothing", "rebuild-text", "rebuild-code", "render-big"))
    tree_small, tree_big = s[f"cold-j{j}"].tree_mb, s["cold-big"].tree_mb
    serve = serve_ratio(res)
    issue6 = [] if serve is None else [
        Target(f"issue 6: `serve` rebuild after one entry's text edited / clean render-only build, N = {p.n_render}",
               "< 1/10", f"{serve[2]:.3f} ({serve[0]:.2f} s / {serve[1]:.2f} s)", serve[2] < 0.1,
               f"{serve[2] / 0.1:.2f}× the limit"),
    ]
    return [*issue6,
        Target(f"cold build, N = {p.n_exec}, --jobs {j} / floor", "≤ 1.10×", f"{cold / floor:.2f}× ({cold:.1f} s / {floor:.1f} s)",
               cold <= 1.1 * floor, f"{cold / (1.1 * floor):.2f}× over the limit"),
        Target("per-entry overhead / nbclient per entry", f"≤ 1/100 ({nb * 10:.0f} ms)", f"{over * 1000:.0f} ms",
               over <= nb / 100, f"{over / (nb / 100):.1f}× over the limit"),
        Target(f"rebuild, nothing changed, N = {p.n_render}", "< 2 s, no torch import",
               f"{nothing:.2f} s, torch imported: {'no' if torch_free else 'yes'}", nothing < 2 and torch_free,
               f"{nothing / 2:.2f}× the limit" if nothing >= 2 else "imports torch"),
        Target(f"render only / minimal loop, N = {p.n_render}", "≤ 1.5×", f"{ratio:.2f}×", ratio <= 1.5,
               f"{ratio / 1.5:.2f}× over the limit"),
        Target(f"per-page cost growth, N = {p.n_exec} → {p.n_render}, over the minimal loop's", "does not grow (≤ 1.2×)",
               "n/a (the 1-entry build was slower: noise)" if growth is None or control is None
               else f"{control:.2f}× (tetrad {growth:.2f}×, minimal loop {growth / control:.2f}×)",
               control is not None and control <= 1.2, "unmeasured" if control is None else f"grows {control:.2f}×"),
        Target(f"peak memory of the main process, N = {p.n_render}", f"< {MAIN_MB_LIMIT} MB", f"{big_main:.0f} MB",
               big_main < MAIN_MB_LIMIT, f"{big_main / MAIN_MB_LIMIT:.2f}× the limit"),
        Target(f"largest process (worker, entries) N = {p.n_exec} → {p.n_render}", "does not grow without bound",
               f"{tree_small:.0f} MB → {tree_big:.0f} MB", tree_big <= 1.25 * tree_small,
               f"grows {tree_big / tree_small:.2f}×"),
    ]


def _mb(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _table(headers: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def tables(res: Results, about: dict[str, str], total_s: float) -> str:
    measured = _table(
        ["measurement", "N", "runs", "median s", "per entry ms", "CPU s", "main MB", "peak of tree MB", "note"],
        [[r.what, str(r.n), str(r.runs) if r.runs else "—", f"{r.seconds:.2f}", f"{r.seconds / max(1, r.n) * 1000:.1f}",
          "" if r.cpu_s is None else f"{r.cpu_s:.1f}", _mb(r.main_mb), _mb(r.tree_mb), r.note] for r in rows(res)],
    )
    figures = _table(["derived figure", "value"], [[k, v] for k, v in derived(res)])
    goals = _table(["target (issue 8, unless named)", "limit", "measured", "met"],
                   [[t.what, t.limit, t.measured, "yes" if t.met else f"**no**: {t.miss}"] for t in targets(res)])
    return f"{measured}\n\n{figures}\n\n{goals}\n\nWhole benchmark: {total_s:.0f} s on {about['cores (nproc)']} cores."


def document(res: Results, about: dict[str, str], total_s: float, today: dt.date, command: str) -> str:
    p = res.plan
    machine = _table(["", ""], [[k, v] for k, v in about.items()])
    raw = "\n".join(
        f"- `{name}`: " + ", ".join(f"{r.seconds:.2f} ({r.others_cpu_s:.1f})" for r in sample.runs)
        for name, sample in res.samples.items()
    )
    busy = res.facts.get("busy")
    quiet = (f"Other work kept the machine busy before:{busy} (measured anyway)." if busy
             else "Each group of measurements started on a quiet machine (other work under a quarter of a core).")
    failures = "\n".join(f"- {f.splitlines()[0]}" for f in res.failures) or "none: every snippet passed in every build."
    return f"""# Benchmarks

Measured {today.isoformat()} with `{command}` ({total_s:.0f} s in all), on a
copy of `generator/` taken when the run started (sha256 of its files
`{res.facts.get("generator digest", "?")}`, compiled to bytecode once, as an installed package
is), so edits made meanwhile do not mix versions. Every
figure below comes from this one run, side by side on the same machine; rerun
the command to replace the page (`python3 -m bench.run --quick` for a
two-minute check that writes nothing).

## Machine

{machine}

## Method

The diary is synthetic and deterministic (`python3 -m bench.diary OUT --entries N
--snippets {p.snippets} --layout {p.layout}`): N dated entries from 2022-01-01, about 250
words of Russian and English each with `$…$` math, a list, a link to the day
before, and {p.snippets} torch blocks of 5–50 ms (matmuls, an `nn.Linear` forward and
backward, an SGD loop), the second using names the first defines. About a third
of the entries build an optimizer, whose first step in a process imports
`torch._dynamo`.

- (1) floor: `bench/floor.py`, one `python3` process importing torch once and
  `exec`-ing every entry's blocks in a fresh dict; its whole wall time.
- (2) nbclient: `bench/notebooks.py`, one `NotebookClient(nb,
  kernel_name="python3").execute()` per entry on {len(res.nb_seconds)} entries spread over the
  diary; the N figure is the mean per entry × N, **extrapolated**, not measured.
- (3) cold build: `build-site --jobs J` in a fresh copy with no stored results.
- (4), (5) rebuilds at N = {p.n_render}, after one cold build stored every result
  (and left its site and memo for the next build to reuse);
  each edit is new (a sentence added, a `torch.manual_seed` changed) in the entry
  in the middle of the diary. The same edits are then made while `build-site
  serve` runs in that folder ({p.serve_edits} of each kind, in turn), which keeps its memo
  in memory: the time is serve's own report of each rebuild (`rebuilt in X s`),
  from the change it saw to the site written.
- (6) render only: `build-site --no-execute` (stored results present; the
  previous `site/` and tetrad's `.site.memo.json` removed first, so every page
  is rendered: this is not a rebuild) against
  `bench/minimal.py`, markdown-it-py with Pygments highlighting into a trivial
  Jinja2 template, one file per entry. Each is also run on a 1-entry diary: the
  per-page cost is (time(N) − time(1)) / (N − 1), so start-up is not counted as
  pages.

Everything runs in a work folder in {about.get("work folder", "the temporary folder")}:
creating a file on this machine's disk takes from 0.03 to 0.6 ms, varying from
minute to minute, and every tool measured here creates thousands (tetrad about
3,100 files at N = 1,000, the minimal loop 1,000); in memory the figures
measure the tools rather than the disk. `python3 -m bench.run --work DIR`
measures on another file system.

Cheap measurements are the median of {p.repeats} runs, the floor and the N = {p.n_exec} cold
builds of {p.cold_repeats} (the floor varies most from run to run, and the closest target
divides by it); one whose first run took
over {p.long_s:.0f} s, nbclient and the N = {p.n_render} cold build run once. "main MB"
is the peak RSS (VmHWM, read every 10 ms) of the process started; "peak of
tree MB" is `wait4`'s `ru_maxrss`, the largest peak of that process or any
descendant it waited for (tetrad's worker and entry processes, Jupyter kernels).
The machine is shared: the load average at the start is in the table above.

## Results

{tables(res, about, total_s)}

{quiet} Every run, in seconds, with (in brackets) the CPU seconds the rest of
the machine used meanwhile, from `/proc/stat`: a large figure marks a run that
shared the cores with other work.

{raw}

Failures: {failures}
"""
