"""Rich outputs as notebooks keep them: nbformat output dicts.

Two sources, both optional and never imported here: matplotlib figures left
open at the end of a block (only when the snippet itself imported pyplot),
and the ``_repr_png_``/``_repr_html_``… methods of a shown value, as
IPython's display does. Failures here become a line on stderr, never a
failed block.
"""

from __future__ import annotations

import base64
import io
import sys
from typing import Any

_MIME_METHODS = (
    ("_repr_html_", "text/html"),
    ("_repr_markdown_", "text/markdown"),
    ("_repr_svg_", "image/svg+xml"),
    ("_repr_png_", "image/png"),
    ("_repr_jpeg_", "image/jpeg"),
    ("_repr_latex_", "text/latex"),
)
_BINARY = {"image/png", "image/jpeg"}
OUTPUTS_LIMIT = 5_000_000  # characters of rich output kept per block


def _encode(mime: str, data: object) -> str | None:
    if isinstance(data, tuple) and data:  # (data, metadata), as IPython allows
        data = data[0]
    if isinstance(data, bytes):
        return base64.b64encode(data).decode("ascii") if mime in _BINARY else data.decode("utf-8", "replace")
    return data if isinstance(data, str) else None


def rich_result(value: object, shown: str) -> dict[str, Any] | None:
    """An ``execute_result`` output for a value with rich reprs, else None."""
    if isinstance(value, type):  # a class has the methods, unbound
        return None
    data: dict[str, str] = {}
    for method, mime in _MIME_METHODS:
        render = getattr(type(value), method, None)
        if render is None:
            continue
        try:
            encoded = _encode(mime, render(value))
        except Exception as exc:  # a broken repr must not fail the block
            print(f"{method} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        if encoded is not None:
            data[mime] = encoded
    if not data:
        return None
    data["text/plain"] = shown
    return {"output_type": "execute_result", "execution_count": None, "data": data, "metadata": {}}


def open_figures() -> list[dict[str, Any]]:
    """PNG ``display_data`` outputs of the open matplotlib figures, which are then closed."""
    plt: Any = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return []
    outputs: list[dict[str, Any]] = []
    try:
        for number in plt.get_fignums():
            figure = plt.figure(number)
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", bbox_inches="tight")
            png = base64.b64encode(buffer.getvalue()).decode("ascii")
            outputs.append(
                {
                    "output_type": "display_data",
                    "data": {"image/png": png, "text/plain": repr(figure)},
                    "metadata": {},
                }
            )
    except Exception as exc:
        print(f"saving a figure failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    finally:
        plt.close("all")
    return outputs


def bounded(outputs: list[dict[str, Any]], limit: int = OUTPUTS_LIMIT) -> list[dict[str, Any]]:
    """The outputs that fit in ``limit`` characters, in order; a line on stderr for the rest."""
    kept: list[dict[str, Any]] = []
    used = 0
    for output in outputs:
        size = sum(len(str(value)) for value in output.get("data", {}).values())
        if used + size > limit:
            print(f"{len(outputs) - len(kept)} rich outputs left out (over {limit:,} characters)", file=sys.stderr)
            break
        kept.append(output)
        used += size
    return kept
