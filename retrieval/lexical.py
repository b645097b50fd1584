"""BM25 (bm25s) over texts, with English stemming and stopwords. Built when an index is written
and saved beside it (bm25s's own files: JSON and .npy arrays, no pickle), then memory-mapped when
the index is opened, so opening a large library does not tokenize it again."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

import numpy as np


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


# Optional packages bm25s imports whenever they are installed, for backends cited does not use:
# numba (installed with ranx, for eval) and scipy (its sparse matrices). Importing them adds
# 0.6 s to a cold question; cited scores with bm25s's numpy backends, which need neither.
_UNUSED_BY_BM25S = ("numba", "scipy")


def _bm25s():
    """bm25s, imported without the packages above (they stay importable for others after)."""
    if "bm25s" in sys.modules:
        return sys.modules["bm25s"]
    hidden = [name for name in _UNUSED_BY_BM25S if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # `import name` raises ImportError, for this import only
    try:
        import bm25s
    finally:
        for name in hidden:
            del sys.modules[name]
    return bm25s


def tokenize(texts: list[str]) -> list[list[str]]:
    bm25s = _bm25s()
    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


class Bm25Index:
    def __init__(self, texts: list[str]) -> None:
        bm25s = _bm25s()
        self.size = len(texts)
        self._bm25 = bm25s.BM25(backend="numpy", csc_backend="numpy")
        if texts:
            self._bm25.index(tokenize(texts), show_progress=False)

    def save(self, folder: Path) -> None:
        """bm25s's files in `folder` (only when it holds texts: an empty index is made, not read)."""
        if self.size:
            self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> "Bm25Index":
        """The index saved in `folder` for `size` texts, its arrays memory-mapped."""
        bm25s = _bm25s()
        index = cls.__new__(cls)
        index.size = size
        index._bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        index._bm25.backend = "numpy"
        return index

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every text for the query (zeros when nothing matches)."""
        if not self.size or not query_tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(query_tokens), dtype=np.float32)
