"""IPython in the entry's process: cells run as IPython runs them, outputs kept as Jupyter keeps them.

One `InteractiveShell` is made in the worker (`prepare`, before any entry is
forked) and inherited by every entry's process. Its own machinery does the
work: input transformations (line and cell magics, ``!`` shell escapes),
``last_expr_or_assign`` or Jupyter's ``last_expr`` rule for what is shown, the
display formatter (the pretty printer for ``text/plain``, rich MIME types),
``display()`` and the inline matplotlib backend. Three things are tetrad's:

- the display hook and publisher record outputs (nbformat dicts) instead of
  printing them, as ipykernel's send them to the notebook;
- a cell is compiled under its diary file's name and moved to its real lines,
  so a frame reads ``diary/2022-01.md, line 42``;
- errors are recorded as exception objects, not printed (the block's judge
  formats them), including those a magic catches and shows itself.
"""

from __future__ import annotations

import ast
import base64
import functools
import json
import linecache
import os
import re
import sys
import types
import warnings
from dataclasses import dataclass, field
from typing import Any

from IPython.core.compilerop import CachingCompiler
from IPython.core.display_trap import DisplayTrap
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_BINARY = {"image/png", "image/jpeg", "application/pdf"}


def _mime_text(mime: str, value: object) -> str | None:
    """A MIME bundle's value as the text nbformat stores: base64 for images, JSON as text."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii") if mime in _BINARY else value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    if mime.endswith("json"):
        try:
            return json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            return None
    return None


def _bundle(data: dict[str, Any]) -> dict[str, str]:
    return {mime: text for mime, value in data.items() if (text := _mime_text(mime, value)) is not None}


class _Hook(DisplayHook):
    """The shown value of a cell: recorded as an ``execute_result``."""

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict: dict[str, Any], md_dict: Any = None) -> None:
        shell: Shell = self.shell
        shell.cell.outputs.append({"output_type": "execute_result", "execution_count": None,
                                   "data": _bundle(format_dict), "metadata": {}})

    def finish_displayhook(self) -> None:
        pass


class _Publisher(DisplayPublisher):
    """``display()`` and figures: recorded as ``display_data``."""

    def publish(self, data: dict[str, Any], metadata: Any = None, source: Any = None, *, transient: Any = None,
                update: bool = False, **kwargs: Any) -> None:
        shell: Shell = self.shell
        shell.cell.outputs.append({"output_type": "display_data", "data": _bundle(data), "metadata": {}})

    def clear_output(self, wait: bool = False) -> None:
        shell: Shell = self.shell
        shell.cell.outputs = [o for o in shell.cell.outputs if o["output_type"] == "execute_result"]


class _Compiler(CachingCompiler):
    """Names every cell after its diary file and keeps its lines for tracebacks and ``inspect``."""

    filename = "<cell>"
    offset = 0

    def get_code_name(self, raw_code: str, transformed_code: str, number: int) -> str:
        return self.filename

    def cache(self, transformed_code: str, number: int = 0, raw_code: str | None = None) -> str:
        entry = linecache.cache.get(self.filename)
        lines = list(entry[2]) if entry is not None and entry[1] is None else []
        new = transformed_code.splitlines(keepends=True)
        if len(lines) < self.offset + len(new):
            lines.extend("\n" for _ in range(self.offset + len(new) - len(lines)))
        lines[self.offset:self.offset + len(new)] = new
        linecache.cache[self.filename] = (sum(map(len, lines)), None, lines, self.filename)
        return self.filename


class _Shift(ast.NodeTransformer):
    """Moves a cell's tree to the cell's lines in its file."""

    offset = 0

    def visit_Module(self, node: ast.Module) -> ast.Module:
        if self.offset:
            ast.increment_lineno(node, self.offset)
        return node


@dataclass
class Cell:
    """What one cell produced besides its streams."""

    outputs: list[dict[str, Any]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# Installing packages changes the environment every other entry and build runs in: never done from a snippet.
_INSTALL = re.compile(r"^\s*(?:sudo\s+)?(?:\S*python[\d.]*\s+-m\s+)?(?:pip[\d.]*|conda|mamba|micromamba|uv\s+pip"
                      r"|apt(?:-get)?|brew|yum|dnf)\s+(?:-\S+\s+)*(?:install|uninstall|remove|upgrade)\b")


def _refused(shell: Shell, command: str) -> None:
    shell.cell.notes.append(f"`{command.strip()}` was not run: tetrad installs no packages (install them where the build runs)")


class Shell(InteractiveShell):  # type: ignore[misc]
    """The entry process's IPython: records outputs and errors instead of printing them."""

    cell = Cell()

    def init_displayhook(self) -> None:
        self.displayhook = _Hook(shell=self, cache_size=self.cache_size)
        self.configurables.append(self.displayhook)
        self.display_trap = DisplayTrap(hook=self.displayhook)

    def init_display_pub(self) -> None:
        self.display_pub = _Publisher(shell=self, parent=self)
        self.configurables.append(self.display_pub)

    def showtraceback(self, exc_tuple: Any = None, filename: Any = None, tb_offset: Any = None,
                      exception_only: bool = False, running_compiled_code: bool = False) -> None:
        try:
            _, value, tb = self._get_exc_info(exc_tuple)
        except ValueError:
            return
        if value is not None:
            self.cell.errors.append(value.with_traceback(tb) if tb is not None else value)

    @functools.lru_cache(maxsize=512)  # noqa: B019 (one shell per process, never freed)
    def transform_cell(self, raw_cell: str) -> str:
        """IPython's transformations, once per distinct cell: a block is read for what it holds, for
        the names it binds and then run, and each would tokenize it again (a millisecond an entry)."""
        return str(super().transform_cell(raw_cell))

    def enable_gui(self, gui: str | None = None) -> None:
        """``%matplotlib inline`` asks for no GUI loop; there is no screen for any other (as ipykernel's inline)."""

    def system_piped(self, cmd: str) -> None:
        if _INSTALL.match(cmd):
            return _refused(self, f"!{cmd}")
        super().system_piped(cmd)

    system = system_piped

    def getoutput(self, cmd: str, split: bool = True, depth: int = 0) -> Any:
        if _INSTALL.match(cmd):
            return _refused(self, f"!{cmd}")
        return super().getoutput(cmd, split, depth + 1)

    def showsyntaxerror(self, filename: Any = None, running_compiled_code: bool = False) -> None:
        self.showtraceback()

    def showindentationerror(self) -> None:
        self.showtraceback()


_shell: Shell | None = None


def prepare(home: str | None = None) -> Shell:
    """Make the shell once, in the worker; entries forked later inherit it.

    ``home`` is where IPython may keep its profile folder (the worker's own
    temporary folder), never the user's ``~/.ipython``.
    """
    global _shell
    if _shell is None:
        if home is not None:
            os.environ.setdefault("IPYTHONDIR", home)
        os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)  # figures are displayed, as in Jupyter
        config = Config()
        config.HistoryManager.enabled = False  # no SQLite file, no thread
        config.InteractiveShell.colors = "NoColor"
        config.InteractiveShell.autocall = 0
        _shell = Shell.instance(config=config)
        _shell.compile = _Compiler()
        _shell.ast_transformers.append(_Shift())
        warnings.filterwarnings("ignore", message="To exit: use 'exit', 'quit', or Ctrl-D")
        for name in ("pip", "conda", "mamba", "micromamba", "uv"):
            _guard_magic(_shell, name)
        _warm(_shell)
    return _shell


def _warm(shell: Shell) -> None:
    """Take the first-call paths of a cell (a value shown, a print, an error) once, in the worker: each
    entry's process would otherwise set them up again, touching memory it shares with the worker."""
    saved = sys.stdout
    sys.stdout = open(os.devnull, "w")
    try:
        use_namespace(types.ModuleType("__main__"))
        # format_stack: torch records the stack of a lazy CUDA call (every manual_seed makes one), which reads
        # the source lines of IPython's frames; read here, they are in every entry's linecache already.
        for code in ("x = [1, 2]\nx", "print(x)", "1 / 0", "x +", "import traceback\ntraceback.format_stack()"):
            run_cell(code, "<warm-up>", 0, interactivity="last_expr_or_assign")
    finally:
        sys.stdout.close()
        sys.stdout = saved
        shell.cell = Cell()
        linecache.cache.pop("<warm-up>", None)


def _guard_magic(shell: Shell, name: str) -> None:
    """``%pip install`` (and automagic ``pip install``) is refused; ``%pip list`` and the like still run."""
    original = shell.find_line_magic(name)

    def magic(line: str) -> Any:
        if _INSTALL.match(f"{name} {line}"):
            return _refused(shell, f"%{name} {line}")
        if original is None:
            raise NameError(f"magic %{name} is not available")
        return original(line)

    shell.register_magic_function(magic, "line", name)


def use_namespace(module: types.ModuleType) -> Shell:
    """Point the shell at an entry's namespace (each ``session=`` has its own)."""
    shell = prepare()
    if shell.user_module is not module:
        shell.user_module = module
        shell.user_ns = module.__dict__
        if "get_ipython" not in module.__dict__:
            shell.init_user_ns()
    return shell


def transform(code: str) -> str:
    """The cell as Python, after IPython's input transformations (magics, ``!``)."""
    return str(prepare().transform_cell(code))


def run_cell(code: str, filename: str, offset: int, *, interactivity: str) -> Cell:
    """Run ``code`` as IPython runs a cell, in the current namespace; its outputs and errors.

    ``interactivity`` is ``last_expr_or_assign`` (a Markdown diary) or
    ``last_expr`` (a notebook, as Jupyter shows values).
    """
    shell = prepare()
    shell.cell = cell = Cell()
    lead = len(code) - len(code.lstrip("\n"))  # IPython drops leading blank lines: keep the count
    shell.compile.filename, shell.compile.offset = filename, offset + lead
    shift = next(t for t in shell.ast_transformers if isinstance(t, _Shift))
    shift.offset = offset + lead
    shell.ast_node_interactivity = interactivity
    result = shell.run_cell(code, store_history=True)
    for error in (result.error_before_exec, result.error_in_exec):
        if error is not None and all(error is not e for e in cell.errors):
            cell.errors.append(error)
    for error in cell.errors:
        if isinstance(error, SyntaxError) and error.filename == filename and error.lineno is not None:
            if not getattr(error, "_tetrad_moved", False):  # parsed before the tree could be moved
                error.lineno += offset + lead
                error._tetrad_moved = True  # type: ignore[attr-defined]
    sys.stdout.flush()
    return cell
