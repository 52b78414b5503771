"""Rich outputs as notebooks keep them: nbformat output dicts, bounded.

IPython's display formatter makes a shown value's outputs and the inline
backend displays figures (`generator.execute.shell`); here, figures still
open at the end of a block under another backend (a snippet that chose one),
and the bound on what a block keeps. Failures here become a line on stderr,
never a failed block.
"""

from __future__ import annotations

import base64
import io
import sys
from typing import Any

OUTPUTS_LIMIT = 5_000_000  # characters of rich output kept per block


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
