"""A few rows of a memory-mapped vector file, without keeping the rest of it in memory.

A question scores only its candidates' passages and sentences, but indexing the memory-mapped
array for them maps in the pages around each row as well (the kernel's fault-around: 64 KB per
touch, already in the page cache since the file was hashed at open). Scattered over a 100,000-
passage index, that was the whole 459 MB sentence file after the first question. So once the rows
are copied out, the mapping's pages are let go (madvise DONTNEED: they stay in the page cache, and
a later touch maps them again). Reading each run of rows with os.pread instead kept nothing mapped,
but doubled a question's time at 100,000 passages (a system call per candidate). Arrays held in
memory (small or joined indexes) are indexed as they are.
"""

from __future__ import annotations

import mmap

import numpy as np


def rows_of(vectors: np.ndarray, rows) -> np.ndarray:
    """vectors[rows], as float32, leaving none of a memory-mapped file's pages mapped."""
    out = np.asarray(vectors[rows], dtype=np.float32)
    release(vectors)
    return out


def release(vectors: np.ndarray) -> None:
    """Let go of the pages of a memory-mapped array (as after FAISS copies it, or a question's rows
    are read): they stay in the page cache, but no longer in this process's memory."""
    mapped = getattr(vectors, "_mmap", None)
    if isinstance(mapped, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        mapped.madvise(mmap.MADV_DONTNEED)
