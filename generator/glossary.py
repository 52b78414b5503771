"""The glossary: ML concepts, the terms that name them, and the user's changes.

The built-in glossary is ``data/glossary.yml``: some seventy concepts, each a
display name and its Russian and English terms, plus the tables that name the
PyTorch APIs found in code (read by :mod:`generator.concepts`). A diary may
add to it with ``diary/glossary.yml``::

    Tensor: [тензорище]                # more terms for a built-in concept
    Метод опорных векторов: [SVM]      # a new concept (its name is a term too)
    Kernel trick: ядерный трюк, kernel trick   # terms may be a plain comma-separated string
    rename:
      Backpropagation: Обратное распространение   # a built-in shown under another name
    ignore: [Layer]                    # built-in concepts this diary does not want

``rename`` and ``ignore`` are the only reserved keys. Concept names compare
without regard to case or ``ё``/``е``. This module says which terms exist
and how a word is reduced to the stem it is compared by (:func:`stem`);
finding terms in text is :mod:`generator.concepts`' job.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from .model import Diagnostic, Source

# -- words: how terms and text are compared --------------------------------------------

_CYRILLIC = re.compile(r"[а-я]")

_RU_VOWELS = "аеиоуыэюя"
_RU_GERUND = (("в", "вши", "вшись"), ("ив", "ивши", "ившись", "ыв", "ывши", "ывшись"))
_RU_ADJECTIVE = ("ее", "ие", "ые", "ое", "ими", "ыми", "ей", "ий", "ый", "ой", "ем", "им", "ым", "ом",
                 "его", "ого", "ему", "ому", "их", "ых", "ую", "юю", "ая", "яя", "ою", "ею")
_RU_PARTICIPLE = (("ем", "нн", "вш", "ющ", "щ"), ("ивш", "ывш", "ующ"))
_RU_REFLEXIVE = ("ся", "сь")
_RU_VERB = (("ла", "на", "ете", "йте", "ли", "й", "л", "ем", "н", "ло", "но", "ет", "ют", "ны", "ть", "ешь", "нно"),
            ("ила", "ыла", "ена", "ейте", "уйте", "ите", "или", "ыли", "ей", "уй", "ил", "ыл", "им", "ым", "ен",
             "ило", "ыло", "ено", "ят", "ует", "уют", "ит", "ыт", "ены", "ить", "ыть", "ишь", "ую", "ю"))
_RU_NOUN = ("а", "ев", "ов", "ие", "ье", "е", "иями", "ями", "ами", "еи", "ии", "и", "ией", "ей", "ой", "ий", "й",
            "иям", "ям", "ием", "ем", "ам", "ом", "о", "у", "ах", "иях", "ях", "ы", "ь", "ию", "ью", "ю", "ия",
            "ья", "я")


def normalize(word: str) -> str:
    """Case-folded NFC with ``ё`` as ``е``: the form words are compared in."""
    return unicodedata.normalize("NFC", word).casefold().replace("ё", "е")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The stem of one word: Snowball's Russian rules for Cyrillic, plural endings for Latin.

    Identifiers with digits or underscores are left whole.
    """
    if len(word) > 2 and word.endswith("s") and word[:-1].isupper():
        word = word[:-1]  # an acronym's plural: GPUs, CNNs
    word = normalize(word)
    if not word.isalpha():
        return word
    if _CYRILLIC.search(word):
        return _stem_russian(word)
    return _stem_english(word)


def _stem_english(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _strip(word: str, start: int, endings: Sequence[str], after_a: Sequence[str] = ()) -> str | None:
    """Remove the longest ending that lies in ``word[start:]``; ``after_a`` endings need а/я before them."""
    best: str | None = None
    for ending in (*endings, *after_a):
        cut = len(word) - len(ending)
        if cut < start or not word.endswith(ending) or (best is not None and len(ending) <= len(best)):
            continue
        if ending in after_a and ending not in endings and not (cut - 1 >= start and word[cut - 1] in "ая"):
            continue
        best = ending
    return None if best is None else word[: len(word) - len(best)]


def _stem_russian(word: str) -> str:
    """The Snowball Russian stemmer (snowballstem.org/algorithms/russian), step by step."""
    rv = next((i + 1 for i, c in enumerate(word) if c in _RU_VOWELS), len(word))
    r1 = _region(word, 0)
    r2 = _region(word, r1)
    # Step 1: a perfective gerund, or else (after a reflexive ending) an adjectival, verb or noun ending.
    done = _strip(word, rv, _RU_GERUND[1], _RU_GERUND[0])
    if done is None:
        word = _strip(word, rv, _RU_REFLEXIVE) or word
        adjective = _strip(word, rv, _RU_ADJECTIVE)
        if adjective is not None:
            done = _strip(adjective, rv, _RU_PARTICIPLE[1], _RU_PARTICIPLE[0]) or adjective
        else:
            done = _strip(word, rv, _RU_VERB[1], _RU_VERB[0]) or _strip(word, rv, _RU_NOUN)
    word = done or word
    # Step 2: a final и.
    if word.endswith("и") and len(word) - 1 >= rv:
        word = word[:-1]
    # Step 3: a derivational ending in R2.
    word = _strip(word, r2, ("ост", "ость")) or word
    # Step 4: a superlative, a doubled н, a soft sign.
    word = _strip(word, rv, ("ейш", "ейше")) or word
    if word.endswith("нн") and len(word) - 2 >= rv:
        return word[:-1]
    if word.endswith("ь") and len(word) - 1 >= rv:
        return word[:-1]
    return word


def _region(word: str, start: int) -> int:
    """Where the region after the first non-vowel that follows a vowel (from ``start``) begins."""
    for i in range(start + 1, len(word)):
        if word[i] not in _RU_VOWELS and word[i - 1] in _RU_VOWELS:
            return i + 1
    return len(word)


# -- concepts ---------------------------------------------------------------------------


def name_key(name: str) -> str:
    """The form in which concept names are compared: case-folded, ``ё`` read as ``е``."""
    return " ".join(name.casefold().replace("ё", "е").split())


@dataclass(frozen=True)
class Concept:
    """One concept: its display name, its terms, and the names it had before a rename."""

    name: str
    terms: tuple[str, ...] = ()
    former_names: tuple[str, ...] = ()

    def all_terms(self) -> tuple[str, ...]:
        """Every phrase that names the concept: the name, former names, terms."""
        return (self.name, *self.former_names, *self.terms)


@dataclass(frozen=True)
class Glossary:
    """Concepts in a fixed order; later concepts win a term they share with earlier ones.

    ``ignored`` holds the name keys of concepts the user turned off, so that
    names found in code (which are built-in names) are dropped too.
    """

    concepts: tuple[Concept, ...]
    ignored: frozenset[str] = frozenset()

    def get(self, name: str) -> Concept | None:
        """The concept called ``name`` now or before a rename, if any (the first, if several are)."""
        return self._by_name.get(name_key(name))

    @functools.cached_property
    def _by_name(self) -> dict[str, Concept]:
        index: dict[str, Concept] = {}
        for concept in self.concepts:
            for n in (concept.name, *concept.former_names):
                index.setdefault(name_key(n), concept)
        return index

    def display_name(self, name: str) -> str | None:
        """How a concept found elsewhere (code, tags) is shown: renamed, as is, or None if ignored."""
        concept = self.get(name)
        if concept is not None:
            return concept.name
        return None if name_key(name) in self.ignored else name


@dataclass(frozen=True)
class UserGlossary:
    """What ``diary/glossary.yml`` asks for, as written; :func:`merge` applies it."""

    additions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    renames: tuple[tuple[str, str], ...] = ()
    ignored: tuple[str, ...] = ()


@functools.cache
def builtin_data() -> dict[str, Any]:
    """The parsed ``data/glossary.yml`` (every scalar a string); shared, do not modify."""
    text = resources.files("generator").joinpath("data/glossary.yml").read_text(encoding="utf-8")
    # BaseLoader: "NO", "1e3" stay strings; libyaml's C version of it where PyYAML was built with it (faster)
    data = yaml.load(text, Loader=getattr(yaml, "CBaseLoader", yaml.BaseLoader))  # noqa: S506 (builds no objects)
    if not isinstance(data, dict):
        raise TypeError("generator/data/glossary.yml: expected a mapping")
    return data


@functools.cache
def builtin_glossary() -> Glossary:
    """The glossary shipped with tetrad."""
    concepts = builtin_data()["concepts"]
    return Glossary(tuple(Concept(name, tuple(terms or ())) for name, terms in concepts.items()))


def parse_user_glossary(
    text: str, path: str, base: Glossary | None = None
) -> tuple[UserGlossary, tuple[Diagnostic, ...]]:
    """Read a user glossary; problems become diagnostics at their line, never exceptions.

    ``base`` (the built-in glossary by default) is what ``rename`` and
    ``ignore`` must name.
    """
    base = base if base is not None else builtin_glossary()
    problems: list[Diagnostic] = []

    def warn(node: yaml.Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        problems.append(Diagnostic(Source(path, line), message))

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        return UserGlossary(), (Diagnostic(Source(path, line), f"glossary is not valid YAML: {problem}"),)
    if root is None:
        return UserGlossary(), ()
    if not isinstance(root, yaml.MappingNode):
        warn(root, "glossary: expected 'Concept name: [term, ...]' lines")
        return UserGlossary(), tuple(problems)

    additions: list[tuple[str, tuple[str, ...]]] = []
    renames: list[tuple[str, str]] = []
    ignored: list[str] = []
    seen: dict[str, int] = {}
    for key_node, value_node in root.value:
        if not isinstance(key_node, yaml.ScalarNode) or not key_node.value.strip():
            warn(key_node, "glossary: a concept name must be plain text")
            continue
        name = key_node.value.strip()
        key = name_key(name)
        if key == "rename":
            renames.extend(_renames(value_node, base, warn))
        elif key == "ignore":
            ignored.extend(_ignored(value_node, base, warn))
        else:
            if key in seen:
                warn(key_node, f"glossary: '{name}' is listed twice (line {seen[key]}); its terms are merged")
            seen.setdefault(key, key_node.start_mark.line + 1)
            additions.append((name, tuple(_terms(name, value_node, warn))))
    return UserGlossary(tuple(additions), tuple(renames), tuple(ignored)), tuple(problems)


def _scalars(node: yaml.Node) -> Iterator[yaml.Node]:
    """A scalar, or the items of a sequence (each still to be checked)."""
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    else:
        yield node


def _terms(name: str, node: yaml.Node, warn: Any) -> Iterator[str]:
    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
        return  # "Name:" alone: the name is the only term
    if isinstance(node, yaml.MappingNode):
        warn(node, f"glossary: terms of '{name}' must be a list like [term, term]")
        return
    for item in _scalars(node):
        if not isinstance(item, yaml.ScalarNode):
            warn(item, f"glossary: a term of '{name}' must be plain text")
            continue
        # "Name: a, b" is read as two terms, like "Name: [a, b]".
        for term in item.value.split(",") if isinstance(node, yaml.ScalarNode) else [item.value]:
            if any(c.isalnum() for c in term):
                yield term.strip()
            else:
                warn(item, f"glossary: term {term.strip()!r} of '{name}' has no words")


def _renames(node: yaml.Node, base: Glossary, warn: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(node, yaml.MappingNode):
        warn(node, "glossary: rename must map old names to new ones, like 'rename: {Tensor: Тензор}'")
        return
    taken = {name_key(c.name) for c in base.concepts}
    for old_node, new_node in node.value:
        if not isinstance(old_node, yaml.ScalarNode) or not isinstance(new_node, yaml.ScalarNode):
            warn(old_node, "glossary: rename needs 'Old name: New name'")
            continue
        old, new = old_node.value.strip(), new_node.value.strip()
        if base.get(old) is None:
            warn(old_node, f"glossary: cannot rename '{old}': no such built-in concept")
        elif not any(c.isalnum() for c in new):
            warn(new_node, f"glossary: the new name for '{old}' is empty")
        elif name_key(new) in taken and name_key(new) != name_key(old):
            warn(new_node, f"glossary: cannot rename '{old}' to '{new}': that concept exists")
        else:
            yield old, new


def _ignored(node: yaml.Node, base: Glossary, warn: Any) -> Iterator[str]:
    for item in _scalars(node):
        if not isinstance(item, yaml.ScalarNode) or item.tag.endswith(":null"):
            warn(item, "glossary: ignore needs a list of concept names")
        elif base.get(item.value) is None:
            warn(item, f"glossary: cannot ignore '{item.value}': no such built-in concept")
        else:
            yield item.value.strip()


def merge(base: Glossary, user: UserGlossary) -> Glossary:
    """``base`` with the user's renames, then additions, then ignores applied.

    Added terms go to the concept of that name (old or new name); a name not
    in ``base`` is a new concept, placed after the built-ins so that its terms
    win a term both define. Invalid requests (reported by
    :func:`parse_user_glossary`) are skipped.
    """
    concepts = list(base.concepts)
    for old, new in user.renames:
        i = _index(concepts, old)
        if i is not None and (_index(concepts, new) in (None, i)):
            c = concepts[i]
            formers = c.former_names if name_key(c.name) == name_key(new) else (*c.former_names, c.name)
            concepts[i] = Concept(new, c.terms, formers)
    for name, terms in user.additions:
        i = _index(concepts, name)
        if i is None:
            concepts.append(Concept(name, _unique(terms)))
        else:
            c = concepts[i]
            concepts[i] = Concept(c.name, _unique((*c.terms, *terms)), c.former_names)
    dropped = {name_key(n) for n in user.ignored}
    kept = []
    for c in concepts:
        names = {name_key(c.name), *(name_key(n) for n in c.former_names)}
        if names & dropped:
            dropped |= names
        else:
            kept.append(c)
    return Glossary(tuple(kept), base.ignored | frozenset(dropped))


def _index(concepts: list[Concept], name: str) -> int | None:
    key = name_key(name)
    for i, c in enumerate(concepts):
        if key == name_key(c.name) or any(key == name_key(n) for n in c.former_names):
            return i
    return None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
