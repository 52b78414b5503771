"""Concepts an entry meets: glossary terms in its prose, PyTorch APIs in its code, its tags.

Pure functions over text. Prose is matched word by word on stems (Russian
nouns and adjectives in any case, English plurals), case-insensitively, with
``ё`` read as ``е``, and never inside a longer word: ``CUDA`` is not in
``barracuda``, ``forward`` is not in ``forwarding``. Inside a long word one
typo is forgiven (two in words of ten letters or more) if it keeps the
word's first and last letters, so «распростарненния» still reads as
«распространения». Where terms overlap, the longest wins: «логистическая
регрессия» is Logistic regression, not Regression.

Code is read from its syntax tree: names resolved through the snippet's
imports are looked up in the ``code:`` tables of ``data/glossary.yml``, so an
API and the prose term for the same idea share one name.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .glossary import (
    Concept,
    Glossary,
    UserGlossary,
    builtin_data,
    builtin_glossary,
    merge,
    name_key,
    parse_user_glossary,
    stem,
)

__all__ = [
    "Concept", "Glossary", "UserGlossary", "builtin_glossary", "concepts_in_code", "concepts_in_text",
    "entry_concepts", "merge", "parse_user_glossary", "resolve_concept", "stem",
]

# -- words and typos ---------------------------------------------------------------------

# A word: letters and digits, with inner underscores (identifiers), never the
# underscores of Markdown emphasis around it.
_WORD = re.compile(r"[^\W_]+(?:_+[^\W_]+)*")


def _typos_allowed(term_stem: str) -> int:
    return 2 if len(term_stem) >= 10 else 1 if len(term_stem) >= 6 else 0


def _distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), or ``limit + 1`` once past it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        prev2, prev = prev, row
    return prev[-1]


# -- matching text ---------------------------------------------------------------------

_MARKUP = str.maketrans("", "", "*_~`[]")


@functools.lru_cache(maxsize=4096)
def _joiner(gap: str) -> str | None:
    """How two neighbouring words are joined: "." (``nn.Module``), " " (a phrase), or None (apart)."""
    if gap == ".":
        return "."
    bare = gap.translate(_MARKUP)
    if bare in ("-", "‐", "‑") or (bare.isspace() and bare.count("\n") < 2) or not bare:
        return " "
    return None


_SPLIT = re.compile(f"({_WORD.pattern})")


def _split(text: str) -> tuple[list[str], list[str]]:
    """Words of ``text`` and the text between each word and the next."""
    parts = _SPLIT.split(text)
    return parts[1::2], parts[2:-1:2]


@dataclass(frozen=True)
class _Pattern:
    words: tuple[int, ...]  # word ids
    joins: tuple[str | None, ...]
    concept: str


class _Matcher:
    """A glossary compiled for fast scanning: word stems to ids, patterns by first word."""

    def __init__(self, concepts: Iterable[Concept]) -> None:
        self.ids: dict[str, int] = {}
        patterns: dict[tuple[tuple[int, ...], tuple[str | None, ...]], str] = {}
        for concept in concepts:
            for term in concept.all_terms():
                words, gaps = _split(term)
                joins = tuple(_joiner(g) for g in gaps)
                if words and None not in joins:  # "a, b" is two terms, never one phrase
                    ids = tuple(self.ids.setdefault(stem(w), len(self.ids)) for w in words)
                    patterns[ids, joins] = concept.name  # a later concept wins a shared term
        self.first: dict[int, list[_Pattern]] = {}
        for (ids, joins), name in patterns.items():
            self.first.setdefault(ids[0], []).append(_Pattern(ids, joins, name))
        # Typos are looked for only among stems with the same first and last letter.
        self.near: dict[tuple[str, str], list[tuple[str, int, int]]] = {}
        for s, i in self.ids.items():
            if s.isalpha() and _typos_allowed(s):
                self.near.setdefault((s[0], s[-1]), []).append((s, i, _typos_allowed(s)))
        self._cache: dict[str, frozenset[int]] = {}

    def word_ids(self, word: str) -> frozenset[int]:
        """The glossary words this text word stands for (exactly, or with a typo)."""
        found = self._cache.get(word)
        if found is None:
            s = stem(word)
            ids = {self.ids[s]} if s in self.ids else set()
            if len(s) >= 6 and s.isalpha():
                for other, i, limit in self.near.get((s[0], s[-1]), ()):
                    if i not in ids and _distance(s, other, limit) <= limit:
                        ids.add(i)
            found = self._cache[word] = frozenset(ids)
        return found

    def scan(self, text: str) -> Iterator[tuple[str, int, int]]:
        """(concept, first word, word count) for each match, leftmost-longest, not overlapping."""
        words, gaps = _split(text)
        ids = [self.word_ids(w) for w in words]
        i = 0
        while i < len(words):
            if not ids[i]:
                i += 1
                continue
            best: _Pattern | None = None
            best_score = (0, 0)
            for wid in sorted(ids[i]):
                for p in self.first.get(wid, ()):
                    n = len(p.words)
                    if i + n > len(words) or not all(
                        p.words[k + 1] in ids[i + k + 1] and _joiner(gaps[i + k]) == p.joins[k] for k in range(n - 1)
                    ):
                        continue
                    # The longest match wins; between equals, the one with fewer typos.
                    score = (n, sum(p.words[k] == self.ids.get(stem(words[i + k])) for k in range(n)))
                    if score > best_score:
                        best, best_score = p, score
            if best is None:
                i += 1
            else:
                yield best.concept, i, len(best.words)
                i += len(best.words)


@functools.lru_cache(maxsize=16)
def _matcher(glossary: Glossary) -> _Matcher:
    return _Matcher(glossary.concepts)


_FENCE = re.compile(r"^[ \t]*(?:>[ \t]*)*(`{3,}|~{3,})(.*)$")
_LINK_TARGET = re.compile(r"\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+\"[^\"]*\")?\)")
_URL = re.compile(r"<?\b(?:https?|ftp|file)://[^\s<>]*>?|<!--.*?-->", re.DOTALL)


def prose(markdown: str) -> str:
    """The words of ``markdown`` that can name concepts: fenced code, link targets and URLs removed."""
    kept: list[str] = []
    fence: str | None = None
    for line in markdown.split("\n"):
        m = _FENCE.match(line)
        if fence is None and m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
            fence = m.group(1)
        elif fence is None:
            kept.append(line)
            continue
        elif m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not m.group(2).strip():
            fence = None
        kept.append("")  # keep line numbers
    text = "\n".join(kept)
    return _URL.sub(" ", _LINK_TARGET.sub("] ", text))


def concepts_in_text(markdown: str, glossary: Glossary) -> tuple[str, ...]:
    """Concepts named in an entry's prose and inline code, in order of first appearance.

    Fenced code blocks are left out: :func:`concepts_in_code` reads them.
    """
    return tuple(dict.fromkeys(name for name, _, _ in _matcher(glossary).scan(prose(markdown))))


def resolve_concept(name: str, glossary: Glossary) -> str | None:
    """The concept a wiki-link text such as ``[[тензоры]]`` names as a whole, if any."""
    concept = glossary.get(name)
    if concept is not None:
        return concept.name
    words, _ = _split(name)
    found = list(_matcher(glossary).scan(name))
    if len(found) == 1 and found[0][1:] == (0, len(words)):
        return found[0][0]
    return None


# -- reading code ---------------------------------------------------------------------

# Names a fragment may use without importing them (its setup module does).
_DEFAULT_ALIASES = {
    "torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional", "optim": "torch.optim",
    "np": "numpy", "numpy": "numpy", "torchvision": "torchvision",
    "DataLoader": "torch.utils.data.DataLoader", "Dataset": "torch.utils.data.Dataset",
    "TensorDataset": "torch.utils.data.TensorDataset",
}


@dataclass(frozen=True)
class _CodeTables:
    api: dict[str, tuple[str, ...]]
    prefixes: tuple[tuple[str, tuple[str, ...]], ...]
    methods: dict[str, tuple[str, ...]]
    attributes: dict[str, tuple[str, ...]]
    keywords: dict[str, tuple[str, ...]]
    strings: dict[str, tuple[str, ...]]
    names: tuple[tuple[str, tuple[str, ...]], ...]


@functools.cache
def _tables() -> _CodeTables:
    code: dict[str, dict[str, Any]] = builtin_data()["code"]

    def table(name: str) -> dict[str, tuple[str, ...]]:
        return {k: tuple(v) for k, v in code.get(name, {}).items()}

    api = table("api")
    return _CodeTables(
        api={k: v for k, v in api.items() if not k.endswith(".*")},
        prefixes=tuple(sorted(((k[:-2], v) for k, v in api.items() if k.endswith(".*")), key=lambda kv: -len(kv[0]))),
        methods=table("methods"), attributes=table("attributes"), keywords=table("keywords"),
        strings=table("strings"), names=tuple(sorted(table("names").items(), key=lambda kv: -len(kv[0]))),
    )


def api_concepts(qualname: str) -> tuple[str, ...]:
    """Concepts of one resolved API name, ``torch.optim.SGD`` -> ("SGD", "Optimizer").

    Known APIs come from the table; other classes of ``torch.nn``,
    ``torch.optim`` and ``torch.utils.data`` and functions of
    ``torch.nn.functional`` keep their name without ``torch.``.
    """
    t = _tables()
    if qualname in t.api:
        return t.api[qualname]
    found = [c for prefix, cs in t.prefixes if qualname == prefix or qualname.startswith(prefix + ".") for c in cs]
    module, _, last = qualname.rpartition(".")
    is_class = module in ("torch.nn", "torch.optim", "torch.optim.lr_scheduler", "torch.utils.data")
    if (last[:1].isupper() if is_class else module == "torch.nn.functional" and last[:1].islower()):
        found.insert(0, qualname.removeprefix("torch."))
    if module.startswith("torchvision.models"):
        found.extend(_name_concepts(last))
    return tuple(found)


def _name_concepts(identifier: str) -> tuple[str, ...]:
    low = identifier.lower()
    return next((cs for prefix, cs in _tables().names if low.startswith(prefix)), ())


def _parse(code: str) -> ast.Module | None:
    lines = code.split("\n")
    if code.lstrip().startswith(">>>"):  # a doctest session: its source lines only
        lines = [ln[4:] for ln in lines if ln.startswith((">>> ", "... ")) or ln in (">>>", "...")]
    for attempt in range(2):
        try:
            return ast.parse("\n".join(lines))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            # Notebook magics (%timeit, !pip) are not Python; try once without them.
            magic = [ln.lstrip().startswith(("%", "!")) for ln in lines]
            if attempt or not any(magic):
                return None
            lines = [ln[: len(ln) - len(ln.lstrip())] + "pass" if m else ln for ln, m in zip(lines, magic)]
    return None


def _walk(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` in the order of ``ast.walk`` (breadth first), collected without its generators."""
    nodes = [tree]
    i = 0
    while i < len(nodes):
        node = nodes[i]
        i += 1
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                nodes.append(value)
            elif isinstance(value, list):
                nodes.extend(item for item in value if isinstance(item, ast.AST))
    return nodes


class _CodeReader:
    """Walks one syntax tree, noting (line, column, order, concept) for every API it recognises."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.aliases = dict(_DEFAULT_ALIASES)
        self.found: list[tuple[int, int, int, str]] = []

    def note(self, node: ast.AST, concepts: Iterable[str]) -> None:
        for c in concepts:
            self.found.append((getattr(node, "lineno", 0), getattr(node, "col_offset", 0), len(self.found), c))

    def qualname(self, node: ast.expr) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.aliases:
            return ".".join([self.aliases[node.id], *reversed(parts)])
        return None

    def read(self) -> tuple[str, ...]:
        nodes = _walk(self.tree)
        for node in nodes:
            if isinstance(node, ast.Import):
                for a in node.names:
                    self.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
                    self.note(node, api_concepts(a.name))
            elif isinstance(node, ast.ImportFrom):
                for a in node.names:
                    if a.name != "*":
                        full = f"{node.module}.{a.name}" if node.module and not node.level else f".{a.name}"
                        self.aliases[a.asname or a.name] = full
                        self.note(node, api_concepts(full))
        t = _tables()
        modules: set[str] = set()  # classes of this snippet that are nn.Modules
        for node in sorted((n for n in nodes if isinstance(n, ast.ClassDef)), key=lambda n: n.lineno):
            self.note(node, _name_concepts(node.name))
            bases = [self.qualname(b) or (b.id if isinstance(b, ast.Name) else "") for b in node.bases]
            if any(b.startswith("torch.nn.") or b in modules for b in bases):
                modules.add(node.name)
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == "forward":
                        self.note(item, ("forward",))
        for node in nodes:
            if isinstance(node, (ast.Attribute, ast.Name)):
                name = self.qualname(node)
                if name is not None:
                    self.note(node, api_concepts(name))
                if isinstance(node, ast.Attribute):
                    self.note(node, t.attributes.get(node.attr, ()))
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute):
                    self.note(func, t.methods.get(func.attr, ()))
                    self.note(func, _name_concepts(func.attr))
                elif isinstance(func, ast.Name):
                    self.note(func, _name_concepts(func.id))
                for kw in node.keywords:
                    self.note(kw.value, t.keywords.get(kw.arg or "", ()))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                self.note(node, t.strings.get(node.value.split(":")[0].strip().lower(), ()))
        return tuple(dict.fromkeys(c for *_, c in sorted(self.found)))


def concepts_in_code(code: str) -> tuple[str, ...]:
    """PyTorch concepts a Python snippet uses, in source order; () for code that does not parse.

    Names are the built-in glossary's (``nn.Linear``, ``SGD``, ``Autograd``,
    ``CUDA``); :func:`entry_concepts` applies a user's renames.
    """
    tree = _parse(code)
    return () if tree is None else _CodeReader(tree).read()


# -- an entry ---------------------------------------------------------------------------


def entry_concepts(
    markdown: str, code_blocks: Sequence[str], tags: Sequence[str], glossary: Glossary
) -> tuple[str, ...]:
    """All concepts of one entry: its tags, then its prose, then its code, each once.

    A tag keeps its text as written unless it is a concept's name (in any
    case), which it then takes; names from code follow the user's renames and
    ignores. Duplicates compare case-insensitively; the first spelling stays.
    """
    names: list[str] = [glossary.display_name(t.strip()) or t.strip() for t in tags if t.strip()]
    names.extend(concepts_in_text(markdown, glossary))
    for code in code_blocks:
        names.extend(n for c in concepts_in_code(code) if (n := glossary.display_name(c)) is not None)
    unique: dict[str, str] = {}
    for n in names:
        unique.setdefault(name_key(n), n)
    return tuple(unique.values())
