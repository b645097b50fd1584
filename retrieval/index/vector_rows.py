"""A few rows of a memory-mapped vector file, without keeping the rest of it in memory.

A question scores only its candidates' passages and sentences, but indexing the memory-mapped
array for them maps in the pages around each row as well (the kernel's fault-around: 64 KB per
touch). Scattered over a 100,000-passage index, that was the whole sentence file after the
first question. So once the rows
are copied out, the mapping's pages are let go (madvise DONTNEED: they stay in the page cache, and
a later touch maps them again). Reading each run of rows with os.pread instead kept nothing mapped,
but doubled a question's time at 100,000 passages (a system call per candidate); read with
os.preadv straight into the array, one call per run of rows (a candidate's sentences are one run),
it is faster than the mapping was, maps nothing, and is what rows_of does for an index's files
(opened).
Arrays held in memory (small indexes) are indexed as they are.

An index with segments keeps each part's vectors as they were opened (StackedRows), rather than
copying them into one array: at a million passages that copy was gigabytes, made again after each
add.
"""

from __future__ import annotations

import errno
import mmap
import os
import weakref
from pathlib import Path

import numpy as np


class StackedRows:
    """The rows of several arrays read as one array of their rows in order, without copying them
    together: indexing (a row, a slice, rows, a mask), len, shape and `@` give what the stacked
    array would. np.asarray copies them together; retriever.py adds each part to FAISS instead."""

    ndim = 2
    dtype = np.dtype(np.float32)

    def __init__(self, parts: list[np.ndarray]) -> None:
        self.parts = list(parts)
        self.starts = np.cumsum([0] + [len(p) for p in self.parts]).astype(np.int64)
        self.shape = (int(self.starts[-1]), int(self.parts[0].shape[1]))

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            row = int(key) + (len(self) if key < 0 else 0)
            if not 0 <= row < len(self):
                raise IndexError(f"row {key} of {len(self)}")
            part = int(np.searchsorted(self.starts, row, side="right")) - 1
            return np.asarray(self.parts[part][row - self.starts[part]], dtype=np.float32)
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            for part, first in zip(self.parts, self.starts):  # within one part: its own rows, not a copy
                if step == 1 and first <= start and stop <= first + len(part) and start < stop:
                    whole = start == first and stop == first + len(part)
                    return part if whole else part[start - first:stop - first]  # a view loses the part's file
            key = np.arange(start, stop, step)
        rows = np.asarray(key)
        return self.rows(np.flatnonzero(rows) if rows.dtype == bool else rows.astype(np.int64))

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """The rows asked, in their order, as one float32 array; each part's pages let go after."""
        rows = np.where(rows < 0, rows + len(self), rows)
        if len(rows) and (rows.min() < 0 or rows.max() >= len(self)):
            raise IndexError(f"rows outside 0…{len(self) - 1}")
        out = np.empty((len(rows), self.shape[1]), dtype=np.float32)
        part_of = np.searchsorted(self.starts, rows, side="right") - 1
        for part in np.unique(part_of):
            mine = part_of == part
            out[mine] = rows_of(self.parts[part], rows[mine] - self.starts[part])
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return np.vstack([np.asarray(p, dtype=dtype or np.float32) for p in self.parts])

    def __matmul__(self, other) -> np.ndarray:
        return np.concatenate([np.asarray(p) @ other for p in self.parts])


def parts(vectors) -> list[np.ndarray]:
    """The arrays holding the rows, in order (one, unless they are StackedRows)."""
    return vectors.parts if isinstance(vectors, StackedRows) else [vectors]


def rows_of(vectors: np.ndarray, rows) -> np.ndarray:
    """vectors[rows], as float32, leaving none of a memory-mapped file's pages mapped."""
    if isinstance(vectors, StackedRows):
        return vectors.rows(np.asarray(rows, dtype=np.int64))
    if getattr(vectors, "cited_file", None) is not None:
        return _read(vectors, np.asarray(rows, dtype=np.int64).reshape(-1))
    out = np.asarray(vectors[rows], dtype=np.float32)
    release(vectors)
    return out


def release(vectors: np.ndarray) -> None:
    """Let go of the pages of a memory-mapped array (as after FAISS copies it, or a question's rows
    are read): they stay in the page cache, but no longer in this process's memory."""
    if isinstance(vectors, StackedRows):
        for part in vectors.parts:
            release(part)
        return
    mapped = getattr(vectors, "_mmap", None)
    if isinstance(mapped, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        mapped.madvise(mmap.MADV_DONTNEED)


def opened(vectors: np.memmap, file: Path, offset: int) -> np.memmap:
    """The memory-mapped rows of `file` (from `offset`), with the file kept open beside them, so
    that rows_of reads a question's rows with os.preadv (the file that was opened: a later write
    swaps in another folder, never rewrites this one)."""
    fd = os.open(file, os.O_RDONLY)
    vectors.cited_file = (fd, offset)
    weakref.finalize(vectors, os.close, fd)
    return vectors


def _read(vectors: np.memmap, rows: np.ndarray) -> np.ndarray:
    """The rows, read from the file: one os.preadv per run of consecutive rows (a candidate's
    sentences are one run), straight into the array given back."""
    fd, offset = vectors.cited_file
    if len(rows) and (rows.min() < -len(vectors) or rows.max() >= len(vectors)):
        raise IndexError(f"rows outside 0…{len(vectors) - 1}")
    rows = np.where(rows < 0, rows + len(vectors), rows)
    width = vectors.shape[1] * 4
    out = np.empty((len(rows), vectors.shape[1]), dtype=np.float32)
    if not out.size:
        return out
    view = memoryview(out).cast("B")
    breaks = (np.flatnonzero(np.diff(rows) != 1) + 1).tolist()
    for start, end in zip([0, *breaks], [*breaks, len(rows)]):
        if end > start:
            want = (end - start) * width
            if os.preadv(fd, [view[start * width:end * width]], offset + int(rows[start]) * width) != want:
                raise OSError(errno.EIO, "a vector file is shorter than its rows")
    return out
