"""Why a block failed, when the reason is not a mistake in its code: a fragment, a missing package, a failed block above.

Inside the entry's process, after a block raised. The judgement uses what the
process knows: the exception, the namespace as it is now, and the names the
namespace's blocks, setup and prelude bind (read from their syntax, see
`names`). The rules:

- ``needs-package``: a ``ModuleNotFoundError`` (or an ImportError caused by
  one) for a top-level module that is not installed here;
- ``blocked``: a ``NameError`` for a name that a block above, in the same
  namespace, binds but did not get to (it failed, was skipped, or was itself
  blocked): the result names the first failure of that chain;
- ``incomplete``: a ``NameError`` for a name nothing in the namespace binds
  (elided code, a name from another post, an import the author never wrote),
  unless it is close to a name that is defined (a typo: ``failed``, with
  Python's suggestion); or a ``...`` used as a value (elided code).
"""

from __future__ import annotations

import builtins
import difflib
import importlib.util
import keyword
import symtable
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from generator.execute.names import STAR, bound_names, uses_ellipsis
from generator.model import Status
from generator.packages import distribution


@dataclass(frozen=True)
class Earlier:
    """A block above in the same namespace, as the judgement needs it."""

    id: str
    where: str  # "line 42", "cell 4"
    status: Status
    binds: frozenset[str]
    root: str  # the first failure it depends on (its own id when it is not blocked)


@dataclass(frozen=True)
class Cause:
    """The status of a raised block when its cause is known, and its details."""

    status: Status
    message: str
    names: tuple[str, ...] = ()
    package: str | None = None
    blocked_by: str | None = None


# Names learners import in every post and leave out of fragments: never taken for a typo of a defined name.
HABITUAL = (
    "torch", "nn", "F", "optim", "np", "plt", "pd", "sns", "torchvision", "transforms", "datasets", "models",
    "DataLoader", "Dataset", "TensorDataset", "tqdm", "math", "os", "sys", "random", "time", "json", "re", "Path",
    "tf", "keras", "jnp", "jax", "sp", "scipy", "mpl", "Image", "cv2", "sklearn", "fastai", "display", "Variable",
)
_NOT_DONE = frozenset({Status.FAILED, Status.SKIPPED, Status.INCOMPLETE, Status.NEEDS_PACKAGE, Status.BLOCKED,
                       Status.NEEDS_GPU, Status.TIMEOUT, Status.CRASHED})


def _chain(exc: BaseException) -> Iterable[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen) and len(seen) < 10:
        seen.append(current)
        yield current
        current = current.__cause__ or current.__context__


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def missing_module(exc: BaseException) -> str | None:
    """The module a ``ModuleNotFoundError`` in the chain names, if its package is not installed here:
    its top-level name, or the part below a namespace package that holds nothing of it
    (``google.colab`` where only ``google.protobuf`` is installed). A submodule missing from an
    installed package (``torch.nn.functionl``) is a mistake, not a missing package."""
    for error in _chain(exc):
        name = getattr(error, "name", None) if isinstance(error, ModuleNotFoundError) else None
        if not name:
            continue
        parts = str(name).split(".")
        if not _installed(parts[0]):
            return parts[0]
        for depth in range(1, len(parts)):
            parent = importlib.util.find_spec(".".join(parts[:depth]))
            if parent is None or parent.origin not in (None, "namespace"):  # a regular package: it is there
                break
            if not _installed(".".join(parts[: depth + 1])):
                return ".".join(parts[: depth + 1])
    return None


def missing_file(exc: BaseException) -> str | None:
    """The relative path a ``FileNotFoundError`` names: data the entry reads but does not make."""
    if isinstance(exc, FileNotFoundError) and isinstance(exc.filename, str) and exc.filename:
        path = exc.filename
        if not path.startswith(("/", "~")) and "://" not in path:
            return path
    return None


def free_names(code: str) -> list[str]:
    """Names ``code`` reads from its module's namespace, in the order they first appear."""
    try:
        table = symtable.symtable(code, "<block>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: dict[str, None] = {}

    def walk(scope: symtable.SymbolTable, top: bool) -> None:
        for symbol in scope.get_symbols():
            name = symbol.get_name()
            if not symbol.is_referenced():
                continue
            if top and not (symbol.is_assigned() or symbol.is_imported()):
                found.setdefault(name, None)
            elif not top and symbol.is_global() and not symbol.is_declared_global():
                found.setdefault(name, None)
        for child in scope.get_children():
            walk(child, False)

    walk(table, True)
    order = {name: code.find(name) for name in found}
    return sorted(found, key=lambda n: (order[n] if order[n] >= 0 else len(code), n))


def _suggestion(exc: NameError, name: str, namespace: Mapping[str, object]) -> str | None:
    """Python's own "Did you mean" for a NameError, if it has one (computed by `traceback` from 3.12
    on; before that only the interpreter's printer made it, so a close match stands in)."""
    compute = getattr(traceback, "_compute_suggestion_error", None)
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if compute is not None and tb is not None:
        try:
            found = compute(exc, tb, name)
            return str(found) if found else None
        except Exception:  # a private helper: its absence or change is no reason to fail
            pass
    candidates = [n for n in (*namespace, *dir(builtins)) if not n.startswith("_")]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.8)
    return close[0] if close else None


def judge(exc: BaseException, code: str, namespace: Mapping[str, object], earlier: Sequence[Earlier],
          binds: frozenset[str]) -> Cause | None:
    """The cause of ``exc`` raised by ``code``, or None when it is an ordinary failure (a misspelt
    name is a failure too, with Python's suggestion).

    ``earlier`` are the blocks above in the namespace, oldest first; ``binds``
    what the namespace's code binds anywhere (its blocks, setup and prelude).
    """
    module = missing_module(exc)
    if module is not None:
        wanted = distribution(module)
        named = f"`{module}` (pip install {wanted})" if wanted != module else f"`{module}`"
        return Cause(Status.NEEDS_PACKAGE, f"needs {named}, which is not installed here", package=module)
    data = missing_file(exc)
    if data is not None:
        return Cause(Status.INCOMPLETE, f"needs the file `{data}`, which nothing in the entry makes: it reads data "
                                        "the diary does not hold")
    if isinstance(exc, NameError) and not isinstance(exc, UnboundLocalError) and getattr(exc, "name", None):
        return _name_cause(exc, str(exc.name), code, namespace, earlier, binds)
    if "ellipsis" in str(exc) and uses_ellipsis(code):
        return Cause(Status.INCOMPLETE, "elided code: a `...` stands for code the entry does not hold")
    return None


def _name_cause(exc: NameError, name: str, code: str, namespace: Mapping[str, object], earlier: Sequence[Earlier],
                binds: frozenset[str]) -> Cause | None:
    # A failed ``from x import *`` binds names no syntax tree can list: any of them may be what it would have defined.
    blocker = next((b for b in reversed(earlier) if b.status in _NOT_DONE and (name in b.binds or STAR in b.binds)), None)
    if blocker is not None:
        root = next((b for b in earlier if b.id == blocker.root), blocker)
        status = Status.NEEDS_GPU if root.status is Status.NEEDS_GPU else Status.BLOCKED
        return Cause(status, f"`{name}` would have been defined by the block at {blocker.where}, which did not "
                             f"run to the end ({blocker.status.value}); fix the block at {root.where} first",
                     names=(name,), blocked_by=root.id)
    if name in bound_names(code):
        return None  # used before the block assigns it: a mistake in the code
    close = None if name in HABITUAL else _suggestion(exc, name, namespace)
    if close is not None:  # misspelt: a mistake in the code, and Python knows what was meant
        return Cause(Status.FAILED, f"did you mean `{close}`?")
    known = set(namespace) | set(dir(builtins)) | set(keyword.kwlist)
    missing = [n for n in free_names(code) if n not in known and (n not in binds or n == name)]
    if name not in missing:
        missing.insert(0, name)
    later = [n for n in missing if n in binds]
    why = "which nothing in its entry defines" if not later else (
        "which only a later block of its entry defines" if len(later) == len(missing) else
        f"which nothing above it defines ({', '.join(later)}: only later)")
    return Cause(Status.INCOMPLETE, f"a fragment: uses {', '.join(missing)}, {why}", names=tuple(missing))
