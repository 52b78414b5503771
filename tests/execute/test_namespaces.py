"""What a snippet sees: setup and included files, sessions, a fresh start per entry, memory."""

from __future__ import annotations

from pathlib import Path

from generator.execute import execute_entries
from generator.model import Status
from tests.execute.conftest import ROOT, TODAY, make_entry, settings_for


def test_setup_and_file_read_from_the_snippets_folder(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    (settings.snippets_dir / "helper.py").write_text("import math\nanswer = 42\n")
    (settings.snippets_dir / "scripts").mkdir()
    (settings.snippets_dir / "scripts" / "train.py").write_text(
        "print('training', answer)\nif __name__ == '__main__':\n    print('as a script')\nboom()\n"
    )
    (tmp_path / "secret.py").write_text("x = 1\n")
    entry = make_entry(
        "2022-02-01",
        """
        ```python setup=helper
        math.sqrt(answer * answer)
        ```

        ```python file=scripts/train.py
        ```

        ```python setup=missing
        pass
        ```

        ```python file=../secret.py
        ```
        """,
    )
    results = execute_entries([entry], settings, today=TODAY).results
    assert results["2022-02-01-1"].shown == "42.0"
    script = results["2022-02-01-2"]
    assert script.stdout == "training 42\nas a script\n"
    assert script.error == "NameError: name 'boom' is not defined"
    assert "snippets/scripts/train.py, line 4, in <module>" in (script.traceback or "")
    missing = results["2022-02-01-3"]
    assert missing.status is Status.FAILED
    assert missing.error == "setup=missing: snippets/missing.py not found"
    outside = results["2022-02-01-4"]
    assert outside.status is Status.FAILED
    assert outside.error == "file=../secret.py: ../secret.py is outside snippets/"


def test_the_lenet_setup_gives_a_real_loss(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, snippets_dir=ROOT / "snippets", store_dir=tmp_path / "results")
    entry = make_entry(
        "2022-01-05",
        """
        ```python setup=lenet
        net_out = net(data) # <- вот тут вызывается метод forward
        loss = criterion(net_out, target)
        ```

        ```python
        print(net_out.shape, round(loss.item(), 1))
        ```
        """,
    )
    results = execute_entries([entry], settings, today=TODAY).results
    assert results["2022-01-05-1"].status is Status.PASSED
    shown = results["2022-01-05-1"].shown  # the final assignment is shown: the page shows the loss
    assert shown is not None and shown.startswith("tensor(") and "grad_fn=<NllLossBackward0>" in shown
    shape, loss = results["2022-01-05-2"].stdout.split(") ")
    assert shape == "torch.Size([8, 10]"
    assert 1.5 < float(loss) < 3.5  # about ln(10) for an untrained net


def test_sessions_have_namespaces_of_their_own(tmp_path: Path) -> None:
    entry = make_entry(
        "2022-02-02",
        """
        ```python
        a = "main"
        ```

        ```python session=other
        a = "other"
        ```

        ```python
        a
        ```

        ```python session=other
        a
        ```

        ```python session=third
        a
        ```
        """,
    )
    results = execute_entries([entry], settings_for(tmp_path), today=TODAY).results
    assert results["2022-02-02-3"].shown == "'main'"
    assert results["2022-02-02-4"].shown == "'other'"
    assert results["2022-02-02-5"].error == "NameError: name 'a' is not defined"


def test_each_entry_starts_fresh_and_seeded(tmp_path: Path) -> None:
    first = make_entry(
        "2022-02-03",
        """
        ```python
        import os, torch, random
        secret = 1
        torch.set_num_threads(1)
        print(torch.rand(3), random.random())
        ```
        """,
    )
    second = make_entry(
        "2022-02-04",
        """
        ```python
        import torch, random
        print(torch.rand(3), random.random())
        ```

        ```python
        secret
        ```

        ```python
        os
        ```
        """,
    )
    results = execute_entries([first, second], settings_for(tmp_path, jobs=1), today=TODAY).results
    assert results["2022-02-03-1"].stdout == results["2022-02-04-1"].stdout
    assert results["2022-02-04-1"].stdout.startswith("tensor([0.4963, 0.7682, 0.0885])")
    assert results["2022-02-04-2"].error == "NameError: name 'secret' is not defined"
    assert results["2022-02-04-3"].error == "NameError: name 'os' is not defined"


def test_a_memory_bomb_crashes_its_entry_only(tmp_path: Path) -> None:
    entry = make_entry(
        "2022-02-05",
        """
        ```python
        hoard = [bytearray(2**20) for _ in range(3_000)]
        ```

        ```python
        import torch
        big = torch.empty(2**40, dtype=torch.uint8)
        ```

        ```python
        print("still here")
        ```
        """,
    )
    results = execute_entries([entry], settings_for(tmp_path, device="cpu", memory_limit_mb=200), today=TODAY).results
    for n in (1, 2):
        bomb = results[f"2022-02-05-{n}"]
        assert bomb.status is Status.CRASHED, bomb
        assert "out of memory (limit 200 MB)" in (bomb.note or "")
    assert results["2022-02-05-3"].stdout == "still here\n"


def test_a_final_assignment_is_shown_as_ipython_last_expr_or_assign(tmp_path: Path) -> None:
    entry = make_entry(
        "2022-02-03",
        """
        ```python
        total = 2 + 3
        ```

        ```python
        total += 1
        ```

        ```python
        a, b = 1, 2
        ```

        ```python
        hidden = 7;
        ```
        """,
    )
    results = execute_entries([entry], settings_for(tmp_path), today=TODAY).results
    assert [results[f"2022-02-03-{i}"].shown for i in range(1, 5)] == ["5", "6", None, None]
