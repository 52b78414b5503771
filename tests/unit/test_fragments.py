"""Explaining fragments: where an incomplete block's names are defined, and when to suggest a prelude."""

from __future__ import annotations

import datetime as dt

from generator.fragments import explain_fragments, prelude_hint
from generator.model import Entry, Result, Snippet, Source, Status


def entry(key: str, *codes: str, lang: str = "python") -> Entry:
    date = dt.date.fromisoformat(key[:10])
    path = f"diary/{key[:7]}.md"
    line = 10 * date.day + (int(key[11:]) if len(key) > 10 else 0)
    snippets = tuple(Snippet(id=f"{key}-{n}", source=Source(path, line + n), lang=lang, code=code, index=n)
                     for n, code in enumerate(codes, 1))
    return Entry(key=key, date=date, title=key, source=Source(path, line), body="", body_line=line + 1,
                 snippets=snippets)


def incomplete(*names: str, note: str | None = None) -> Result:
    return Result(Status.INCOMPLETE, names=names, error=f"NameError: name '{names[0]}' is not defined", note=note)


DIARY = [
    entry("2020-12-01", "import torch\nfrom torch import nn", "model = nn.Linear(2, 1)"),
    entry("2020-12-03", "model = nn.Sequential()\ntrainloader = [1]\n", "%matplotlib inline\nfor epoch in range(2):\n    pass"),
    entry("2020-12-03-2", "print(model)"),
    entry("2020-12-05", "loss = model(x)"),
    entry("2020-12-04", ">>> def later(): pass\n>>> later()", lang="pycon"),
]


def test_names_point_at_the_nearest_earlier_entry() -> None:
    results = {"2020-12-05-1": incomplete("model", "trainloader", "x"), "2020-12-03-2-1": incomplete("model")}
    explained = explain_fragments(DIARY, results)
    assert explained["2020-12-05-1"].note == (
        "model, trainloader: defined in 2020-12-03 (diary/2020-12.md:31); x: defined nowhere in the diary; "
        "use session= or setup="
    )
    assert explained["2020-12-03-2-1"].note == "model: defined in 2020-12-03 (diary/2020-12.md:31); use session= or setup="
    assert explained["2020-12-05-1"].error == results["2020-12-05-1"].error  # only the note changes


def test_an_entry_does_not_explain_itself_or_later_ones() -> None:
    explained = explain_fragments(DIARY, {"2020-12-01-2": incomplete("later", "epoch")})
    assert explained["2020-12-01-2"].note == "later, epoch: defined nowhere in the diary"


def test_transcripts_and_magics_are_read_as_python() -> None:
    explained = explain_fragments(DIARY, {"2020-12-05-1": incomplete("later", "epoch")})
    assert explained["2020-12-05-1"].note == (
        "later: defined in 2020-12-04 (diary/2020-12.md:41); epoch: defined in 2020-12-03 (diary/2020-12.md:32); "
        "use session= or setup="
    )


def test_habitual_imports_are_for_the_prelude() -> None:
    explained = explain_fragments(DIARY, {"2020-12-01-1": incomplete("torch", "nn"), "2020-12-05-1": incomplete("nn", "loader")})
    assert explained["2020-12-01-1"].note == "torch, nn: defined nowhere in the diary; a snippets/prelude.py can import them"
    assert explained["2020-12-05-1"].note == (
        "nn: defined in 2020-12-01 (diary/2020-12.md:11); loader: defined nowhere in the diary; "
        "a snippets/prelude.py can import nn"
    )


def test_other_results_are_left_alone_and_explaining_twice_changes_nothing() -> None:
    results = {"2020-12-05-1": incomplete("model", note="output cut"), "2020-12-01-1": Result(Status.FAILED),
               "unknown-1": incomplete("model"), "2020-12-03-1": Result(Status.INCOMPLETE)}
    explained = explain_fragments(DIARY, results)
    assert list(explained) == ["2020-12-05-1"]
    assert explained["2020-12-05-1"].note == "output cut; model: defined in 2020-12-03 (diary/2020-12.md:31); use session= or setup="
    assert explain_fragments(DIARY, {**results, **explained}) == {}
    assert explain_fragments(DIARY, {"2020-12-01-1": Result(Status.PASSED)}) == {}


def test_prelude_hint_needs_three_blocks_missing_habitual_imports() -> None:
    two = [incomplete("torch"), incomplete("np", "torch"), incomplete("model"), Result(Status.PASSED)]
    assert prelude_hint(two) is None
    hint = prelude_hint([*two, incomplete("nn", "x"), incomplete("torch", "plt")])
    assert hint == ("4 blocks use torch, nn, np, plt without importing them: "
                    "a snippets/prelude.py that imports them runs first in every namespace")


def test_prelude_hint_cuts_a_long_list() -> None:
    names = ("torch", "nn", "F", "optim", "np", "plt", "pd")
    hint = prelude_hint([incomplete(*names)] * 3)
    assert hint is not None and hint.startswith("3 blocks use torch, nn, F, optim, np, plt, … without importing them:")


def test_blocks_under_no_entry_are_named_by_their_place() -> None:
    page = Entry(key="page-notes-1a2b3c4d", date=dt.date.min, title="notes", source=Source("diary/notes.md", 1),
                 body="", body_line=1,
                 snippets=(Snippet(id="page-notes-1a2b3c4d-1", source=Source("diary/notes.md", 5), lang="python",
                                   code="helper = 1"),))
    explained = explain_fragments([*DIARY, page], {"2020-12-05-1": incomplete("helper")})
    assert explained["2020-12-05-1"].note == "helper: defined in diary/notes.md:5; use session= or setup="
