"""The floor: one plain process imports torch once and runs every entry's blocks.

``python3 bench/floor.py BLOCKS.json`` where the file holds a list of entries,
each a list of code strings. Each entry runs in a fresh namespace dict, its
blocks in order (``exec``), as a notebook would; nothing is captured, nothing
is isolated. Its wall time, start to exit, is what running the snippets costs
at the least. A failing block fails the process.
"""

import json
import sys

import torch  # noqa: F401  (imported once, as the point of the floor)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as stream:
        entries = json.load(stream)
    for i, blocks in enumerate(entries):
        namespace = {"__name__": "__main__"}
        for k, code in enumerate(blocks):
            exec(compile(code, f"<entry {i} block {k + 1}>", "exec"), namespace)  # noqa: S102  (running snippets is the point)


if __name__ == "__main__":
    main()
