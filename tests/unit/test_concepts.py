"""Concepts: glossary terms in prose, PyTorch APIs in code, the user's glossary."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from generator.concepts import (
    builtin_glossary,
    concepts_in_code,
    concepts_in_text,
    entry_concepts,
    merge,
    parse_user_glossary,
    resolve_concept,
    stem,
)
from generator.glossary import builtin_data
from generator.model import Source

FIXTURES = Path(__file__).parent / "fixtures" / "concepts"
SEED = Path(__file__).parents[2] / "diary" / "2022-01.md"


def _expected(text: str) -> tuple[str, ...]:
    text = text.strip()
    return () if text == "-" else tuple(t.strip() for t in text.split(","))


def _text_cases() -> list[Any]:
    cases = []
    for n, line in enumerate((FIXTURES / "text.txt").read_text(encoding="utf-8").split("\n"), 1):
        if line.strip() and not line.startswith("#"):
            markdown, _, expected = line.rpartition(" => ")
            cases.append(pytest.param(markdown.replace("\\n", "\n"), _expected(expected), id=f"text.txt:{n}"))
    return cases


def _code_cases() -> list[Any]:
    text = (FIXTURES / "code.txt").read_text(encoding="utf-8")
    cases = []
    for block in text.split("\n=== ")[1:]:
        title, _, rest = block.partition("\n")
        code, _, expected = rest.partition("--- expect\n")
        cases.append(pytest.param(code, _expected(expected), id=title))
    return cases


@pytest.mark.parametrize(("markdown", "expected"), _text_cases())
def test_concepts_in_text(markdown: str, expected: tuple[str, ...]) -> None:
    assert concepts_in_text(markdown, builtin_glossary()) == expected


@pytest.mark.parametrize(("code", "expected"), _code_cases())
def test_concepts_in_code(code: str, expected: tuple[str, ...]) -> None:
    assert concepts_in_code(code) == expected


# -- the seed diary --------------------------------------------------------------------

SEED_PRESENT = {
    "03.01.2022": {"DataLoader"},
    "05.01.2022": {"Tensor", "Autograd", "nn.Module", "forward", "MSE"},
    "06.01.2022": {"CUDA"},
    "07.01.2022": {"LeNet", "GPU", "CNN"},
    "08.01.2022": {"Backpropagation", "Logistic regression"},
}
SEED_ABSENT = {
    "03.01.2022": {"LeNet", "CUDA", "Backpropagation", "Tensor"},
    "05.01.2022": {"LeNet", "CUDA", "DataLoader", "Logistic regression"},
    "06.01.2022": {"LeNet", "nn.Module", "Backpropagation"},
    "07.01.2022": {"DataLoader", "Autograd", "Logistic regression"},
    "08.01.2022": {"LeNet", "CUDA", "DataLoader"},
}


def _seed_entries() -> dict[str, tuple[str, list[str]]]:
    """Entry bodies of the seed by their ``## DD.MM.YYYY`` heading, with their python blocks."""
    parts = re.split(r"^## (\d\d\.\d\d\.\d{4})[ \t]*$", SEED.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {
        date: (body, re.findall(r"^```python\n(.*?)^```", body, flags=re.MULTILINE | re.DOTALL))
        for date, body in zip(parts[1::2], parts[2::2])
    }


def test_seed_entries_have_their_concepts() -> None:
    entries = _seed_entries()
    assert sorted(entries) == sorted(SEED_PRESENT)
    for date, (body, code) in entries.items():
        found = set(entry_concepts(body, code, (), builtin_glossary()))
        assert SEED_PRESENT[date] <= found, date
        assert not SEED_ABSENT[date] & found, date


# -- words -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        "тензор тензоры тензоров тензорами тензору",
        "логистическая логистическую логистической логистических",
        "распространение распространения распространением",
        "свёрточные сверточных свёрточным сверточная",
        "функция функции функцию функций",
        "Tensor tensors TENSORS",
        "batch batches",
    ],
)
def test_inflected_forms_share_a_stem(words: str) -> None:
    assert len({stem(w) for w in words.split()}) == 1


def test_identifiers_are_not_stemmed() -> None:
    assert stem("requires_grad") == "requires_grad"
    assert stem("conv2d") == "conv2d"


# -- the built-in glossary -------------------------------------------------------------


def test_builtin_glossary_is_large_and_cached() -> None:
    glossary = builtin_glossary()
    assert glossary is builtin_glossary()
    names = [c.name for c in glossary.concepts]
    assert len(names) >= 40
    assert len(set(names)) == len(names)
    for name in ("Tensor", "Autograd", "Backpropagation", "Logistic regression", "DataLoader", "CUDA", "LeNet",
                 "MSE", "nn.Module", "forward", "Gradient descent", "Chain rule", "Batch normalization"):
        assert glossary.get(name) is not None, name


def test_every_builtin_term_names_its_own_concept() -> None:
    glossary = builtin_glossary()
    for concept in glossary.concepts:
        for term in concept.all_terms():
            assert concepts_in_text(term, glossary) == (concept.name,), term


def test_code_tables_name_glossary_concepts() -> None:
    glossary = builtin_glossary()
    for table in builtin_data()["code"].values():
        for concepts in table.values():
            for name in concepts:
                assert glossary.get(name) is not None and glossary.get(name).name == name, name  # type: ignore[union-attr]


def test_prose_and_code_agree_on_names() -> None:
    glossary = builtin_glossary()
    pairs = [
        ("nn.Linear", "nn.Linear(1, 2)"),
        ("функция потерь MSE", "nn.MSELoss()"),
        ("кросс-энтропия", "nn.CrossEntropyLoss()"),
        ("DataLoader", "DataLoader(ds)"),
        ("backward", "loss.backward()"),
        ("стохастический градиентный спуск", "torch.optim.SGD(p, lr=1)"),
        ("видеокарта с CUDA", "x.cuda()"),
    ]
    for prose, code in pairs:
        assert set(concepts_in_text(prose, glossary)) & set(concepts_in_code(code)), (prose, code)


def test_resolve_concept_for_wiki_links() -> None:
    glossary = builtin_glossary()
    assert resolve_concept("autograd", glossary) == "Autograd"
    assert resolve_concept("тензоры", glossary) == "Tensor"
    assert resolve_concept("обратное распространение ошибки", glossary) == "Backpropagation"
    assert resolve_concept("тензоры в PyTorch", glossary) is None
    assert resolve_concept("05.01.2022", glossary) is None


def test_code_never_raises() -> None:
    for code in ("", "\x00", "(" * 500, "def f(:", "@", "class", ">>> ", "%%time", "lambda: (yield)"):
        assert isinstance(concepts_in_code(code), tuple)


# -- entries ---------------------------------------------------------------------------


def test_entry_concepts_union_in_order() -> None:
    concepts = entry_concepts(
        "Разобрался с тензорами и CUDA.",
        ["import torch.nn as nn\nnet = nn.Linear(1, 2)\n", "x.cuda()"],
        ["pytorch", "мои заметки", "Tensor"],
        builtin_glossary(),
    )
    assert concepts == ("PyTorch", "мои заметки", "Tensor", "CUDA", "nn.Linear")


def test_entry_concepts_prose_fences_are_left_to_code() -> None:
    body = "Текст.\n```python\nnn.Dropout(0.5)\n```\n"
    assert entry_concepts(body, [], [], builtin_glossary()) == ()
    assert entry_concepts(body, ["nn.Dropout(0.5)"], [], builtin_glossary()) == ("Dropout",)


def test_scanning_thousands_of_entries_is_fast() -> None:
    glossary = builtin_glossary()
    body = SEED.read_text(encoding="utf-8")
    concepts_in_text(body, glossary)
    started = time.perf_counter()
    for i in range(1000):
        concepts_in_text(f"{body} запись{i}", glossary)
    assert time.perf_counter() - started < 5  # about 0.3 s on a laptop


# -- the user's glossary ---------------------------------------------------------------


def test_user_glossary_adds_renames_and_ignores() -> None:
    text = (FIXTURES / "user-glossary.yml").read_text(encoding="utf-8")
    user, problems = parse_user_glossary(text, "diary/glossary.yml")
    assert problems == ()
    glossary = merge(builtin_glossary(), user)

    def find(markdown: str) -> tuple[str, ...]:
        return concepts_in_text(markdown, glossary)

    assert find("тензорище и тензоры") == ("Tensor",)
    assert find("Использовал SVM, метод опорных векторов") == ("Метод опорных векторов",)
    assert find("ядерный трюк") == ("Kernel trick",)
    assert find("модели seq2seq") == ("Seq2seq",)
    assert find("обратное распространение ошибки, backprop") == ("Обратное распространение",)
    assert find("слой за слоем") == ()
    # Names found in code follow the renames and ignores; tags take a concept's name.
    assert entry_concepts("", ["nn.Linear(1, 2)"], ["backpropagation", "layer"], glossary) == (
        "Обратное распространение", "layer", "Линейный слой",
    )
    # The built-in glossary is unchanged.
    assert builtin_glossary().get("Backpropagation") is not None


def test_user_glossary_problems_name_their_lines() -> None:
    text = (FIXTURES / "user-glossary-bad.yml").read_text(encoding="utf-8")
    user, problems = parse_user_glossary(text, "diary/glossary.yml")
    got = [(p.source, p.message) for p in problems]
    expected_lines = {
        2: "terms of 'Broken' must be a list",
        3: "a term of 'Nested' must be plain text",
        4: "term '!!!' of 'Empty' has no words",
        6: "cannot rename 'Tensr': no such built-in concept",
        7: "cannot rename 'Gradient' to 'Tensor': that concept exists",
        8: "cannot ignore 'Nothing'",
        9: "'tensor' is listed twice (line 1)",
    }
    assert [s.line for s, _ in got] == sorted(expected_lines)
    for (source, message), (line, part) in zip(got, sorted(expected_lines.items())):
        assert source == Source("diary/glossary.yml", line)
        assert part in message
    # What was valid still applies.
    glossary = merge(builtin_glossary(), user)
    assert concepts_in_text("тензорище, ещё, ok", glossary) == ("Tensor", "Nested")
    assert glossary.get("Gradient") is not None


@pytest.mark.parametrize(
    ("text", "line", "part"),
    [
        ("Tensor: [a\nb: c", 2, "not valid YAML"),
        ("- just\n- a list\n", 1, "expected 'Concept name: [term, ...]'"),
        ("rename: [a, b]\n", 1, "rename must map old names to new ones"),
    ],
)
def test_user_glossary_broken_files(text: str, line: int, part: str) -> None:
    user, problems = parse_user_glossary(text, "diary/glossary.yml")
    assert len(problems) == 1
    assert problems[0].source.line == line
    assert part in problems[0].message
    assert merge(builtin_glossary(), user) == builtin_glossary()


def test_empty_user_glossary() -> None:
    user, problems = parse_user_glossary("# nothing yet\n", "diary/glossary.yml")
    assert problems == ()
    assert merge(builtin_glossary(), user) == builtin_glossary()


def test_user_terms_win_over_builtin_ones() -> None:
    user, _ = parse_user_glossary("Mini-batch: [батч]\n", "diary/glossary.yml")
    assert concepts_in_text("батчи", merge(builtin_glossary(), user)) == ("Mini-batch",)


def test_the_code_reader_visits_nodes_in_ast_walk_order() -> None:
    import ast

    from generator.concepts import _walk

    code = "import torch\nclass Net(torch.nn.Module):\n    def forward(self, x):\n        return torch.nn.functional.relu(x[0] + 1)\n"
    tree = ast.parse(code)
    assert [id(n) for n in _walk(tree)] == [id(n) for n in ast.walk(tree)]
