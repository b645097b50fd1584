"""A few rows of a memory-mapped vector file, read without bringing the rest of it into memory.

A question scores only its candidates' passages and sentences, but indexing the memory-mapped
array for them maps in the pages around each row as well (the kernel's fault-around: 64 KB per
touch, already in the page cache since the file was hashed at open). Scattered over a 100,000-
passage index, that was the whole 459 MB sentence file after the first question. So the rows of
an array opened from a file are read with os.pread, from the file as it was when the index was
opened (its descriptor is held with the array: a rewrite that replaces the file changes nothing
here). Arrays not opened from a file (small or joined indexes, held in memory) are indexed.
"""

from __future__ import annotations

import mmap
import os
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cited.errors import IndexCorrupt


@dataclass(frozen=True)
class _RowFile:
    array: weakref.ref
    fd: int
    offset: int  # bytes before the first row


_files: dict[int, _RowFile] = {}


def register(array: np.memmap, file: Path) -> np.memmap:
    """Note where `array` (memory-mapped from `file`) lives, so that its rows can be read from it."""
    fd = os.open(file, os.O_RDONLY)
    key = id(array)
    _files[key] = _RowFile(weakref.ref(array), fd, int(array.offset))
    weakref.finalize(array, _forget, key, fd)
    return array


def _forget(key: int, fd: int) -> None:
    entry = _files.get(key)
    if entry is not None and entry.fd == fd:
        del _files[key]
    os.close(fd)


def rows_of(vectors: np.ndarray, rows) -> np.ndarray:
    """vectors[rows] (float32), read from the file behind `vectors` when there is one: one read per
    run of consecutive rows (a passage's sentences are one run)."""
    entry = _files.get(id(vectors))
    if entry is None or entry.array() is not vectors:
        return np.asarray(vectors[rows], dtype=np.float32)
    rows = np.asarray(rows, dtype=np.int64).reshape(-1)
    dimension = vectors.shape[1]
    row_bytes = 4 * dimension
    out = np.empty((len(rows), dimension), dtype=np.float32)
    if not len(rows):
        return out
    order = np.argsort(rows, kind="stable")
    ordered = rows[order]
    if ordered[0] < 0 or ordered[-1] >= len(vectors):
        raise IndexError(f"row out of range: {int(ordered[0] if ordered[0] < 0 else ordered[-1])}")
    starts = np.flatnonzero(np.r_[True, np.diff(ordered) != 1])
    ends = np.r_[starts[1:], len(ordered)]
    read = np.empty_like(out)
    for start, end in zip(starts.tolist(), ends.tolist()):
        size = (end - start) * row_bytes
        data = os.pread(entry.fd, size, entry.offset + int(ordered[start]) * row_bytes)
        if len(data) != size:
            raise IndexCorrupt(getattr(vectors, "filename", "") or "index", "a vector file is shorter than its manifest says")
        read[start:end] = np.frombuffer(data, dtype="<f4").reshape(end - start, dimension)
    out[order] = read
    return out


def release(vectors: np.ndarray) -> None:
    """Let go of the pages of a memory-mapped array read through once (as when FAISS copies it):
    they stay in the page cache, but no longer in this process's memory."""
    mapped = getattr(vectors, "_mmap", None)
    if isinstance(mapped, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        mapped.madvise(mmap.MADV_DONTNEED)
