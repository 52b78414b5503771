"""The only writer of the site folder: locked, checked, atomic.

The new site is written into a staging folder beside the old one
(``.site.new-PID``) and swapped in whole: with one atomic ``renameat2``
exchange where the system has it, else with two renames. So a build that
fails or is interrupted (an exception, Ctrl-C, SIGKILL) leaves the previous
site as it was, and pages of deleted entries disappear with the old folder.
A killed build can leave a staging folder behind (or, between the two
fallback renames, the previous site under ``.site.old-PID``): the next
build puts such a previous site back if ``site/`` is missing, and removes
the rest before it writes.

`site_lock` keeps two builds from writing the same folder at once: it takes
an exclusive ``flock`` on ``.site.lock`` beside the folder, and a second
build fails at once with a message naming the first one's process (the
kernel releases the lock when a build dies, however it dies).
`check_target` refuses an output folder that would swallow the diary, or
that holds something other than a site tetrad built.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from .errors import BusyError, TetradError, UsageError

MARKER = "journal.json"  # every site tetrad builds has it at its top


def staging_names(out: Path) -> tuple[str, str]:
    """The prefixes of the staging folder and of a retired site beside ``out``."""
    return f".{out.name}.new-", f".{out.name}.old-"


def lock_path(out: Path) -> Path:
    """The lock file of the output folder ``out``: ``.site.lock`` beside it."""
    out = out.resolve()
    return out.with_name(f".{out.name}.lock")


@contextmanager
def site_lock(out: Path) -> Iterator[None]:
    """Hold the output folder's lock for the block, or raise `BusyError` at once if another build holds it."""
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            who = f" (process {holder})" if holder.isdigit() else ""
            raise BusyError(
                f"another build is writing {out.as_posix()}{who}; wait for it to end, or stop it and build again "
                f"(lock file {path.name})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def check_target(out: Path, *, diary: Path, keep: Sequence[Path] = ()) -> None:
    """Refuse an output folder whose replacement would lose work: raise `UsageError`.

    ``out`` may not be the diary or another folder of ``keep`` (the
    snippets), hold one of them, or lie inside the diary. An existing ``out``
    must be a folder that is empty or holds a site tetrad built (its
    ``journal.json``): a folder of other files is never replaced.
    """
    target = out.resolve()
    for folder in (diary, *keep):
        if folder.exists() and folder.resolve().is_relative_to(target):
            raise UsageError(f"--out {out.as_posix()} would replace {folder.as_posix()}; give the site a folder of its own")
    if diary.exists() and target.is_relative_to(diary.resolve()):
        raise UsageError(f"--out {out.as_posix()} is inside the diary folder {diary.as_posix()}; put the site elsewhere")
    if target.exists() and not target.is_dir():
        raise UsageError(f"--out {out.as_posix()} is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise UsageError(
            f"--out {out.as_posix()} holds files but no site built by tetrad (no {MARKER}); "
            "not replacing it: empty it or choose another folder"
        )


def update_site(out: Path, files: Mapping[str, bytes], copies: Mapping[str, Path], reuse: Sequence[str]) -> None:
    """`write_site` for `build-site serve`: change the site where it is, file by file.

    Each new or changed file is written beside itself and renamed over it (a
    page being served is always whole), files of ``reuse`` are left as they
    are, and the rest (pages of deleted entries) removed. A rebuild after one
    edit touches a few dozen files instead of relinking thousands; the price
    is that the site as a whole is not swapped in at once. ``reuse`` names
    files the caller found in the site (`Memo.unchanged` looks). Where ``out``
    is not a site yet, it falls back to `write_site`.
    """
    for rel in (*files, *copies, *reuse):
        _check_site_path(rel)
    folder = os.fspath(out)
    if not (out / MARKER).is_file():
        write_site(out, files, copies, reuse)
        return
    made: set[str] = set()
    tmp = f".tetrad-{os.getpid()}.tmp"
    try:
        for rel, data in sorted(files.items()):
            directory = os.path.join(folder, rel.rpartition("/")[0])
            if directory not in made:
                os.makedirs(directory, exist_ok=True)
                made.add(directory)
            with open(os.path.join(directory, tmp), "wb") as stream:
                stream.write(data)
            os.replace(os.path.join(directory, tmp), os.path.join(folder, rel))
        for rel, src in sorted(copies.items()):
            directory = os.path.join(folder, rel.rpartition("/")[0])
            os.makedirs(directory, exist_ok=True)
            shutil.copyfile(src, os.path.join(directory, tmp))
            os.replace(os.path.join(directory, tmp), os.path.join(folder, rel))
    except OSError as exc:
        raise TetradError(f"cannot write the site to {out.as_posix()}: {exc.strerror or exc}") from exc
    keep = {*files, *copies, *reuse}
    for root, dirs, names in os.walk(folder, topdown=False):
        relative_root = os.path.relpath(root, folder)
        for name in names:
            rel = name if relative_root == "." else f"{relative_root}/{name}"
            if rel not in keep:
                os.unlink(os.path.join(root, name))
        if root != folder and not os.listdir(root):
            os.rmdir(root)


def write_site(out: Path, files: Mapping[str, bytes], copies: Mapping[str, Path], reuse: Sequence[str] = ()) -> None:
    """Write ``files`` (site path -> bytes) and ``copies`` (site path -> file to copy) as the folder ``out``.

    ``reuse`` names files to take unchanged from the previous site (linked, not
    rewritten): an incremental build renders only what changed.

    A site path that would leave the folder (absolute, ``..``) is refused
    before anything is written. Call it holding `site_lock`.
    """
    out = out.resolve()
    for rel in (*files, *copies, *reuse):
        _check_site_path(rel)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(out)
    new, _ = staging_names(out)
    staging = out.with_name(f"{new}{os.getpid()}")
    made: set[str] = set()

    def place(rel: str) -> str:
        """The staging path of ``rel``, its folder made (plain strings: thousands of files pass here)."""
        folder, _, _ = rel.rpartition("/")
        if folder not in made:
            os.makedirs(os.path.join(staging, folder), exist_ok=True)
            made.add(folder)
        return os.path.join(staging, rel)

    try:
        for rel, data in sorted(files.items()):
            with open(place(rel), "wb") as stream:
                stream.write(data)
        for rel, src in sorted(copies.items()):
            shutil.copyfile(src, place(rel))
        previous = os.fspath(out)
        for rel in sorted(reuse):
            target = place(rel)
            try:
                os.link(os.path.join(previous, rel), target)  # the old site is retired whole, so sharing the inode is safe
            except OSError:
                shutil.copyfile(os.path.join(previous, rel), target)
        staging.mkdir(exist_ok=True)  # an empty site is still a folder
        _swap_in(staging, out)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise TetradError(f"cannot write the site to {out.as_posix()}: {exc.strerror or exc}; the previous site is unchanged") from exc
        raise
    shutil.rmtree(staging, ignore_errors=True)  # after an exchange it holds the previous site


def clean_stale(out: Path) -> None:
    """Remove what killed builds left beside ``out``, first putting a previous site back if ``out`` is missing."""
    new, old = staging_names(out)
    left = sorted(p for p in out.parent.iterdir() if p.name.startswith((new, old)) and p.is_dir() and not p.is_symlink())
    retired = [p for p in left if p.name.startswith(old)]
    if not out.exists() and retired:
        retired[-1].rename(out)  # killed between the fallback's two renames: the previous site
        left.remove(retired[-1])
    for path in left:
        shutil.rmtree(path, ignore_errors=True)


def _check_site_path(rel: str) -> None:
    if "\0" in rel or "\\" in rel or rel.startswith("/") or any(p in ("", ".", "..") for p in rel.split("/")):
        raise TetradError(f"refusing to write {rel!r}: a site path must stay inside the site folder")


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap_in(staging: Path, out: Path) -> None:
    """Make ``staging`` the folder ``out``; afterwards ``staging`` holds the previous site, if there was one."""
    if not out.exists():
        staging.rename(out)
        return
    if _exchange(staging, out):
        return
    _, old = staging_names(out)
    retired = out.with_name(f"{old}{os.getpid()}")
    out.rename(retired)
    try:
        staging.rename(out)
    except BaseException:
        retired.rename(out)
        raise
    retired.rename(staging)
