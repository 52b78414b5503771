"""Which pip distribution provides an import name, and the summary line of the ones a diary misses.

A ``needs-package`` result names the top-level module that is not installed
(``cv2``); what to ``pip install`` is often another name (``opencv-python``).
The table holds only names whose distribution differs from the module even
after pip's own normalisation (``torch_geometric`` installs as it is spelt),
and only where one distribution is the usual answer. Pure.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from .model import Result, Status

DISTRIBUTIONS: dict[str, str] = {
    "attr": "attrs",
    "Bio": "biopython",
    "bs4": "beautifulsoup4",
    "Crypto": "pycryptodome",
    "cv2": "opencv-python",
    "dateutil": "python-dateutil",
    "docx": "python-docx",
    "dotenv": "python-dotenv",
    "faiss": "faiss-cpu",
    "fitz": "PyMuPDF",
    "gi": "PyGObject",
    "git": "GitPython",
    "google.protobuf": "protobuf",  # "google" alone is a namespace many distributions share
    "haiku": "dm-haiku",
    "hydra": "hydra-core",
    "jwt": "PyJWT",
    "magic": "python-magic",
    "mpl_toolkits": "matplotlib",
    "OpenGL": "PyOpenGL",
    "PIL": "Pillow",
    "pkg_resources": "setuptools",
    "pptx": "python-pptx",
    "serial": "pyserial",
    "skimage": "scikit-image",
    "sklearn": "scikit-learn",
    "tree": "dm-tree",
    "umap": "umap-learn",
    "usb": "pyusb",
    "wx": "wxPython",
    "yaml": "PyYAML",
    "zmq": "pyzmq",
}


def distribution(module: str) -> str:
    """The distribution to ``pip install`` for ``module`` (a dotted name is looked up whole, then by its top level)."""
    return DISTRIBUTIONS.get(module) or DISTRIBUTIONS.get(module.split(".")[0]) or module


def _normal(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def needs_package_line(results: Iterable[Result]) -> str | None:
    """``3 blocks need packages: torchvision (2), cv2 → opencv-python (1); pip install torchvision opencv-python``:
    the distributions the ``needs-package`` results miss, most needed first; None when none does."""
    counts: Counter[str] = Counter()
    modules: dict[str, set[str]] = {}
    for result in results:
        if result.status is Status.NEEDS_PACKAGE and result.package:
            dist = distribution(result.package)
            counts[dist] += 1
            modules.setdefault(dist, set()).add(result.package)
    if not counts:
        return None
    order = sorted(counts, key=lambda d: (-counts[d], _normal(d)))
    items = []
    for dist in order:
        named = sorted(m for m in modules[dist] if _normal(m) != _normal(dist))
        label = f"{', '.join(named)} → {dist}" if named else dist
        items.append(f"{label} ({counts[dist]})")
    total = sum(counts.values())
    blocks = "1 block needs" if total == 1 else f"{total} blocks need"
    what = "a package" if len(order) == 1 else "packages"
    return f"{blocks} {what}: {', '.join(items)}; pip install {' '.join(order)}"
