"""The entry's process: forked from the worker, runs one entry's blocks, then exits.

It starts with torch already imported (inherited from the worker) and
nothing else of any other entry: fresh namespaces, seeds set to 0, its own
session (so the worker can kill it and whatever it started, and count its
processes), a temporary working directory (``PWD`` and ``TMPDIR`` point into
the entry's folder, removed after it), stdin closed, a memory cap, no core
dumps. It reports to the worker over a pipe, one JSON message a line:
``start`` before a block runs (the worker's clock for ``timeout=``),
``result`` after, ``done`` at the end. It never returns: it leaves through
``os._exit``.
"""

from __future__ import annotations

import ctypes
import faulthandler
import json
import os
import random
import resource
import signal
import sys
import tempfile
import types
from collections.abc import Iterable
from typing import Any, NoReturn

from generator.execute.capture import NativeFile
from generator.execute.cells import BlockContext, BlockSpec, EntrySpec
from generator.execute.names import bound_names
from generator.execute.runner import Namespace, run_block


def _send(fd: int, message: dict[str, Any]) -> None:
    data = (json.dumps(_clean(message)) + "\n").encode("ascii")
    while data:
        data = data[os.write(fd, data) :]


def _clean(value: Any) -> Any:
    """Replace lone surrogates (from a repr, say), which UTF-8 files cannot hold."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _cap_memory(limit_mb: int) -> None:
    """Let the process take ``limit_mb`` more private writable memory than the worker had.

    RLIMIT_DATA rather than RLIMIT_AS: it counts what a snippet allocates
    (heap, tensors, arrays) but not the address ranges CUDA and thread pools
    merely reserve, which an address-space cap would turn into failures.
    """
    with open("/proc/self/statm") as statm:
        data_pages = int(statm.read().split()[5])
    cap = data_pages * resource.getpagesize() + limit_mb * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))


_PR_SET_PDEATHSIG = 1


def die_with(worker: int) -> None:
    """End this process if the worker dies: the worker enforces timeouts, so without it an
    endless block would spin on as an orphan (Linux ``PR_SET_PDEATHSIG``; elsewhere nothing)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != worker:  # it died before the request took effect
        os._exit(1)


def _prepare(spec: EntrySpec, workdir: str, capture_dir: str, close: Iterable[int]) -> BlockContext:
    """Make this process an isolated place to run the entry."""
    worker = os.getppid()
    os.setsid()
    die_with(worker)
    for fd in close:
        try:
            os.close(fd)
        except OSError:
            pass
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _cap_memory(spec["memory_limit_mb"])
    if spec["device"] != "cuda":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""  # --device cpu hides a GPU that is there
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    sys.stdin = open(os.devnull)  # input() fails at once with EOFError
    out = NativeFile(os.path.join(capture_dir, "fd1"), 1)
    err = NativeFile(os.path.join(capture_dir, "fd2"), 2)
    faulthandler.enable(open(err.handle, "w", closefd=False))  # a crash's Python traceback
    os.chdir(workdir)
    os.environ["PWD"] = workdir  # not the build's folder, which a snippet should not find by accident
    scratch = os.path.join(capture_dir, "tmp")  # tempfile's files go with the entry's folders
    os.mkdir(scratch)
    os.environ["TMPDIR"] = tempfile.tempdir = scratch
    sys.argv = [""]
    sys.path.insert(1, spec["snippets_dir"])
    _seed(spec["threads"], spec["device"])  # warnings: the worker's filters (see `server.preload`) hold here
    return BlockContext(
        device=spec["device"],
        torch_version=getattr(sys.modules.get("torch"), "__version__", None),
        ran_at=spec["ran_at"],
        output_limit=spec["output_limit"],
        memory_limit_mb=spec["memory_limit_mb"],
        sources=_sources(spec["blocks"], spec.get("prelude")),
        native_out=out,
        native_err=err,
        prelude=(spec["prelude"][0], spec["prelude"][1]) if spec.get("prelude") else None,
    )


def _seed(threads: int, device: str) -> None:
    random.seed(0)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(0)
    torch: Any = sys.modules.get("torch")
    if torch is not None:
        if threads:
            torch.set_num_threads(threads)
        if device == "cuda":
            torch.manual_seed(0)  # the CPU's generator, and CUDA's once CUDA starts
        else:  # CUDA is hidden: only the CPU's generator (torch.manual_seed would queue CUDA's, tracing the stack)
            torch.random.default_generator.manual_seed(0)


def _sources(blocks: list[BlockSpec], prelude: list[str] | None) -> dict[str, dict[int, str]]:
    """Each own file's lines by number, for tracebacks."""
    sources: dict[str, dict[int, str]] = {}
    if prelude:
        sources[prelude[0]] = dict(enumerate(prelude[1].splitlines(), start=1))
    for block in blocks:
        lines = sources.setdefault(block["filename"], {})
        for n, line in enumerate(block["code"].splitlines(), start=block["offset"] + 1):
            lines[n] = line
        if block["setup"]:
            name, code = block["setup"]
            sources.setdefault(name, {}).update(enumerate(code.splitlines(), start=1))
    return sources


def _namespaces(blocks: list[BlockSpec], ctx: BlockContext) -> dict[str | None, Namespace]:
    """The entry's namespaces (its own, and one per ``session=``), each knowing what its code binds."""
    spaces: dict[str | None, Namespace] = {}
    for block in blocks:
        if block["session"] in spaces:
            continue
        code = [b["code"] for b in blocks if b["session"] == block["session"]]
        code += [b["setup"][1] for b in blocks if b["session"] == block["session"] and b["setup"]]
        code += [ctx.prelude[1]] if ctx.prelude else []
        binds = frozenset({"device"}).union(*(bound_names(c) for c in code))
        module = types.ModuleType("__main__")
        module.__dict__["device"] = ctx.device
        spaces[block["session"]] = Namespace(module, binds)
    return spaces


def run_entry(spec: EntrySpec, channel: int, workdir: str, capture_dir: str, close: Iterable[int]) -> NoReturn:
    """Run the entry's blocks in order and report each; then exit."""
    try:
        ctx = _prepare(spec, workdir, capture_dir, close)
        spaces = _namespaces(spec["blocks"], ctx)
        for i, block in enumerate(spec["blocks"]):
            space = spaces[block["session"]]
            sys.modules["__main__"] = space.module  # so pickle finds classes a snippet defines
            _send(channel, {"t": "start", "i": i, "timeout": block["timeout"]})
            result = run_block(block, space, ctx)
            _send(channel, {"t": "result", "i": i, "result": result})
        _send(channel, {"t": "done"})
    except BaseException as exc:  # the engine's own failure: say so, the worker reports a crash
        try:
            _send(channel, {"t": "error", "error": f"{type(exc).__name__}: {exc}"})
        except BaseException:
            pass
        os._exit(70)
    os._exit(0)
