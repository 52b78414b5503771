"""What a python fence holds, transcripts read into statements, and the names code binds and reads."""

from __future__ import annotations

import textwrap

import pytest

from generator.execute import causes, kinds, shell, transcripts
from generator.execute.names import bound_names, uses_ellipsis
from generator.model import Status


def _block(text: str) -> str:
    return textwrap.dedent(text).strip("\n") + "\n"


KINDS = [
    ("plain code", "import torch\nx = torch.ones(2)\nx * 2\n", "code"),
    ("magics and shell escapes", "%timeit sum(range(3))\n!ls -la\n%matplotlib inline\n", "code"),
    ("a cell magic", "%%time\nx = sum(range(10))\n", "code"),
    ("automagic pip", "pip install torchvision\n", "code"),  # IPython reads it as %pip (refused when run)
    ("a syntax error stays code", "def f(x)\n    return x\nprint(f(1))\n", "code"),
    ("a one-line syntax error stays code", "def sigmoid(x) return 1 / (1 + torch.exp(-x))\n", "code"),
    ("an unclosed bracket stays code", "x = [1, 2\nprint(x)\n", "code"),
    ("a shell session", "$ python train.py --help\nusage: train.py [-h] [--lr LR]\n", "text"),
    ("a prompt of a virtualenv", "(venv) $ pip install -r requirements.txt\nCollecting torch\n", "text"),
    ("program output", "Epoch 1/10 loss: 0.5213\nEpoch 2/10 loss: 0.3120 - acc 0.91\n", "text"),
    ("a traceback", 'Traceback (most recent call last):\n  File "a.py", line 3, in <module>\n    x = y\n'
                    "NameError: name 'y' is not defined\n", "text"),
    ("a printed tensor", "tensor([[0.1000, 0.2000],\n        [0.3000, 0.4000]])\n", "text"),
    ("a printed tensor with grad_fn", "tensor(0.5000, grad_fn=<MulBackward0>)\n", "text"),
    ("code, then what it printed", "for epoch in range(2):\n    print(f'Epoch {epoch}: loss 0.5')\n"
                                   "Epoch 0: loss 0.5\nEpoch 1: loss 0.5\n", "output"),
    ("a classic transcript", ">>> import torch\n>>> torch.ones(2)\ntensor([1., 1.])\n", "transcript"),
    ("an IPython transcript", "In [1]: x = 1\n\nIn [2]: x\nOut[2]: 1\n", "transcript"),
]


@pytest.mark.parametrize(("title", "code", "kind"), KINDS, ids=[k[0] for k in KINDS])
def test_a_fence_is_read_for_what_it_holds(title: str, code: str, kind: str) -> None:
    found = kinds.classify(code, shell.transform)
    assert found.name == kind, found
    if kind == "text":
        assert found.reason.startswith("not Python")


def test_code_then_output_splits_where_the_output_starts() -> None:
    code = "print('a')\nprint('b')\nloss: 0.25 | acc: 91%\nloss: 0.20 | acc: 93%\n"
    assert kinds.classify(code, shell.transform) == kinds.Kind("output", split=2)


def test_a_classic_transcript_keeps_statements_continuations_and_pasted_results() -> None:
    steps = transcripts.parse(_block("""
        >>> import torch
        >>> x = torch.ones(2)
        >>> for i in range(2):
        ...     print(i)
        ...
        0
        1
        >>> x * 2
        # tensor([2., 2.])
        >>> 1 / 0
        Traceback (most recent call last):
          File "<stdin>", line 1, in <module>
        ZeroDivisionError: division by zero
    """))
    assert [(s.line, s.code, s.pasted) for s in steps[:4]] == [
        (0, "import torch", ""),
        (1, "x = torch.ones(2)", ""),
        (2, "for i in range(2):\n    print(i)", "0\n1"),
        (7, "x * 2", "tensor([2., 2.])"),  # a result comment under the statement, its mark removed
    ]
    assert steps[4].pasted_error == "ZeroDivisionError"
    assert steps[3].pasted_error is None


def test_an_ipython_transcript_reads_in_out_and_continuation_prompts() -> None:
    steps = transcripts.parse(_block("""
        In [1]: import numpy as np

        In [2]: a = np.arange(3)

        In [3]: def double(v):
           ...:     return v * 2
           ...:

        In [4]: double(a)
        Out[4]: array([0, 2, 4])
    """))
    assert [(s.line, s.code, s.pasted) for s in steps] == [
        (0, "import numpy as np", ""), (2, "a = np.arange(3)", ""),
        (4, "def double(v):\n    return v * 2", ""), (8, "double(a)", "array([0, 2, 4])"),
    ]


@pytest.mark.parametrize(("pasted", "actual", "differs"), [
    ("", "tensor([1.])", False),  # nothing pasted: nothing to compare
    ("tensor([1., 1.])", "tensor([1., 1.])  ", False),
    ("[1, 2, 3]", "[1,\n 2,\n 3]", False),  # the pretty printer breaks lines where the REPL did not
    ("tensor([0.1, 0.2])", "tensor([0.4963, 0.7682])", True),
])
def test_pasted_and_actual_output_are_compared_as_a_reader_would(pasted: str, actual: str, differs: bool) -> None:
    assert transcripts.differs(pasted, actual) is differs


def test_bound_names_cover_every_way_code_binds_at_top_level() -> None:
    code = _block("""
        import torch.nn as nn, os.path
        from x import y as z
        a, (b, *c) = 1, (2, 3)
        for i in range(3): pass
        with open("f") as fh: pass
        def f(q):
            inner = 1
        class K: v = 2
        [j for j in range(2)]
        if (n := 3): pass
        try: pass
        except ValueError as err: pass
    """)
    assert bound_names(code) == {"nn", "os", "z", "a", "b", "c", "i", "fh", "f", "K", "n", "err"}
    assert bound_names("this is not Python") == frozenset()


def test_free_names_are_those_read_from_the_namespace_in_order() -> None:
    code = "def step(batch):\n    out = model(batch)\n    return loss_fn(out, target)\nstep(trainloader)\nx = 1\nprint(x)\n"
    assert causes.free_names(code) == ["model", "loss_fn", "target", "trainloader", "print"]  # not step or x: bound here


def test_an_ellipsis_as_indexing_is_not_elided_code() -> None:
    assert uses_ellipsis("model = ...  # your model") and not uses_ellipsis("x[..., 0]")


def _raised(code: str, ns: dict[str, object]) -> BaseException:
    try:
        exec(compile(code, "<block>", "exec"), ns)
    except BaseException as exc:
        return exc
    raise AssertionError("no exception")


def test_a_name_nothing_defines_is_a_fragment_listing_every_missing_name() -> None:
    code = "model(inputs)\n"
    cause = causes.judge(_raised(code, {}), code, {}, [], frozenset())
    assert cause is not None and cause.status is Status.INCOMPLETE and cause.names == ("model", "inputs")


def test_a_habitual_import_left_out_is_a_fragment_even_beside_a_close_name() -> None:
    ns: dict[str, object] = {"nn": object()}
    code = "np.zeros(3)\n"
    cause = causes.judge(_raised(code, ns), code, ns, [], frozenset({"nn"}))
    assert cause is not None and cause.status is Status.INCOMPLETE and cause.names == ("np",)


def test_a_misspelt_name_is_a_failure_with_the_suggestion() -> None:
    ns: dict[str, object] = {"model": object()}
    code = "modle(1)\n"
    cause = causes.judge(_raised(code, ns), code, ns, [], frozenset({"model"}))
    assert cause is not None and cause.status is Status.FAILED and "`model`" in cause.message


def test_a_name_a_failed_block_above_binds_is_blocked_by_the_first_failure() -> None:
    earlier = [
        causes.Earlier("e-1", "line 3", Status.NEEDS_PACKAGE, frozenset({"cv2"}), "e-1"),
        causes.Earlier("e-2", "line 8", Status.BLOCKED, frozenset({"img"}), "e-1"),
    ]
    code = "img.shape\n"
    cause = causes.judge(_raised(code, {}), code, {}, earlier, frozenset({"cv2", "img"}))
    assert cause is not None and cause.status is Status.BLOCKED and cause.blocked_by == "e-1"
    assert "line 8" in cause.message and "fix the block at line 3 first" in cause.message


def test_a_missing_module_names_the_top_level_package() -> None:
    code = "import surely_not_installed_here.sub\n"
    cause = causes.judge(_raised(code, {}), code, {}, [], frozenset())
    assert cause is not None and cause.status is Status.NEEDS_PACKAGE and cause.package == "surely_not_installed_here"
    code = "import json.surely_not_a_submodule\n"  # the package is there: a mistake, not a missing package
    assert causes.judge(_raised(code, {}), code, {}, [], frozenset()) is None


def test_elided_code_is_incomplete() -> None:
    code = "model = ...\nmodel(1)\n"
    cause = causes.judge(_raised(code, {}), code, {}, [], frozenset({"model"}))
    assert cause is not None and cause.status is Status.INCOMPLETE


def test_a_name_a_failed_star_import_above_may_have_defined_is_blocked() -> None:
    earlier = [causes.Earlier("e-1", "line 3", Status.NEEDS_PACKAGE, bound_names("from fastai.vision.all import *\n"), "e-1")]
    code = "learn = vision_learner(dls, resnet34)\n"
    cause = causes.judge(_raised(code, {}), code, {}, earlier, frozenset({"learn"}))
    assert cause is not None and cause.status is Status.BLOCKED and cause.blocked_by == "e-1"


def test_data_the_entry_reads_but_does_not_hold_is_incomplete() -> None:
    code = "open('data/train.csv').read()\n"
    cause = causes.judge(_raised(code, {}), code, {}, [], frozenset())
    assert cause is not None and cause.status is Status.INCOMPLETE and "data/train.csv" in cause.message
