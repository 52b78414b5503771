"""The `build-site` command: the only place that prints errors and sets exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import TetradError, UsageError

if TYPE_CHECKING:
    from .build import BuildReport, Settings


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


COMMANDS = ("check", "serve", "new")


def make_parser(command: str = "build") -> argparse.ArgumentParser:
    """The options of ``build-site`` and of its commands (``check``, ``serve``, ``new``)."""
    prog = "build-site" if command == "build" else f"build-site {command}"
    parser = _Parser(prog=prog, description="Build a verified website from a dated Markdown diary.")
    if command == "check":
        parser.add_argument("--junit", type=Path, default=None, metavar="FILE", help="write JUnit XML, one test case per snippet")
        parser.add_argument("--require", action="append", default=[], metavar="STATUS[,STATUS…]",
                            help="these statuses fail the check too, e.g. incomplete,needs-package,blocked")
        parser.add_argument("--require-gpu", action="store_true", help="a snippet that needs a GPU fails the check (--require needs-gpu)")
        parser.add_argument("--shard", default=None, metavar="K/N", help="run only the entries of shard K of N")
    if command == "serve":
        parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000)")
    parser.add_argument("--diary", type=Path, default=Path("diary"), help="the diary folder (default: diary)")
    parser.add_argument("--snippets", type=Path, default=Path("snippets"), help="setup modules, included files and stored results (default: snippets)")
    parser.add_argument("--out", type=Path, default=Path("site"), help="where the site is written (default: site)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="where snippets run (default: auto, CUDA when present)")
    parser.add_argument("--jobs", type=_positive_int, default=os.cpu_count() or 1, help="entries run at once (default: the number of cores)")
    parser.add_argument("--timeout", type=_positive_float, default=60.0, help="seconds a snippet may run (default: 60)")
    parser.add_argument("--memory-limit", type=_positive_int, default=4096, metavar="MB", help="memory one entry's process may use (default: 4096)")
    parser.add_argument("--no-execute", action="store_true", help="render stored results only; run nothing")
    parser.add_argument("--strict", action="store_true", help="warnings are errors (exit 1)")
    parser.add_argument("--lang", choices=("ru", "en"), default=None, help="language of the site (default: the diary's)")
    parser.add_argument("--month-first", action="store_true", help="read an ambiguous 01/02/2022 as January 2 (default: day first)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    from .build import Settings

    return Settings(
        diary=args.diary, snippets=args.snippets, out=args.out, device=args.device, jobs=args.jobs,
        timeout=args.timeout, memory_limit_mb=args.memory_limit, execute=not args.no_execute,
        strict=args.strict, lang=args.lang, day_first=not args.month_first,
    )


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None]]:
    """A progress bar on a terminal, plain lines otherwise."""
    if sys.stderr.isatty():
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("running snippets", total=None)

            def update(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            yield update
        return
    last = [-1]

    def plain(done: int, total: int) -> None:
        step = max(1, total // 10)
        if done == total or done - last[0] >= step:
            last[0] = done
            print(f"snippets: {done}/{total}", file=sys.stderr)

    yield plain


def summary(report: BuildReport) -> str:
    from .model import Status

    counts = ", ".join(f"{n} {status.value}" for status in Status if (n := report.counts.get(status.value, 0)))
    snippets = sum(report.counts.values())
    site = report.out.as_posix().rstrip("/")
    return "\n".join([*report.notes, (  # missing packages, a prelude to write: above the line that ends the build
        f"Built {report.entries} entries and {report.pages} pages in {report.seconds:.1f} s; "
        f"{snippets} snippets ({counts or 'none'}), {report.ran} run now and {report.reused} from stored results; "
        f"{report.rendered} files written, {report.kept} unchanged; "
        f"{len(report.diagnostics)} warnings. Open {site}/index.html"
    )])


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv.pop(0) if argv and argv[0] in COMMANDS else "build"
    try:
        args = make_parser(command).parse_args(argv)
        _start_worker_early(command, args)
        if command != "build":
            return _run_command(command, args)
        from .build import build

        with _progress() as progress:
            report = build(_settings(args), progress=progress)
        for d in report.diagnostics:
            print(f"{d.source}: warning: {d.message}", file=sys.stderr)
        print(summary(report))
        if args.strict and report.diagnostics:
            print(f"build-site: --strict: {len(report.diagnostics)} warnings are errors", file=sys.stderr)
            return 1
        return 0
    except TetradError as exc:
        print(f"build-site: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("build-site: interrupted; the previous site is unchanged", file=sys.stderr)
        return 130


def _start_worker_early(command: str, args: argparse.Namespace) -> None:
    """Start the process that imports torch (about 2 s) now, before the build's own modules are even
    imported, when the build will surely need it: it runs snippets and the store holds no result yet
    (a first build, a fresh clone). A diary with nothing to run stops it again once that is known
    (`pool.release_unused`); a build with stored results starts it only if an entry needs running."""
    if command not in ("build", "check") or args.no_execute:
        return
    from .execute import pool
    from .execute.store import holds_results

    if not holds_results(args.snippets / "results"):
        pool.prewarm(early=args.jobs > 1)


def _run_command(command: str, args: argparse.Namespace) -> int:
    """The other commands live in modules of their own; each returns its exit code or raises TetradError."""
    import importlib

    module = importlib.import_module(f"generator.{command}")
    code: int = module.run(args, _settings(args))
    return code


if __name__ == "__main__":
    sys.exit(main())
