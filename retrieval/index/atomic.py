"""Writing files so that a reader never sees half of them, and one writer at a time: the lock,
the swap of a whole folder (renameat2's RENAME_EXCHANGE, or two renames), clearing what a killed
writer left, and fsync. The index folder (folder.py) and its segments (segments.py) use them."""

from __future__ import annotations

import ctypes
import errno
import glob
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

from retrieval.base.errors import IndexWriteFailed


@contextmanager
def index_lock(path: Path):
    """Held by a writer from reading the old index to swapping in the new one; another writer
    waits its turn (readers never wait: they see the old index or the new one)."""
    import fcntl

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path.parent / f".{path.name}.lock", "a+b")
    except OSError as e:
        raise IndexWriteFailed(str(path), f"cannot take the write lock: {e.strerror or e}") from None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        handle.close()  # closing releases the lock, also when the process dies


def swap_in(tmp: Path, path: Path) -> None:
    if not path.exists():
        os.rename(tmp, path)
        fsync_dir(path.parent)
        return
    if _exchange(tmp, path):  # atomic: path now holds the new index, tmp the old one
        shutil.rmtree(tmp, ignore_errors=True)
    else:  # no RENAME_EXCHANGE here: two renames, with the old kept until the new is in place
        old = path.parent / f".{path.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        os.rename(path, old)
        try:
            os.rename(tmp, path)
        except OSError:
            os.rename(old, path)
            raise
        shutil.rmtree(old, ignore_errors=True)
    fsync_dir(path.parent)


def _exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))


def remove_stale_temporaries(path: Path) -> None:
    """Folders left by a writer that was killed (its process is gone): temporary folders, and old
    indexes it had moved aside. The live index is never among them."""
    recover_interrupted_swap(path)
    for stale in _left_by_the_dead(path, "tmp") + _left_by_the_dead(path, "old"):
        shutil.rmtree(stale, ignore_errors=True)


def recover_interrupted_swap(path: Path) -> None:
    """A writer killed between the two renames of the fallback swap left no index at `path`, only
    the old one moved aside: put it back. (A writer still alive will finish its own swap.)"""
    path = Path(path)
    if path.exists():
        return
    olds = sorted(_left_by_the_dead(path, "old"), key=lambda p: p.stat().st_mtime)
    if olds:
        try:
            os.rename(olds[-1], path)
        except OSError:
            pass  # another process got there first; either way the old index is back


def _left_by_the_dead(path: Path, kind: str) -> list[Path]:
    """`.NAME.tmp-PID-XXXX` or `.NAME.old-PID-XXXX` folders whose process PID no longer runs."""
    out = []
    for folder in path.parent.glob(f".{glob.escape(path.name)}.{kind}-*-*"):
        pid = folder.name.rsplit("-", 2)[-2]
        if pid.isdigit() and not _alive(int(pid)):
            out.append(folder)
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fsync(file: Path) -> None:
    fd = os.open(file, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    try:
        fsync(folder)
    except OSError:
        pass  # some file systems cannot fsync a directory; the rename is still atomic
