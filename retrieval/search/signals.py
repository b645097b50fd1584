"""The signals hybrid search fuses, declared in one table: each has a name (what
Settings.weights and `cited eval --tune` call it), the stage it runs in, and the function that
computes it from a question's raw scores.

- The raw scores (Scores): every passage's dense similarity and BM25 score, and every sentence's;
  above EXACT_BELOW passages only the candidates' (retrieval/search/retriever.py).
- A "first" stage signal scores every passage, and proposes candidates when the library is too
  large to score every passage with every signal; a "second" stage one scores the candidates.
- Each signal is z-scored over the candidates and summed with its weight (fusion.py).

Adding a signal is one entry below, its function, and its weight in Settings.weights.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from retrieval.base.errors import CitedError
from retrieval.search.fusion import weighted_zscore_sum

FIRST, SECOND = "first", "second"


@dataclass(frozen=True)
class Scores:
    """A question's raw scores: per chunk row and per sentence row (-1 for the dense, 0 for BM25,
    where a two-stage search did not score), and `best`, which gives each chunk its sentences'
    best score (of the candidates only, in a two-stage search)."""

    chunk_dense: np.ndarray
    sentence_dense: np.ndarray
    chunk_bm25: np.ndarray
    sentence_bm25: np.ndarray
    best: Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Signal:
    name: str
    stage: str  # FIRST or SECOND
    about: str
    compute: Callable[[Scores], np.ndarray]  # one value per chunk row


SIGNALS: tuple[Signal, ...] = (
    Signal("passage_dense", FIRST, "the passage's dense similarity to the question", lambda s: s.chunk_dense),
    Signal("sentence_dense", SECOND, "its best sentence's dense similarity", lambda s: s.best(s.sentence_dense)),
    Signal("passage_bm25", FIRST, "the passage's BM25 score", lambda s: s.chunk_bm25),
    Signal("sentence_bm25", SECOND, "its best sentence's BM25 score", lambda s: s.best(s.sentence_bm25)),
)
NAMES = tuple(s.name for s in SIGNALS)


@dataclass(frozen=True)
class Signals:
    """What each signal says of a question, per chunk row (`by_name`), and the raw scores they were
    computed from, which the answerer reuses for the sentences. `candidates`: the chunk rows a
    two-stage search scored, or None for every row."""

    by_name: Mapping[str, np.ndarray]
    scores: Scores
    candidates: np.ndarray | None = None

    @property
    def chunk_dense(self) -> np.ndarray:
        return self.scores.chunk_dense

    @property
    def chunk_bm25(self) -> np.ndarray:
        return self.scores.chunk_bm25

    @property
    def sentence_dense(self) -> np.ndarray:
        return self.scores.sentence_dense

    @property
    def sentence_bm25(self) -> np.ndarray:
        return self.scores.sentence_bm25

    def columns(self, rows: np.ndarray) -> list[np.ndarray]:
        """Each signal's values at these chunk rows, in the table's order."""
        return [self.by_name[name][rows] for name in NAMES]


def signals_of(scores: Scores, candidates: np.ndarray | None = None) -> Signals:
    return Signals({s.name: s.compute(scores) for s in SIGNALS}, scores, candidates)


def fused(signals: Signals, rows: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
    """The hybrid score of each of these chunk rows: Σ weight · zscore(signal)."""
    return weighted_zscore_sum(signals.columns(rows), [weights[name] for name in NAMES])


def check_weights(weights: Mapping[str, float]) -> None:
    """Weights name every signal of the table, and only those."""
    unknown, missing = sorted(set(weights) - set(NAMES)), [n for n in NAMES if n not in weights]
    if unknown or missing:
        raise CitedError(f"The hybrid weights must name each signal once ({', '.join(NAMES)}); "
                         + (f"unknown: {', '.join(unknown)}" if unknown else f"missing: {', '.join(missing)}") + ".")
