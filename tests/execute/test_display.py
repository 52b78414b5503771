"""Rich outputs, kept as nbformat output dicts: reprs of shown values, matplotlib figures."""

from __future__ import annotations

import base64
import importlib.util
from pathlib import Path

import pytest

from generator.execute import execute_entries
from generator.model import Status
from tests.execute.conftest import TODAY, make_entry, settings_for


def test_a_shown_value_with_rich_reprs_keeps_them(tmp_path: Path) -> None:
    entry = make_entry(
        "2022-06-01",
        """
        ```python
        class Table:
            def _repr_html_(self):
                return "<table><tr><td>1</td></tr></table>"
            def _repr_png_(self):
                return b"\\x89PNG fake"
            def __repr__(self):
                return "Table(1)"
        Table()
        ```
        """,
    )
    result = execute_entries([entry], settings_for(tmp_path), today=TODAY).results["2022-06-01-1"]
    assert result.shown == "Table(1)"
    (output,) = result.outputs
    assert output["output_type"] == "execute_result"
    assert output["data"]["text/html"] == "<table><tr><td>1</td></tr></table>"
    assert base64.b64decode(output["data"]["image/png"]) == b"\x89PNG fake"
    assert output["data"]["text/plain"] == "Table(1)"


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="matplotlib is not installed")
def test_open_matplotlib_figures_become_png_outputs(tmp_path: Path) -> None:
    entry = make_entry(
        "2022-06-02",
        """
        ```python
        import matplotlib.pyplot as plt
        plt.plot([1, 2, 3], [1, 4, 9])
        plt.show()
        ```

        ```python
        print("the figure was closed")
        ```
        """,
    )
    results = execute_entries([entry], settings_for(tmp_path), today=TODAY).results
    first = results["2022-06-02-1"]
    assert first.status is Status.PASSED and first.stderr == ""
    (figure,) = first.outputs
    assert figure["output_type"] == "display_data"
    assert base64.b64decode(figure["data"]["image/png"]).startswith(b"\x89PNG")
    assert results["2022-06-02-2"].outputs == ()
