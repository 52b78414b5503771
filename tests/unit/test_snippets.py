"""Finding runnable blocks, reading fence options, keying results (pure: no torch)."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from generator.model import Options
from generator.snippets import cache_key, extract_snippets, parse_info


@pytest.mark.parametrize(
    ("info", "lang", "options"),
    [
        ("python", "python", Options()),
        ("py", "python", Options()),
        ("Python3", "python", Options()),
        ("pycon", "pycon", Options()),
        ("python skip", "python", Options(skip=True)),
        ("python gpu timeout=2.5", "python", Options(gpu=True, timeout=2.5)),
        ("python raises=torch.OutOfMemoryError", "python", Options(raises="torch.OutOfMemoryError")),
        ("python setup=lenet session=train", "python", Options(setup="lenet", session="train")),
        ("python setup=lenet.py", "python", Options(setup="lenet")),
        ('python file="my scripts/train.py"', "python", Options(file="my scripts/train.py")),
        ("python skip=false", "python", Options(skip=False)),
    ],
)
def test_parse_info_reads_runnable_fences(info: str, lang: str, options: Options) -> None:
    assert parse_info(info) == (lang, options, [])


@pytest.mark.parametrize("info", ["", "output", "bash", "text python", "pythonic"])
def test_parse_info_ignores_other_languages(info: str) -> None:
    assert parse_info(info) is None


@pytest.mark.parametrize(
    ("info", "problem"),
    [
        ("python colour=red", "unknown fence option 'colour'"),
        ("python timeout=soon", "option timeout=soon: expected a positive number of seconds"),
        ("python timeout=-1", "option timeout=-1: expected a positive number of seconds"),
        ("python raises=not-a-name", "option raises=not-a-name: expected an exception name"),
        ("python setup", "option setup needs a value (setup=…)"),
        ("python gpu=maybe", "option gpu=maybe: expected no value, true or false"),
    ],
)
def test_parse_info_reports_problems_and_keeps_the_block(info: str, problem: str) -> None:
    parsed = parse_info(info)
    assert parsed is not None
    assert parsed[0] == "python" and parsed[1] == Options() and parsed[2] == [problem]


BODY = textwrap.dedent(
    """\
    Text with ```python inline``` is not a fence.

    - a list item

      ```py
      in_list = 1
      ```

      ```output
      1
      ```

    > ```python3 skip colour=red
    > quoted = 2
    > ```

        ```python
        indented code is not a fence
        ```

    ```bash
    echo no
    ```

    ```pycon
    >>> 1 + 1
    2
    ```
    Some prose.

    ```output
    not attached: prose came between
    ```
    """
)


def test_extract_finds_fences_in_lists_and_quotes_only() -> None:
    snippets, problems = extract_snippets("2022-01-05", "diary/2022-01.md", BODY, 20)
    assert [s.id for s in snippets] == ["2022-01-05-1", "2022-01-05-2", "2022-01-05-3"]
    assert [s.index for s in snippets] == [1, 2, 3]
    in_list, quoted, pycon = snippets
    assert (in_list.lang, in_list.code, in_list.source.line) == ("python", "in_list = 1\n", 24)
    assert in_list.expected_output == "1\n"
    assert quoted.options.skip and quoted.code == "quoted = 2\n" and quoted.source.line == 32
    assert [(p.source.line, p.message) for p in problems] == [(32, "unknown fence option 'colour'")]
    assert pycon.lang == "pycon" and pycon.source.line == 44 and pycon.expected_output is None
    assert all(s.source.path == "diary/2022-01.md" for s in snippets)


def test_output_attaches_only_directly_after_a_runnable_block() -> None:
    body = "```python\nprint(1)\n```\n\n\n```output\n1\n```\n```output\nsecond\n```\n"
    (snippet,), _ = extract_snippets("k", "d.md", body, 1)
    assert snippet.expected_output == "1\n"
    body = "```python\nprint(1)\n```\ntext\n```output\n1\n```\n"
    (snippet,), _ = extract_snippets("k", "d.md", body, 1)
    assert snippet.expected_output is None


def _key(body: str, included: dict[str, str] | None = None, torch: str = "2.13.0", device: str = "cpu") -> str:
    snippets, _ = extract_snippets("2022-01-05", "diary/2022-01.md", body, 1)
    return cache_key(snippets, included or {}, torch, device)


def test_cache_key_depends_on_what_determines_results() -> None:
    base = "```python setup=lenet\nprint(1)\n```\n```output\n1\n```\n"
    key = _key(base, {"setup:lenet": "a = 1"})
    assert key == _key(base, {"setup:lenet": "a = 1"})
    assert len(key) == 64
    different = [
        _key(base.replace("print(1)", "print(2)"), {"setup:lenet": "a = 1"}),
        _key(base.replace("setup=lenet", "setup=lenet timeout=3"), {"setup:lenet": "a = 1"}),
        _key(base.replace("```output\n1", "```output\n2"), {"setup:lenet": "a = 1"}),
        _key(base, {"setup:lenet": "a = 2"}),
        _key(base, {"setup:lenet": "a = 1"}, torch="2.14.0"),
        _key(base, {"setup:lenet": "a = 1"}, device="cuda"),
    ]
    assert len({key, *different}) == 7


def test_cache_key_ignores_where_the_block_is() -> None:
    body = "```python\nx = 1\n```\n"
    snippets, _ = extract_snippets("k", "diary/a.md", body, 1)
    moved = [dataclasses.replace(s, source=dataclasses.replace(s.source, line=99)) for s in snippets]
    assert cache_key(snippets, {}, "2", "cpu") == cache_key(moved, {}, "2", "cpu")


def test_an_output_fence_with_no_block_before_it_is_only_text() -> None:
    from generator.snippets import extract_snippets

    for body in ("```output\n1\n```\n", "```output\n", "Text.\n\n```output\n2\n```\n\n```python\nx = 1\n```\n"):
        snippets, problems = extract_snippets("2022-01-05", "diary/x.md", body, 1)
        assert [s.expected_output for s in snippets] == [None] * len(snippets) and not problems
