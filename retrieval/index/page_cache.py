"""A large index's files read once, in the background, into the operating system's page cache.

Opening an index reads almost nothing: vectors, IVF lists and BM25 are memory-mapped or read row by
row as questions need them. So after a reboot (or once other files have pushed the index out of
memory), a server's questions read their rows from disk, scattered: at a million passages each
took seconds, for as long as new rows were needed. Read once, in order, by a background thread,
the files are soon all in the page cache, and questions take their warm time from then on
(docs/speed-and-scale.md has the figures).

Only for a server (Library.warm; a one-shot `cited ask` would only compete with its own question),
only above WARM_FROM bytes (a small index is read at open, or is still in the cache since it was
written), and only where the files fit in half the memory available (else the cache would push
out what it had just read, and the memory others use).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

WARM_FROM = 256 * 2**20
CHUNK = 16 * 2**20


def warm(folder: Path, available: int | None = None) -> threading.Thread | None:
    """Start reading every file of the index at `folder`, smallest first (BM25 and the passages'
    vectors before the sentences'); the thread, or None when the index is too small or too large."""
    sized = sorted((size, str(f)) for f in Path(folder).rglob("*") if (size := _size(f)) is not None)
    files, total = [Path(f) for _, f in sized], sum(size for size, _ in sized)
    available = available_memory() if available is None else available
    if total < WARM_FROM or total > available // 2:
        return None
    thread = threading.Thread(target=read_all, args=(files,), name="cited-warm", daemon=True)
    thread.start()
    return thread


def _size(file: Path) -> int | None:
    """The size of a file (None for a folder, or a file a write removed meanwhile)."""
    try:
        return file.stat().st_size if file.is_file() else None
    except OSError:
        return None


def read_all(files: list[Path]) -> int:
    """Read the files through (into a buffer that is thrown away); the bytes read."""
    buffer, read = bytearray(CHUNK), 0
    for file in files:
        try:
            with open(file, "rb", buffering=0) as f:
                while n := f.readinto(buffer):
                    read += n
        except OSError:  # replaced or removed meanwhile (a write): nothing of it to warm
            continue
    return read


def available_memory() -> int:
    """MemAvailable of /proc/meminfo (what can be used without swapping), else the free pages."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0
