"""``pycon`` blocks: run as doctests in the entry's namespace.

The doctest module does the work; the block's namespace is the entry's own
(DocTest copies its globals, so they are put back), and line numbers in its
report point into the diary file.
"""

from __future__ import annotations

import doctest
import io
import re
from typing import Any


def run_doctest(code: str, ns: dict[str, Any], name: str, filename: str, offset: int) -> tuple[str, str] | None:
    """Run the examples in ``code``; None if all pass, else (one-line error, report)."""
    test = doctest.DocTestParser().get_doctest(code, ns, name, filename, offset)
    test.globs = ns  # get_doctest copied them: run in the entry's namespace itself
    runner = doctest.DocTestRunner(verbose=False, optionflags=doctest.ELLIPSIS)
    report = io.StringIO()
    failed, tried = runner.run(test, out=report.write, clear_globs=False)
    if not failed:
        return None
    text = report.getvalue().strip()
    first = re.search(r", line (\d+),", text)
    where = f" (first at {filename}, line {first.group(1)})" if first else ""
    return f"doctest: {failed} of {tried} examples failed{where}", text
