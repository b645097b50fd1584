"""BM25 (bm25s) over texts, with English stemming and stopwords. Built when an index is written
and saved beside it (bm25s's own files: JSON and .npy arrays, no pickle), then memory-mapped when
the index is opened, so opening a large library does not tokenize it again."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from retrieval.base.imports import imported_without


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


# Optional packages bm25s imports whenever they are installed, for backends cited does not use:
# numba (installed with ranx, for eval) and scipy (its sparse matrices). Importing them slows a
# cold question; cited scores with bm25s's numpy backends, which need neither. And tqdm, for
# progress bars cited never asks bm25s for (show_progress=False everywhere): without it bm25s uses
# a pass-through (its own fallback).
_UNUSED_BY_BM25S = ("numba", "scipy", "tqdm")


def _bm25s():
    return imported_without("bm25s", _UNUSED_BY_BM25S)


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


def _idf(df: np.ndarray, n: int) -> np.ndarray:
    """bm25s's "lucene" idf, which its stored scores are multiplied by."""
    return np.log1p((n - df + 0.5) / (df + 0.5))


class SegmentedBm25:
    """BM25 over an index stored in parts (the index folder and its segments), each with its own
    saved bm25s index, scored as one: each part's stored scores are rescaled per query term from
    the part's idf to the idf over all parts' texts (Lucene sums document frequencies across
    segments the same way). Document lengths are still averaged per part, so scores differ a
    little from one index over everything until `cited compact` writes one. Rows of documents
    no longer live are dropped after scoring (`rows`: the live rows of each part, None for all)."""

    def __init__(self, parts: list[tuple[Bm25Index, np.ndarray | None]]) -> None:
        self.parts = parts
        self.size = sum(index.size if rows is None else len(rows) for index, rows in parts)
        self._total = sum(index.size for index, _ in parts)  # every stored text, live or not

    def _frequencies(self, index: Bm25Index, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The part's token ids for `tokens` (-1 where it has none) and their document frequencies."""
        if not index.size:
            return np.full(len(tokens), -1), np.zeros(len(tokens))
        vocab, indptr = index._bm25.vocab_dict, index._bm25.scores["indptr"]
        ids = np.array([vocab.get(t, -1) for t in tokens], dtype=np.int64)
        df = np.where(ids >= 0, indptr[ids + 1] - indptr[ids], 0) if len(ids) else np.zeros(0)
        return ids, df.astype(np.float64)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        looked_up = [self._frequencies(index, query_tokens) for index, _ in self.parts]
        df_total = sum(df for _, df in looked_up) if looked_up else np.zeros(0)
        global_idf = _idf(df_total, self._total)
        out, at = zeroed(self.size), 0
        for (index, rows), (ids, df) in zip(self.parts, looked_up):
            live = index.size if rows is None else len(rows)
            # A part without dead rows is scored in place, in its slice of the output.
            scores = out[at:at + live] if rows is None else zeroed(index.size)
            if index.size:
                stored = index._bm25.scores
                for token_id, part_df, idf in zip(ids, df, global_idf):
                    if token_id < 0:
                        continue
                    start, end = stored["indptr"][token_id], stored["indptr"][token_id + 1]
                    scale = idf / _idf(part_df, index.size)
                    # A token's postings name each text once, so a plain += is right. np.add.at (as
                    # bm25s uses with float32 values) falls to numpy's slow generic loop on these
                    # float64 products (docs/speed-and-scale.md). Same sums either way.
                    scores[stored["indices"][start:end]] += stored["data"][start:end] * scale
            if rows is not None:
                out[at:at + live] = scores[rows]
            at += live
        return out


def zeroed(n: int) -> np.ndarray:
    """n float32 zeros, written now. np.zeros leaves the zeroing to the kernel, page by page at first
    touch; touched at random, as a scatter of postings does, that costs far more at a million
    passages than writing them in order here."""
    out = np.empty(n, dtype=np.float32)
    out.fill(0.0)
    return out
