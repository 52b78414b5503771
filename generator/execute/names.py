"""The names a piece of code binds at its top level, read from its syntax tree, never by running it.

Used to tell a fragment (a block that uses a name nothing in its namespace
defines: ``incomplete``) from a block that fails only because a failed block
above would have defined what it uses (``blocked``), and, across the diary,
to say which earlier entry defines a fragment's names. Pure functions; code
that does not parse binds nothing.
"""

from __future__ import annotations

import ast
import functools


STAR = "*"  # what ``from x import *`` binds: names the tree cannot list


class _Binder(ast.NodeVisitor):
    """Collects the names bound in a module's own scope (not inside functions or classes)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def _target(self, node: ast.AST) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                self.names.add(sub.id)
            elif isinstance(sub, ast.Starred) and isinstance(sub.value, ast.Name):
                self.names.add(sub.value.id)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.names.add(node.name)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.names.add(node.name)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.names.add(node.name)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        return None  # its arguments are its own

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.names.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.names.add(STAR if alias.name == "*" else alias.asname or alias.name)

    def visit_Global(self, node: ast.Global) -> None:
        self.names.update(node.names)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store):  # assignments, for and with targets, walrus
            self.names.add(node.id)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.names.add(node.name)
        self.generic_visit(node)

    def visit_ListComp(self, node: ast.AST) -> None:
        for sub in ast.walk(node):  # only walrus targets leak out of a comprehension
            if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
                self.names.add(sub.target.id)

    visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_ListComp

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.names.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.names.add(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.names.add(node.rest)
        self.generic_visit(node)


@functools.lru_cache(maxsize=4096)
def bound_names(code: str) -> frozenset[str]:
    """The names ``code`` binds at module level: assigned, imported, defined, looped over, caught."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()
    binder = _Binder()
    binder.visit(tree)
    return frozenset(binder.names)


def uses_ellipsis(code: str) -> bool:
    """Whether ``code`` holds a ``...`` outside a subscript (``x[..., 0]`` is indexing, not elided code)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            inside.update(id(sub) for sub in ast.walk(node.slice))
    return any(isinstance(node, ast.Constant) and node.value is Ellipsis and id(node) not in inside
               for node in ast.walk(tree))
