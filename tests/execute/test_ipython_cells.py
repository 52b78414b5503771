"""Cells run as IPython runs them, in real entry processes: magics, shell escapes, the display
formatter, display(), inline figures, transcripts, the prelude and the new statuses."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from generator.execute import execute_entries
from generator.model import Result, Status
from tests.execute.conftest import TODAY, make_entry, settings_for

F = "```"


def _run(tmp: Path, markdown: str, key: str = "2022-03-01", path: str = "diary/2022-03.md") -> dict[str, Result]:
    entry = make_entry(key, markdown, path=path)
    return dict(execute_entries([entry], settings_for(tmp), today=TODAY).results)


@pytest.fixture(scope="module")
def cells(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    return _run(tmp_path_factory.mktemp("ipython"), f"""
        {F}python
        %timeit -n 2 -r 1 sum(range(10))
        !echo from the shell
        {F}

        {F}python
        import collections
        collections.OrderedDict((f"layer{{i}}.weight", list(range(12))) for i in range(2))
        {F}

        {F}python
        from IPython.display import display, Markdown
        display(Markdown("**bold**"), 3)
        x = 5
        {F}

        {F}python
        import matplotlib.pyplot as plt
        plt.plot([1, 2, 3])
        plt.show()
        plt.plot([3, 2, 1]);
        {F}

        {F}python
        !pip install surely-not-a-package
        %pip install surely-not-a-package
        print("after")
        {F}

        {F}python
        %%time
        1 / 0
        {F}

        {F}python
        a = 1

        if a
            pass
        {F}

        {F}python
        _ = 10
        _ * 2;
        {F}
    """)


def test_magics_and_shell_escapes_run(cells: dict[str, Result]) -> None:
    first = cells["2022-03-01-1"]
    assert first.status is Status.PASSED, first
    assert "per loop" in first.stdout and "from the shell" in first.stdout


def test_shown_values_use_ipythons_pretty_printer(cells: dict[str, Result]) -> None:
    shown = cells["2022-03-01-2"].shown or ""
    row = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]"
    # repr() would be one line of 118 characters; IPython breaks it after each item, aligned
    assert shown == f"OrderedDict([('layer0.weight', {row}),\n             ('layer1.weight', {row})])"


def test_display_publishes_every_value_and_a_final_assignment_is_shown(cells: dict[str, Result]) -> None:
    third = cells["2022-03-01-3"]
    displayed = [o for o in third.outputs if o["output_type"] == "display_data"]
    assert [o["data"].get("text/markdown") for o in displayed] == ["**bold**", None]
    assert displayed[1]["data"]["text/plain"] == "3"
    assert third.shown == "5"  # a Markdown diary shows a final assignment (last_expr_or_assign)


def test_figures_are_displayed_as_the_inline_backend_displays_them(cells: dict[str, Result]) -> None:
    images = [o for o in cells["2022-03-01-4"].outputs if "image/png" in o["data"]]
    assert len(images) == 2  # one at plt.show(), one left open at the end of the cell
    assert all(base64.b64decode(o["data"]["image/png"]).startswith(b"\x89PNG") for o in images)
    assert images[0]["data"]["text/plain"].startswith("<Figure size")


def test_installing_packages_is_refused_with_a_note(cells: dict[str, Result]) -> None:
    fifth = cells["2022-03-01-5"]
    assert fifth.status is Status.PASSED and fifth.stdout == "after\n"
    assert fifth.note is not None and fifth.note.count("was not run: tetrad installs no packages") == 2


def test_an_error_a_magic_catches_still_fails_the_block(cells: dict[str, Result]) -> None:
    sixth = cells["2022-03-01-6"]
    assert sixth.status is Status.FAILED and sixth.error == "ZeroDivisionError: division by zero"


def test_a_syntax_error_names_its_diary_line(cells: dict[str, Result]) -> None:
    seventh = cells["2022-03-01-7"]
    assert seventh.status is Status.FAILED
    # the body starts on line 10 of the file; the fence opens on its line 44 and the bad line is the code's third
    assert seventh.error == "SyntaxError: expected ':' (diary/2022-03.md, line 47)"


def test_a_semicolon_hides_the_value(cells: dict[str, Result]) -> None:
    assert cells["2022-03-01-8"].shown is None


def test_a_notebook_cell_shows_a_final_bare_expression_only(tmp_path: Path) -> None:
    results = _run(tmp_path, f"""
        {F}python
        x = 3
        {F}

        {F}python
        x * 2
        {F}
    """, key="2022-03-02", path="diary/2022-03-02.ipynb")
    assert results["2022-03-02-1"].shown is None and results["2022-03-02-2"].shown == "6"


def test_a_transcript_runs_statement_by_statement_and_marks_what_differs(tmp_path: Path) -> None:
    results = _run(tmp_path, f"""
        {F}python
        >>> import torch
        >>> x = torch.ones(2)
        >>> x * 2
        tensor([2., 2.])
        >>> print("hello")
        hello
        >>> torch.tensor([0.5]) + 1
        tensor([9.])
        >>> 1 / 0
        Traceback (most recent call last):
        ZeroDivisionError: division by zero
        {F}

        {F}python
        >>> y = undefined_thing + 1
        >>> y
        3
        {F}
    """)
    first = results["2022-03-01-1"]
    assert first.status is Status.PASSED, first
    steps = {step["code"]: step for step in first.transcript}
    assert steps["x * 2"]["actual"] == "tensor([2., 2.])" and not steps["x * 2"]["differs"]
    assert steps['print("hello")']["actual"] == "hello"
    assert steps["torch.tensor([0.5]) + 1"]["differs"] and steps["torch.tensor([0.5]) + 1"]["actual"] == "tensor([1.5000])"
    assert not steps["1 / 0"]["differs"]  # the paste shows that error
    assert steps["x * 2"]["line"] == 13  # the statement's own line in the diary
    assert "1 of 6 pasted results differ" in (first.note or "")
    second = results["2022-03-01-2"]
    assert second.status is Status.INCOMPLETE and second.names == ("undefined_thing",)


def test_the_prelude_runs_first_in_every_namespace_and_keys_the_results(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    (settings.snippets_dir / "prelude.py").write_text("import math\nseen = 'prelude'\n")
    entry = make_entry("2022-03-03", f"""
        {F}python
        math.pi > 3, seen
        {F}

        {F}python session=other
        seen
        {F}
    """)
    first = execute_entries([entry], settings, today=TODAY)
    assert first.results["2022-03-03-1"].shown == "(True, 'prelude')"
    assert first.results["2022-03-03-2"].shown == "'prelude'"
    assert execute_entries([entry], settings, today=TODAY).ran == 0
    (settings.snippets_dir / "prelude.py").write_text("seen = 'changed'\n")
    again = execute_entries([entry], settings, today=TODAY)
    assert again.ran == 2 and again.results["2022-03-03-2"].shown == "'changed'"
    assert again.results["2022-03-03-1"].status is Status.INCOMPLETE  # math is no longer imported


def test_statuses_that_name_the_cause(tmp_path: Path) -> None:
    results = _run(tmp_path, f"""
        {F}python
        import surely_not_installed_here
        {F}

        {F}python
        surely_not_installed_here.run()
        {F}

        {F}python
        model = ...  # your model here
        model(1)
        {F}

        {F}python
        $ python train.py --epochs 3
        Epoch 1/3 loss 0.52
        {F}

        {F}python
        value = 1
        print(valeu)
        {F}
    """)
    assert [results[f"2022-03-01-{n}"].status for n in range(1, 6)] == [
        Status.NEEDS_PACKAGE, Status.BLOCKED, Status.INCOMPLETE, Status.SKIPPED, Status.FAILED]
    assert results["2022-03-01-1"].package == "surely_not_installed_here"
    assert results["2022-03-01-2"].blocked_by == "2022-03-01-1"
    assert "shell session" in (results["2022-03-01-4"].note or "")
    assert "did you mean `value`?" in (results["2022-03-01-5"].note or "")
