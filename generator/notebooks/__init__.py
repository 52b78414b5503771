"""Jupyter notebooks in and out of the diary.

In: `read_notebook` turns an ``.ipynb`` file of the diary into a `Document`
whose one entry has a Markdown body made from the cells; its snippets carry
their cell number as their line. `entry_snippets` keys them once entries
have keys, and `fence_lines` tells the renderer which snippet each rendered
fence is. Out: `entry_notebook` and `month_notebook` (nbformat v4 with the
captured outputs), `entry_script` (a ``.py`` in the percent format), and
`download_files`, all of them by their site paths.

Modules, in the order data flows: `cells` (a cell as Markdown), `reader`
(a notebook as a document), `fences` (where snippets sit in a body),
`outputs` (a result as cell outputs), `writer` (notebooks), `script`.
"""

from generator.notebooks.fences import Part, block_origin, body_parts, entry_snippets, fence_lines
from generator.notebooks.reader import NOTEBOOK_SUFFIX, is_notebook, read_notebook
from generator.notebooks.script import entry_script
from generator.notebooks.writer import download_files, entry_notebook, month_notebook, referenced_files

__all__ = [
    "NOTEBOOK_SUFFIX",
    "Part",
    "block_origin",
    "body_parts",
    "download_files",
    "entry_notebook",
    "entry_script",
    "entry_snippets",
    "fence_lines",
    "is_notebook",
    "month_notebook",
    "read_notebook",
    "referenced_files",
]
