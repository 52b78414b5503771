"""What this machine runs snippets with: the torch version and the device kind.

Answered without importing torch (a second of start-up and hundreds of MB),
so a build whose results are all stored never pays for it: the version is
read from ``torch/version.py`` and CUDA from that file plus the presence of
an NVIDIA device node. The worker confirms nothing here; a wrong guess only
shows as ``needs-gpu`` results.
"""

from __future__ import annotations

import functools
import glob
import importlib.util
import os
import re
from pathlib import Path

DEVICES = ("auto", "cpu", "cuda")


@functools.lru_cache(maxsize=1)
def _torch_version_file() -> str | None:
    spec = importlib.util.find_spec("torch")  # a top-level spec: torch is not imported
    if spec is None or not spec.origin:
        return None
    try:
        return (Path(spec.origin).parent / "version.py").read_text(encoding="utf-8")
    except OSError:
        return None


def torch_version() -> str | None:
    """The installed torch's version (``2.13.0+cpu``), or None without torch."""
    text = _torch_version_file()
    if text is None:
        return None
    found = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", text, re.MULTILINE)
    if found:
        return found.group(1)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("torch")
    except PackageNotFoundError:
        return None


def key_torch_version(version: str | None) -> str:
    """The version that goes into cache keys: the release, without ``+cpu``/``+cu121``.

    The device kind is keyed separately, so the build flavour adds nothing.
    """
    return (version or "none").split("+", 1)[0]


def torch_has_cuda() -> bool:
    """Whether the installed torch was built with CUDA (or ROCm, which speaks its API)."""
    text = _torch_version_file() or ""
    return bool(re.search(r"^(cuda|hip)\b[^=]*=\s*['\"]", text, re.MULTILINE))


def gpu_present() -> bool:
    """Whether an NVIDIA (or AMD ROCm) GPU is visible to this process."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return False
    return bool(glob.glob("/dev/nvidia[0-9]*")) or os.path.exists("/dev/kfd")


def resolve_device(setting: str) -> str:
    """``auto`` -> ``cuda`` when torch has CUDA and a GPU is present, else ``cpu``."""
    if setting not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, not {setting!r}")
    if setting == "auto":
        return "cuda" if torch_has_cuda() and gpu_present() else "cpu"
    return setting
