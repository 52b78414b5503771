"""Paths stay where they belong: ``setup=``/``file=`` inside ``snippets/``, pages and images inside the diary.

A folder ``outside/`` beside the diary holds a secret; the diary and the
snippets folder reach for it with ``..``, absolute paths and symlinks (to
files and to folders). Each attempt is a warning naming where it is written,
a snippet that tries is ``failed``, and the secret appears nowhere in the
site. Symlinks that stay inside are followed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from generator.snippets import include_problem
from tests.safety.conftest import build, journal, snippet, write_tree

SECRET = "TOP-SECRET-4242"

ENTRY = """Попытки выйти за snippets/.

```python file=../outside/secret.py
```

```python file=/etc/hostname
```

```python setup=linked
print("never")
```

```python file=dirlink/secret.py
```

```python file=inner/../../outside/secret.py
```
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("paths")
    write_tree(folder, {
        "outside/secret.py": f"print('{SECRET}')\n",
        "outside/secret.md": f"## 01.01.2022\n\n{SECRET}\n",
        "outside/photo.png": SECRET,
        "outside/folder/2022-01-02.md": SECRET,
        "diary/2022-01-05.md": ENTRY,
        "diary/2022-01-06.md": "Картинки: ![наружу](../outside/photo.png) ![внутри](img/alias.png)\n\n"
                                "```python file=alias.py\n```\n",
        "diary/img/real.png": "a picture",
        "snippets/inner.py": "print('inside')\n",
    })
    os.symlink(folder / "outside" / "secret.md", folder / "diary" / "outside.md")
    os.symlink(folder / "outside" / "photo.png", folder / "diary" / "img" / "leak.png")
    os.symlink(folder / "outside" / "folder", folder / "diary" / "linked-folder")
    os.symlink("real.png", folder / "diary" / "img" / "alias.png")  # inside: followed
    os.symlink(folder / "outside" / "secret.py", folder / "snippets" / "linked.py")
    os.symlink(folder / "outside", folder / "snippets" / "dirlink")
    os.symlink("inner.py", folder / "snippets" / "alias.py")  # inside: followed
    done = build(folder)
    assert done.returncode == 0, done.stderr
    return folder, done.stderr, journal(folder)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("diary/2022-01-05.md:3", "file=../outside/secret.py: ../outside/secret.py is outside snippets/"),
        ("diary/2022-01-05.md:6", "file=/etc/hostname: /etc/hostname is outside snippets/ (an absolute path)"),
        ("diary/2022-01-05.md:9", "setup=linked: snippets/linked.py is a symlink to a file outside snippets/; refused"),
        ("diary/2022-01-05.md:13", "file=dirlink/secret.py: snippets/dirlink/secret.py is a symlink to a file outside snippets/; refused"),
        ("diary/2022-01-05.md:16", "file=inner/../../outside/secret.py: inner/../../outside/secret.py is outside snippets/"),
    ],
)
def test_setup_and_file_stay_inside_snippets(built: tuple[Path, str, dict[str, Any]], where: str, message: str) -> None:
    folder, stderr, data = built
    assert f"{where}: warning: {message}" in stderr
    line = int(where.rsplit(":", 1)[1])
    (found,) = [s for e in data["entries"] for s in e["snippets"] if s["line"] == line and e["date"] == "2022-01-05"]
    assert found["status"] == "failed" and found["error"] == message


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("outside.md", "symlink to a file outside the diary: refused, not read or copied"),
        ("img/leak.png", "symlink to a file outside the diary: refused, not read or copied"),
        ("linked-folder", "symlink to a folder outside the diary: refused, nothing in it is read"),
    ],
)
def test_symlinks_out_of_the_diary_are_refused(built: tuple[Path, str, dict[str, Any]], name: str, message: str) -> None:
    _, stderr, data = built
    assert f"diary/{name}: warning: {message}" in stderr
    assert {"file": f"diary/{name}", "line": 0, "message": message} in data["warnings"]


def test_the_secret_is_nowhere_in_the_site(built: tuple[Path, str, dict[str, Any]]) -> None:
    folder, _, data = built
    for path in (folder / "site").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert sorted(p.relative_to(folder / "site" / "files").as_posix() for p in (folder / "site" / "files").rglob("*")
                  if p.is_file()) == ["img/alias.png", "img/real.png"]
    assert sorted(e["date"] for e in data["entries"]) == ["2022-01-05", "2022-01-06"]


def test_symlinks_that_stay_inside_are_followed(built: tuple[Path, str, dict[str, Any]]) -> None:
    folder, _, _ = built
    assert (folder / "site" / "files" / "img" / "alias.png").read_text() == "a picture"
    inside = snippet(folder, "2022-01-06-1")
    assert inside["status"] == "passed" and inside["stdout"] == "inside\n"
    page = (folder / "site" / "entries" / "2022-01-06.html").read_text(encoding="utf-8")
    assert 'src="../files/img/alias.png"' in page


@pytest.mark.parametrize("value", ["../x.py", "a/../../x.py", "/etc/passwd", "C:\\x.py", "x\\..\\y.py", "x\0.py", ""])
def test_include_paths_are_checked_without_the_disk(value: str) -> None:
    assert include_problem("file", value) is not None
    assert include_problem("file", "models/lenet.py") is None
