"""BM25 (bm25s) over texts, with English stemming and stopwords. Built in memory when an index
is loaded: a few milliseconds for an article, so nothing of it needs to be stored."""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


class Bm25Index:
    def __init__(self, texts: list[str]) -> None:
        import bm25s

        self.size = len(texts)
        self._bm25 = bm25s.BM25()
        if texts:
            self._bm25.index(tokenize(texts), show_progress=False)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every text for the query (zeros when nothing matches)."""
        if not self.size or not query_tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(query_tokens), dtype=np.float32)
