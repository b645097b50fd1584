"""The vector files of an index folder: a flat FAISS index of a part's passage or sentence
vectors (written in blocks, byte for byte as FAISS writes it, and memory-mapped when read), and
the approximate (IVF) index of a large part's passages."""

from __future__ import annotations

import errno
import struct
from pathlib import Path

import numpy as np

from retrieval.index import vector_rows


def write_approximate(file: Path, vectors: np.ndarray, dimension: int) -> None:
    """An inverted-file index (FAISS IVF, inner product) of a large part's passage vectors: about
    √n lists, trained on a seeded sample of 64 vectors a list (k-means), every vector then filed
    in its nearest list. retrieval/search/dense.py probes a few lists per question instead of scanning n."""
    import faiss

    n = len(vectors)
    lists = max(1, int(np.sqrt(n)))
    sample = np.sort(np.random.default_rng(0).choice(n, size=min(n, 64 * lists), replace=False))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, lists, faiss.METRIC_INNER_PRODUCT)
    index.train(np.ascontiguousarray(vectors[sample], dtype=np.float32))
    for block in _blocks(vectors):
        index.add(block)
    try:
        faiss.write_index(index, str(file))
    except RuntimeError as e:  # FAISS's C++ error (a full disk among them), as the OSError every write gives
        raise OSError(errno.EIO, f"FAISS could not write {file.name}: {str(e).splitlines()[0][:200]}") from None


def read_approximate(file: Path, rows: int, dimension: int):
    """The IVF index write_approximate wrote, memory-mapped (its lists are read as questions
    probe them: opening copies nothing); IndexCorrupt-worthy ValueError if it is not one for
    `rows` vectors of `dimension`."""
    import faiss

    index = faiss.read_index(str(file), faiss.IO_FLAG_MMAP_IFC)
    if not isinstance(index, faiss.IndexIVFFlat) or index.ntotal != rows or index.d != dimension:
        raise ValueError(f"not an IVF index of {rows} vectors")
    return index


# FAISS's file of a flat inner-product index: "IxFI", d (int32), ntotal (int64), two unused int64
# (FAISS writes 1 << 20), is_trained (uint8), metric (int32, 0: inner product), the number of
# floats (uint64), then the floats.
FLAT_HEADER = struct.Struct("<4siqqqBiQ")


def write_flat_vectors(file: Path, vectors: np.ndarray, dimension: int) -> None:
    """The file faiss.write_index makes of an IndexFlatIP holding `vectors`, byte for byte, written
    here in blocks: FAISS would first copy them into its index and then into its serialized bytes
    (three times the vectors in memory, 14 GB for a million passages' sentences). Written by
    Python, a full disk is an OSError (ENOSPC) like every other write."""
    n = len(vectors)
    with open(file, "wb") as f:
        f.write(FLAT_HEADER.pack(b"IxFI", dimension, n, 1 << 20, 1 << 20, 1, 0, n * dimension))
        for block in _blocks(vectors):
            f.write(block.tobytes())


def _blocks(vectors: np.ndarray, rows: int = 65_536):
    """The vectors as contiguous float32 blocks of `rows` rows: one block in memory at a time."""
    for start in range(0, len(vectors), rows):
        yield np.ascontiguousarray(vectors[start:start + rows], dtype="<f4")





def flat_vectors(file: Path) -> np.ndarray:
    """The vectors of a saved flat FAISS index, memory-mapped where the file is the plain layout
    of FLAT_HEADER (opening a large index copies nothing; pages are read as questions touch them), else
    read through FAISS."""
    with open(file, "rb") as f:
        head = f.read(FLAT_HEADER.size)
    if len(head) == FLAT_HEADER.size:
        fourcc, d, n, _, _, _, metric, floats = FLAT_HEADER.unpack(head)
        if fourcc == b"IxFI" and metric == 0 and d > 0 and n >= 0 and floats == n * d \
                and file.stat().st_size == FLAT_HEADER.size + 4 * floats:
            if n == 0:
                return np.zeros((0, d), dtype=np.float32)
            vectors = np.memmap(file, dtype="<f4", mode="r", offset=FLAT_HEADER.size, shape=(n, d))
            return vector_rows.opened(vectors, file, FLAT_HEADER.size)
    import faiss

    return _vectors(faiss.read_index(str(file)))


def _vectors(index) -> np.ndarray:
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return index.reconstruct_n(0, index.ntotal).astype(np.float32, copy=False)  # already float32: no second copy
